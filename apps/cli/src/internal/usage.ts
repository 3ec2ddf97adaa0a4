/**
 * Usage errors in the CLI's own words: one line, naming the flag. @effect/cli reports a flag left without its
 * value as an unknown argument (`--output` last on the line), takes the next flag as the value of a repeated
 * one, and says "Expected one of the following cases" without naming the flag. `usageProblem` finds those
 * before @effect/cli parses; `usageMessage` rewords what @effect/cli still reports.
 */
import type * as Usage from "@effect/cli/Usage"

/** A flag of a command: its names, and the values it takes (none for a boolean flag). */
export interface Flag {
  readonly names: ReadonlyArray<string>
  /** The pseudo-name (`FILE`, `N`), or the choices joined by ` | `; undefined for a boolean flag. */
  readonly values: string | undefined
  /** Whether it may be given more than once (`--task`). */
  readonly repeated?: boolean
}

/** @effect/cli's built-in flags, accepted by every command. */
export const builtIns: ReadonlyArray<Flag> = [
  { names: ["--help", "-h"], values: undefined },
  { names: ["--version"], values: undefined },
  { names: ["--wizard"], values: undefined },
  { names: ["--log-level"], values: "all | trace | debug | info | warning | error | fatal | none" },
  { names: ["--completions"], values: "sh | bash | fish | zsh" }
]

const flagsOf = (usage: Usage.Usage, into: Array<Flag> = [], repeated = false): Array<Flag> => {
  switch (usage._tag) {
    case "Named":
      if (usage.names.some((name) => name.startsWith("-")))
        into.push({
          names: usage.names,
          values: usage.acceptedValues._tag === "Some" ? usage.acceptedValues.value : undefined,
          repeated
        })
      break
    case "Optional":
      flagsOf(usage.usage, into, repeated)
      break
    case "Repeated":
      flagsOf(usage.usage, into, true)
      break
    case "Alternation":
    case "Concat":
      flagsOf(usage.left, into, repeated)
      flagsOf(usage.right, into, repeated)
      break
  }
  return into
}

/** The positional arguments of a command (`TASK_ID`), as @effect/cli names them in its usage (`<TASK_ID>`). */
const argumentsOf = (usage: Usage.Usage): Array<string> => {
  switch (usage._tag) {
    case "Named":
      return usage.names.flatMap((name) => {
        const bracketed = /^<(.+)>$/.exec(name)
        return bracketed ? [bracketed[1] ?? name] : []
      })
    case "Optional":
    case "Repeated":
      return argumentsOf(usage.usage)
    case "Alternation":
    case "Concat":
      return [...argumentsOf(usage.left), ...argumentsOf(usage.right)]
    default:
      return []
  }
}

/**
 * Flags by name, for the root (the built-ins) and for each command (its own and the built-ins); and each
 * command's positional arguments.
 */
export const flagTable = (commands: ReadonlyArray<readonly [string, Usage.Usage]>) => {
  const index = (flags: ReadonlyArray<Flag>) => new Map(flags.flatMap((flag) => flag.names.map((n) => [n, flag])))
  return {
    root: index(builtIns),
    commands: new Map(commands.map(([name, usage]) => [name, index([...builtIns, ...flagsOf(usage)])])),
    arguments: new Map(commands.map(([name, usage]) => [name, argumentsOf(usage)]))
  }
}

/** `args` up to `--`: after it, nothing is an option (`export -- --help` asks for no help). */
export const beforeDashes = (args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const dashes = args.indexOf("--")
  return dashes < 0 ? args : args.slice(0, dashes)
}

export type FlagTable = ReturnType<typeof flagTable>

/** `a | b | c` as its choices; a pseudo-name (`FILE`) is not a list of choices. */
const choicesOf = (values: string): ReadonlyArray<string> | undefined =>
  values.includes(" | ") ? values.split(" | ") : undefined

/** The values @effect/cli takes for a boolean flag, after it (`--json false`) or joined (`--json=off`), as typed. */
const trueValues = new Set(["true", "1", "y", "yes", "on"])
const falseValues = new Set(["false", "0", "n", "no", "off"])
const booleanValues = new Set([...trueValues, ...falseValues])

/**
 * Whether the boolean flag `flag` (`--json`) is on in `args` (before `--`): given bare, or with a true value after
 * it or joined to it; off when not given, or given a false value (`--json false`, `--json=off`) or one @effect/cli
 * does not take (`--json=maybe`, a usage error).
 */
export const booleanFlagOn = (args: ReadonlyArray<string>, flag: string): boolean =>
  args.some((arg, i) =>
    arg === flag
      ? !falseValues.has(args[i + 1] ?? "")
      : arg.startsWith(`${flag}=`) && trueValues.has(arg.slice(flag.length + 1))
  )

/**
 * The first flag on `args` (the command line after the program) left without its value, given a value that is
 * not among its choices (`--json=maybe` too), or given twice (but for a repeatable one), an option-like word after the command that is
 * none of its flags (nor a flag's value), or a word after `--` that @effect/cli would skip (see `afterDashes`), as a
 * one-line message; undefined when there is none (other mistakes are left to
 * @effect/cli, which takes a second `--force` for an unknown option). A flag's value may not be another of the
 * command's flags, nor `--`: `--task --all` lacks the task.
 */
export const usageProblem = (table: FlagTable, args: ReadonlyArray<string>, program: string): string | undefined => {
  let flags = table.root
  let command: string | undefined
  // Before `--`: the command's arguments, and whether a word or option stands where none belongs (a mistake
  // @effect/cli reports, before any after `--`).
  let positionals = 0
  let stray = false
  const seen = new Map<Flag, string>()
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg === "--") return stray ? undefined : afterDashes(table, program, command, positionals, args.slice(i + 1))
    const commandFlags = flags === table.root ? table.commands.get(arg) : undefined
    if (commandFlags) {
      flags = commandFlags
      command = arg
      continue
    }
    const equals = arg.indexOf("=")
    const name = arg.startsWith("-") && equals > 0 ? arg.slice(0, equals) : arg
    const flag = flags.get(name)
    if (flag === undefined) {
      // An option-like word that is no flag of the command nor a flag's value: an unknown option, whatever the
      // command's arguments (@effect/cli would take `result --bogus` for the task id, and send it).
      if (command !== undefined && isOptionLike(arg)) return unknownOption(table, program, command, arg)
      if (command === undefined) stray = true
      else positionals++
    } else if (!flag.repeated) {
      const before = seen.get(flag)
      if (before !== undefined)
        return `${name}: given more than once${before === name ? "" : ` (as ${before} and ${name})`}`
      seen.set(flag, name)
    }
    if (flag?.values === undefined) {
      if (flag !== undefined && name === arg && booleanValues.has(args[i + 1] ?? "")) i++
      // `--json=maybe`: @effect/cli would take `maybe` for an argument. (Its built-ins it reads its own way.)
      const joined = arg.slice(equals + 1)
      if (flag !== undefined && name !== arg && !builtIns.includes(flag) && !booleanValues.has(joined))
        return `${name}: expected true or false (got ${JSON.stringify(joined)})`
      continue
    }
    const next = args[i + 1]
    const value =
      name !== arg
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
 * The first word of `forced` (the words after `--`) that `command` does not take, where @effect/cli would skip
 * it: before the command, it reads past `--` for the command (`-- export` runs export); after it, it re-reads the
 * command's unused words as the program's, which takes a `--` among them for its own and drops it
 * (`export -- --` runs export; `export -- -- x` reports `x`). Without a second `--`, the command's unused words
 * are left to @effect/cli, which reports them after any bad value of a flag, as it does those before `--`.
 * `positionals`: the command's arguments before `--`.
 */
const afterDashes = (
  table: FlagTable,
  program: string,
  command: string | undefined,
  positionals: number,
  forced: ReadonlyArray<string>
): string | undefined => {
  if (command === undefined)
    return forced[0] === undefined ? undefined : unexpectedArgument(table, program, command, forced[0])
  const takes = table.arguments.get(command)?.length ?? 0
  const word = forced[takes - positionals]
  return positionals <= takes && forced.includes("--") && word !== undefined
    ? unexpectedArgument(table, program, command, word)
    : undefined
}

/**
 * `args` with each of the command's flags given as `--flag=VALUE` (or `-o=VALUE`) split into `--flag VALUE`.
 * @effect/cli splits only a single-valued long flag itself: `--task=…` (repeatable) and `-o=…` (short) would be
 * unknown options. Built-in flags (`--log-level=debug`) are left as they are; nothing after `--` is touched.
 */
export const splitValues = (table: FlagTable, args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const command = table.commands.get(args[0] ?? "")
  if (command === undefined) return args
  const out: Array<string> = [args[0] ?? ""]
  for (let i = 1; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg === "--") return [...out, ...args.slice(i)]
    const equals = arg.indexOf("=")
    const name = arg.startsWith("-") && equals > 0 ? arg.slice(0, equals) : undefined
    const flag = name === undefined ? undefined : command.get(name)
    if (name !== undefined && flag?.values !== undefined && !builtIns.includes(flag))
      out.push(name, arg.slice(equals + 1))
    else out.push(arg)
  }
  return out
}

/** Edit distance (insertions, deletions, substitutions), for suggestions. */
const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      )
    previous = current
  }
  return previous[b.length] ?? 0
}

/**
 * ` (did you mean --output?)` for the candidate closest to `typed`, if one is close (a typo or two, case aside); else
 * the one it extends by a suffix (`--latency-ms` → `--latency`), or the only one it begins (`--lat` → `--latency`).
 */
const suggestion = (typed: string, candidates: Iterable<string>): string => {
  const all = [...candidates]
  // Names are matched as typed (`--DRY-RUN` is no flag), but a difference of case alone is the likeliest slip.
  const word = typed.toLowerCase()
  let best: string | undefined
  let bestDistance = Math.min(2, Math.floor(word.length / 3))
  for (const candidate of all) {
    const d = distance(word, candidate.toLowerCase())
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = candidate
      bestDistance = d
    }
  }
  const extended = all.filter((c) => word.startsWith(`${c}-`)).sort((a, b) => b.length - a.length)[0]
  const begun = all.filter((c) => word.length >= 4 && c.startsWith(word))
  const found = best ?? extended ?? (begun.length === 1 ? begun[0] : undefined)
  return found === undefined ? "" : ` (did you mean ${found}?)`
}

/** Whether `word` looks like an option (`-v`, `--all`); `-` alone (stdin, say) does not. */
const isOptionLike = (word: string): boolean => word.startsWith("-") && word !== "-"

/**
 * The words of `args` read as options: before `--`, option-like, and not the value of a flag before them
 * (`--name --all` gives --name the value `--all`).
 */
const optionWords = (table: FlagTable, args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const words: Array<string> = []
  let flags = table.root
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg === "--") break
    const command = flags === table.root ? table.commands.get(arg) : undefined
    if (command) flags = command
    else if (isOptionLike(arg)) {
      words.push(arg)
      if (flags.get(arg)?.values !== undefined) i++
    }
  }
  return words
}

/**
 * A word `command` does not take: `unexpected argument "foo": export takes no arguments; see …`, or `result takes
 * one argument (TASK_ID)`. An option-like word is one only after `--`, which the message says. Without a command,
 * the word stands after a `--` before any: the program takes a command there, and no arguments.
 */
const unexpectedArgument = (table: FlagTable, program: string, command: string | undefined, word: string): string => {
  const unexpected = `unexpected argument ${JSON.stringify(word)}`
  const notAnOption = isOptionLike(word) ? ", and after -- nothing is read as an option" : ""
  if (command === undefined) {
    const notACommand = table.commands.has(word) ? ", and after -- nothing is read as a command" : notAnOption
    return `${unexpected}: ${program} takes a command and no arguments${notACommand}; see ${program} --help`
  }
  const names = table.arguments.get(command) ?? []
  const takes =
    names.length === 0
      ? "no arguments"
      : `${names.length === 1 ? "one argument" : `${names.length} arguments`} (${names.join(" ")})`
  return `${unexpected}: ${command} takes ${takes}${notAnOption}; see ${program} ${command} --help`
}

/** `--jsn: unknown option (did you mean --json?); see … --help`, of `command` (the program's own, without one). */
const unknownOption = (table: FlagTable, program: string, command: string | undefined, option: string): string => {
  const flags = (command === undefined ? undefined : table.commands.get(command)) ?? table.root
  const help = `see ${program}${command === undefined ? "" : ` ${command}`} --help`
  return `${option}: unknown option${suggestion(option.split("=", 1)[0] ?? option, flags.keys())}; ${help}`
}

/**
 * What @effect/cli reported (its help text, perhaps over several lines) as one line in the CLI's words, for
 * `args` (the command line after the program); `table` knows the commands and their flags.
 */
export const usageMessage = (text: string, program: string, args: ReadonlyArray<string>, table: FlagTable): string => {
  const line = text.trim().replace(/\s*\n\s*/g, " ")
  const commands = [...table.commands.keys()]
  const command = args.find((arg) => table.commands.has(arg))
  const help = `see ${program}${command === undefined ? "" : ` ${command}`} --help`
  const unknown = /^Received unknown argument: '(.*)'$/.exec(line)
  if (unknown) {
    const arg = unknown[1] ?? ""
    // A word the command does not take, with or without `--` before it; an option-like word too when it stands
    // after `--` (read as an option before it, it is an unknown one).
    if (command !== undefined && (!isOptionLike(arg) || !optionWords(table, args).includes(arg)))
      return unexpectedArgument(table, program, command, arg)
    if (!isOptionLike(arg)) return `${arg}: unknown argument; ${help}`
    return unknownOption(table, program, command, arg)
  }
  const missing = /^Missing argument <(.+)>$/.exec(line)
  if (missing) return `${missing[1]}: missing; ${help}`
  if (line.startsWith("Invalid subcommand")) {
    // Before the command: a word that is no command, or else an option the program does not take (`-v`).
    const { word, option } = beforeCommand(table, args)
    if (word !== undefined && !table.commands.has(word))
      return `${JSON.stringify(word)}: unknown command${suggestion(word, commands)}; use one of ${commands.join(", ")}`
    if (option !== undefined)
      return `${option}: unknown option${suggestion(option.split("=", 1)[0] ?? option, table.root.keys())}; see ${program} --help`
  }
  return line
}

/**
 * Of several problems @effect/cli found at once (a bad value of each of several flags, found in the order the
 * command declares its flags), the one whose flag stands first on `args`, as every usage mistake is reported: one,
 * the first (`emulator --fault-rate x --port y` is about `--fault-rate`). A problem that names no flag on the line
 * comes after those that do; undefined when there is none.
 */
export const firstProblem = (
  table: FlagTable,
  args: ReadonlyArray<string>,
  problems: ReadonlyArray<string>
): string | undefined => {
  const options = beforeDashes(args)
  const command = options.find((arg) => table.commands.has(arg))
  const flags = (command === undefined ? undefined : table.commands.get(command)) ?? table.root
  const position = (problem: string): number => {
    const flag = flags.get(/^-[^\s:=#]*/.exec(problem)?.[0] ?? "")
    const at = flag === undefined ? -1 : options.findIndex((arg) => flag.names.includes(arg.split("=", 1)[0] ?? arg))
    return at < 0 ? Number.POSITIVE_INFINITY : at
  }
  let first: string | undefined
  let firstAt = Number.POSITIVE_INFINITY
  for (const problem of problems) {
    const at = position(problem)
    if (first === undefined || at < firstAt) {
      first = problem
      firstAt = at
    }
  }
  return first
}

/** The first word of `args` that is not an option (nor a value of one), and the first option the program lacks. */
const beforeCommand = (
  table: FlagTable,
  args: ReadonlyArray<string>
): { readonly word: string | undefined; readonly option: string | undefined } => {
  let option: string | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg === "--") return { word: args[i + 1], option }
    if (!arg.startsWith("-") || arg === "-") return { word: arg, option }
    const flag = table.root.get(arg.split("=", 1)[0] ?? arg)
    if (flag === undefined) option ??= arg
    else if (flag.values !== undefined && !arg.includes("=")) i++
  }
  return { word: undefined, option }
}

/**
 * `args` without the built-in flags that take a value (`--log-level`, `--completions`) given none, or one outside
 * their choices (`--log-level loud`, `--completions=ksh`), before `--`. For a command line that asks for help or
 * the version, which wins over a mistake elsewhere on the line: @effect/cli, given such a value, reports the flag
 * before it as an unknown option (`--help: unknown option (did you mean --help?)`) instead of showing the help.
 */
export const withoutBadBuiltIns = (table: FlagTable, args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const out: Array<string> = []
  let flags = table.root
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg === "--") return [...out, ...args.slice(i)]
    const command = flags === table.root ? table.commands.get(arg) : undefined
    if (command) flags = command
    const equals = arg.indexOf("=")
    const name = arg.startsWith("-") && equals > 0 ? arg.slice(0, equals) : arg
    const flag = flags.get(name)
    if (flag === undefined || flag.values === undefined || !builtIns.includes(flag)) {
      out.push(arg)
      continue
    }
    const next = args[i + 1]
    const joined = name !== arg
    const value = joined
      ? arg.slice(equals + 1)
      : next === undefined || next === "--" || flags.has(next.split("=", 1)[0] ?? "")
        ? undefined
        : next
    const choices = choicesOf(flag.values)
    const bad = value === undefined || value === "" || (choices !== undefined && !choices.includes(value))
    if (!bad) out.push(arg)
    if (!joined && value !== undefined) {
      i++
      if (!bad) out.push(value)
    }
  }
  return out
}
