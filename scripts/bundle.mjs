// Bundles an app's entry into one ESM file: spawn cost matters for a CLI and a stdio MCP server.
import { build } from "esbuild"
import { chmodSync } from "node:fs"

const [entry, outfile] = process.argv.slice(2)
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minifySyntax: true,
  treeShaking: true,
  legalComments: "none",
  banner: {
    js: [
      "#!/usr/bin/env node",
      'import { createRequire as __smsCreateRequire } from "node:module";',
      "const require = __smsCreateRequire(import.meta.url);"
    ].join("\n")
  },
  logLevel: "warning"
})
chmodSync(outfile, 0o755)
