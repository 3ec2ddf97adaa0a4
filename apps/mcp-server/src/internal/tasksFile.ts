/**
 * `failed-tasks.json`: the complete list of an export's failed tasks, written into the call's folder so a result
 * can stay small (it carries a sample) without losing any task, and read back by a later call (`tasks_file`) so
 * a retry needs no ids copied through the model. Read only from inside the export root, judged after symlinks are
 * resolved: the tool must not become a way to read (or probe for) any file on the server's machine.
 */
import * as Model from "@sms-consistency/sms/Model"
import * as SmsError from "@sms-consistency/sms/SmsError"
import { errnoCode } from "@sms-consistency/sms/internal/files"
import { fromParseError } from "@sms-consistency/sms/internal/invalid"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { readFile, realpath, stat } from "node:fs/promises"
import { isAbsolute, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"
import * as Format from "./format.js"
import * as ListFile from "./listFile.js"

export const fileName = "failed-tasks.json"

/** What a `tasks_file` may weigh: ~100,000 tasks, as many as one export call's arguments may carry over HTTP. */
export const maxBytes = 16 * 1024 * 1024

const field = "tasks_file"

const invalid = (reason: string) => new SmsError.InvalidRequest({ field, reason })

/**
 * Writes the list into `directory` (which exists), never over a file already there: `failed-tasks.json`, else
 * `failed-tasks-1.json`, … (see `ListFile.write`).
 */
export const write = (
  directory: string,
  tasks: ReadonlyArray<Model.TaskRef>
): Effect.Effect<{ readonly path: string; readonly byteLength: number }, SmsError.FileError> =>
  ListFile.write(
    directory,
    fileName,
    "task_info",
    tasks.map((t) => ({ task_id: t.task_id, source_id: t.source_id, source_name: t.source_name }))
  )

const readError = (cause: unknown): string => {
  const code = errnoCode(cause)
  if (code === "ENOENT") return "no such file"
  if (code === "EACCES" || code === "EPERM") return "permission denied"
  if (code === "EISDIR") return "it is a directory"
  return cause instanceof Error ? cause.message : String(cause)
}

/** A path or a file:// URI; a relative path is taken under the export root (`<call folder>/failed-tasks.json`). */
const pathOf = (root: string, given: string): string | undefined => {
  if (/^file:/i.test(given)) {
    try {
      return fileURLToPath(given)
    } catch {
      return undefined
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given)) return undefined
  return isAbsolute(given) ? given : resolve(root, given)
}

const isInside = (directory: string, path: string) => {
  const rel = relative(directory, path)
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel)
}

const decodeTasks = Schema.decodeUnknown(Model.TaskRefs)

/**
 * The tasks of a `failed-tasks.json` (or any `{"task_info": [...]}` file, or a bare array of entries) under
 * `root`, validated. Every refusal is an `InvalidRequest` on `tasks_file` that says why; outside the export root,
 * nothing is read or stat'ed beyond resolving the path (so the answer says nothing about what exists there).
 */
export const read = (
  root: string,
  given: string
): Effect.Effect<ReadonlyArray<Model.TaskRef>, SmsError.InvalidRequest> =>
  Effect.gen(function* () {
    const path = pathOf(root, given)
    if (path === undefined)
      return yield* invalid(`must be a path or a file:// URI of a failed-tasks.json (got ${JSON.stringify(given)})`)
    const outside = invalid(
      `must name a file inside the export folder ${root} (such as the failed-tasks.json an earlier export wrote; ` +
        `got ${JSON.stringify(given)})`
    )
    const [real, realRoot] = yield* Effect.promise(() =>
      Promise.all([realpath(path).catch(() => undefined), realpath(root).catch(() => undefined)])
    )
    if (real === undefined) {
      const named = resolve(path)
      const underRoot = isInside(resolve(root), named) || (realRoot !== undefined && isInside(realRoot, named))
      return yield* underRoot ? invalid(`cannot read ${given}: no such file`) : outside
    }
    // Where an export writes it, as resources/read serves files: `<call folder>/<file>`, no hidden part (a root
    // that holds more, such as a home folder, does not make its other files readable here).
    if (realRoot === undefined || !isInside(realRoot, real)) return yield* outside
    const parts = relative(realRoot, real).split(sep)
    if (parts.length !== 2 || parts.some((part) => part.startsWith("."))) return yield* outside
    const info = yield* Effect.tryPromise({
      try: () => stat(real),
      catch: (e) => invalid(`cannot read ${given}: ${readError(e)}`)
    })
    if (!info.isFile()) return yield* invalid(`${given} is not a file`)
    if (info.size > maxBytes)
      return yield* invalid(`${given} is ${Format.bytes(info.size)}, over the ${Format.bytes(maxBytes)} limit`)
    const text = yield* Effect.tryPromise({
      try: () => readFile(real, "utf8"),
      catch: (e) => invalid(`cannot read ${given}: ${readError(e)}`)
    })
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return yield* invalid(`${given} is not JSON (a failed-tasks.json holds {"task_info": [...]})`)
    }
    const entries = Array.isArray(json)
      ? json
      : typeof json === "object" && json !== null && "task_info" in json
        ? json.task_info
        : undefined
    if (!Array.isArray(entries))
      return yield* invalid(`${given} must hold {"task_info": [{task_id, source_id, source_name}, ...]}`)
    if (entries.length === 0) return yield* invalid(`${given} holds no tasks`)
    const plain = Model.plainTaskRefs(entries)
    if (plain !== undefined) return plain
    return yield* decodeTasks(entries).pipe(
      Effect.mapError((error) => {
        const first = fromParseError(error, "task_info")
        return invalid(`${given}: ${first.field}: ${first.reason}`)
      })
    )
  })
