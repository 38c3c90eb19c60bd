/**
 * What discovery needs from the machine: PATH lookups, and the interpreter the Python
 * extension (ms-python.python) has selected, through its public API (the `environments`
 * API, or the older `settings.getExecutionDetails`).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as vscode from "vscode";
import type { DiscoveryEnv } from "./discovery";

interface PythonEnvironmentsApi {
  getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
  resolveEnvironment(
    env: { path: string },
  ): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
}

interface PythonExtensionApi {
  environments?: PythonEnvironmentsApi;
  settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined };
  };
}

export const PYTHON_EXTENSION = "ms-python.python";

async function selectedInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION);
  if (extension === undefined) {
    return undefined;
  }
  const api = extension.isActive ? extension.exports : await extension.activate();
  if (api.environments !== undefined) {
    const env = await api.environments.resolveEnvironment(
      api.environments.getActiveEnvironmentPath(resource),
    );
    const executable = env?.executable.uri?.fsPath;
    if (executable) {
      return executable;
    }
  }
  return api.settings?.getExecutionDetails(resource).execCommand?.[0];
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function hasMatdiff(python: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(python, ["-c", "import matdiff"], { timeout: 15_000 }, (error) => {
      resolve(error === null);
    });
  });
}

/** The real machine, for a document `resource` (whose folder picks the interpreter). */
export function machine(resource: vscode.Uri | undefined): DiscoveryEnv {
  return {
    path: process.env.PATH,
    platform: process.platform,
    isExecutable,
    pythonExtensionInterpreter: async () => {
      try {
        return await selectedInterpreter(resource);
      } catch {
        return undefined; // an old or broken Python extension is as good as none
      }
    },
    hasMatdiff,
  };
}
