import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import * as fc from "fast-check"
import * as Model from "../src/Model.js"

/** Strings around each limit, odd characters included. */
const text = (max: number) =>
  fc.oneof(
    fc.string({ maxLength: max + 2 }),
    fc.string({ minLength: max - 1, maxLength: max + 1 }),
    fc.constantFrom("", "\u0000", "😀".repeat(max), "é".repeat(max + 1))
  )

/** Tasks that are mostly right, and every way of being wrong: types, lengths, missing or inherited keys. */
const task = fc.oneof(
  { weight: 6, arbitrary: fc.record({ task_id: text(36), source_id: text(255), source_name: text(255) }) },
  {
    weight: 2,
    arbitrary: fc.record(
      { task_id: fc.anything(), source_id: fc.anything(), source_name: fc.anything(), extra: fc.anything() },
      { requiredKeys: [] }
    )
  },
  { weight: 1, arbitrary: fc.anything() },
  {
    weight: 1,
    arbitrary: fc.constant(Object.assign(Object.create({ task_id: "inherited" }), { source_id: "", source_name: "" }))
  }
)

/** A task within every limit (at the limits, often). */
const goodTask = fc.record({
  task_id: fc.oneof(fc.string({ minLength: 1, maxLength: 36 }), fc.constant("t".repeat(36))),
  source_id: fc.oneof(fc.string({ maxLength: 255 }), fc.constant("s".repeat(255))),
  source_name: fc.oneof(fc.string({ maxLength: 255 }), fc.constant("😀".repeat(127)))
})

const request = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        task_info: fc.oneof(
          fc.array(goodTask, { minLength: 1, maxLength: 200 }),
          fc.array(goodTask, { maxLength: 203 })
        ),
        language: fc.constantFrom("en-us", "zh-cn")
      },
      { requiredKeys: ["task_info"] }
    )
  },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        task_info: fc.array(task, { maxLength: 203 }),
        language: fc.oneof(fc.constantFrom("en-us", "zh-cn", "EN-US", undefined), fc.anything())
      },
      { requiredKeys: ["task_info"] }
    )
  },
  { weight: 1, arbitrary: fc.anything() },
  {
    // A sparse array: its hole is no task.
    weight: 1,
    arbitrary: fc.constant({
      task_info: Object.assign(new Array(2), { 1: { task_id: "t", source_id: "", source_name: "" } })
    })
  }
)

describe("Model: the fast path agrees with the schema", () => {
  const decodeRequest = Schema.decodeUnknownEither(Model.ExportRequest)
  const decodeTask = Schema.decodeUnknownEither(Model.TaskRef)

  it("plainExportRequest: whatever it accepts, the schema accepts and decodes the same (10,000 requests)", () => {
    let accepted = 0
    fc.assert(
      fc.property(request, (input) => {
        const plain = Model.plainExportRequest(input)
        if (plain === undefined) return
        accepted++
        const decoded = decodeRequest(input)
        expect(Either.isRight(decoded)).toBe(true)
        // Strict: a `language: undefined` kept or dropped is a difference.
        expect(plain).toStrictEqual(Either.getOrThrow(decoded))
      }),
      { numRuns: 10_000, seed: 17 }
    )
    // Not vacuous: a good share of the generated requests take the fast path.
    expect(accepted).toBeGreaterThan(1_000)
  })

  it("plainTaskRef: whatever it accepts, the schema accepts and decodes the same (10,000 tasks)", () => {
    let accepted = 0
    fc.assert(
      fc.property(task, (input) => {
        const plain = Model.plainTaskRef(input)
        if (plain === undefined) return
        accepted++
        expect(plain).toStrictEqual(Either.getOrThrow(decodeTask(input)))
      }),
      { numRuns: 10_000, seed: 23 }
    )
    expect(accepted).toBeGreaterThan(1_000)
  })

  it("takes the common case: seeded tasks and a 200-task request", () => {
    const tasks = Array.from({ length: 200 }, (_, i) => ({
      task_id: `t-${i}`,
      source_id: `s-${i}`,
      source_name: `web ${i}`
    }))
    expect(Model.plainTaskRefs(tasks)).toEqual(tasks)
    expect(Model.plainExportRequest({ task_info: tasks, language: "zh-cn" })).toEqual({
      task_info: tasks,
      language: "zh-cn"
    })
    // As BatchExport passes it when no language is chosen.
    expect(Model.plainExportRequest({ task_info: tasks, language: undefined })).toStrictEqual({
      task_info: tasks,
      language: undefined
    })
    expect(Model.plainExportRequest({ task_info: [...tasks, tasks[0]] })).toBeUndefined()
    expect(Model.plainExportRequest({ task_info: [] })).toBeUndefined()
  })
})

describe("Model.exportBodyJson", () => {
  it("is JSON.stringify of the body's objects, for any strings (5,000 task lists)", () => {
    // Any UTF-16 text: quotes, backslashes, control characters, non-ASCII, lone surrogates.
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 20 }),
      fc.constantFrom("", '"', "\\", "\u2028", "\ud800")
    )
    const task = fc.record({ task_id: text, source_id: text, source_name: text, extra: fc.string() })
    fc.assert(
      fc.property(fc.array(task, { maxLength: 6 }), (tasks) => {
        const reference = JSON.stringify({
          task_info: tasks.map((t) => ({ task_id: t.task_id, source_id: t.source_id, source_name: t.source_name }))
        })
        expect(Model.exportBodyJson(tasks)).toBe(reference)
      }),
      { numRuns: 5_000 }
    )
  })
})

describe("Model.taskStateFilter", () => {
  it("upper-cases a state and drops the blanks around it; a blank one is no filter; an unknown one is kept", () => {
    expect(Model.taskStateFilter("sync_success")).toBe("SYNC_SUCCESS")
    expect(Model.taskStateFilter(" Migrate_Success\t")).toBe("MIGRATE_SUCCESS")
    expect(Model.taskStateFilter("READY")).toBe("READY")
    expect(Model.taskStateFilter("new_state")).toBe("NEW_STATE")
    expect(Model.taskStateFilter("  ")).toBeUndefined()
    // ASCII letters only: the states are.
    expect(Model.taskStateFilter("straße_ı")).toBe("STRAßE_ı")
    expect(Model.taskStateFilter(undefined)).toBeUndefined()
  })
})
