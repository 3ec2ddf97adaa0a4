/**
 * Any number of tasks → validated, de-duplicated → chunks of ≤ 200 → bounded concurrency → one outcome
 * per chunk, so every task is accounted for exactly once: exported (in file F) or failed (with error E).
 */
import { Effect, Schema } from "effect"
import { fromParseError } from "./internal/invalid.js"
import * as Model from "./Model.js"
import { type ExportResult, type FileTarget, SmsClient } from "./SmsClient.js"
import { InvalidRequest, type SmsError } from "./SmsError.js"

export interface Progress {
  readonly chunk: number
  readonly chunks: number
  readonly chunksDone: number
  readonly tasksDone: number
  readonly tasksTotal: number
  readonly outcome: ChunkOutcome
}

export interface Options {
  readonly language?: Model.Language | undefined
  /** Parallel calls (default 4). */
  readonly concurrency?: number | undefined
  /** Tasks per call (default and maximum 200). */
  readonly chunkSize?: number | undefined
  /** Stream each body to a file here; without it, bodies are kept in memory. */
  readonly target?: ((chunk: number, chunks: number) => FileTarget) | undefined
  /** Called after each chunk completes, in completion order. */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
}

export type ChunkOutcome =
  | {
      readonly _tag: "Exported"
      readonly chunk: number
      readonly tasks: ReadonlyArray<Model.TaskRef>
      readonly result: ExportResult
    }
  | {
      readonly _tag: "Failed"
      readonly chunk: number
      readonly tasks: ReadonlyArray<Model.TaskRef>
      readonly error: SmsError
    }

export interface Result {
  /** In chunk order. */
  readonly outcomes: ReadonlyArray<ChunkOutcome>
  readonly exported: number
  readonly failed: ReadonlyArray<{ readonly task: Model.TaskRef; readonly error: SmsError }>
  /** Tasks given more than once (exported once). */
  readonly duplicates: number
}

const decodeTasks = Schema.decodeUnknown(Schema.Array(Model.TaskRef))

/** Validates every task (naming the first bad field, e.g. `task_info[3].task_id`) and drops exact duplicates. */
export const prepare = (
  tasks: ReadonlyArray<unknown>
): Effect.Effect<{ readonly tasks: ReadonlyArray<Model.TaskRef>; readonly duplicates: number }, InvalidRequest> =>
  Effect.gen(function* () {
    if (tasks.length === 0)
      return yield* new InvalidRequest({ field: "task_info", reason: "must hold at least 1 task" })
    const decoded =
      Model.plainTaskRefs(tasks) ??
      (yield* decodeTasks(tasks).pipe(Effect.mapError((e) => fromParseError(e, "task_info"))))
    const seen = new Set<string>()
    const unique: Array<Model.TaskRef> = []
    for (const task of decoded) {
      const key = JSON.stringify([task.task_id, task.source_id, task.source_name])
      if (seen.has(key)) continue
      seen.add(key)
      unique.push(task)
    }
    return { tasks: unique, duplicates: decoded.length - unique.length }
  })

export const chunksOf = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * Exports every task. Fails only for invalid input (before anything is sent); call failures are
 * per-chunk outcomes, so the rest still lands.
 */
export const exportAll = Effect.fn("BatchExport.exportAll")(function* (
  tasks: ReadonlyArray<unknown>,
  options: Options = {}
) {
  const client = yield* SmsClient
  const prepared = yield* prepare(tasks)
  if (prepared.duplicates > 0) yield* Effect.logWarning(`${prepared.duplicates} duplicate task(s) removed`)
  const size = Math.min(
    Model.Limits.tasksPerCall,
    Math.max(1, Math.floor(options.chunkSize ?? Model.Limits.tasksPerCall))
  )
  const chunks = chunksOf(prepared.tasks, size)
  let chunksDone = 0
  let tasksDone = 0
  const outcomes = yield* Effect.forEach(
    chunks,
    (chunkTasks, index) => {
      const request = { task_info: chunkTasks, language: options.language }
      const call = options.target
        ? client.exportConsistencyResultsToFile(request, options.target(index, chunks.length))
        : client.exportConsistencyResults(request)
      return call.pipe(
        Effect.map((result): ChunkOutcome => ({ _tag: "Exported", chunk: index, tasks: chunkTasks, result })),
        Effect.catchAll((error) =>
          Effect.succeed<ChunkOutcome>({ _tag: "Failed", chunk: index, tasks: chunkTasks, error })
        ),
        Effect.tap((outcome) => {
          chunksDone += 1
          tasksDone += chunkTasks.length
          return options.onProgress
            ? options.onProgress({
                chunk: index,
                chunks: chunks.length,
                chunksDone,
                tasksDone,
                tasksTotal: prepared.tasks.length,
                outcome
              })
            : Effect.void
        })
      )
    },
    { concurrency: Math.max(1, Math.floor(options.concurrency ?? 4)) }
  )
  const failed = outcomes.flatMap((o) => (o._tag === "Failed" ? o.tasks.map((task) => ({ task, error: o.error })) : []))
  return {
    outcomes,
    exported: prepared.tasks.length - failed.length,
    failed,
    duplicates: prepared.duplicates
  } satisfies Result
})
