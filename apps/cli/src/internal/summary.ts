/** The result of an export, as `--json` prints it and as text, and its exit code (`export` and `demo`). */
import type * as BatchExport from "@sms-consistency/sms/BatchExport"
import type * as SmsClient from "@sms-consistency/sms/SmsClient"
import { isAbsolute, relative } from "node:path"
import { ExitCode, forError } from "./exitCodes.js"
import { bytes, errorJson, plural, table } from "./render.js"
import { bold } from "./terminal.js"

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

const maxFailedLines = 20

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
    for (const o of failedChunks.slice(0, maxFailedLines))
      if (o._tag === "Failed") {
        const where = o.piece
          ? `call ${o.chunk + 1}, task ${o.piece.offset + 1}${o.piece.size > 1 ? `–${o.piece.offset + o.piece.size}` : ""}`
          : `call ${o.chunk + 1}`
        lines.push(`  ${plural(o.tasks.length, "task")} (${where}): ${o.error.message}`)
      }
    if (failedChunks.length > maxFailedLines)
      lines.push(
        `  … and ${plural(failedChunks.length - maxFailedLines, "more call")} (--json lists every failed task)`
      )
  }
  return lines.join("\n")
}

/** 0 all exported; 1 some failed; when all failed, the code of the (first) failure's kind. */
export const exitCodeOf = (result: BatchExport.Result): number => {
  const [first] = result.failed
  if (first === undefined) return ExitCode.ok
  return result.exported > 0 ? ExitCode.partial : forError(first.error)
}
