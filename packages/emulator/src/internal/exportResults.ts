/**
 * `POST /v3/tasks/consistency-results/export`: body validation as the service does it (each message names
 * the field), task lookup, and the exported file (one CSV per task in a ZIP).
 */
import * as Dataset from "../Dataset.js"
import * as Zip from "../Zip.js"

export interface ValidTask {
  readonly index: number
  readonly taskId: string
  readonly sourceId: string
  readonly sourceName: string
}

export type Validation =
  | { readonly _tag: "Valid"; readonly tasks: ReadonlyArray<ValidTask> }
  | { readonly _tag: "Malformed"; readonly message: string }
  | { readonly _tag: "Invalid"; readonly message: string }

export const limits = { maxTasks: 200, taskIdMax: 36, sourceIdMax: 255, sourceNameMax: 255 } as const

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const parseJson = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

const fields = [
  ["task_id", 1, limits.taskIdMax],
  ["source_id", 0, limits.sourceIdMax],
  ["source_name", 0, limits.sourceNameMax]
] as const

export const validate = (body: Uint8Array): Validation => {
  const parsed = parseJson(Buffer.from(body).toString("utf8"))
  if (!parsed.ok) return { _tag: "Malformed", message: "The request body is not valid JSON." }
  const root = parsed.value
  if (!isRecord(root)) return { _tag: "Invalid", message: "The request body must be a JSON object with task_info." }
  const list = root.task_info
  if (list === undefined || list === null) return { _tag: "Invalid", message: "task_info is required." }
  if (!Array.isArray(list)) return { _tag: "Invalid", message: "task_info must be an array." }
  if (list.length < 1 || list.length > limits.maxTasks)
    return {
      _tag: "Invalid",
      message: `task_info must hold 1 to ${limits.maxTasks} items (got ${list.length}).`
    }
  const tasks: Array<ValidTask> = []
  for (const [index, item] of list.entries()) {
    if (!isRecord(item)) return { _tag: "Invalid", message: `task_info[${index}] must be an object.` }
    const values: Array<string> = []
    for (const [name, min, max] of fields) {
      const value = item[name]
      const where = `task_info[${index}].${name}`
      if (value === undefined) return { _tag: "Invalid", message: `${where} is required.` }
      if (typeof value !== "string") return { _tag: "Invalid", message: `${where} must be a string.` }
      if (value.length < min || value.length > max)
        return {
          _tag: "Invalid",
          message: `${where} must be ${min} to ${max} characters long (got ${value.length}).`
        }
      values.push(value)
    }
    const [taskId = "", sourceId = "", sourceName = ""] = values
    tasks.push({ index, taskId, sourceId, sourceName })
  }
  return { _tag: "Valid", tasks }
}

export type Lookup =
  | { readonly _tag: "Found"; readonly entries: ReadonlyArray<readonly [ValidTask, Dataset.Entry]> }
  | { readonly _tag: "NotFound"; readonly message: string }

/** Every task must exist; a non-empty source_id/source_name must be the task's own source. */
export const lookup = (dataset: Dataset.Dataset, tasks: ReadonlyArray<ValidTask>): Lookup => {
  const entries: Array<readonly [ValidTask, Dataset.Entry]> = []
  for (const task of tasks) {
    const entry = dataset.byTaskId.get(task.taskId)
    if (entry === undefined)
      return { _tag: "NotFound", message: `task_info[${task.index}].task_id: task ${task.taskId} does not exist.` }
    // The message names the field that does not match, and what the task has instead: with the right source_id
    // and a wrong source_name, naming the source_id would point at the one value that is right.
    const mismatch =
      task.sourceId !== "" && task.sourceId !== entry.source.id
        ? { field: "source_id", what: "with id", expected: entry.source.id, given: task.sourceId }
        : task.sourceName !== "" && task.sourceName !== entry.source.name
          ? { field: "source_name", what: "named", expected: entry.source.name, given: task.sourceName }
          : undefined
    if (mismatch !== undefined)
      return {
        _tag: "NotFound",
        message: `task_info[${task.index}].${mismatch.field}: task ${task.taskId} migrates the source server ${mismatch.what} ${JSON.stringify(mismatch.expected)}, not ${JSON.stringify(mismatch.given)}.`
      }
    entries.push([task, entry])
  }
  return { _tag: "Found", entries }
}

const headers = {
  en: "directory,files_checked,files_different,missing_on_target,extra_on_target,checked_at",
  zh: "目录,检查文件数,差异文件数,目标端缺失文件数,目标端多余文件数,检查时间"
} as const

const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value)

export const csvOf = (dataset: Dataset.Dataset, entry: Dataset.Entry, chinese: boolean): string => {
  const lines: Array<string> = [chinese ? headers.zh : headers.en]
  for (const check of Dataset.resultsOf(dataset, entry)) {
    for (const dir of check.directories) {
      lines.push(
        [
          csvField(dir.directory),
          dir.filesChecked,
          dir.filesDifferent,
          dir.missingOnTarget,
          dir.extraOnTarget,
          Dataset.isoSeconds(check.finishedAt)
        ].join(",")
      )
    }
  }
  return `${lines.join("\r\n")}\r\n`
}

const safeName = (value: string): string => value.replace(/[^A-Za-z0-9._-]/g, "_")

/**
 * Compressed CSV entries per dataset and language: the same task always gives the same bytes, and
 * compressing is most of an export's CPU time. Caching keeps the single-threaded emulator from becoming
 * the bottleneck of the client benchmarks it serves.
 */
const entryCache = new WeakMap<Dataset.Dataset, Map<string, Zip.Entry>>()

const cachedEntry = (dataset: Dataset.Dataset, entry: Dataset.Entry, name: string, chinese: boolean): Zip.Entry => {
  let cache = entryCache.get(dataset)
  if (!cache) {
    cache = new Map()
    entryCache.set(dataset, cache)
  }
  const key = `${chinese ? "zh" : "en"}/${name}`
  const hit = cache.get(key)
  if (hit) return hit
  const data = Buffer.from(csvOf(dataset, entry, chinese), "utf8")
  const made: Zip.Entry = { name, data, prepared: Zip.prepare(data) }
  cache.set(key, made)
  return made
}

/** One CSV per distinct task, named `<source name>_<task id>.csv`. */
export const zipOf = (
  dataset: Dataset.Dataset,
  entries: ReadonlyArray<readonly [ValidTask, Dataset.Entry]>,
  chinese: boolean
): Uint8Array => {
  const seen = new Set<string>()
  const files: Array<Zip.Entry> = []
  for (const [, entry] of entries) {
    const name = `${safeName(entry.source.name)}_${safeName(entry.task.id)}.csv`
    if (seen.has(name)) continue
    seen.add(name)
    files.push(cachedEntry(dataset, entry, name, chinese))
  }
  return Zip.write(files, { date: dataset.fileDate })
}
