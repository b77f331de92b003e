// Parse each Mermaid file given with mermaid.js, as GitLab and GitHub do before drawing it.
// Used by tests/test_draw.py when bench/.envs/mermaid holds mermaid and jsdom (MERMAID_MODULES
// names its node_modules); exit 1 and one line per file that does not parse.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const modules = process.env.MERMAID_MODULES;
const require = createRequire(path.join(modules, "resolve.js"));
const { JSDOM } = require("jsdom");
const dom = new JSDOM("<!DOCTYPE html><body></body>", { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const mermaid = (await import(pathToFileURL(require.resolve("mermaid")).href)).default;
mermaid.initialize({ startOnLoad: false });
let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    await mermaid.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    failed += 1;
    console.log(`${file}: ${String(error.message || error).split("\n").slice(0, 4).join(" | ")}`);
  }
}
process.exit(failed ? 1 : 0);
