/**
 * stdout carries results only; logs, errors and progress go to stderr. Colour only on a TTY and never
 * when `NO_COLOR` is set (https://no-color.org).
 */
import type * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { formatWithOptions } from "node:util"

const noColor = () => {
  const value = process.env.NO_COLOR
  return value !== undefined && value !== ""
}

export const stdoutColor = (): boolean => !noColor() && process.stdout.isTTY === true
export const stderrColor = (): boolean => !noColor() && process.stderr.isTTY === true

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ansi = /\u001b\[[0-9;?]*[ -/]*[@-~]/g

export const stripAnsi = (text: string): string => text.replace(ansi, "")

const format = (args: ReadonlyArray<unknown>, color: boolean) => {
  const text = formatWithOptions({ colors: false }, ...args)
  return color ? text : stripAnsi(text)
}

/** Write errors that mean the reader is gone: a closed pipe (`| head`), a terminal hung up, a stream closed. */
const readerGone = new Set(["EPIPE", "EIO", "ECONNRESET", "ERR_STREAM_DESTROYED"])

/** What became of stdout: `failed` holds the one-line reason when a write failed for another reason. */
export const stdoutState: { failed: string | undefined } = { failed: undefined }

let guarded = false

/**
 * Keeps a failed write from crashing the process. A reader that stops early (`sources --json | head -n 3`) closes
 * the pipe, and Node raises the next write's EPIPE as an unhandled 'error' event: a stack trace and exit 1. Here
 * the rest of that stream's output is dropped and the command runs to its end, as quiet as `ls | head`: an export
 * still finishes (or cleans up) its files, and its exit code is its own. Any other failure of stdout (a full disk
 * under `> out.json`) is kept in `stdoutState`, for `runMain` to say and to exit 1 on. Call once, first.
 */
export const guardStdio = (): void => {
  if (guarded) return
  guarded = true
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (!readerGone.has(error.code ?? "")) stdoutState.failed ??= error.message
  })
  process.stderr.on("error", () => {
    // Nowhere left to say anything: stderr's output is dropped.
  })
}

const write = (stream: NodeJS.WriteStream, text: string) => {
  if (!stream.destroyed) stream.write(text.endsWith("\n") ? text : `${text}\n`)
}

export const writeOut = (text: string): Effect.Effect<void> => Effect.sync(() => write(process.stdout, text))

export const writeErr = (text: string): Effect.Effect<void> => Effect.sync(() => write(process.stderr, text))

/**
 * @effect/cli opens every option's help with its value type in words ("A user-defined piece of text.", "An
 * integer."), which says nothing our own descriptions and pseudo-names (`--concurrency N`) do not. Those
 * paragraphs are dropped; "One of the following: …" (the choices) stays.
 */
const genericTypeHelp =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the help text may be coloured
  /^ *(?:\u001b\[[0-9;]*m)*(?:A user-defined piece of text|A true or false value|An integer|A floating point number)\.(?:\u001b\[[0-9;]*m)*\n\n/gm

/** A repeated option in a usage line, `--task VALUE...`: @effect/cli leaves out the brackets of "zero or more". */
const repeatedOption = / (--[a-z][a-z0-9-]* [A-Z][A-Z0-9_,]*)\.\.\.(?= |$)/g

/**
 * The help text, tidied: without the generic type lines (above), without the bare program name @effect/cli puts
 * above "<program> <version>", with the program in a subcommand's usage line (`$ sms-consistency export …`,
 * not `$ export …`, which is not a command one can type), and a repeated option shown as optional there
 * (`[--task VALUE]...`, not `--task VALUE...`, which reads as required).
 */
export const tidyHelp = (text: string, program: string): string => {
  const ansi = "(?:\u001b\\[[0-9;]*m)*"
  const banner = new RegExp(`^${ansi}${program}${ansi}\\r?\\n\\r?\\n(?=${program} )`)
  const usage = new RegExp(`^\\$ (?!${program}(?: |$))`, "gm")
  return text
    .replace(genericTypeHelp, "")
    .replace(banner, "")
    .replace(usage, `$$ ${program} `)
    .replace(/^\$ .*$/gm, (line) => line.replace(repeatedOption, " [$1]..."))
}

/**
 * The default console, except that `log` drops ANSI colour when it is off and the help text (the only thing
 * written with `log`) is tidied (`tidyHelp`), and `error` writes nothing: @effect/cli uses it only to print
 * the usage error it then fails with, which `Cli.main` reports itself, in one line.
 */
export const withPlainConsole =
  (program: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Effect.console, (current) =>
      Effect.withConsole(effect, {
        ...current,
        log: (...args: ReadonlyArray<unknown>) =>
          Effect.sync(() => {
            // @effect/cli's text already ends in a newline (`--version` printed "0.1.0" and a blank line).
            const text = tidyHelp(format(args, stdoutColor()), program)
            process.stdout.write(text.endsWith("\n") ? text : `${text}\n`)
          }),
        error: () => Effect.void
      } satisfies Console.Console)
    )

const messageText = (message: unknown): string =>
  Array.isArray(message)
    ? message.map((m) => messageText(m)).join(" ")
    : typeof message === "string"
      ? message
      : formatWithOptions({ colors: false, depth: 4 }, message)

/** One line per log entry on stderr: `[level] message`. */
export const stderrLogger = Logger.make(({ logLevel, message }) => {
  process.stderr.write(`[${logLevel.label.toLowerCase()}] ${messageText(message)}\n`)
})

export const withStderrLogger = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.provide(effect, Logger.replace(Logger.defaultLogger, stderrLogger))

const paint = (code: string, text: string, color: boolean) => (color ? `\u001b[${code}m${text}\u001b[0m` : text)

export const red = (text: string, color: boolean) => paint("31", text, color)
export const bold = (text: string, color: boolean) => paint("1", text, color)
export const dim = (text: string, color: boolean) => paint("2", text, color)

/** `error: <message>` on stderr, the label red on a colour terminal. */
export const writeError = (message: string): Effect.Effect<void> =>
  writeErr(`${red("error:", stderrColor())} ${message}`)
