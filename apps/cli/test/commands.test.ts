import { describe, expect, it } from "@effect/vitest"
import * as Model from "@sms-consistency/sms/Model"
import { tasksPerCall } from "../src/commands/export.js"

describe("light command definitions", () => {
  it("export's help states the core's per-call limit", () => {
    expect(tasksPerCall).toBe(Model.Limits.tasksPerCall)
  })
})
