/**
 * Benchmark 4, memory: the CLI exports a 200 MiB body (the emulator's "large" mode); its peak RSS must stay
 * ≤ 100 MB because the body streams to disk, and the written file's sha256 must equal the served one.
 * Baseline: the peak RSS of `node -e 0`.
 */
import { LargeBody } from "@sms-consistency/emulator"
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { once } from "node:events"
import { createReadStream, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { cliBin, log, ratio, type Row, startEmulator, clientFor, seededTasks } from "./lib.js"

const bytes = 200 * 1024 * 1024
const seed = 3
const preload = fileURLToPath(new URL("./peak-rss.cjs", import.meta.url))

const peakOf = async (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) => {
  const child = spawn(process.execPath, ["--require", preload, ...args], { env, stdio: ["ignore", "ignore", "pipe"] })
  let stderr = ""
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const [code] = await once(child, "exit")
  const match = /PEAK_RSS_KB=(\d+)/.exec(stderr)
  if (!match?.[1]) throw new Error(`no peak RSS reported (exit ${code}): ${stderr.slice(-400)}`)
  return { code: Number(code), peakMb: Number(match[1]) / 1024, stderr }
}

const sha256File = async (path: string) => {
  const hash = createHash("sha256")
  for await (const chunk of createReadStream(path)) hash.update(chunk)
  return hash.digest("hex")
}

export const run = async (): Promise<ReadonlyArray<Row>> => {
  const emulator = await startEmulator({ exportMode: "large", largeBodyBytes: bytes, seed, sources: 5 })
  const dir = mkdtempSync(join(tmpdir(), "sms-bench-mem-"))
  try {
    const runtime = clientFor(emulator)
    const [task] = await seededTasks(runtime)
    await runtime.dispose()
    if (!task) throw new Error("no task")
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      SMS_ENDPOINT: emulator.url,
      HUAWEICLOUD_SDK_AK: emulator.ak,
      HUAWEICLOUD_SDK_SK: emulator.sk,
      HUAWEICLOUD_SDK_DOMAIN_ID: emulator.domainId
    }
    const baseline = await peakOf(["-e", "0"], env)
    const started = performance.now()
    const cli = await peakOf(
      [cliBin, "export", "--task", `${task.task_id},${task.source_id},${task.source_name}`, "--output", dir, "--json"],
      env
    )
    const seconds = (performance.now() - started) / 1000
    if (cli.code !== 0) throw new Error(`export exited ${cli.code}: ${cli.stderr.slice(-400)}`)
    const [file] = readdirSync(dir).filter((f) => f.endsWith(".bin"))
    if (!file) throw new Error("no file written")
    const written = await sha256File(join(dir, file))
    const served = LargeBody.sha256(bytes, seed)
    log(
      `  export of ${bytes / 1024 / 1024} MiB in ${seconds.toFixed(2)} s: peak RSS ${cli.peakMb.toFixed(1)} MB (node -e 0: ${baseline.peakMb.toFixed(1)} MB); sha256 ${written === served ? "matches" : "DIFFERS"}`
    )
    return [
      {
        benchmark: "memory: CLI export of a 200 MiB body, peak RSS",
        measured: `${cli.peakMb.toFixed(1)} MB (${seconds.toFixed(1)} s)`,
        baseline: `node -e 0: ${baseline.peakMb.toFixed(1)} MB`,
        ratio: ratio(cli.peakMb / baseline.peakMb),
        target: "≤ 100 MB",
        met: cli.peakMb <= 100
      },
      {
        benchmark: "memory: written file's sha256 equals the served body's",
        measured: written.slice(0, 16),
        baseline: served.slice(0, 16),
        ratio: written === served ? "equal" : "differ",
        target: "equal",
        met: written === served
      }
    ]
  } finally {
    await emulator.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
