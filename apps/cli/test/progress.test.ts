import { describe, expect, it } from "@effect/vitest"
import type * as BatchExport from "@sms-consistency/sms/BatchExport"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as TestClock from "effect/TestClock"
import * as Progress from "../src/internal/progress.js"

const at = (tasksDone: number, chunksDone: number): BatchExport.Progress => ({
  chunk: 0,
  chunks: 4,
  chunksDone,
  tasksDone,
  tasksTotal: 800,
  outcome: {
    _tag: "Exported",
    chunk: 0,
    tasks: [],
    result: { _tag: "Json", body: {}, contentType: "application/json" }
  }
})

describe("progress off a terminal (a CI log)", () => {
  it.effect("one [info] line per 10 s at most, none before the first 10 s, none once done", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ message }) => lines.push(String(message)))
      )
      const { report, inPlace } = yield* Progress.reporter(false, 4)
      expect(inPlace).toBe(false)
      const step = (p: BatchExport.Progress) => report(p).pipe(Effect.provide(capture))
      yield* step(at(200, 1))
      yield* TestClock.adjust("9 seconds")
      yield* step(at(400, 2))
      expect(lines).toEqual([])
      yield* TestClock.adjust("2 seconds")
      yield* step(at(400, 2))
      yield* step(at(400, 2))
      expect(lines).toEqual(["400/800 tasks done, 2/4 chunks (11 s)"])
      yield* TestClock.adjust("12 seconds")
      yield* step(at(800, 4))
      expect(lines).toHaveLength(1)
    })
  )
})
