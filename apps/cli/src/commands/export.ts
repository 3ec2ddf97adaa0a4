/** `sms-consistency export`: any number of tasks → chunks of ≤ 200 → files. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as BatchExport from "@sms-consistency/sms/BatchExport"
import * as Model from "@sms-consistency/sms/Model"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import { hint, InvalidRequest, type SmsError } from "@sms-consistency/sms/SmsError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { readFile } from "node:fs/promises"
import { basename, isAbsolute, relative } from "node:path"
import { type Connection, clientLayer, connection, Exit, reported } from "../internal/common.js"
import { ExitCode, forError } from "../internal/exitCodes.js"
import * as Output from "../internal/output.js"
import { bytes, errorJson, json, plural, table } from "../internal/render.js"
import * as Tasks from "../internal/tasks.js"
import { bold, stdoutColor, writeErr, writeOut } from "../internal/terminal.js"

export const maxConcurrency = 16

const options = {
  task: Options.text("task").pipe(
    Options.withPseudoName("TASK_ID,SOURCE_ID,SOURCE_NAME"),
    Options.withDescription(
      "A task to export (repeatable). The name may contain spaces; quote a field holding a comma: --task 't1,s1,\"web, 01\"'."
    ),
    Options.repeated
  ),
  tasksFile: Options.text("tasks-file").pipe(
    Options.withPseudoName("FILE"),
    Options.withDescription(
      'Tasks from a file: JSON {"task_info": [...]} or a bare array, or CSV with a header row task_id,source_id,source_name. "-" reads stdin.'
    ),
    Options.optional
  ),
  all: Options.boolean("all").pipe(
    Options.withDescription("Export every source server that has consistency results (all pages of GET /v3/sources).")
  ),
  output: Options.text("output").pipe(
    Options.withAlias("o"),
    Options.withPseudoName("PATH"),
    Options.withDescription(
      "An existing directory (or a path ending in /): files go inside it, named by the service, made unique. Otherwise the file to write; with several chunks, -part-N is added before the extension. Default: the current directory."
    ),
    Options.optional
  ),
  force: Options.boolean("force").pipe(Options.withDescription("Overwrite existing files.")),
  language: Options.choice("language", ["en-us", "zh-cn"]).pipe(
    Options.withDescription("Language of the results (X-Language header). Default: the service's."),
    Options.optional
  ),
  concurrency: Options.integer("concurrency").pipe(
    Options.withPseudoName("N"),
    Options.withDescription(`Parallel calls, 1 to ${maxConcurrency} (default 4).`),
    Options.withDefault(4)
  ),
  json: Options.boolean("json").pipe(
    Options.withDescription(
      'Print exactly one JSON document on stdout: {"exported": N, "failed": [{"task_id", "source_id", "source_name", "error": {"tag", "message", "status"?, "errorCode"?, "requestId"?}}], "files": [{"path", "bytes", "sha256", "tasks"}], "duplicates": N, "endpoint", "identity"} ("tasks": how many tasks that file holds; "responses" is added when the service answered with JSON instead of a file). A failure before any call prints {"error": {"tag", "message", ...}} instead.'
    )
  ),
  connection
}

const description = `Export the consistency-verification results of any number of migration tasks (${Model.Limits.tasksPerCall} per call).`

interface Source {
  readonly specs: ReadonlyArray<string>
  readonly tasksFile: Option.Option<string>
  readonly all: boolean
}

const readTasksFile = (path: string): Effect.Effect<ReadonlyArray<Tasks.TaskRef>, InvalidRequest> => {
  const label = path === "-" ? "stdin" : basename(path)
  return Effect.tryPromise({
    try: () => (path === "-" ? readStdin() : readFile(path, "utf8")),
    catch: (cause) =>
      new InvalidRequest({
        field: "--tasks-file",
        reason: `cannot read ${path}: ${readError(cause)}`
      })
  }).pipe(
    Effect.flatMap((text) =>
      Either.match(Tasks.parseTasksFile(text, label), { onLeft: Effect.fail, onRight: Effect.succeed })
    ),
    Effect.filterOrFail(
      (tasks) => tasks.length > 0,
      () => new InvalidRequest({ field: label, reason: "holds no tasks" })
    )
  )
}

const readError = (cause: unknown): string => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined
  if (code === "ENOENT") return "no such file"
  if (code === "EACCES" || code === "EPERM") return "permission denied"
  if (code === "EISDIR") return "it is a directory"
  return cause instanceof Error ? cause.message : String(cause)
}

const readStdin = async (): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks).toString("utf8")
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

const display = (path: string) => {
  const rel = relative(process.cwd(), path)
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel
}

export interface FileJson {
  readonly path: string
  readonly bytes: number
  readonly sha256: string
  readonly tasks: number
}

export interface Summary {
  readonly exported: number
  readonly failed: ReadonlyArray<{
    readonly task_id: string
    readonly source_id: string
    readonly source_name: string
    readonly error: ReturnType<typeof errorJson>
  }>
  readonly files: ReadonlyArray<FileJson>
  readonly duplicates: number
  readonly endpoint: string
  readonly identity: string
  /** JSON success bodies (the documented `{ }`), when the service sent no file. */
  readonly responses?: ReadonlyArray<{ readonly tasks: number; readonly body: unknown }>
}

export const summarize = (result: BatchExport.Result, info: SmsClient.Info): Summary => {
  const files: Array<FileJson> = []
  const responses: Array<{ tasks: number; body: unknown }> = []
  for (const outcome of result.outcomes) {
    if (outcome._tag !== "Exported") continue
    const r = outcome.result
    if (r._tag === "File")
      files.push({ path: r.path ?? r.fileName, bytes: r.byteLength, sha256: r.sha256, tasks: outcome.tasks.length })
    else responses.push({ tasks: outcome.tasks.length, body: r.body })
  }
  return {
    exported: result.exported,
    failed: result.failed.map(({ task, error }) => ({ ...task, error: errorJson(error) })),
    files,
    duplicates: result.duplicates,
    endpoint: info.endpoint,
    identity: info.identity,
    ...(responses.length > 0 ? { responses } : {})
  }
}

/** The human summary: files with sizes and sha256 prefixes, counts, endpoint and (masked) identity. */
export const renderSummary = (result: BatchExport.Result, summary: Summary, color: boolean): string => {
  const lines: Array<string> = []
  const where = `${summary.endpoint} as ${summary.identity}`
  lines.push(
    `${bold(`Exported ${plural(summary.exported, "task")}`, color)} in ${plural(summary.files.length, "file")} from ${where}` +
      (summary.duplicates > 0 ? ` (${plural(summary.duplicates, "duplicate")} skipped)` : "")
  )
  if (summary.files.length > 0)
    lines.push(
      table(
        ["FILE", "SIZE", "SHA256", "TASKS"],
        summary.files.map((f) => [display(f.path), bytes(f.bytes), `${f.sha256.slice(0, 12)}…`, String(f.tasks)])
      )
        .split("\n")
        .map((l) => `  ${l}`)
        .join("\n")
    )
  for (const r of summary.responses ?? [])
    lines.push(
      `  the service answered ${plural(r.tasks, "task")} with JSON instead of a file: ${JSON.stringify(r.body)}`
    )
  const failedChunks = result.outcomes.filter((o) => o._tag === "Failed")
  if (failedChunks.length > 0) {
    lines.push(
      `${bold(`Failed ${plural(result.failed.length, "task")}`, color)} (${plural(failedChunks.length, "call")}):`
    )
    for (const o of failedChunks)
      if (o._tag === "Failed")
        lines.push(`  ${plural(o.tasks.length, "task")} (call ${o.chunk + 1}): ${o.error.message}`)
  }
  return lines.join("\n")
}

/** 0 all exported; 1 some failed; when all failed, the code of the (first) failure's kind. */
export const exitCodeOf = (result: BatchExport.Result): number => {
  const [first] = result.failed
  if (first === undefined) return ExitCode.ok
  return result.exported > 0 ? ExitCode.partial : forError(first.error)
}

const discover = Effect.gen(function* () {
  const client = yield* SmsClient.SmsClient
  const sources = yield* client.listAllSources({ withResults: true })
  yield* Effect.logInfo(`discovered ${plural(sources.length, "source server")} with consistency results`)
  return sources.flatMap((s) => {
    const ref = Model.sourceToTaskRef(s)
    return ref === undefined ? [] : [ref]
  })
})

const progressLine = (p: BatchExport.Progress) =>
  Effect.sync(() => {
    process.stderr.write(
      `\rexported ${p.chunksDone}/${p.chunks} calls (${p.tasksDone}/${p.tasksTotal} tasks)${p.chunksDone === p.chunks ? "\n" : ""}`
    )
  })

export const run = (args: {
  readonly task: ReadonlyArray<string>
  readonly tasksFile: Option.Option<string>
  readonly all: boolean
  readonly output: Option.Option<string>
  readonly force: boolean
  readonly language: Option.Option<"en-us" | "zh-cn">
  readonly concurrency: number
  readonly json: boolean
  readonly connection: Connection
}) =>
  Effect.gen(function* () {
    if (args.concurrency < 1 || args.concurrency > maxConcurrency)
      return yield* new InvalidRequest({
        field: "--concurrency",
        reason: `must be between 1 and ${maxConcurrency} (got ${args.concurrency})`
      })
    const given = yield* explicitTasks({ specs: args.task, tasksFile: args.tasksFile, all: args.all })
    // Validate and count calls before anything is sent, so --output can be checked too.
    const planFor = (tasks: ReadonlyArray<Tasks.TaskRef>) =>
      Effect.flatMap(BatchExport.prepare(tasks), (prepared) =>
        Output.plan(
          Option.getOrUndefined(args.output),
          Math.ceil(prepared.tasks.length / Model.Limits.tasksPerCall),
          args.force
        )
      )
    const early = given === undefined ? undefined : yield* planFor(given)
    return yield* Effect.gen(function* () {
      const client = yield* SmsClient.SmsClient
      const tasks = given ?? (yield* discover)
      if (tasks.length === 0) {
        yield* writeErr("no source server has consistency results: nothing to export")
        const empty = { exported: 0, failed: [], files: [], duplicates: 0, ...client.info }
        if (args.json) yield* writeOut(json(empty))
        return ExitCode.ok
      }
      const plan = early ?? (yield* planFor(tasks))
      const chunks = Math.ceil(tasks.length / Model.Limits.tasksPerCall)
      const result = yield* BatchExport.exportAll(tasks, {
        language: Option.getOrUndefined(args.language),
        concurrency: args.concurrency,
        target: (chunk) => Output.targetFor(plan, chunk),
        onProgress: chunks > 1 && process.stderr.isTTY === true ? progressLine : undefined
      })
      const summary = summarize(result, client.info)
      yield* writeOut(args.json ? json(summary) : renderSummary(result, summary, stdoutColor()))
      const code = exitCodeOf(result)
      if (code !== ExitCode.ok) {
        const first = result.failed[0]?.error
        if (first !== undefined) {
          yield* writeErr(`error: ${plural(result.failed.length, "task")} not exported: ${first.message}`)
          const remedy = hint(first)
          if (remedy !== undefined) yield* writeErr(`hint: ${remedy}`)
        }
      }
      return code
    }).pipe(Effect.provide(clientLayer(args.connection)))
  }).pipe(
    reported(args.json, (e: SmsError) => forError(e)),
    Effect.flatMap((code) => (code === ExitCode.ok ? Effect.void : Effect.fail(new Exit({ code }))))
  )

export const command = Command.make("export", options, run).pipe(Command.withDescription(description))
