// Bundle src/extension.ts, vscode-languageclient and KaTeX into one CommonJS file, dist/extension.js.
import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";

const production = process.argv.includes("--production");
await esbuild.build({
  entryPoints: ["src/extension.ts"],
  bundle: true,
  outfile: "dist/extension.js",
  external: ["vscode"],
  format: "cjs",
  platform: "node",
  target: "node20",
  minify: production,
  sourcemap: !production,
  logLevel: "warning",
});

// KaTeX's stylesheet and woff2 fonts beside the bundle, for the derivative panel's webview
// (offline: the .vsix carries them).  The stylesheet keeps only its woff2 sources, so the
// webview asks for no font file that is not there.
const katexDist = path.join("node_modules", "katex", "dist");
const katexOut = path.join("dist", "katex");
fs.rmSync(katexOut, { recursive: true, force: true });
fs.mkdirSync(path.join(katexOut, "fonts"), { recursive: true });
const css = fs
  .readFileSync(path.join(katexDist, "katex.min.css"), "utf8")
  .replace(/,url\(fonts\/[^)]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)/g, "");
fs.writeFileSync(path.join(katexOut, "katex.min.css"), css);
for (const font of fs.readdirSync(path.join(katexDist, "fonts"))) {
  if (font.endsWith(".woff2")) {
    fs.copyFileSync(path.join(katexDist, "fonts", font), path.join(katexOut, "fonts", font));
  }
}
fs.copyFileSync(path.join("node_modules", "katex", "LICENSE"), path.join(katexOut, "LICENSE"));
