import { describe, expect, it } from "@effect/vitest"
import * as Model from "@sms-consistency/sms/Model"
import { tasksPerCall } from "../src/commands/export.js"
import { informational } from "../src/internal/route.js"

describe("light command definitions", () => {
  it("export's help states the core's per-call limit", () => {
    expect(tasksPerCall).toBe(Model.Limits.tasksPerCall)
  })
})

describe("informational", () => {
  it("sends help, version and completion requests to the help bundle", () => {
    expect(informational(["--help"])).toBe(true)
    expect(informational(["export", "-h"])).toBe(true)
    expect(informational(["--version"])).toBe(true)
    expect(informational(["--completions", "bash"])).toBe(true)
    expect(informational(["--completions=zsh"])).toBe(true)
  })

  it("sends everything else, and the wizard, to the whole CLI", () => {
    expect(informational([])).toBe(false)
    expect(informational(["export", "--all"])).toBe(false)
    expect(informational(["export", "--output=--help"])).toBe(false)
    expect(informational(["--wizard", "--help"])).toBe(false)
  })
})
