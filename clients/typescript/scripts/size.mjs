// Prints the size of the SDK as an application ships it: bundled from src/index.ts, minified, as
// ESM, raw and gzipped (level 9). Usage: npm run size
import { build } from "esbuild";
import { gzipSync } from "node:zlib";

const result = await build({
  entryPoints: [new URL("../src/index.ts", import.meta.url).pathname],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  write: false,
});
const code = result.outputFiles[0].contents;
console.log(`@parley/client: ${code.length} bytes minified, ${gzipSync(code, { level: 9 }).length} bytes minified+gzip`);
