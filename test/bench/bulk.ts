/**
 * Benchmark 2, bulk: 10,000 tasks (50 calls of 200) against an emulator answering after 50 ms, at
 * concurrency 8: wall time vs the ideal ⌈50/8⌉ × 50 ms. Target ≤ 1.15× ideal. Then the same with a 10%
 * fault rate: every task must be accounted for (exported or failed, exactly once).
 */
import * as BatchExport from "@sms-consistency/sms/BatchExport"
import * as Model from "@sms-consistency/sms/Model"
import { Duration } from "effect"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { log, ms, ratio, type Row, startEmulator, clientFor, seededTasks } from "./lib.js"

const tasksTotal = 10_000
const latencyMs = 50
const concurrency = 8

type Emulator = Awaited<ReturnType<typeof startEmulator>>

const exportAll = async (emulator: Emulator) => {
  const runtime = clientFor(emulator, { retries: 5, retryBaseDelay: Duration.millis(50) })
  const dir = mkdtempSync(join(tmpdir(), "sms-bench-bulk-"))
  try {
    // Discovery is not part of the measured export.
    const tasks = await seededTasks(runtime, {})
    if (tasks.length !== tasksTotal) throw new Error(`expected ${tasksTotal} tasks, got ${tasks.length}`)
    const cpuBefore = process.cpuUsage()
    const started = performance.now()
    const result = await runtime.runPromise(
      BatchExport.exportAll(tasks, { concurrency, target: () => ({ directory: dir }) })
    )
    const wallMs = performance.now() - started
    const cpu = process.cpuUsage(cpuBefore)
    const clientCpuMs = (cpu.user + cpu.system) / 1000
    const files = readdirSync(dir).filter((f) => !f.endsWith(".partial"))
    return { wallMs, clientCpuMs, result, files: files.length }
  } finally {
    await runtime.dispose()
    rmSync(dir, { recursive: true, force: true })
  }
}

const withEmulator = async <A>(faultRate: number, f: (e: Emulator) => Promise<A>): Promise<A> => {
  const emulator = await startEmulator({ sources: tasksTotal, latencyMs, faultRate, seed: 7 })
  try {
    return await f(emulator)
  } finally {
    await emulator.stop()
  }
}

export const run = async (): Promise<ReadonlyArray<Row>> => {
  const calls = Math.ceil(tasksTotal / Model.Limits.tasksPerCall)
  const idealMs = Math.ceil(calls / concurrency) * latencyMs
  // The first run warms the JIT and the emulator's per-task cache; the emulator's own CPU time is not the
  // client's to measure (its 50 ms latency stands for the service's time).
  const runs = await withEmulator(0, async (e) => {
    await exportAll(e)
    return [await exportAll(e), await exportAll(e), await exportAll(e)]
  })
  const best = runs.reduce((a, b) => (a.wallMs <= b.wallMs ? a : b))
  for (const r of runs)
    log(
      `  no faults: ${ms(r.wallMs)} (client CPU ${ms(r.clientCpuMs)}) for ${r.result.exported} tasks in ${r.files} files`
    )
  const faulty = await withEmulator(0.1, exportAll)
  const accounted = faulty.result.exported + faulty.result.failed.length
  log(
    `  10% faults: ${ms(faulty.wallMs)}; exported ${faulty.result.exported}, failed ${faulty.result.failed.length}, accounted ${accounted}/${tasksTotal}, ${faulty.files} files`
  )
  return [
    {
      benchmark: `bulk: ${tasksTotal} tasks, ${calls} calls, ${latencyMs} ms latency, concurrency ${concurrency}`,
      measured: `${ms(best.wallMs)} (best of 3)`,
      baseline: `ideal ${ms(idealMs)}`,
      ratio: ratio(best.wallMs / idealMs),
      target: "≤ 1.15×",
      met: best.wallMs / idealMs <= 1.15 && best.result.exported === tasksTotal
    },
    {
      benchmark: "bulk with 10% faults: every task accounted once",
      measured: `${faulty.result.exported} exported + ${faulty.result.failed.length} failed in ${ms(faulty.wallMs)}`,
      baseline: `${tasksTotal} tasks`,
      ratio: ratio(accounted / tasksTotal),
      target: "= 1.00×",
      met: accounted === tasksTotal
    }
  ]
}
