/**
 * The extension's settings: what the server reads (section `matdiff`: `layout`, `stepsOnHover`,
 * `numericCheck`) and what only the client reads (`server.command`, `server.interpreter`).
 *
 * Pure: a `Section` is anything with VS Code's `get(key)`, so tests pass a plain object.
 */

export const SECTION = "matdiff";
export const LAYOUTS = ["gradient", "numerator", "both"] as const;
export type Layout = (typeof LAYOUTS)[number];

/** Exactly the keys the server's `Settings.from_dict` understands, with valid values. */
export interface ServerSettings {
  layout: Layout;
  stepsOnHover: boolean;
  numericCheck: boolean;
}

/** How the user asked to start the server, if they did. */
export interface LaunchSettings {
  command: string[];
  interpreter: string;
}

export interface Section {
  get(key: string): unknown;
}

export const DEFAULTS: ServerSettings = { layout: "both", stepsOnHover: true, numericCheck: true };

function isLayout(value: unknown): value is Layout {
  return typeof value === "string" && (LAYOUTS as readonly string[]).includes(value);
}

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === "boolean" ? value : fallback;
}

/** The `matdiff` section as the server wants it: the client-only keys left out, and values
 * of the wrong type replaced by the defaults. */
export function serverSettings(section: Section): ServerSettings {
  const layout = section.get("layout");
  return {
    layout: isLayout(layout) ? layout : DEFAULTS.layout,
    stepsOnHover: bool(section.get("stepsOnHover"), DEFAULTS.stepsOnHover),
    numericCheck: bool(section.get("numericCheck"), DEFAULTS.numericCheck),
  };
}

/** `server.command` as a list of non-empty strings (a single string is one program), and
 * `server.interpreter` trimmed. */
export function launchSettings(section: Section): LaunchSettings {
  const raw = section.get("server.command");
  let command: string[] = [];
  if (typeof raw === "string") {
    command = raw.trim() ? [raw.trim()] : [];
  } else if (Array.isArray(raw)) {
    command = raw.filter((a): a is string => typeof a === "string" && a.length > 0);
  }
  const interpreter = section.get("server.interpreter");
  return { command, interpreter: typeof interpreter === "string" ? interpreter.trim() : "" };
}

/** Whether a configuration change concerns the server (restart) or only what it shows. */
export function needsRestart(affects: (key: string) => boolean): boolean {
  return affects(`${SECTION}.server`);
}
