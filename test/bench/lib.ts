/**
 * Shared pieces of the benchmarks: emulators (in a child process or in this one), statistics, timing, the
 * Markdown report.
 */
import * as Credentials from "@sms-consistency/sms/Credentials"
import * as Model from "@sms-consistency/sms/Model"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import { Emulator } from "@sms-consistency/emulator"
import { Effect, Exit, ManagedRuntime, Redacted, Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { cpus } from "node:os"
import { fileURLToPath } from "node:url"
import { createInterface } from "node:readline"

export const root = fileURLToPath(new URL("../../", import.meta.url))
export const cliBin = fileURLToPath(new URL("../../apps/cli/dist/sms-consistency.js", import.meta.url))
export const mcpBin = fileURLToPath(new URL("../../apps/mcp-server/dist/sms-consistency-mcp.js", import.meta.url))

/** A running emulator: where it listens and the credentials it accepts. */
export interface RunningEmulator {
  readonly url: string
  readonly ak: string
  readonly sk: string
  readonly domainId: string
  readonly stop: () => Promise<void>
}

export interface ChildEmulator extends RunningEmulator {
  readonly process: ChildProcess
}

export const startEmulator = async (options: Record<string, unknown> = {}): Promise<ChildEmulator> => {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", fileURLToPath(new URL("./emulator-child.ts", import.meta.url)), JSON.stringify(options)],
    { cwd: root, stdio: ["pipe", "pipe", "inherit"] }
  )
  const lines = createInterface({ input: child.stdout ?? process.stdin })
  const [line] = await once(lines, "line")
  lines.close()
  const info = JSON.parse(String(line))
  return {
    ...info,
    process: child,
    stop: async () => {
      if (child.exitCode !== null) return
      child.kill("SIGTERM")
      await once(child, "exit")
    }
  }
}

/**
 * The emulator in this process: its server shares the benchmark's event loop, so what a client measures
 * includes the server's share of each call.
 */
export const startInProcessEmulator = async (options: Emulator.EmulatorOptions = {}): Promise<RunningEmulator> => {
  const scope = Effect.runSync(Scope.make())
  const handle = await Effect.runPromise(Scope.extend(Emulator.start(options), scope))
  const c = handle.credentials
  return {
    url: handle.url,
    ak: c.ak,
    sk: Redacted.value(c.sk),
    domainId: c.domainId,
    stop: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** A client runtime bound to an emulator's endpoint and credentials. */
export const clientFor = (emulator: RunningEmulator, options: Partial<SmsClient.Options> = {}) =>
  ManagedRuntime.make(
    SmsClient.layer({
      endpoint: emulator.url,
      iamEndpoint: emulator.url,
      credentials: new Credentials.AkSk({
        ak: emulator.ak,
        sk: Redacted.make(emulator.sk),
        domainId: emulator.domainId
      }),
      ...options
    })
  )

/** The emulator's seeded sources (by default those with results), as `task_info` entries. */
export const seededTasks = async (
  runtime: ReturnType<typeof clientFor>,
  query: SmsClient.ListSourcesQuery = { withResults: true }
) => {
  const sources = await runtime.runPromise(Effect.flatMap(SmsClient.SmsClient, (c) => c.listAllSources(query)))
  return sources.flatMap((s) => {
    const t = Model.sourceToTaskRef(s)
    return t ? [t] : []
  })
}

export const median = (xs: ReadonlyArray<number>) => percentile(xs, 50)

export const percentile = (xs: ReadonlyArray<number>, p: number) => {
  const sorted = [...xs].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i] ?? Number.NaN
}

export const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`
export const ratio = (n: number) => `${n.toFixed(2)}×`

export interface Row {
  readonly benchmark: string
  readonly measured: string
  readonly baseline: string
  readonly ratio: string
  readonly target: string
  readonly met: boolean | undefined
}

export const machine = () => `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "?"}), Node ${process.version}`

/** Runs `fn` `n` times at `concurrency`, returning per-call latencies (ms) and the wall time. */
export const load = async (n: number, concurrency: number, fn: () => Promise<unknown>) => {
  const latencies: Array<number> = []
  let next = 0
  const started = performance.now()
  const worker = async () => {
    while (next < n) {
      next++
      const t0 = performance.now()
      await fn()
      latencies.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const wallMs = performance.now() - started
  return { latencies, wallMs, perSecond: (n / wallMs) * 1000 }
}

export const log = (line: string) => process.stdout.write(`${line}\n`)
