/**
 * The language client: finds the server, starts it over stdio, restarts it after a crash a
 * bounded number of times, and answers the server's `workspace/configuration` with exactly
 * the settings it understands.
 */
import * as vscode from "vscode";
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  type ErrorHandler,
  type Executable,
  type LanguageClientOptions,
} from "vscode-languageclient/node";
import { findServer, isFound, type NotFound, type ServerCommand } from "./discovery";
import { machine } from "./python";
import { crashMessage, RestartPolicy } from "./restarts";
import { launchSettings, needsRestart, SECTION, serverSettings } from "./settings";

export const LANGUAGE = "matdiff";
const OPEN_SETTING = "Open setting";
const SHOW_OUTPUT = "Show output";

export class MatdiffClient implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel("matdiff", { log: true });
  private client: LanguageClient | undefined;
  private readonly policy = new RestartPolicy();
  private readonly listener: vscode.Disposable;

  constructor() {
    this.listener = vscode.workspace.onDidChangeConfiguration((event) => {
      void this.configurationChanged(event);
    });
  }

  /** The running client, or undefined (with the reason shown) if there is none. */
  get running(): LanguageClient | undefined {
    return this.client?.isRunning() ? this.client : undefined;
  }

  async start(): Promise<void> {
    const resource = vscode.window.activeTextEditor?.document.uri;
    const section = vscode.workspace.getConfiguration(SECTION, resource);
    const found = await findServer(launchSettings(section), machine(resource));
    if (!isFound(found)) {
      this.output.error(found.message);
      void this.notFound(found);
      return;
    }
    const line = [found.command, ...found.args].join(" ");
    this.output.info(`Starting the server (found via ${found.source}): ${line}`);
    const client = new LanguageClient(LANGUAGE, "matdiff", this.executable(found), this.options());
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      const message = `matdiff: could not start the language server \`${line}\`: ${String(error)}`;
      this.output.error(message);
      void this.offer(message, found.source === "setting" ? OPEN_SETTING : SHOW_OUTPUT);
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) {
      try {
        await client.dispose(2000);
      } catch (error) {
        this.output.warn(`Stopping the server: ${String(error)}`);
      }
    }
  }

  /** A restart the user asked for: the crash count starts again. */
  async restart(): Promise<void> {
    this.policy.reset();
    await this.stop();
    await this.start();
  }

  /** Run one of the server's `workspace/executeCommand` commands. */
  async execute(command: string, args: unknown): Promise<unknown> {
    const client = this.running;
    if (client === undefined) {
      throw new Error("the matdiff language server is not running (see its output)");
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [args] });
  }

  async dispose(): Promise<void> {
    this.listener.dispose();
    await this.stop();
    this.output.dispose();
  }

  private executable(found: ServerCommand): Executable {
    // No `transport`: with TransportKind.stdio the client would append `--stdio`.
    return { command: found.command, args: found.args, options: { env: process.env } };
  }

  private options(): LanguageClientOptions {
    return {
      // matdiff documents, and the matdiff blocks of Python and Markdown files (the server
      // answers only inside `# matdiff:` comment runs and ```matdiff fences).
      documentSelector: [{ language: LANGUAGE }, { language: "python" }, { language: "markdown" }],
      outputChannel: this.output,
      errorHandler: this.errorHandler(),
      middleware: {
        workspace: {
          configuration: async (params, token, next) => {
            const answers = await next(params, token);
            if (!Array.isArray(answers)) {
              return answers;
            }
            return params.items.map((item, i): unknown =>
              item.section === SECTION
                ? serverSettings(
                    vscode.workspace.getConfiguration(
                      SECTION,
                      item.scopeUri === undefined ? undefined : vscode.Uri.parse(item.scopeUri),
                    ),
                  )
                : answers[i],
            );
          },
        },
      },
    };
  }

  private errorHandler(): ErrorHandler {
    return {
      error: (_error, _message, count) => ({
        action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
      }),
      closed: () => {
        const restarting = this.policy.crashed(Date.now());
        const message = crashMessage(restarting, this.policy);
        this.output.error(message);
        void this.offer(message, SHOW_OUTPUT);
        return { action: restarting ? CloseAction.Restart : CloseAction.DoNotRestart, handled: true };
      },
    };
  }

  private async configurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
    if (needsRestart((key) => event.affectsConfiguration(key))) {
      this.output.info("The server settings changed: restarting the server.");
      await this.restart();
    } else if (event.affectsConfiguration(SECTION) && this.running !== undefined) {
      const settings = serverSettings(vscode.workspace.getConfiguration(SECTION));
      await this.running.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { [SECTION]: settings },
      });
    }
  }

  private async notFound(found: NotFound): Promise<void> {
    const copy = "Copy install command";
    const choice = await vscode.window.showErrorMessage(found.message, OPEN_SETTING, copy);
    if (choice === OPEN_SETTING) {
      await openSetting();
    } else if (choice === copy) {
      await vscode.env.clipboard.writeText(found.install);
    }
  }

  private async offer(message: string, action: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, action);
    if (choice === OPEN_SETTING) {
      await openSetting();
    } else if (choice === SHOW_OUTPUT) {
      this.output.show(true);
    }
  }
}

export async function openSetting(): Promise<void> {
  await vscode.commands.executeCommand("workbench.action.openSettings", `${SECTION}.server`);
}
