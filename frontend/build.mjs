// Builds the card into one minified ES module: `node build.mjs [outfile]`.
// Without an outfile it writes the file the integration serves.
import { build } from "esbuild";

const outfile = process.argv[2] ?? "../custom_components/pbx/frontend/pbx-switchboard-card.js";

await build({
  entryPoints: ["src/index.ts"],
  outfile,
  bundle: true,
  format: "esm",
  target: "es2021",
  minify: true,
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
});
