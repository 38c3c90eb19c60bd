/** Entry point: activate starts the language client and registers the commands;
 * deactivate stops the server. Everything else lives in the modules imported here. */
import type * as vscode from "vscode";
import { MatdiffClient } from "./client";
import { registerCommands } from "./commands";

let client: MatdiffClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  client = new MatdiffClient();
  context.subscriptions.push(...registerCommands(client, context.extensionUri));
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.dispose();
  client = undefined;
}
