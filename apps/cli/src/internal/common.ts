/**
 * What every command that talks to the service shares: the connection flags and the `Exit` failure. Only
 * `@effect/cli` and effect's core, so that `--help` loads nothing of the client (that is in `client.ts`).
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import type { HintOptions, SmsError } from "@sms-consistency/sms/SmsError"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { homedir } from "node:os"
import { sep } from "node:path"
import { parseDuration } from "@sms-consistency/sms/internal/duration"

/** The command already reported what happened; exit with `code`. */
export class Exit extends Data.TaggedError("Exit")<{ readonly code: number }> {}

export type Failure = SmsError | Exit

/**
 * A flag whose value `read` makes of its text, or says why there is none, after the flag's name. Read as the line
 * is parsed, a bad value is a usage error, and of several, @effect/cli reports each (`Cli.firstReported` keeps the
 * first on the line), none left to be found later, when the command runs.
 */
const readOption = <A>(name: string, read: (text: string) => Either.Either<A, string>) =>
  Options.text(name).pipe(
    Options.mapTryCatch(
      (text) => Either.getOrThrowWith(read(text), (reason) => new Error(reason)),
      // @effect/cli's own messages ("'x' is not a integer") do not name the flag.
      (e) => HelpDoc.p(`--${name}: ${(e as Error).message}`)
    )
  )

/**
 * A number flag (see `readOption`). Blanks around the number are ignored, as `--timeout` ignores them
 * (`--retries " 3"`, `--concurrency "$(wc -l < f)"`); within it, they are an error.
 */
const numberOption = (name: string, parse: (trimmed: string, text: string) => Either.Either<number, string>) =>
  readOption(name, (text) => parse(text.trim(), text))

const notA = (expected: string, text: string) => Either.left(`expected ${expected} (got ${JSON.stringify(text)})`)

/**
 * What a whole number outside `min..max` is told: both bounds when the flag has both (`must be between 0 and
 * 10`), else the one crossed, a flag's own (`must be non-negative`) or that of the safe integers.
 */
const outOfRange = (n: number, min: number, max: number): string => {
  if (min > Number.MIN_SAFE_INTEGER && max < Number.MAX_SAFE_INTEGER) return `must be between ${min} and ${max}`
  if (n > max) return `must be at most ${max}`
  return min === 0 ? "must be non-negative" : `must be at least ${min}`
}

/**
 * An integer flag within `min..max` (by default the safe integers), whose errors name it and, out of range, the
 * range: `--concurrency: expected a whole number (got "abc")`, `--retries: must be between 0 and 10 (got 11)`. A
 * whole number past the safe integers (`99999999999999999999`) is out of range too, not "not a whole number".
 */
export const wholeNumber = (name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) =>
  numberOption(name, (trimmed, text) => {
    if (!/^[+-]?\d+$/.test(trimmed)) return notA("a whole number", text)
    const n = Number(trimmed)
    return Number.isSafeInteger(n) && n >= min && n <= max
      ? Either.right(n)
      : Either.left(`${outOfRange(n, min, max)} (got ${trimmed})`)
  })

/** What ends a path's first component: `/`, and on Windows `\\` too. */
const separators = sep === "/" ? "/" : /[/\\]/

/**
 * `path` with a leading `~` or `~/` made the home directory (`home`), as the shell makes it; or why not: `~bob/x`
 * would be another user's home, which is not looked up. The shell expands `~` only at the start of a word, so
 * `--output=~/x` and a quoted `"~/x"` reach the CLI as typed, and would make a folder named `~` where it runs.
 */
export const expandHome = (path: string, home: string): Either.Either<string, string> => {
  if (!path.startsWith("~")) return Either.right(path)
  const first = path.split(separators, 1)[0] ?? path
  if (first === "~") return Either.right(home + path.slice(1))
  return Either.left(
    `${JSON.stringify(path)}: ${first} (another user's home) is not expanded, only ~ and ~/ are; give the full path, or ./${path} for a folder named ${first}`
  )
}

/** A path flag whose leading `~` is the home directory, as in the shell (see `expandHome`). */
export const pathText = (name: string) => readOption(name, (text) => expandHome(text, homedir()))

/**
 * The most source servers the emulator (and so `demo`) may seed. The emulator takes any number and builds them
 * all in memory: 100,000 take about a second and 330 MB; 10^11 ran out of memory after a minute.
 */
export const maxSources = 100_000

/**
 * The emulator's `maxLatencyMs`, checked as the line is parsed. Not imported: `--help` would load the emulator (a
 * test holds the two equal).
 */
export const maxLatencyMs = 60_000

/** The emulator's `maxSeed`, as `maxLatencyMs`. */
export const maxSeed = 2 ** 32 - 1

/**
 * A decimal flag within `min..max`, whose errors name it, and out of range the range: `--fault-rate: must be
 * between 0 and 1 (got 1.5)`, also for a number too large to hold (`1e999`), which is not "not a number".
 */
export const decimal = (name: string, min: number, max: number) =>
  numberOption(name, (trimmed, text) => {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed)) return notA("a number", text)
    const n = Number(trimmed)
    return n >= min && n <= max ? Either.right(n) : Either.left(`must be between ${min} and ${max} (got ${trimmed})`)
  })

/** A text flag of at most `max` characters, whose error names it: `--name: must be at most 255 characters (got 300)`. */
export const boundedText = (name: string, max: number) =>
  Options.text(name).pipe(
    Options.mapTryCatch(
      (text) => {
        if (text.length > max) throw new Error(String(text.length))
        return text
      },
      (e) => HelpDoc.p(`--${name}: must be at most ${max} characters (got ${(e as Error).message})`)
    )
  )

const emulatorFlags: Readonly<Record<string, string>> = {
  port: "--port",
  sources: "--sources",
  faultRate: "--fault-rate",
  latencyMs: "--latency"
}

/** An emulator option error in the CLI's terms: `latencyMs must be …` → `--latency: must be …`. */
export const emulatorOptionMessage = (message: string): string =>
  message.replace(/^(\w+) must\b/, (whole, name: string) => {
    const flag = emulatorFlags[name]
    return flag === undefined ? whole : `${flag}: must`
  })

/**
 * The range of `--timeout`. Below 100 ms hardly a call can finish; above 24 h is no timeout anyway, and past
 * 2^31-1 ms (about 24.8 days) Node's timers fire at once, so that every call would time out.
 */
export const timeoutRange = { minMs: 100, min: "100ms", maxMs: 24 * 3_600_000, max: "24h" } as const

/** The CLI's settings, for the library's hints: a timeout's names `--timeout` with the value the call waited. */
export const hintOptions: HintOptions = { timeoutSetting: (value) => `--timeout ${value}` }

/** `--timeout`'s value, or why it is not one: unreadable, or outside `timeoutRange`. */
export const parseTimeout = (raw: string): Either.Either<Duration.Duration, string> =>
  Option.match(parseDuration(raw), {
    onNone: () => Either.left(`expected seconds or a duration like 500ms, 30s, 2m (got ${JSON.stringify(raw)})`),
    onSome: (duration) => {
      const ms = Duration.toMillis(duration)
      if (ms < timeoutRange.minMs)
        return Either.left(`must be at least ${timeoutRange.min} (got ${JSON.stringify(raw)})`)
      if (ms > timeoutRange.maxMs)
        return Either.left(`must be at most ${timeoutRange.max} (got ${JSON.stringify(raw)})`)
      return Either.right(duration)
    }
  })

/** The most `--retries` allowed: more only delays a failure that is not transient after all. */
export const maxRetries = 10

export const jsonFlag = Options.boolean("json").pipe(
  Options.withDescription("Print one JSON document on stdout instead of text.")
)

export const connection = Options.all({
  region: Options.text("region").pipe(
    Options.withPseudoName("ID"),
    Options.withDescription(
      "Region id, e.g. ap-southeast-3, cn-north-4, my-kualalumpur-1, ru-moscow-1 (default: env SMS_REGION, then HUAWEICLOUD_SDK_REGION)."
    ),
    Options.optional
  ),
  endpoint: Options.text("endpoint").pipe(
    Options.withPseudoName("URL"),
    Options.withDescription("SMS endpoint URL; wins over --region (default: env SMS_ENDPOINT)."),
    Options.optional
  ),
  timeout: readOption("timeout", parseTimeout).pipe(
    Options.withPseudoName("DURATION"),
    Options.withDescription(
      `Per attempt, the longest wait for the response, then for more of its body (a large file may take longer in all): seconds, or with a unit (500ms, 30s, 2m, 1h), from ${timeoutRange.min} to ${timeoutRange.max}. Default 30s.`
    ),
    Options.optional
  ),
  retries: wholeNumber("retries", 0, maxRetries).pipe(
    Options.withPseudoName("N"),
    Options.withDescription(
      `Retries of transient failures (429, 5xx, network, timeout) per call, 0 to ${maxRetries}. Default 3.`
    ),
    Options.optional
  )
})

export interface Connection {
  readonly region: Option.Option<string>
  readonly endpoint: Option.Option<string>
  readonly timeout: Option.Option<Duration.Duration>
  readonly retries: Option.Option<number>
}

export const credentialsHelp =
  "Credentials, as the Huawei Cloud SDKs read them: SMS_AUTH_TOKEN (an IAM token); or HUAWEICLOUD_SDK_AK + " +
  "HUAWEICLOUD_SDK_SK (or CLOUD_SDK_AK + CLOUD_SDK_SK), optionally HUAWEICLOUD_SDK_SECURITY_TOKEN, " +
  "HUAWEICLOUD_SDK_DOMAIN_ID or HUAWEICLOUD_SDK_PROJECT_ID, HUAWEICLOUD_SDK_IAM_ENDPOINT; or ak/sk under [basic] in " +
  "~/.huaweicloud/credentials (HUAWEICLOUD_SDK_CREDENTIALS_FILE). Region and endpoint: --region/--endpoint, env " +
  "SMS_REGION, SMS_ENDPOINT, HUAWEICLOUD_SDK_REGION, HUAWEICLOUD_SDK_REGION_SMS_<REGION>, ~/.huaweicloud/regions.yaml. " +
  "Secrets are never printed."
