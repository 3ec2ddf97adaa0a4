/** What `sms-consistency export` does, loaded when it runs. */
import * as BatchExport from "@sms-consistency/sms/BatchExport"
import * as Model from "@sms-consistency/sms/Model"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import { InvalidRequest, type SmsError } from "@sms-consistency/sms/SmsError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { type FileHandle, open } from "node:fs/promises"
import { clientLayer, reported } from "../internal/client.js"
import { Exit } from "../internal/common.js"
import { ExitCode, forError } from "../internal/exitCodes.js"
import * as Output from "../internal/output.js"
import * as Progress from "../internal/progress.js"
import { json, plural } from "../internal/render.js"
import {
  dryRun,
  exitCodeOf,
  renderDryRun,
  renderSummary,
  reportFailed,
  reportInterrupted,
  summarize
} from "../internal/summary.js"
import * as Tasks from "../internal/tasks.js"
import { stdoutColor, writeErr, writeOut } from "../internal/terminal.js"
import type { Args } from "./export.js"

interface Source {
  readonly specs: ReadonlyArray<string>
  readonly tasksFile: Option.Option<string>
  readonly all: boolean
}

const readTasksFile = (path: string): Effect.Effect<ReadonlyArray<Tasks.TaskRef>, InvalidRequest> => {
  // The file as the user named it: its base name alone can be a different file (`/dev/null` is not `null`), or
  // the same name in several folders.
  const label = path === "-" ? "stdin" : path
  return Effect.tryPromise({
    try: () => (path === "-" ? readStdin() : readPath(path)),
    catch: (cause) =>
      new InvalidRequest({
        field: "--tasks-file",
        reason:
          cause instanceof TooLarge
            ? `${label} is larger than ${maxTasksFileMiB} MiB, the most a tasks file may hold`
            : `cannot read ${path}: ${readError(cause)}`
      })
  }).pipe(
    Effect.flatMap((text) =>
      Either.match(Tasks.parseTasksInput(text, label), { onLeft: Effect.fail, onRight: Effect.succeed })
    ),
    Effect.tap((input) => (input.note === undefined ? Effect.void : Effect.logInfo(input.note))),
    Effect.map((input) => input.tasks),
    Effect.filterOrFail(
      (tasks) => tasks.length > 0,
      () => new InvalidRequest({ field: label, reason: "holds no tasks" })
    )
  )
}

/** Why a file could not be read, in a few words: the path is said once, by the caller, not again in Node's words. */
const readError = (cause: unknown): string => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined
  if (code === "ENOENT") return "no such file"
  if (code === "EACCES" || code === "EPERM") return "permission denied"
  if (code === "EISDIR") return "it is a directory"
  if (code === "ENOTDIR") return "part of its path is not a directory"
  if (code === "ELOOP") return "too many symbolic links"
  if (code === "ENAMETOOLONG") return "its name is too long"
  if (code === "ERR_STRING_TOO_LONG" || cause instanceof RangeError) return "too large to read"
  // `EIO: i/o error, read` → `i/o error`: Node's text without its code and the call (and the path it names).
  const message = cause instanceof Error ? cause.message : String(cause)
  return (
    message
      .replace(/^[A-Z][A-Z_]+: /, "")
      .replace(/, \w+(?: '.*')?$/s, "")
      .split("\n", 1)[0] ?? message
  )
}

/**
 * The most a tasks file may hold, far above any real list (200,000 tasks are about 20 MB of CSV, 30 MB of JSON)
 * and far below what would exhaust the memory: a huge file is refused, not read until the process dies.
 */
const maxTasksFileMiB = 64
const maxTasksFileBytes = maxTasksFileMiB * 1024 * 1024

class TooLarge extends Error {}

/** Chunks up to the limit, then `TooLarge`: stdin and special files (`/dev/zero`) have no size to look at first. */
const collect = async (chunks: AsyncIterable<Buffer | string>): Promise<string> => {
  const buffers: Array<Buffer> = []
  let size = 0
  for await (const chunk of chunks) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    size += buffer.length
    if (size > maxTasksFileBytes) throw new TooLarge()
    buffers.push(buffer)
  }
  return Buffer.concat(buffers).toString("utf8")
}

/** A file, refused before it is read when it is a regular file over the limit, and as it is read when another. */
const readPath = async (path: string): Promise<string> => {
  const handle: FileHandle = await open(path, "r")
  try {
    const info = await handle.stat()
    if (info.isFile() && info.size > maxTasksFileBytes) throw new TooLarge()
    return await collect(handle.createReadStream({ autoClose: false }))
  } finally {
    await handle.close()
  }
}

const readStdin = async (): Promise<string> => {
  // Typed at a terminal (or a pipe forgotten): say what is awaited, rather than seem to hang.
  if (process.stdin.isTTY)
    process.stderr.write("reading tasks from stdin (JSON or CSV, as in a --tasks-file); end with Ctrl+D\n")
  return collect(process.stdin)
}

/** Tasks from --task and --tasks-file, validated; `undefined` for --all (discovered later). */
const explicitTasks = (source: Source): Effect.Effect<ReadonlyArray<Tasks.TaskRef> | undefined, InvalidRequest> =>
  Effect.gen(function* () {
    const given = source.specs.length > 0 || Option.isSome(source.tasksFile)
    if (source.all && given)
      return yield* new InvalidRequest({ field: "--all", reason: "cannot be combined with --task or --tasks-file" })
    if (source.all) return undefined
    if (!given)
      return yield* new InvalidRequest({
        field: "tasks",
        reason: "none given: pass --task TASK_ID,SOURCE_ID,SOURCE_NAME, --tasks-file FILE, or --all"
      })
    const fromSpecs = yield* Either.match(Tasks.parseTaskSpecs(source.specs), {
      onLeft: Effect.fail,
      onRight: Effect.succeed
    })
    const fromFile = Option.isSome(source.tasksFile) ? yield* readTasksFile(source.tasksFile.value) : []
    return [...fromSpecs, ...fromFile]
  })

/** `--all`: every source server with results (whose name matches `name`, if given), as tasks. */
const discover = (name: string | undefined) =>
  Effect.gen(function* () {
    const client = yield* SmsClient.SmsClient
    const sources = yield* client.listAllSources({ withResults: true, name })
    const matching = name === undefined ? "" : ` whose name matches ${JSON.stringify(name)}`
    yield* Effect.logInfo(`discovered ${plural(sources.length, "source server")} with consistency results${matching}`)
    return sources.flatMap((s) => {
      const ref = Model.sourceToTaskRef(s)
      return ref === undefined ? [] : [ref]
    })
  })

export const run = (args: Args): Effect.Effect<void, Exit> =>
  Effect.gen(function* () {
    if (Option.isSome(args.name) && !args.all)
      return yield* new InvalidRequest({ field: "--name", reason: "selects among the servers of --all: add --all" })
    const given = yield* explicitTasks({ specs: args.task, tasksFile: args.tasksFile, all: args.all })
    // Validate and count calls before anything is sent, so --output can be checked too.
    const planFor = (tasks: ReadonlyArray<Tasks.TaskRef>) =>
      Effect.flatMap(BatchExport.prepare(tasks), (prepared) => {
        const calls = Math.ceil(prepared.tasks.length / Model.Limits.tasksPerCall)
        return Effect.map(
          Output.plan(Option.getOrUndefined(args.output), calls, args.force, process.cwd(), prepared.tasks.length),
          (plan) => ({
            plan,
            prepared,
            calls
          })
        )
      })
    // With --all, the tasks (and so the file names) are known only after discovery; where they go, before.
    if (given === undefined) yield* Output.check(Option.getOrUndefined(args.output))
    const early = given === undefined ? undefined : yield* planFor(given)
    return yield* Effect.gen(function* () {
      const client = yield* SmsClient.SmsClient
      // A failed discovery is reported as the listing it is: said so (the error alone does not say what failed), and
      // with a listing's hint (not one about task ids).
      const tasks =
        given ??
        (yield* discover(Option.getOrUndefined(args.name)).pipe(
          reported(args.json, forError, "list", "listing the source servers (--all) failed")
        ))
      if (tasks.length === 0) {
        const matching = Option.match(args.name, {
          onNone: () => "",
          onSome: (n) => ` whose name matches ${JSON.stringify(n)}`
        })
        yield* writeErr(`no source server${matching} has consistency results: nothing to export`)
        const { endpoint, identity } = client.info
        const empty = args.dryRun
          ? { dryRun: true, tasks: 0, calls: 0, duplicates: 0, endpoint, identity }
          : { exported: 0, failed: [], files: [], duplicates: 0, ...client.info }
        if (args.json) yield* writeOut(json(empty))
        return ExitCode.ok
      }
      const { plan, prepared, calls } = early ?? (yield* planFor(tasks))
      if (args.dryRun) {
        const would = dryRun(prepared, plan, calls, client.info)
        yield* writeOut(args.json ? json(would) : renderDryRun(would, stdoutColor()))
        return ExitCode.ok
      }
      const progress = yield* Progress.reporter(process.stderr.isTTY === true, calls)
      // What has finished, for a summary if the export is interrupted (Ctrl+C): its files are complete.
      const done: Array<BatchExport.ChunkOutcome> = []
      const result = yield* BatchExport.exportAll(tasks, {
        language: Option.getOrUndefined(args.language),
        concurrency: args.concurrency,
        target: (chunk, _chunks, piece) => Output.targetFor(plan, chunk, piece),
        onProgress: (p) => {
          done.push(p.outcome)
          return progress.report(p)
        }
      }).pipe(
        Effect.onInterrupt(() =>
          reportInterrupted(done, tasks, client.info, {
            asJson: args.json,
            hasJson: true,
            progressShown: progress.inPlace
          })
        )
      )
      const summary = summarize(result, client.info)
      yield* writeOut(args.json ? json(summary) : renderSummary(result, summary, stdoutColor()))
      const code = exitCodeOf(result)
      if (code !== ExitCode.ok) yield* reportFailed(result)
      return code
    }).pipe(Effect.provide(clientLayer(args.connection)))
  }).pipe(
    reported(args.json, (e: SmsError) => forError(e), "export"),
    Effect.flatMap((code) => (code === ExitCode.ok ? Effect.void : Effect.fail(new Exit({ code }))))
  )
