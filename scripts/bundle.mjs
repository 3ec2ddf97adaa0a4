// Bundles an app's entry into ESM with code splitting: spawn cost matters for a CLI and a stdio MCP server,
// and code loaded lazily (undici, the emulator) lands in chunks that `--help` never reads.
import { build } from "esbuild"
import { chmodSync, rmSync } from "node:fs"
import { basename, dirname, extname } from "node:path"

const [entry, outfile] = process.argv.slice(2)
const outdir = dirname(outfile)
rmSync(outdir, { recursive: true, force: true })
await build({
  entryPoints: { [basename(outfile, extname(outfile))]: entry },
  outdir,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minifySyntax: true,
  treeShaking: true,
  legalComments: "none",
  banner: {
    js: [
      'import { createRequire as __smsCreateRequire } from "node:module";',
      "const require = __smsCreateRequire(import.meta.url);"
    ].join("\n")
  },
  logLevel: "warning"
})
// The shebang goes on the entry only (chunks are imported, never run).
const { readFileSync, writeFileSync } = await import("node:fs")
writeFileSync(outfile, `#!/usr/bin/env node\n${readFileSync(outfile, "utf8")}`)
chmodSync(outfile, 0o755)
