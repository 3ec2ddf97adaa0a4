/** How far an export is: a line rewritten in place on a terminal; on anything else (a CI log), a line now and then. */
import type * as BatchExport from "@sms-consistency/sms/BatchExport"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"

/** On a stderr that is not a terminal, at most one progress line this often, so a short export logs none. */
export const logEveryMs = 10_000

const counts = (p: BatchExport.Progress) =>
  // A chunk split to isolate missing tasks takes several calls: progress counts tasks, and whole chunks.
  `${p.tasksDone}/${p.tasksTotal} tasks done, ${p.chunksDone}/${p.chunks} chunks`

const inPlace = (p: BatchExport.Progress) =>
  Effect.sync(() => {
    process.stderr.write(`\r${counts(p)}${p.chunksDone === p.chunks ? "\n" : ""}`)
  })

/** A progress callback, and whether it writes the line in place (which then needs its own line ended). */
export interface Reporter {
  readonly report: (p: BatchExport.Progress) => Effect.Effect<void>
  readonly inPlace: boolean
}

/**
 * The progress of an export of `chunks` chunks: on a terminal, the line in place (for more than one chunk);
 * elsewhere, an `[info]` line once `logEveryMs` has passed since the start or the last one, until done.
 */
export const reporter = (terminal: boolean, chunks: number): Effect.Effect<Reporter> =>
  Effect.map(Clock.currentTimeMillis, (started): Reporter => {
    if (terminal) return chunks > 1 ? { report: inPlace, inPlace: true } : { report: () => Effect.void, inPlace: false }
    let last = started
    return {
      inPlace: false,
      report: (p) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          if (now - last < logEveryMs || p.chunksDone === p.chunks) return Effect.void
          last = now
          return Effect.logInfo(`${counts(p)} (${Math.round((now - started) / 1000)} s)`)
        })
    }
  })
