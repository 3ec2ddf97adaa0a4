import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as fc from "fast-check"
import * as BatchExport from "../src/BatchExport.js"

const t = (task_id: string, source_id: string, source_name: string) => ({ task_id, source_id, source_name })

describe("BatchExport.prepare", () => {
  it("drops exact duplicates only, keeping the first of each in order", () => {
    const tasks = [
      t("a", "s1", "web"),
      t("a", "s2", "web"), // same task, other source: kept
      t("a", "s1", "db"), // same task and source id, other name: kept
      t("b", "s1", "web"),
      t("a", "s2", "web"), // duplicate of the second
      t("a", "s1", "web"), // duplicate of the first
      t("a", "s1", "db") // duplicate of the third
    ]
    const prepared = Effect.runSync(BatchExport.prepare(tasks))
    expect(prepared.tasks).toEqual(tasks.slice(0, 4))
    expect(prepared.duplicates).toBe(3)
  })

  it("agrees with a set of (task_id, source_id, source_name) triples (1,000 lists)", () => {
    // Small alphabets, so that duplicates and shared task ids are common.
    const small = fc.constantFrom("", "a", "b", "a\u0000b")
    const tasks = fc.array(
      fc.record({ task_id: fc.constantFrom("t", "u", "t\u0000u"), source_id: small, source_name: small }),
      {
        minLength: 1,
        maxLength: 40
      }
    )
    fc.assert(
      fc.property(tasks, (input) => {
        const seen = new Set<string>()
        const expected = input.filter((task) => {
          const key = JSON.stringify([task.task_id, task.source_id, task.source_name])
          if (seen.has(key)) return false
          seen.add(key)
          return true
        })
        const prepared = Effect.runSync(BatchExport.prepare(input))
        expect(prepared.tasks).toEqual(expected)
        expect(prepared.duplicates).toBe(input.length - expected.length)
      }),
      { numRuns: 1_000, seed: 29 }
    )
  })

  it("refuses an empty list and names the first invalid field", () => {
    const empty = Effect.runSync(Effect.either(BatchExport.prepare([])))
    expect(Either.isLeft(empty) && empty.left.message).toMatch(/task_info: must hold at least 1 task/)
    const bad = Effect.runSync(Effect.either(BatchExport.prepare([t("a", "s", "n"), { task_id: "", source_id: "s" }])))
    expect(Either.isLeft(bad) && bad.left.message).toMatch(/task_info\[1\]/)
  })
})
