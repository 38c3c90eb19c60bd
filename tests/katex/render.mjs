// Renders LaTeX with KaTeX, strictly: reads JSON lines from stdin, each a string of LaTeX or
// {"id": ..., "latex": ...}; prints one JSON line per failure ({"id", "latex", "error"}) and
// exits 1 if any failed, 0 otherwise.  Used by tests/engine/test_latex_katex.py.
import katex from "katex";
import { createInterface } from "node:readline";

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
let failures = 0;
let count = 0;
for await (const line of lines) {
  if (!line.trim()) continue;
  const item = JSON.parse(line);
  const latex = typeof item === "string" ? item : item.latex;
  const id = typeof item === "string" ? count : item.id;
  count += 1;
  try {
    katex.renderToString(latex, { throwOnError: true, strict: "error", displayMode: true });
  } catch (err) {
    failures += 1;
    console.log(JSON.stringify({ id, latex, error: String(err && err.message ? err.message : err) }));
  }
}
console.error(`katex ${katex.version}: ${count} rendered, ${failures} failed`);
process.exit(failures ? 1 : 0);
