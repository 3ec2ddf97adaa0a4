/**
 * Any number of tasks → validated, de-duplicated → chunks of ≤ 200 → bounded concurrency → outcomes, so every
 * task is accounted for exactly once: exported (in file F) or failed (with error E).
 *
 * The service answers a whole call 404 when one of its tasks does not exist (or does not migrate the source
 * given). Such a chunk is split in halves, and those again, until the missing tasks stand alone: the others
 * are exported, and only the missing ones fail, each with its own 404 (about 2·log₂(n) extra calls per missing
 * task). Only the service's own 404s (an `SMS.*` error code) are split: a gateway's "no such API" or a 404 page
 * says the endpoint is wrong, which no split can help. A chunk may spend `maxSplitCalls` extra calls of its own
 * (enough to isolate about four missing tasks among 200), then what chunks already finished left unspent: one
 * chunk with many missing tasks uses what the others did not need, never what a chunk still running may need.
 * A call answered 404 that finds neither while other chunks still run waits until every chunk has run, then
 * is split with what they all left (so order does not matter: one call at a time, the first chunk's missing
 * tasks are isolated with what the later chunks did not need). Once none is left, calls answered 404 fail
 * whole, the tasks that do exist among them too (a warning says so, once). And once
 * `missingBeforeGivingUp` tasks have been found missing one by one while none was exported, no more splits are
 * made in the whole export: such a batch is likely missing throughout (another account's or region's tasks, a
 * file's columns swapped), and splitting every chunk would multiply its calls ~65 times to learn little more.
 * Other failures (auth, permission, throttling, 5xx) concern the call, not a task, and are not split.
 *
 * A failure that every later call would meet too stops the export: no credentials, or a 401 (a bad AK/SK or
 * token, a skewed clock). The calls not yet made then fail with the same error, unsent, rather than each being
 * signed, sent and refused; calls already under way finish. A 403 does not stop it: a permission may be granted
 * on some servers (an enterprise project) and not on others.
 */
import { Effect, Schema } from "effect"
import { join } from "node:path"
import * as files from "./internal/files.js"
import { fromParseError } from "./internal/invalid.js"
import * as Model from "./Model.js"
import { type ExportResult, type FileTarget, SmsClient } from "./SmsClient.js"
import { InvalidRequest, isServiceNotFound, type SmsError } from "./SmsError.js"

/** Extra calls a chunk may spend isolating missing tasks, besides what finished chunks left (see the module's note). */
export const maxSplitCalls = 64

/** A call made, with what deciding its follow-up needs (see `afterCall` in `exportAll`). */
interface Call {
  readonly chunk: number
  readonly tasks: ReadonlyArray<Model.TaskRef>
  readonly piece: Piece | undefined
  readonly budget: { own: number }
  readonly outcome: ChunkOutcome
  /** Its file was already reported as it was placed. */
  readonly reported: boolean
}

/** Tasks found missing one by one, with none exported yet, after which an export splits no more (see above). */
export const missingBeforeGivingUp = 16

/** Part of a chunk, exported on its own after the chunk was split (see the module's note). */
export interface Piece {
  /** Position of the piece's first task in the chunk (0-based). */
  readonly offset: number
  readonly size: number
}

/** After each call: `outcome` is its result, for a whole chunk or for a piece of a split one. */
export interface Progress {
  /** The chunk the call was for (0-based). */
  readonly chunk: number
  readonly chunks: number
  /** Chunks whose every task is accounted for (a split chunk counts once every piece of it is done). */
  readonly chunksDone: number
  /** Tasks accounted for, exported or failed; reaches `tasksTotal`. */
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
  /**
   * Stream each body to a file here; without it, bodies are kept in memory. `piece` is given when the chunk was
   * split to isolate missing tasks: several files then come from one chunk.
   */
  readonly target?: ((chunk: number, chunks: number, piece?: Piece) => FileTarget) | undefined
  /** Split a chunk answered 404 (by the service) until the missing tasks stand alone (default true). */
  readonly isolateMissing?: boolean | undefined
  /** Called after each call completes (a chunk's, or a piece's), in completion order. */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
}

/** One call's outcome; `piece` is set when it covers part of a split chunk. */
export type ChunkOutcome =
  | {
      readonly _tag: "Exported"
      readonly chunk: number
      readonly piece?: Piece | undefined
      readonly tasks: ReadonlyArray<Model.TaskRef>
      readonly result: ExportResult
    }
  | {
      readonly _tag: "Failed"
      readonly chunk: number
      readonly piece?: Piece | undefined
      readonly tasks: ReadonlyArray<Model.TaskRef>
      readonly error: SmsError
      /** The call was not made: the export had stopped at a failure every call would meet (see the module's note). */
      readonly unsent?: true | undefined
    }

export interface Result {
  /** In chunk order (a split chunk's pieces in task order). */
  readonly outcomes: ReadonlyArray<ChunkOutcome>
  readonly exported: number
  readonly failed: ReadonlyArray<{ readonly task: Model.TaskRef; readonly error: SmsError }>
  /** Tasks given more than once (exported once). */
  readonly duplicates: number
}

const decodeTasks = Schema.decodeUnknown(Model.TaskRefs)

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
    const unique = withoutDuplicates(decoded)
    return { tasks: unique, duplicates: decoded.length - unique.length }
  })

/**
 * The tasks, each exact duplicate after its first dropped. Keyed by `task_id`, which is all but always unique:
 * no key string is built (a JSON key per task took 8–12 ms on 10,000 tasks, before the first call; this ~1 ms).
 */
const withoutDuplicates = (tasks: ReadonlyArray<Model.TaskRef>): ReadonlyArray<Model.TaskRef> => {
  const seen = new Map<string, Model.TaskRef | Array<Model.TaskRef>>()
  const unique: Array<Model.TaskRef> = []
  for (const task of tasks) {
    const earlier = seen.get(task.task_id)
    if (earlier === undefined) seen.set(task.task_id, task)
    else {
      const same = Array.isArray(earlier) ? earlier : [earlier]
      if (same.some((t) => t.source_id === task.source_id && t.source_name === task.source_name)) continue
      same.push(task)
      if (same !== earlier) seen.set(task.task_id, same)
    }
    unique.push(task)
  }
  return unique
}

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
  if (prepared.duplicates > 0)
    yield* Effect.logWarning(
      prepared.duplicates === 1 ? "1 duplicate task left out" : `${prepared.duplicates} duplicate tasks left out`
    )
  const size = Math.min(
    Model.Limits.tasksPerCall,
    Math.max(1, Math.floor(finiteOr(options.chunkSize, Model.Limits.tasksPerCall)))
  )
  const chunks = chunksOf(prepared.tasks, size)
  const isolate = options.isolateMissing ?? true
  // With `overwrite`, a file this export wrote is never replaced by a later call's file of the same name (chunks
  // finished within a second get the same name from the service): that one gets `-N`, as without `overwrite`.
  // Only files from before the export are replaced. The name is taken when the file is placed (synchronously).
  const placed = new Set<string>()
  const ownNames = (target: FileTarget): FileTarget =>
    target.overwrite
      ? {
          ...target,
          name: (suggested) => {
            // Sanitised here, as the client will (it cuts a long name, and with it a suffix added to it).
            const wanted = files.sanitizeFileName(target.name ? target.name(suggested) : suggested, suggested)
            let name = wanted
            for (let k = 1; placed.has(join(target.directory, name)); k++) name = files.withSuffix(wanted, k)
            placed.add(join(target.directory, name))
            return name
          }
        }
      : target
  let chunksDone = 0
  let tasksDone = 0
  // For giving up on splits (see the module's note).
  let exportedTasks = 0
  let missingAlone = 0
  let gaveUp = false
  // Extra calls the chunks already finished left unspent, which any chunk may use past its own (see the module's
  // note); `spentWarned` once a chunk had none left.
  let leftUnspent = 0
  let spentWarned = false
  // A 404 that a chunk's calls could not split while other chunks still ran waits here for what they leave.
  const parked: Array<Call> = []
  let parking = true
  /** Takes the 2 calls of a split from the chunk's own extra calls, else from what finished chunks left. */
  const takeSplit = (budget: { own: number }): boolean => {
    if (budget.own >= 2) budget.own -= 2
    else if (leftUnspent >= 2) leftUnspent -= 2
    else return false
    return true
  }
  const splitsUseful = () => exportedTasks > 0 || missingAlone < missingBeforeGivingUp
  // The failure that stopped the export (see the module's note), which the calls not yet made fail with.
  let stopped: SmsError | undefined
  // Tasks of each chunk not yet accounted for: a chunk is done when none is left, whichever piece is reported last
  // (a parked piece may be, after later pieces of its chunk).
  const unaccounted = chunks.map((chunk) => chunk.length)
  const report = (chunk: number, outcome: ChunkOutcome) => {
    const left = (unaccounted[chunk] ?? 0) - outcome.tasks.length
    unaccounted[chunk] = left
    if (left === 0) chunksDone += 1
    tasksDone += outcome.tasks.length
    return options.onProgress
      ? options.onProgress({
          chunk,
          chunks: chunks.length,
          chunksDone,
          tasksDone,
          tasksTotal: prepared.tasks.length,
          outcome
        })
      : Effect.void
  }
  /** One call for `tasks` (the chunk, or a piece of it); a 404 splits it. Pieces run one after the other. */
  const exportPart = (
    chunk: number,
    tasks: ReadonlyArray<Model.TaskRef>,
    piece: Piece | undefined,
    budget: { own: number }
  ): Effect.Effect<ReadonlyArray<ChunkOutcome>> => {
    const request = options.language ? { task_info: tasks, language: options.language } : { task_info: tasks }
    const exported = (result: ExportResult): ChunkOutcome => ({
      _tag: "Exported",
      chunk,
      piece,
      tasks,
      result
    })
    // A file is reported as it is placed (see `FileTarget.onWritten`): an interruption right after cannot lose it.
    let reported = false
    let unsent: true | undefined
    const call = Effect.suspend(() => {
      if (stopped) {
        unsent = true
        return Effect.fail(stopped)
      }
      if (!options.target) return client.exportConsistencyResults(request)
      const target = ownNames(options.target(chunk, chunks.length, piece))
      return client.exportConsistencyResultsToFile(request, {
        ...target,
        onWritten: (file) =>
          Effect.suspend(() => {
            reported = true
            return Effect.zipRight(target.onWritten?.(file) ?? Effect.void, report(chunk, exported(file)))
          })
      })
    })
    return call.pipe(
      Effect.map(exported),
      Effect.catchAll((error) => {
        const failed = Effect.succeed<ChunkOutcome>({ _tag: "Failed", chunk, piece, tasks, error, unsent })
        if (stopped || !stopsAll(error)) return failed
        stopped = error
        const left = chunks.length - chunksDone - 1
        return left <= 0
          ? failed
          : Effect.zipRight(
              Effect.logWarning(
                `${error.message}: every call would meet it too, so the export stops; the calls not yet made ` +
                  "fail with it, unsent"
              ),
              failed
            )
      }),
      Effect.flatMap((outcome) => {
        const missing = outcome._tag === "Failed" && isServiceNotFound(outcome.error)
        if (outcome._tag === "Exported") exportedTasks += tasks.length
        else if (missing && tasks.length === 1) missingAlone += 1
        return afterCall({ chunk, tasks, piece, budget, outcome, reported })
      })
    )
  }
  /**
   * What follows a call: a 404 of the service's for several tasks splits them, if splitting is still useful and
   * the chunk has (or may borrow) the calls; else the outcome is reported as it is. A 404 that the calls in
   * hand cannot split while chunks still run is parked, to be split with what they leave (see the module's note).
   */
  const afterCall = (call: Call): Effect.Effect<ReadonlyArray<ChunkOutcome>> => {
    const { chunk, tasks, piece, budget, outcome } = call
    const error = outcome._tag === "Failed" ? outcome.error : undefined
    const wanted = isolate && error !== undefined && isServiceNotFound(error) && tasks.length > 1
    const useful = wanted && splitsUseful()
    if (!useful || stopped !== undefined || !takeSplit(budget)) {
      if (useful && parking && stopped === undefined) {
        parked.push(call)
        return Effect.succeed([])
      }
      const done = Effect.as(call.reported ? Effect.void : report(chunk, outcome), [outcome])
      // Once the export has stopped (see the module's note), a split would only make calls that fail unsent.
      if (!wanted || stopped !== undefined) return done
      if (!useful) {
        if (gaveUp) return done
        gaveUp = true
        return Effect.zipRight(
          Effect.logWarning(
            `${missingAlone} tasks were not found one by one and none was exported: not splitting calls ` +
              "answered 404 any more (are the tasks from this account and region, and the columns in order?)"
          ),
          done
        )
      }
      if (spentWarned) return done
      spentWarned = true
      return Effect.zipRight(
        Effect.logWarning(
          `call ${chunk + 1} has spent the extra calls it may make to isolate missing tasks (${maxSplitCalls}, ` +
            `and what the other calls left): ${tasks.length} of its tasks answered 404 fail together, and so ` +
            "may others' from now on, though some of them exist (export the failed tasks again to isolate them)"
        ),
        done
      )
    }
    const offset = piece?.offset ?? 0
    const half = Math.ceil(tasks.length / 2)
    return Effect.zipRight(
      Effect.logDebug(`call ${chunk + 1}: ${error?.message}; splitting its ${tasks.length} tasks`),
      Effect.zipWith(
        exportPart(chunk, tasks.slice(0, half), { offset, size: half }, budget),
        exportPart(chunk, tasks.slice(half), { offset: offset + half, size: tasks.length - half }, budget),
        (first, second) => [...first, ...second]
      )
    )
  }
  const concurrency = Math.max(1, Math.floor(finiteOr(options.concurrency, 4)))
  const perChunk = yield* Effect.forEach(
    chunks,
    (chunk, index) => {
      const budget = { own: maxSplitCalls }
      return exportPart(index, chunk, undefined, budget).pipe(
        Effect.ensuring(
          Effect.sync(() => {
            leftUnspent += budget.own
            budget.own = 0
          })
        )
      )
    },
    { concurrency }
  )
  // Every chunk has run: the parked 404s are split with what the chunks left, first come first served.
  parking = false
  const late = yield* Effect.forEach(parked, (call) => afterCall({ ...call, budget: { own: 0 } }), { concurrency })
  // In the order of the tasks: by chunk, then by place in it (a parked piece's outcomes came last).
  const outcomes = [...perChunk.flat(), ...late.flat()].sort(
    (a, b) => a.chunk - b.chunk || (a.piece?.offset ?? 0) - (b.piece?.offset ?? 0)
  )
  return resultOf(outcomes, prepared.duplicates)
})

/** `n`, unless it is missing or not a finite number (`NaN` would make no chunk at all, and lose every task). */
const finiteOr = (n: number | undefined, otherwise: number): number =>
  n !== undefined && Number.isFinite(n) ? n : otherwise

/** A failure that every later call of the export would meet too (see the module's note). */
const stopsAll = (error: SmsError): boolean => error._tag === "MissingCredentials" || error._tag === "Unauthorized"

/** The result of these outcomes (all of an export's, or those finished when it was interrupted). */
export const resultOf = (outcomes: ReadonlyArray<ChunkOutcome>, duplicates: number): Result => ({
  outcomes,
  exported: outcomes.reduce((n, o) => (o._tag === "Exported" ? n + o.tasks.length : n), 0),
  failed: outcomes.flatMap((o) => (o._tag === "Failed" ? o.tasks.map((task) => ({ task, error: o.error })) : [])),
  duplicates
})
