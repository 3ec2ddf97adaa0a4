/** The result of an export, as `--json` prints it and as text, and its exit code (`export` and `demo`). */
import * as BatchExport from "@sms-consistency/sms/BatchExport"
import type * as Model from "@sms-consistency/sms/Model"
import type * as SmsClient from "@sms-consistency/sms/SmsClient"
import { hint } from "@sms-consistency/sms/SmsError"
import * as Effect from "effect/Effect"
import { isAbsolute, relative } from "node:path"
import { hintOptions } from "./common.js"
import { ExitCode, forError } from "./exitCodes.js"
import { interruption } from "./interruption.js"
import type { Plan } from "./output.js"
import { bytes, type ErrorJson, errorJson, json, plural, table } from "./render.js"
import { bold, stdoutColor, writeErr, writeError, writeOut } from "./terminal.js"

/**
 * A relative path as it can be pasted back: one whose first component starts with `~` (a folder literally named
 * `~`, made by `-o ./~`) gets a leading `./`, as `~/…` given to `--output`, `--tasks-file` or a shell is the home
 * directory (and `~bob/…` bob's).
 */
export const pasteable = (rel: string): string => (rel.startsWith("~") ? `./${rel}` : rel)

/** A path as the summary shows it: relative to the working directory when under it (pasteable), else whole. */
export const displayPath = (path: string): string => {
  const rel = relative(process.cwd(), path)
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : pasteable(rel)
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
  /** Set when the export was interrupted (Ctrl+C): the tasks whose call had not finished are in `failed`. */
  readonly interrupted?: true
}

const taskKey = (t: Model.TaskRef) => JSON.stringify([t.task_id, t.source_id, t.source_name])

const notExported: ErrorJson = {
  tag: "Interrupted",
  message: "not exported: the export was interrupted before this task's call finished"
}

/**
 * What an interrupted export did: the outcomes that finished (their files are complete on disk) and, as failed
 * with an `Interrupted` error, every task whose call had not finished (an unfinished file is removed).
 */
export const interrupted = (
  done: ReadonlyArray<BatchExport.ChunkOutcome>,
  tasks: ReadonlyArray<Model.TaskRef>,
  info: SmsClient.Info
): { readonly result: BatchExport.Result; readonly summary: Summary } => {
  const outcomes = [...done].sort((a, b) => a.chunk - b.chunk || (a.piece?.offset ?? 0) - (b.piece?.offset ?? 0))
  const finished = new Set(outcomes.flatMap((o) => o.tasks.map(taskKey)))
  const left = new Map<string, Model.TaskRef>()
  const given = new Set<string>()
  for (const task of tasks) {
    const key = taskKey(task)
    given.add(key)
    if (!finished.has(key)) left.set(key, task)
  }
  const result = BatchExport.resultOf(outcomes, tasks.length - given.size)
  const summary = summarize(result, info)
  return {
    result,
    summary: {
      ...summary,
      failed: [
        ...summary.failed,
        ...[...left.values()].map((task) => ({
          task_id: task.task_id,
          source_id: task.source_id,
          source_name: task.source_name,
          error: notExported
        }))
      ],
      interrupted: true
    }
  }
}

/**
 * The summary of an interrupted export (`export`, `demo`), on stdout where the summary of a finished one goes: the
 * files written, and every task not exported (see `interrupted`); and a line on stderr. `asJson`: the summary as
 * JSON; `hasJson`: the command has `--json` (demo has not), which the text then points to; `progressShown`: a
 * progress line stands on stderr, to end first.
 */
export const reportInterrupted = (
  done: ReadonlyArray<BatchExport.ChunkOutcome>,
  tasks: ReadonlyArray<Model.TaskRef>,
  info: SmsClient.Info,
  output: { readonly asJson: boolean; readonly hasJson: boolean; readonly progressShown: boolean }
): Effect.Effect<void> =>
  Effect.suspend(() => {
    interruption.reported = true
    const { result, summary } = interrupted(done, tasks, info)
    return Effect.asVoid(
      Effect.all([
        output.progressShown ? writeErr("") : Effect.void,
        writeOut(
          output.asJson ? json(summary) : renderSummary(result, summary, stdoutColor(), { hasJson: output.hasJson })
        ),
        writeErr(interruptedLine(result, summary))
      ])
    )
  })

/**
 * The line on stderr for an interrupted export (see `interrupted`), which accounts for every task given:
 * `interrupted: 19 tasks exported, 6 failed, 1004 not done`.
 */
export const interruptedLine = (result: BatchExport.Result, summary: Summary): string => {
  const left = summary.failed.length - result.failed.length
  return `interrupted: ${plural(summary.exported, "task")} exported, ${result.failed.length} failed, ${left} not done`
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

const maxFailedLines = 20

/**
 * The human summary: files with sizes and sha256 prefixes, counts, endpoint and (masked) identity. Where it lists
 * only some of the tasks, it points to `--json`, which lists them all; not for a command without it (`demo`).
 */
export const renderSummary = (
  result: BatchExport.Result,
  summary: Summary,
  color: boolean,
  { hasJson = true }: { readonly hasJson?: boolean } = {}
): string => {
  const lines: Array<string> = []
  const see = (what: string) => (hasJson ? ` (--json lists ${what})` : "")
  const where = `${summary.endpoint} as ${summary.identity}`
  lines.push(
    `${bold(`Exported ${plural(summary.exported, "task")}`, color)} in ${plural(summary.files.length, "file")} from ${where}` +
      (summary.duplicates > 0 ? ` (${plural(summary.duplicates, "duplicate")} skipped)` : "")
  )
  if (summary.files.length > 0)
    lines.push(
      table(
        ["FILE", "SIZE", "SHA256", "TASKS"],
        summary.files.map((f) => [displayPath(f.path), bytes(f.bytes), `${f.sha256.slice(0, 12)}…`, String(f.tasks)])
      )
        .split("\n")
        .map((l) => `  ${l}`)
        .join("\n")
    )
  for (const r of summary.responses ?? [])
    lines.push(
      `  the service answered ${plural(r.tasks, "task")} with JSON instead of a file: ${JSON.stringify(r.body)}`
    )
  // Calls a stopped export did not make (a 401, missing credentials: every call would meet it) are said once, not
  // listed as if each had been sent and refused.
  const failedChunks = result.outcomes.filter((o) => o._tag === "Failed" && !o.unsent)
  const unsent = result.outcomes.filter((o) => o._tag === "Failed" && o.unsent)
  if (failedChunks.length > 0) {
    lines.push(
      `${bold(`Failed ${plural(result.failed.length, "task")}`, color)} (${plural(failedChunks.length, "call")}` +
        `${unsent.length > 0 ? `; ${plural(unsent.length, "more call")} not sent` : ""}):`
    )
    for (const o of failedChunks.slice(0, maxFailedLines))
      if (o._tag === "Failed") {
        const where = o.piece
          ? `call ${o.chunk + 1}, task ${o.piece.offset + 1}${o.piece.size > 1 ? `–${o.piece.offset + o.piece.size}` : ""}`
          : `call ${o.chunk + 1}`
        lines.push(`  ${plural(o.tasks.length, "task")} (${where}): ${o.error.message}`)
      }
    if (failedChunks.length > maxFailedLines)
      lines.push(`  … and ${plural(failedChunks.length - maxFailedLines, "more call")}${see("every failed task")}`)
    if (unsent.length > 0) {
      const tasks = unsent.reduce((n, o) => n + o.tasks.length, 0)
      lines.push(
        `  ${plural(tasks, "task")} not sent: the export stopped at the first such failure, which every call would meet`
      )
    }
  }
  if (summary.interrupted) {
    // Text lists no tasks, and this run printed no --json to finish the export from: how to make the next one
    // resumable (its --json output is a tasks file).
    const left = summary.failed.length - result.failed.length
    const resume = hasJson
      ? "; to resume an interrupted export, run it with --json > out.json, then export --tasks-file out.json"
      : ""
    lines.push(`${bold("Interrupted", color)}: ${plural(left, "task")} not exported${resume}`)
  }
  return lines.join("\n")
}

/** 0 all exported; 1 some failed; when all failed, the code of the (first) failure's kind. */
export const exitCodeOf = (result: BatchExport.Result): number => {
  const [first] = result.failed
  if (first === undefined) return ExitCode.ok
  return result.exported > 0 ? ExitCode.partial : forError(first.error)
}

/** After the summary of an export with failed tasks (`export`, `demo`): how many, the first error, and its hint. */
export const reportFailed = (result: BatchExport.Result): Effect.Effect<void> =>
  Effect.suspend(() => {
    const first = result.failed[0]?.error
    if (first === undefined) return Effect.void
    const remedy = hint(first, "export", hintOptions)
    return Effect.zipRight(
      writeError(`${plural(result.failed.length, "task")} not exported: ${first.message}`),
      remedy === undefined ? Effect.void : writeErr(`hint: ${remedy}`)
    )
  })

/** What `export --dry-run` prints with `--json`: what would be exported, and where. */
export interface DryRun {
  readonly dryRun: true
  readonly tasks: number
  readonly calls: number
  readonly duplicates: number
  /** The folder the files would go into (named by the service), or the files that would be written. */
  readonly directory?: string
  readonly files?: ReadonlyArray<string>
  readonly endpoint: string
  readonly identity: string
}

export const dryRun = (
  prepared: { readonly tasks: ReadonlyArray<Model.TaskRef>; readonly duplicates: number },
  plan: Plan,
  calls: number,
  info: SmsClient.Info
): DryRun => ({
  dryRun: true,
  tasks: prepared.tasks.length,
  calls,
  duplicates: prepared.duplicates,
  ...(plan._tag === "Directory" ? { directory: plan.directory } : { files: plan.paths }),
  endpoint: info.endpoint,
  identity: info.identity
})

/** The text of `export --dry-run`. */
export const renderDryRun = (d: DryRun, color: boolean): string => {
  const files = d.files ?? []
  const into =
    d.directory !== undefined
      ? `${relative(process.cwd(), d.directory) === "" ? "." : displayPath(d.directory)}/ (files named by the service)`
      : files.length <= 3
        ? files.map(displayPath).join(", ")
        : `${displayPath(files[0] ?? "")} … ${displayPath(files[files.length - 1] ?? "")} (${files.length} files)`
  return [
    `${bold(`Would export ${plural(d.tasks, "task")}`, color)} in ${plural(d.calls, "call")} from ${d.endpoint} as ${d.identity}` +
      (d.duplicates > 0 ? ` (${plural(d.duplicates, "duplicate")} skipped)` : ""),
    `  into ${into}`,
    "Nothing was exported (--dry-run)."
  ].join("\n")
}
