/**
 * Benchmark 3, cold start: `sms-consistency --help`, and the MCP server from spawn to the `tools/list`
 * response, each as a ratio to `node -e 0` (median of alternating runs). Targets: CLI ≤ 3×, MCP ≤ 5×.
 */
import { spawn, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { createInterface } from "node:readline"
import { cliBin, log, mcpBin, median, ms, ratio, type Row } from "./lib.js"

const runs = 9

const timeSync = (args: ReadonlyArray<string>) => {
  const started = performance.now()
  const result = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "ignore"] })
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}`)
  return performance.now() - started
}

/** Spawn → initialize → tools/list answered, over stdio JSON-RPC lines. */
const timeMcp = () =>
  new Promise<number>((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [mcpBin], {
      stdio: ["pipe", "pipe", "ignore"],
      env: { PATH: process.env.PATH }
    })
    const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`)
    const lines = createInterface({ input: child.stdout })
    lines.on("line", (line) => {
      const message = JSON.parse(line)
      if (message.id === 1) {
        send({ jsonrpc: "2.0", method: "notifications/initialized" })
        send({ jsonrpc: "2.0", id: 2, method: "tools/list" })
      } else if (message.id === 2) {
        const elapsed = performance.now() - started
        if (!Array.isArray(message.result?.tools) || message.result.tools.length === 0) reject(new Error("no tools"))
        child.kill()
        resolve(elapsed)
      }
    })
    child.on("error", reject)
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "0" } }
    })
  })

export const run = async (): Promise<ReadonlyArray<Row>> => {
  if (!existsSync(cliBin)) throw new Error("build first: pnpm build")
  const withMcp = existsSync(mcpBin)
  const baseline: Array<number> = []
  const cli: Array<number> = []
  const mcp: Array<number> = []
  timeSync(["-e", "0"])
  timeSync([cliBin, "--help"])
  for (let i = 0; i < runs; i++) {
    baseline.push(timeSync(["-e", "0"]))
    cli.push(timeSync([cliBin, "--help"]))
    if (withMcp) mcp.push(await timeMcp())
  }
  const base = median(baseline)
  log(`  node -e 0 ${ms(base)}; cli --help ${ms(median(cli))}${withMcp ? `; mcp tools/list ${ms(median(mcp))}` : ""}`)
  const rows: Array<Row> = [
    {
      benchmark: `cold start: sms-consistency --help (median of ${runs})`,
      measured: ms(median(cli)),
      baseline: `node -e 0: ${ms(base)}`,
      ratio: ratio(median(cli) / base),
      target: "≤ 3×",
      met: median(cli) / base <= 3
    }
  ]
  if (withMcp)
    rows.push({
      benchmark: `cold start: MCP spawn → initialize → tools/list (median of ${runs})`,
      measured: ms(median(mcp)),
      baseline: `node -e 0: ${ms(base)}`,
      ratio: ratio(median(mcp) / base),
      target: "≤ 5×",
      met: median(mcp) / base <= 5
    })
  return rows
}
