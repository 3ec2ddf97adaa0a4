/** The command tree of `sms-consistency` and its runner: exit code out, nothing thrown, logs on stderr. */
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { version } from "@sms-consistency/sms/Version"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Demo from "./commands/demo.js"
import * as Emulator from "./commands/emulator.js"
import * as Export from "./commands/export.js"
import * as Result from "./commands/result.js"
import * as Sources from "./commands/sources.js"
import * as Tasks from "./commands/tasks.js"
import { credentialsHelp, Exit } from "./internal/common.js"
import { ExitCode, exitCodeHelp } from "./internal/exitCodes.js"
import { Handlers } from "./internal/handlers.js"
import { stripAnsi, withPlainConsole, withStderrLogger, writeErr, writeOut } from "./internal/terminal.js"

export const name = "sms-consistency"

const root = Command.make(name, {}, () =>
  Effect.zipRight(
    writeErr(`${name}: a command is required (export, sources, tasks, result, emulator, demo); see ${name} --help`),
    Effect.fail(new Exit({ code: ExitCode.usage }))
  )
).pipe(
  Command.withDescription(
    "Export the consistency-verification results of Huawei Cloud SMS migration tasks, many at once. Results on stdout, logs on stderr."
  ),
  Command.withSubcommands([
    Export.command,
    Sources.command,
    Tasks.command,
    Result.command,
    Emulator.command,
    Demo.command
  ])
)

const footer = HelpDoc.blocks([
  HelpDoc.h1("ENVIRONMENT"),
  HelpDoc.p(credentialsHelp),
  HelpDoc.h1("EXIT CODES"),
  HelpDoc.p(exitCodeHelp)
])

const cli = Command.run(root, { name, version, footer })

/** What @effect/cli needs (help, prompts, `--wizard`, completions); the commands need nothing of the platform. */
const platform = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

const defectMessage = (cause: Cause.Cause<unknown>): string => {
  const [defect] = Cause.defects(cause)
  return defect instanceof Error ? defect.message : String(defect ?? Cause.pretty(cause).split("\n")[0])
}

const commandNames = new Set(["export", "sources", "tasks", "result", "emulator", "demo"])
const builtInFlags = new Set(["--help", "-h", "--version", "--wizard"])
const builtInWithValue = new Set(["--log-level", "--completions"])

/**
 * @effect/cli recognises its built-in options (`--help`, `--log-level`, …) after a subcommand only when they
 * come first; move them there so `export --all --log-level debug` works as users expect.
 */
export const hoistBuiltIns = (args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const [command, ...rest] = args
  if (command === undefined || !commandNames.has(command)) return args
  const builtIns: Array<string> = []
  const others: Array<string> = []
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? ""
    const name = arg.split("=", 1)[0] ?? ""
    if (builtInFlags.has(arg)) builtIns.push(arg)
    else if (builtInWithValue.has(name)) {
      builtIns.push(arg)
      if (!arg.includes("=") && i + 1 < rest.length) builtIns.push(rest[++i] ?? "")
    } else others.push(arg)
  }
  return [command, ...builtIns, ...others]
}

/** Whether the command line asks for JSON on stdout. */
const wantsJson = (args: ReadonlyArray<string>) =>
  args.some((a) => a === "--json" || (a.startsWith("--json=") && a !== "--json=false"))

/** A usage error (bad flag value, unknown flag) as the JSON error document `--json` promises on stdout. */
const usageErrorJson = (error: ValidationError.ValidationError): string => {
  const message = "error" in error ? stripAnsi(HelpDoc.toAnsiText(error.error)).trim() : "usage error"
  return JSON.stringify({ error: { tag: "UsageError", message } }, null, 2)
}

/** Runs the CLI on `argv` (node, script, ...args) with the commands' `handlers`, and succeeds with the exit code. */
export const main = (argv: ReadonlyArray<string>, handlers: Handlers["Type"]): Effect.Effect<number> =>
  cli([...argv.slice(0, 2), ...hoistBuiltIns(argv.slice(2))]).pipe(
    Effect.as<number>(ExitCode.ok),
    Effect.catchAll((error) => {
      if (!ValidationError.isValidationError(error)) return Effect.succeed(error.code)
      // @effect/cli has already printed its usage errors on stderr; a `--json` caller also gets one on stdout.
      return wantsJson(argv) && !ValidationError.isHelpRequested(error)
        ? Effect.as(writeOut(usageErrorJson(error)), ExitCode.usage)
        : Effect.succeed(ExitCode.usage)
    }),
    Effect.provideService(Handlers, handlers),
    Effect.provide(platform),
    withStderrLogger,
    withPlainConsole,
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.failCause(cause)
        : Effect.as(writeErr(`internal error: ${defectMessage(cause)}`), ExitCode.internal)
    )
  )

/** Interrupted by SIGINT/SIGTERM: 0 for a serving emulator (its normal stop), else 130. */
export const interruptedCode = (): number => (Emulator.stopping.graceful ? ExitCode.ok : ExitCode.interrupted)
