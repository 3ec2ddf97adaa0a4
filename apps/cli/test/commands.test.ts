import { describe, expect, it } from "@effect/vitest"
import * as Emulator from "@sms-consistency/emulator/Emulator"
import * as Model from "@sms-consistency/sms/Model"
import { homedir } from "node:os"
import { join } from "node:path"
import { firstReported, flagProblem, reworded, splitFlagValues } from "../src/Cli.js"
import { lastLine } from "../src/commands/demo.run.js"
import { tasksPerCall } from "../src/commands/export.js"
import { maxLatencyMs, maxSeed } from "../src/internal/common.js"
import { informational } from "../src/internal/route.js"
import { displayPath, interrupted, interruptedLine, pasteable, renderSummary } from "../src/internal/summary.js"
import * as SmsError from "@sms-consistency/sms/SmsError"

describe("light command definitions", () => {
  it("export's help states the core's per-call limit", () => {
    expect(tasksPerCall).toBe(Model.Limits.tasksPerCall)
  })
})

describe("the emulator's limits, as the CLI checks them", () => {
  it("--latency stops where the emulator does", () => expect(maxLatencyMs).toBe(Emulator.maxLatencyMs))
  it("--seed stops where the emulator does", () => expect(maxSeed).toBe(Emulator.maxSeed))
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
    // After `--`, nothing is an option.
    expect(informational(["export", "--", "--help"])).toBe(false)
    expect(informational(["result", "--", "--version"])).toBe(false)
  })
})

describe("usage errors", () => {
  it("finds a flag without its value, wherever it stands", () => {
    expect(flagProblem(["export", "--all", "--output"])).toBe("--output: missing its value (PATH)")
    expect(flagProblem(["export", "-o", "--force", "--all"])).toBe("-o: missing its value (PATH)")
    expect(flagProblem(["export", "--timeout=", "--all"])).toBe("--timeout: missing its value (DURATION)")
    expect(flagProblem(["export", "--tasks-file", "--"])).toBe("--tasks-file: missing its value (FILE)")
    expect(flagProblem(["sources", "--region"])).toBe("--region: missing its value (ID)")
    expect(flagProblem(["emulator", "--port"])).toMatch(/^--port: missing its value/)
    expect(flagProblem(["--log-level"])).toMatch(/^--log-level: missing its value \(all \| trace/)
  })

  it("finds a value outside a flag's choices, the built-ins' too", () => {
    expect(flagProblem(["export", "--all", "--json=maybe"])).toBe('--json: expected true or false (got "maybe")')
    expect(flagProblem(["export", "--all", "--force=FALSE"])).toBe('--force: expected true or false (got "FALSE")')
    expect(flagProblem(["export", "--all", "--force=off", "--json=1"])).toBeUndefined()
    expect(flagProblem(["export", "--language", "EN"])).toBe('--language: expected one of en-us, zh-cn (got "EN")')
    expect(flagProblem(["emulator", "--export-mode=tar"])).toBe(
      '--export-mode: expected one of zip, json, text, large (got "tar")'
    )
    expect(flagProblem(["--log-level", "loud", "export"])).toMatch(/^--log-level: expected one of all, /)
    expect(flagProblem(["export", "--completions", "tcsh"])).toBe(
      '--completions: expected one of sh, bash, fish, zsh (got "tcsh")'
    )
  })

  it("finds a flag given twice (under either of its names), but for a repeatable one", () => {
    expect(flagProblem(["export", "--all", "--force", "--force"])).toBe("--force: given more than once")
    expect(flagProblem(["export", "--all", "-o", "a", "-o", "b"])).toBe("-o: given more than once")
    expect(flagProblem(["export", "--all", "-o=a", "--output", "b"])).toBe(
      "--output: given more than once (as -o and --output)"
    )
    expect(flagProblem(["sources", "--json", "--json"])).toBe("--json: given more than once")
    expect(flagProblem(["export", "--all", "--concurrency", "2", "--concurrency=3"])).toBe(
      "--concurrency: given more than once"
    )
    expect(flagProblem(["export", "--all", "--log-level", "debug", "--log-level", "info"])).toBe(
      "--log-level: given more than once"
    )
    expect(flagProblem(["export", "--task", "t1,s1,a", "--task=t2,s2,b", "--task", "t3,s3,c"])).toBeUndefined()
    // After `--`, nothing is a flag.
    expect(flagProblem(["result", "--", "--json", "--json"])).toBeUndefined()
  })

  it("finds an option-like word after the command that is none of its flags, whatever the command's arguments", () => {
    expect(flagProblem(["result", "--bogus"])).toBe("--bogus: unknown option; see sms-consistency result --help")
    expect(flagProblem(["result", "-x", "t1"])).toBe("-x: unknown option; see sms-consistency result --help")
    expect(flagProblem(["result", "--jsn", "t1"])).toBe(
      "--jsn: unknown option (did you mean --json?); see sms-consistency result --help"
    )
    expect(flagProblem(["export", "--all", "--DRY-RUN"])).toBe(
      "--DRY-RUN: unknown option (did you mean --dry-run?); see sms-consistency export --help"
    )
    // A flag's value may look like an option; `-` alone (stdin) is no option; after `--`, nothing is one.
    expect(flagProblem(["export", "--all", "--name", "--x"])).toBeUndefined()
    expect(flagProblem(["emulator", "--latency", "-1"])).toBeUndefined()
    expect(flagProblem(["export", "--tasks-file", "-"])).toBeUndefined()
    expect(flagProblem(["result", "--", "-x"])).toBeUndefined()
  })

  it("finds a word after -- that @effect/cli would skip: the command itself, or a second --", () => {
    // Before the command, `--` ends the options: what follows is an argument to the program, not a command.
    const root = (word: string, clause: string) =>
      `unexpected argument ${JSON.stringify(word)}: sms-consistency takes a command and no arguments${clause}; see sms-consistency --help`
    expect(flagProblem(["--", "export", "--all"])).toBe(root("export", ", and after -- nothing is read as a command"))
    expect(flagProblem(["--log-level", "debug", "--", "result", "t1"])).toBe(
      root("result", ", and after -- nothing is read as a command")
    )
    expect(flagProblem(["--", "--help"])).toBe(root("--help", ", and after -- nothing is read as an option"))
    expect(flagProblem(["--", "foo"])).toBe(root("foo", ""))
    // Nothing after it (a command is required, said when run); a mistake before it is the first, left to @effect/cli.
    expect(flagProblem(["--"])).toBeUndefined()
    expect(flagProblem(["--foo", "--", "export"])).toBeUndefined()
    expect(flagProblem(["exprot", "--", "export"])).toBeUndefined()
    // A second `--` after the command's is an argument like any other.
    expect(flagProblem(["export", "--all", "--", "--"])).toBe(
      'unexpected argument "--": export takes no arguments, and after -- nothing is read as an option; see sms-consistency export --help'
    )
    const result =
      'unexpected argument "--": result takes one argument (TASK_ID), and after -- nothing is read as an option; see sms-consistency result --help'
    expect(flagProblem(["result", "t1", "--", "--"])).toBe(result)
    expect(flagProblem(["result", "--", "t1", "--"])).toBe(result)
    expect(flagProblem(["result", "--json", "true", "--", "t1", "--"])).toBe(result)
    expect(flagProblem(["export", "--", "x", "--"])).toBe(
      'unexpected argument "x": export takes no arguments; see sms-consistency export --help'
    )
    // `--` as result's one argument; a word before `--` the command does not take is the first, left to @effect/cli.
    expect(flagProblem(["result", "--", "--"])).toBeUndefined()
    expect(flagProblem(["export", "foo", "--", "--"])).toBeUndefined()
  })

  it("accepts every well-formed line, values that look like flags but are not among them included", () => {
    for (const args of [
      ["export", "--all", "--output", "results/", "--language", "zh-cn", "--concurrency", "8", "--json"],
      ["export", "--tasks-file", "-", "--log-level", "debug"],
      ["export", "--task", "-t1,s1,web", "--task=t2,s2,db"],
      ["export", "--endpoint=http://127.0.0.1:1/?a=b", "--all"],
      ["result", "t1", "--json"],
      ["emulator", "--export-mode", "large", "--port", "0"],
      // Unknown commands, and options before the command, are @effect/cli's to report.
      ["exprot"],
      ["--bogus", "export"],
      // After `--`, nothing is a flag.
      ["result", "--", "--output"],
      []
    ])
      expect(flagProblem(args), args.join(" ")).toBeUndefined()
  })

  it("splits --flag=VALUE and -o=VALUE of the command's flags, which @effect/cli takes for unknown options", () => {
    expect(
      splitFlagValues([
        "export",
        "--task=t1,s1,a=b",
        "-o=x.zip",
        "--output=y",
        "--json=false",
        "--log-level=debug",
        "--bogus=1",
        "--",
        "--task=z"
      ])
    ).toEqual([
      "export",
      "--task",
      "t1,s1,a=b",
      "-o",
      "x.zip",
      "--output",
      "y",
      "--json=false",
      "--log-level=debug",
      "--bogus=1",
      "--",
      "--task=z"
    ])
    // Only after a command: before it there is nothing to split.
    expect(splitFlagValues(["--log-level=debug", "export"])).toEqual(["--log-level=debug", "export"])
  })

  it("of several problems @effect/cli reports at once, keeps the one whose flag stands first on the line", () => {
    const port = '--port: expected a whole number (got "x")'
    const faultRate = '--fault-rate: expected a number (got "y")'
    expect(firstReported([port, faultRate], ["emulator", "--port", "x", "--fault-rate", "y"])).toBe(port)
    expect(firstReported([port, faultRate], ["emulator", "--fault-rate=y", "--port=x"])).toBe(faultRate)
    // Under another of its names (-o for --output); after `--`, no flag stands.
    const output = "--output: cannot be stdout (-)"
    const retries = '--retries: expected a whole number (got "x")'
    expect(firstReported([retries, output], ["export", "-o", "-", "--retries", "x"])).toBe(output)
    expect(firstReported([retries, output], ["export", "--retries", "x", "--", "-o"])).toBe(retries)
    // A problem naming no flag on the line comes last; one alone is kept; none, none.
    expect(firstReported(["TASK_ID: missing", retries], ["result", "--retries", "x"])).toBe(retries)
    expect(firstReported(["Something else"], ["result"])).toBe("Something else")
    expect(firstReported([], ["result"])).toBeUndefined()
  })

  it("rewords what @effect/cli reports, in one line naming what is wrong, with a suggestion for a typo", () => {
    expect(reworded("Received unknown argument: '--bogus'\n\n", ["export", "--bogus"])).toBe(
      "--bogus: unknown option; see sms-consistency export --help"
    )
    // A typo; a known flag with a suffix, or the start of exactly one; the start of several (--task,
    // --tasks-file) gets no guess.
    const unknownFlags: ReadonlyArray<[command: string, flag: string, suggested: string | undefined]> = [
      ["export", "--ouput", "--output"],
      ["sources", "--with-result", "--with-results"],
      ["emulator", "--latency-ms", "--latency"],
      ["emulator", "--fault", "--fault-rate"],
      ["export", "--conc", "--concurrency"],
      ["export", "--ta", undefined]
    ]
    for (const [command, flag, suggested] of unknownFlags)
      expect(reworded(`Received unknown argument: '${flag}'`, [command, flag, "x"])).toBe(
        `${flag}: unknown option${suggested ? ` (did you mean ${suggested}?)` : ""}; see sms-consistency ${command} --help`
      )
    // A word the command does not take, with or without `--` before it: what the command takes is said.
    expect(reworded("Received unknown argument: 'extra'", ["result", "t1", "extra"])).toBe(
      'unexpected argument "extra": result takes one argument (TASK_ID); see sms-consistency result --help'
    )
    expect(reworded("Received unknown argument: 'foo'", ["export", "foo"])).toBe(
      'unexpected argument "foo": export takes no arguments; see sms-consistency export --help'
    )
    // The word also before `--` (a flag's value there): the same.
    expect(reworded("Received unknown argument: 'foo'", ["export", "--name", "foo", "--", "foo"])).toBe(
      'unexpected argument "foo": export takes no arguments; see sms-consistency export --help'
    )
    // An option-like word: an unknown option before `--`; after it (though also a flag's value before it), an
    // argument.
    expect(reworded("Received unknown argument: '--bogus'", ["export", "--bogus", "--", "--bogus"])).toBe(
      "--bogus: unknown option; see sms-consistency export --help"
    )
    expect(reworded("Received unknown argument: '--bogus'", ["export", "--name", "--bogus", "--", "--bogus"])).toBe(
      'unexpected argument "--bogus": export takes no arguments, and after -- nothing is read as an option; see sms-consistency export --help'
    )
    // After `--`, an argument the command does not take, whatever it looks like.
    expect(reworded("Received unknown argument: '--all'", ["export", "--", "--all"])).toBe(
      'unexpected argument "--all": export takes no arguments, and after -- nothing is read as an option; see sms-consistency export --help'
    )
    expect(reworded("Received unknown argument: 'extra'", ["result", "--", "t1", "extra"])).toBe(
      'unexpected argument "extra": result takes one argument (TASK_ID); see sms-consistency result --help'
    )
    expect(reworded("Missing argument <TASK_ID>\n", ["result"])).toBe(
      "TASK_ID: missing; see sms-consistency result --help"
    )
    const invalid = "Invalid subcommand for sms-consistency - use one of 'export', 'sources'"
    expect(reworded(invalid, ["--json", "exprot"])).toBe(
      '"exprot": unknown command (did you mean export?); use one of export, sources, tasks, result, emulator, demo'
    )
    expect(reworded(invalid, ["frobnicate"])).toBe(
      '"frobnicate": unknown command; use one of export, sources, tasks, result, emulator, demo'
    )
    // An option the program does not take, before the command or instead of one.
    expect(reworded(invalid, ["-v"])).toBe("-v: unknown option; see sms-consistency --help")
    expect(reworded(invalid, ["--foo", "export", "--all"])).toBe("--foo: unknown option; see sms-consistency --help")
    expect(reworded(invalid, ["--log-level", "debug", "--verison"])).toBe(
      "--verison: unknown option (did you mean --version?); see sms-consistency --help"
    )
    expect(reworded("Something\n  else\n", [])).toBe("Something else")
  })
})

describe("displayPath", () => {
  it("shows a path under the working directory relative to it, and one elsewhere as it is", () => {
    expect(displayPath(join(process.cwd(), "out", "r.zip"))).toBe(join("out", "r.zip"))
    expect(displayPath("/elsewhere/r.zip")).toBe("/elsewhere/r.zip")
    // The home directory is not shortened to `~` (unless it is the working directory's parent, it prints whole).
    const home = join(homedir(), "r.zip")
    expect(displayPath(home)).toBe(home.startsWith(`${process.cwd()}/`) ? home.slice(process.cwd().length + 1) : home)
  })

  it("shows a folder literally named ~ as ./~: pasted back, ~/… would be the home directory", () => {
    expect(displayPath(join(process.cwd(), "~", "r.zip"))).toBe("./~/r.zip")
    expect(displayPath(join(process.cwd(), "~"))).toBe("./~")
    // ~bob/… would be bob's home in a shell (and is refused by --output): a folder named ~bob is ./~bob too.
    expect(displayPath(join(process.cwd(), "~bob", "r.zip"))).toBe("./~bob/r.zip")
    // Only the first component: inside a path, `~` is a plain name.
    expect(displayPath(join(process.cwd(), "a", "~", "r.zip"))).toBe(join("a", "~", "r.zip"))
    expect(pasteable("~/demo")).toBe("./~/demo")
    expect(pasteable("demo/~")).toBe("demo/~")
    expect(pasteable(".")).toBe(".")
  })
})

describe("demo", () => {
  it("ends with a line that says whether some tasks, or all, failed", () => {
    const failure = { task: { task_id: "t", source_id: "s", source_name: "n" }, error: {} } as never
    expect(lastLine({ exported: 368, failed: [] }, 101, "tiny/d")).toBe("Done in 101 ms; the files are in tiny/d/")
    expect(lastLine({ exported: 200, failed: Array(168).fill(failure) }, 101, "tiny/d")).toBe(
      "Done in 101 ms with failures: 168 of 368 tasks failed; the files are in tiny/d/"
    )
    expect(lastLine({ exported: 0, failed: [failure] }, 5, ".")).toBe("Failed in 5 ms: 1 task failed, none exported.")
  })

  it("says how to resume an interrupted export with --json only where the command has it (export, not demo)", () => {
    const task = { task_id: "t", source_id: "s", source_name: "n" }
    const { result, summary } = interrupted([], [task], { endpoint: "http://e", identity: "AK x" })
    expect(renderSummary(result, summary, false)).toContain(
      "Interrupted: 1 task not exported; to resume an interrupted export, run it with --json > out.json, then " +
        "export --tasks-file out.json"
    )
    expect(renderSummary(result, summary, false, { hasJson: false })).toMatch(/^Interrupted: 1 task not exported$/m)
  })

  it("the interrupted line on stderr counts the tasks that failed apart from those not done", () => {
    const tasks = Array.from({ length: 5 }, (_, i) => ({ task_id: `t${i}`, source_id: `s${i}`, source_name: `n${i}` }))
    const info = { endpoint: "http://e", identity: "AK x" }
    const notFound = new SmsError.NotFound({ status: 404, errorCode: "SMS.0205", errorMsg: "no such task" })
    const done = [
      { _tag: "Exported", chunk: 0, tasks: tasks.slice(0, 2), result: { _tag: "Json", body: {} } },
      { _tag: "Failed", chunk: 0, piece: { offset: 2, size: 1 }, tasks: tasks.slice(2, 3), error: notFound }
    ] as never
    const { result, summary } = interrupted(done, tasks, info)
    expect(interruptedLine(result, summary)).toBe("interrupted: 2 tasks exported, 1 failed, 2 not done")
    const none = interrupted([], tasks.slice(0, 1), info)
    expect(interruptedLine(none.result, none.summary)).toBe("interrupted: 0 tasks exported, 0 failed, 1 not done")
  })
})
