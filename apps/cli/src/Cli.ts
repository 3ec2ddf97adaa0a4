/** The command tree of `sms-consistency` and its runner: exit code out, nothing thrown, logs on stderr. */
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as Descriptor from "@effect/cli/CommandDescriptor"
import * as HelpDoc from "@effect/cli/HelpDoc"
import type { Usage } from "@effect/cli/Usage"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Terminal from "@effect/platform/Terminal"
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
import { interruption } from "./internal/interruption.js"
import { stripAnsi, withPlainConsole, withStderrLogger, writeErr, writeError, writeOut } from "./internal/terminal.js"
import {
  beforeDashes,
  booleanFlagOn,
  builtIns,
  firstProblem,
  flagTable,
  splitValues,
  usageMessage,
  usageProblem,
  withoutBadBuiltIns
} from "./internal/usage.js"

export const name = "sms-consistency"

const subcommands = [
  Export.command,
  Sources.command,
  Tasks.command,
  Result.command,
  Emulator.command,
  Demo.command
] as const

const flags = flagTable(
  subcommands.map((command): readonly [string, Usage] => {
    const descriptor: Descriptor.Command<unknown> = command.descriptor
    return [[...Descriptor.getNames(descriptor)].join(" "), Descriptor.getUsage(descriptor)]
  })
)
const commandNames = new Set(flags.commands.keys())

const root = Command.make(name, {}, () =>
  Effect.zipRight(
    writeError(`a command is required (${[...commandNames].join(", ")}); see ${name} --help`),
    Effect.fail(new Exit({ code: ExitCode.usage }))
  )
).pipe(
  Command.withDescription(
    "Export the consistency-verification results of Huawei Cloud SMS migration tasks, many at once. Results on stdout, logs on stderr."
  ),
  Command.withSubcommands(subcommands)
)

const footer = HelpDoc.blocks([
  HelpDoc.h1("ENVIRONMENT"),
  HelpDoc.p(credentialsHelp),
  HelpDoc.h1("EXIT CODES"),
  HelpDoc.p(exitCodeHelp)
])

const cli = Command.run(root, { name, version, footer })

/** Whether a wizard's question was answered with Ctrl+C or Ctrl+D, the end of input (see `platform`). */
interface WizardQuit {
  by: "Ctrl+C" | "Ctrl+D" | undefined
}

/**
 * What @effect/cli needs (help, prompts, `--wizard`, completions); the commands need nothing of the platform.
 * Names are matched as typed: by default @effect/cli lower-cases commands, flags and boolean values, while the
 * checks before it (`usageProblem`, `wantsJson`) know the names only as declared, so `--DRY-RUN` would be a dry
 * run to one and not to the other. The terminal quits a prompt on Ctrl+C or Ctrl+D, as by default, and notes
 * which in `quit`: at a question the terminal is in raw mode, Ctrl+C is a key, not a signal, Ctrl+D a key, not the
 * end of a stream, and @effect/cli quits the wizard and succeeds for both.
 */
const platform = (quit: WizardQuit) =>
  Layer.mergeAll(
    NodeFileSystem.layer,
    NodePath.layer,
    Layer.scoped(
      Terminal.Terminal,
      NodeTerminal.make(({ key }) => {
        const quits = key.ctrl && (key.name === "c" || key.name === "d")
        if (quits) quit.by = key.name === "c" ? "Ctrl+C" : "Ctrl+D"
        return quits
      })
    ),
    CliConfig.layer({ isCaseSensitive: true })
  )

const defectMessage = (cause: Cause.Cause<unknown>): string => {
  const [defect] = Cause.defects(cause)
  return defect instanceof Error ? defect.message : String(defect ?? Cause.pretty(cause).split("\n")[0])
}

/** `--help`, `--version`, `--wizard`: each asks for something other than running the command line. */
const builtInFlags = new Set(builtIns.flatMap((flag) => (flag.values === undefined ? flag.names : [])))
const builtInWithValue = new Set(builtIns.flatMap((flag) => (flag.values === undefined ? [] : flag.names)))

/**
 * The first flag of `args` without its value, or with a value outside its choices, or a word after `--` that
 * @effect/cli would skip (see `usageProblem`).
 */
export const flagProblem = (args: ReadonlyArray<string>): string | undefined => usageProblem(flags, args, name)

/**
 * @effect/cli recognises its built-in options (`--help`, `--log-level`, …) after a subcommand only when they
 * come first; move them there so `export --all --log-level debug` works as users expect. Nothing after `--` is
 * moved: it is no option.
 */
export const hoistBuiltIns = (args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const [command, ...rest] = args
  if (command === undefined || !commandNames.has(command)) return args
  const builtIns: Array<string> = []
  const others: Array<string> = []
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? ""
    if (arg === "--") {
      others.push(...rest.slice(i))
      break
    }
    const name = arg.split("=", 1)[0] ?? ""
    if (builtInFlags.has(arg)) builtIns.push(arg)
    else if (builtInWithValue.has(name)) {
      builtIns.push(arg)
      if (!arg.includes("=") && i + 1 < rest.length) builtIns.push(rest[++i] ?? "")
    } else others.push(arg)
  }
  return [command, ...builtIns, ...others]
}

/** `args` with the command's flags given as `--flag=VALUE` split in two (see `splitValues`). */
export const splitFlagValues = (args: ReadonlyArray<string>): ReadonlyArray<string> => splitValues(flags, args)

/**
 * Whether the command line asks for JSON on stdout, of a command that has `--json` (`demo --json` is a mistake;
 * so is a `--json` after `--`, which is no option), and not turned off (`--json false`, `--json=off`).
 */
const wantsJson = (args: ReadonlyArray<string>) => {
  const options = beforeDashes(args)
  const command = options.find((arg) => commandNames.has(arg))
  return (
    (command === undefined || flags.commands.get(command)?.has("--json") === true) && booleanFlagOn(options, "--json")
  )
}

/** What @effect/cli reported for `args`, in one line (see `usageMessage`). */
export const reworded = (text: string, args: ReadonlyArray<string>): string => usageMessage(text, name, args, flags)

/** Of the problems @effect/cli reported at once, the first on `args` (see `firstProblem`). */
export const firstReported = (problems: ReadonlyArray<string>, args: ReadonlyArray<string>): string | undefined =>
  firstProblem(flags, args, problems)

/** The paragraphs of a help document: @effect/cli sequences the errors of several flags into one. */
const paragraphs = (doc: HelpDoc.HelpDoc): ReadonlyArray<HelpDoc.HelpDoc> =>
  doc._tag === "Sequence" ? [...paragraphs(doc.left), ...paragraphs(doc.right)] : [doc]

const validationMessage = (error: ValidationError.ValidationError, args: ReadonlyArray<string>): string => {
  const problems =
    "error" in error
      ? paragraphs(error.error)
          .map((doc) => stripAnsi(HelpDoc.toAnsiText(doc)))
          .filter((text) => text.trim() !== "")
      : []
  return reworded(firstReported(problems, args) ?? "usage error", args)
}

/** A usage error: one line on stderr, and the JSON error document `--json` promises on stdout. Nothing was run. */
const usageError = (message: string, args: ReadonlyArray<string>): Effect.Effect<number> =>
  Effect.zipRight(
    writeError(message),
    wantsJson(args)
      ? Effect.as(writeOut(JSON.stringify({ error: { tag: "UsageError", message } }, null, 2)), ExitCode.usage)
      : Effect.succeed(ExitCode.usage)
  )

/** What a command interrupted before it could report anything itself says (see `interruption`). */
const interruptedMessage = (command: string | undefined): string => {
  switch (command) {
    case "export":
      return "interrupted before any export call; nothing was written"
    case "demo":
      // Once its export started, the export's summary says what was done (`reportInterrupted`).
      return "interrupted before the export started; nothing was written"
    case "sources":
    case "tasks":
      return "interrupted before the listing was complete; nothing was listed"
    case "result":
      return "interrupted before the result arrived"
    default:
      return "interrupted"
  }
}

/**
 * Interrupted (SIGINT, SIGTERM, SIGHUP) before the command said anything of it (an export's summary does): one
 * `interrupted …` line on stderr and, with `--json`, the one document promised on stdout. Nothing for a serving
 * emulator, whose normal stop that is.
 */
const reportInterruption = (args: ReadonlyArray<string>): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (interruption.reported || Emulator.stopping.graceful) return Effect.void
    const message = interruptedMessage(args.find((arg) => commandNames.has(arg)))
    return Effect.zipRight(
      writeErr(message),
      wantsJson(args) ? writeOut(JSON.stringify({ error: { tag: "Interrupted", message } }, null, 2)) : Effect.void
    )
  })

/** Runs the CLI on `argv` (node, script, ...args) with the commands' `handlers`, and succeeds with the exit code. */
export const main = (argv: ReadonlyArray<string>, handlers: Handlers["Type"]): Effect.Effect<number> => {
  const args = argv.slice(2)
  // Help asked for wins over a mistake elsewhere on the line, as in @effect/cli. The wizard prompts: without a
  // terminal to answer it, it would wait forever. After `--`, `--help` and `--wizard` are no options.
  const options = beforeDashes(args)
  const helpAsked = options.some((arg) => builtInFlags.has(arg))
  const problem =
    options.includes("--wizard") && !process.stdin.isTTY
      ? "--wizard: asks its questions on a terminal, and stdin is not one; give the command line instead"
      : helpAsked
        ? undefined
        : flagProblem(args)
  // A bad value of a built-in (`--help --log-level loud`) is dropped, not handed to @effect/cli (see
  // `withoutBadBuiltIns`): the help asked for wins over it too.
  const line = helpAsked ? withoutBadBuiltIns(flags, args) : args
  // A wizard quit by Ctrl+C exits 130, as Ctrl+C anywhere else does; by Ctrl+D, the input ended before the command
  // line was complete: an error, not the success @effect/cli makes of it (see `platform`).
  const quit: WizardQuit = { by: undefined }
  const run =
    problem === undefined
      ? cli([...argv.slice(0, 2), ...splitFlagValues(hoistBuiltIns(line))]).pipe(
          Effect.flatMap(
            (): Effect.Effect<number> =>
              quit.by === "Ctrl+C"
                ? Effect.succeed(ExitCode.interrupted)
                : quit.by === "Ctrl+D"
                  ? usageError("the input ended at a wizard question; nothing was sent", args)
                  : Effect.succeed(ExitCode.ok)
          ),
          Effect.catchAll((error) => {
            if (!ValidationError.isValidationError(error)) return Effect.succeed(error.code)
            return ValidationError.isHelpRequested(error)
              ? Effect.succeed(ExitCode.usage)
              : usageError(validationMessage(error, args), args)
          })
        )
      : usageError(problem, args)
  return run.pipe(
    Effect.onInterrupt(() => reportInterruption(args)),
    Effect.provideService(Handlers, handlers),
    Effect.provide(platform(quit)),
    withStderrLogger,
    withPlainConsole(name),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.failCause(cause)
        : Effect.as(writeErr(`internal error: ${defectMessage(cause)}`), ExitCode.internal)
    )
  )
}

/** Interrupted by SIGINT, SIGTERM or SIGHUP: 0 for a serving emulator (its normal stop), else 130. */
export const interruptedCode = (): number => (Emulator.stopping.graceful ? ExitCode.ok : ExitCode.interrupted)
