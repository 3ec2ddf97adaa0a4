/**
 * The emulator's seeded world: source servers, one migration task each, and the consistency results of
 * about 80 % of them. Everything derives from `seed`, so two emulators with the same seed agree on every id.
 * Per-task results are computed on demand from (seed, task index): 100,000 sources cost only their rows.
 */
import type { Model } from "@sms-consistency/sms"
import * as Prng from "./internal/prng.js"

export interface DirectoryResult {
  readonly directory: string
  readonly filesChecked: number
  readonly filesDifferent: number
  readonly missingOnTarget: number
  readonly extraOnTarget: number
}

export interface CheckResult {
  /** Epoch milliseconds. */
  readonly finishedAt: number
  readonly consistent: boolean
  readonly directories: ReadonlyArray<DirectoryResult>
}

export interface Entry {
  readonly index: number
  readonly source: Model.SourceServer
  readonly task: Model.MigrationTask
  readonly hasResults: boolean
}

export interface Dataset {
  readonly seed: number
  readonly sources: ReadonlyArray<Model.SourceServer>
  readonly tasks: ReadonlyArray<Model.MigrationTask>
  readonly entries: ReadonlyArray<Entry>
  readonly byTaskId: ReadonlyMap<string, Entry>
  /** The fixed date used inside generated files (zip entry times), derived from the seed, never the clock. */
  readonly fileDate: Date
}

const roles = ["web", "db", "app", "api", "cache", "mq", "batch", "file", "auth", "log"] as const
const directories = [
  "/etc",
  "/var/www",
  "/home/app/data",
  "/opt/app",
  "/var/lib/mysql",
  "/srv/files",
  "/usr/local/bin",
  "/var/log/app"
] as const
const windowsDirectories = [
  "C:\\inetpub\\wwwroot",
  "C:\\ProgramData\\App",
  "D:\\data",
  "C:\\Users\\app\\Documents"
] as const

const day = 86_400_000
/** 2024-01-01T00:00:00Z: all generated dates fall in the year after it. */
const epoch = Date.UTC(2024, 0, 1)

const pad = (n: number, width: number) => String(n).padStart(width, "0")

const ipOf = (index: number, base: number) => `${base}.${(index >> 16) & 0xff}.${(index >> 8) & 0xff}.${index & 0xff}`

const withResultsStates = ["MIGRATE_SUCCESS", "SYNC_SUCCESS", "MIGRATE_SUCCESS", "SYNC_SUCCESS"] as const
const withoutResultsStates = ["READY", "RUNNING", "SYNCING", "MIGRATE_FAIL", "ABORT"] as const

export const make = (seed: number, count: number): Dataset => {
  const rng = Prng.make(Prng.mix(seed, 0x5eed))
  const sources: Array<Model.SourceServer> = []
  const tasks: Array<Model.MigrationTask> = []
  const entries: Array<Entry> = []
  const byTaskId = new Map<string, Entry>()
  for (let index = 0; index < count; index++) {
    const role = roles[index % roles.length] ?? "web"
    // Unique by construction: the number is the 1-based index.
    const name = `${role}-${pad(index + 1, 2)}`
    const windows = rng.next() < 0.15
    const hasResults = rng.next() < 0.8
    const sourceId = rng.uuid()
    const taskId = rng.uuid()
    const targetId = rng.uuid()
    const vmId = rng.uuid()
    const addDate = epoch + rng.int(0, 300) * day + rng.int(0, day - 1)
    const createDate = addDate + rng.int(1, 3) * 3_600_000
    const taskState = hasResults ? rng.pick(withResultsStates) : rng.pick(withoutResultsStates)
    const ip = ipOf(index + 1, 10)
    const targetIp = ipOf(index + 1, 172)
    const osType = windows ? "WINDOWS" : "LINUX"
    const taskName = `MigrationTask_${name}`
    const source: Model.SourceServer = {
      id: sourceId,
      name,
      ip,
      state: hasResults ? "finished" : taskState === "RUNNING" || taskState === "SYNCING" ? "syncing" : "waiting",
      os_type: osType,
      add_date: addDate,
      current_task: { id: taskId, name: taskName, state: taskState, type: "MIGRATE_FILE" },
      is_consistency_result_exist: hasResults
    }
    const task: Model.MigrationTask = {
      id: taskId,
      name: taskName,
      type: "MIGRATE_FILE",
      state: taskState,
      os_type: osType,
      create_date: createDate,
      finish_date: hasResults ? createDate + rng.int(1, 48) * 3_600_000 : null,
      source_server: { id: sourceId, name, ip, os_type: osType },
      target_server: { id: targetId, name: `${name}-target`, ip: targetIp, vm_id: vmId, os_type: osType }
    }
    const entry: Entry = { index, source, task, hasResults }
    sources.push(source)
    tasks.push(task)
    entries.push(entry)
    byTaskId.set(taskId, entry)
  }
  return {
    seed,
    sources,
    tasks,
    entries,
    byTaskId,
    fileDate: new Date(epoch + (Math.abs(Math.trunc(seed)) % 365) * day + 12 * 3_600_000)
  }
}

/** The consistency checks of one task (empty when it has none), stable for (seed, task). */
export const resultsOf = (dataset: Dataset, entry: Entry): ReadonlyArray<CheckResult> => {
  if (!entry.hasResults) return []
  const rng = Prng.make(Prng.mix(dataset.seed, entry.index, 0xc0ffee))
  const windows = entry.source.os_type === "WINDOWS"
  const pool: ReadonlyArray<string> = windows ? windowsDirectories : directories
  const checks = rng.next() < 0.25 ? 2 : 1
  const finishedBase = (entry.task.finish_date ?? epoch) + rng.int(1, 120) * 60_000
  const results: Array<CheckResult> = []
  for (let check = 0; check < checks; check++) {
    const dirCount = rng.int(2, Math.min(4, pool.length))
    const start = rng.int(0, pool.length - 1)
    const dirs: Array<DirectoryResult> = []
    for (let d = 0; d < dirCount; d++) {
      const directory = pool[(start + d) % pool.length] ?? "/"
      const filesChecked = rng.int(20, 50_000)
      const drift = rng.next() < 0.3
      dirs.push({
        directory,
        filesChecked,
        filesDifferent: drift ? rng.int(1, Math.min(40, filesChecked)) : 0,
        missingOnTarget: drift ? rng.int(0, 12) : 0,
        extraOnTarget: rng.next() < 0.2 ? rng.int(1, 9) : 0
      })
    }
    results.push({
      finishedAt: finishedBase + check * day,
      consistent: dirs.every((d) => d.filesDifferent === 0 && d.missingOnTarget === 0 && d.extraOnTarget === 0),
      directories: dirs
    })
  }
  return results
}

/** `YYYY-MM-DDTHH:MM:SSZ`, as the CSV and the JSON results show times. */
export const isoSeconds = (millis: number): string => new Date(millis).toISOString().replace(/\.\d{3}Z$/, "Z")
