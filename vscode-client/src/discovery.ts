/**
 * Finding the server, in order: the `matdiff.server.command` setting; the
 * `matdiff.server.interpreter` setting; `matdiff` on PATH; the Python extension's selected
 * interpreter running `-m matdiff lsp` (if matdiff imports there). Otherwise a message that
 * says what to install and where.
 *
 * Pure: the file system, PATH and the Python extension come in as `DiscoveryEnv`.
 */
import * as path from "node:path";
import type { LaunchSettings } from "./settings";

export interface ServerCommand {
  command: string;
  args: string[];
  /** How it was found, for the log. */
  source: "setting" | "interpreter setting" | "PATH" | "Python extension";
}

export interface NotFound {
  message: string;
  /** The command to run, for the "Copy install command" button. */
  install: string;
}

export interface DiscoveryEnv {
  /** PATH, split by the platform's delimiter on use. */
  path: string | undefined;
  platform: NodeJS.Platform;
  isExecutable: (file: string) => boolean;
  /** The Python extension's interpreter for the document, if it is installed and has one. */
  pythonExtensionInterpreter: () => Promise<string | undefined>;
  /** Whether `python -c "import matdiff"` succeeds. */
  hasMatdiff: (python: string) => Promise<boolean>;
}

export const MODULE_ARGS = ["-m", "matdiff", "lsp"];

/** The first executable `name` on `searchPath` (with `.exe`/`.cmd` on Windows). */
export function which(
  name: string,
  searchPath: string | undefined,
  platform: NodeJS.Platform,
  isExecutable: (file: string) => boolean,
): string | undefined {
  if (!searchPath) {
    return undefined;
  }
  const delimiter = platform === "win32" ? ";" : ":";
  const suffixes = platform === "win32" ? [".exe", ".cmd", ".bat", ""] : [""];
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) {
      continue;
    }
    for (const suffix of suffixes) {
      const file = path.join(dir, name + suffix);
      if (isExecutable(file)) {
        return file;
      }
    }
  }
  return undefined;
}

/** The shell command that installs matdiff into `python` from a source checkout. */
export function installCommand(python: string | undefined): string {
  const py = python ? quote(python) : "python3";
  return `${py} -m pip install /path/to/matdiff`;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, "\\$1")}"`;
}

export async function findServer(
  settings: LaunchSettings,
  env: DiscoveryEnv,
): Promise<ServerCommand | NotFound> {
  const [program, ...args] = settings.command;
  if (program !== undefined) {
    return { command: program, args, source: "setting" };
  }
  if (settings.interpreter) {
    return { command: settings.interpreter, args: [...MODULE_ARGS], source: "interpreter setting" };
  }
  const onPath = which("matdiff", env.path, env.platform, env.isExecutable);
  if (onPath !== undefined) {
    return { command: onPath, args: ["lsp"], source: "PATH" };
  }
  const python = await env.pythonExtensionInterpreter();
  if (python !== undefined && (await env.hasMatdiff(python))) {
    return { command: python, args: [...MODULE_ARGS], source: "Python extension" };
  }
  const install = installCommand(python);
  const where =
    python === undefined
      ? "matdiff is not on PATH and no Python interpreter is selected"
      : `matdiff is not on PATH and not installed in the selected Python (${python})`;
  return {
    message:
      `matdiff: the language server was not found: ${where}. ` +
      `Install it from a matdiff checkout with \`${install}\`, ` +
      "or set matdiff.server.command (or matdiff.server.interpreter).",
    install,
  };
}

export function isFound(result: ServerCommand | NotFound): result is ServerCommand {
  return "command" in result;
}
