/**
 * Usage errors in the CLI's own words: one line, naming the flag. @effect/cli reports a flag left without its
 * value as an unknown argument (`--output` last on the line), takes the next flag as the value of a repeated
 * one, and says "Expected one of the following cases" without naming the flag. `usageProblem` finds those
 * before @effect/cli parses; `usageMessage` rewords what @effect/cli still reports.
 */
import type * as Usage from "@effect/cli/Usage"

/** A flag of a command: its names, and the values it takes (`None` for a boolean flag). */
export interface Flag {
  readonly names: ReadonlyArray<string>
  /** The pseudo-name (`FILE`, `N`), or the choices joined by ` | `; undefined for a boolean flag. */
  readonly values: string | undefined
}

/** @effect/cli's built-in flags, accepted by every command. */
export const builtIns: ReadonlyArray<Flag> = [
  { names: ["--help", "-h"], values: undefined },
  { names: ["--version"], values: undefined },
  { names: ["--wizard"], values: undefined },
  { names: ["--log-level"], values: "all | trace | debug | info | warning | error | fatal | none" },
  { names: ["--completions"], values: "sh | bash | fish | zsh" }
]

const flagsOf = (usage: Usage.Usage, into: Array<Flag> = []): Array<Flag> => {
  switch (usage._tag) {
    case "Named":
      if (usage.names.some((name) => name.startsWith("-")))
        into.push({
          names: usage.names,
          values: usage.acceptedValues._tag === "Some" ? usage.acceptedValues.value : undefined
        })
      break
    case "Optional":
    case "Repeated":
      flagsOf(usage.usage, into)
      break
    case "Alternation":
    case "Concat":
      flagsOf(usage.left, into)
      flagsOf(usage.right, into)
      break
  }
  return into
}

/** Flags by name, for the root (built-ins only) and for each command (its own, its parent's and the built-ins). */
export const flagTable = (commands: ReadonlyArray<readonly [string, Usage.Usage]>) => {
  const index = (flags: ReadonlyArray<Flag>) => new Map(flags.flatMap((flag) => flag.names.map((n) => [n, flag])))
  return {
    root: index(builtIns),
    commands: new Map(commands.map(([name, usage]) => [name, index([...builtIns, ...flagsOf(usage)])]))
  }
}

export type FlagTable = ReturnType<typeof flagTable>

/** `a | b | c` as its choices; a pseudo-name (`FILE`) is not a list of choices. */
const choicesOf = (values: string): ReadonlyArray<string> | undefined =>
  values.includes(" | ") ? values.split(" | ") : undefined

/**
 * The first flag on `args` (the command line after the program) left without its value, or given a value that
 * is not among its choices, as a one-line message; undefined when there is none (other mistakes are left to
 * @effect/cli). A flag's value may not be another of the command's flags, nor `--`: `--task --all` lacks the task.
 */
export const usageProblem = (table: FlagTable, args: ReadonlyArray<string>): string | undefined => {
  let flags = table.root
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg === "--") return undefined
    const command = flags === table.root ? table.commands.get(arg) : undefined
    if (command) {
      flags = command
      continue
    }
    const equals = arg.indexOf("=")
    const name = arg.startsWith("-") && equals > 0 ? arg.slice(0, equals) : arg
    const flag = flags.get(name)
    if (flag?.values === undefined) continue
    const next = args[i + 1]
    const value =
      equals > 0 && name !== arg
        ? arg.slice(equals + 1)
        : next === undefined || next === "--" || flags.has(next.split("=", 1)[0] ?? "")
          ? undefined
          : args[++i]
    if (value === undefined || value === "") return `${name}: missing its value (${flag.values})`
    const choices = choicesOf(flag.values)
    if (choices && !choices.includes(value))
      return `${name}: expected one of ${choices.join(", ")} (got ${JSON.stringify(value)})`
  }
  return undefined
}

/**
 * What @effect/cli reported (its help text, perhaps over several lines) as one line in the CLI's words, for
 * `args` (the command line after the program), of which `commands` are the command names.
 */
export const usageMessage = (
  text: string,
  program: string,
  args: ReadonlyArray<string>,
  commands: ReadonlyArray<string>
): string => {
  const line = text.trim().replace(/\s*\n\s*/g, " ")
  const command = args.find((arg) => commands.includes(arg))
  const help = `see ${program}${command === undefined ? "" : ` ${command}`} --help`
  const unknown = /^Received unknown argument: '(.*)'$/.exec(line)
  if (unknown) return `${unknown[1]}: unknown ${unknown[1]?.startsWith("-") ? "option" : "argument"}; ${help}`
  const missing = /^Missing argument <(.+)>$/.exec(line)
  if (missing) return `${missing[1]}: missing; ${help}`
  if (line.startsWith("Invalid subcommand") && command === undefined)
    return `${JSON.stringify(args.find((arg) => !arg.startsWith("-")) ?? "")}: unknown command; use one of ${commands.join(", ")}`
  return line
}
