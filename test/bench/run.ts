/**
 * `pnpm bench`: runs every benchmark, prints ratios against baselines measured in the same run, and writes
 * BENCHMARKS.md. Select some with arguments: `pnpm bench overhead bulk`.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { log, machine, root, type Row } from "./lib.js"

const all: Record<string, () => Promise<ReadonlyArray<Row>>> = {
  overhead: async () => (await import("./overhead.js")).run(),
  bulk: async () => (await import("./bulk.js")).run(),
  coldstart: async () => (await import("./coldstart.js")).run(),
  memory: async () => (await import("./memory.js")).run()
}

const selected = process.argv.slice(2).filter((a) => a !== "--")
const names = selected.length > 0 ? selected : Object.keys(all)
const rows: Array<Row> = []
log(`sms-consistency benchmarks — ${machine()}`)
for (const name of names) {
  const bench = all[name]
  if (!bench) {
    process.stderr.write(`unknown benchmark ${name}; known: ${Object.keys(all).join(", ")}\n`)
    process.exit(2)
  }
  log(`\n## ${name}`)
  const started = performance.now()
  rows.push(...(await bench()))
  log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`)
}

const table = [
  "| benchmark | measured | baseline | ratio | target | met |",
  "|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.benchmark} | ${r.measured} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met === undefined ? "—" : r.met ? "yes" : "**no**"} |`
  )
].join("\n")
log(`\n${table}`)
if (selected.length === 0) {
  const date = new Date().toISOString().slice(0, 10)
  writeFileSync(
    join(root, "BENCHMARKS.md"),
    `# Benchmarks\n\nMeasured ${date} on ${machine()} by \`pnpm bench\`. Each ratio is against a baseline measured in the same run.\n\n${table}\n\nWhat the misses come from, and what was changed to get here: README.md, "Performance".\n`
  )
  log("\nwrote BENCHMARKS.md")
}
