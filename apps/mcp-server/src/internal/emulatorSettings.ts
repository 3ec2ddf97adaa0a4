/**
 * `--emulator`'s settings, from `SMS_EMULATOR_*`: checked before the emulator starts, so that a typo is a startup
 * error naming the variable and what it takes (as `SMS_TIMEOUT`'s is), not Effect's `(Invalid data at …)` nor the
 * emulator's own option name (`sources must be …`), and not 10^9 seeded servers filling the heap for a minute. One
 * table makes both the checks and the `--help` lines, so the two cannot drift apart. The identity the emulator
 * accepts (`SMS_EMULATOR_AK`, `_SK`, …) is read here too, from the variables `Emulator.credentialsFromEnv` reads
 * (a test holds the two lists together), and checked: the emulator took any text, so an empty AK started a server
 * whose every call failed the signature check, and a line break in one made every call a "network problem".
 */
import {
  type EmulatorCredentials,
  type EmulatorOptions,
  exportModes,
  maxLatencyMs,
  maxSeed
} from "@sms-consistency/emulator/Emulator"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"

export type Settable = Omit<EmulatorOptions, "credentials">

interface Setting {
  readonly variable: string
  readonly option: keyof Settable
  /** For --help: what it sets, and the default. */
  readonly help: string
  /** What a value must be, for the error: `a whole number from 0 to 100000`. */
  readonly expected: string
  /** The value, or undefined when `raw` (not blank) is not one. */
  readonly read: (raw: string) => Settable[keyof Settable] | undefined
}

/** A whole number within `min..max`; blanks around it are ignored, as `SMS_RETRIES` ignores them. */
const wholeNumberIn =
  (min: number, max: number) =>
  (raw: string): number | undefined => {
    const text = raw.trim()
    const n = Number(text)
    return /^\d+$/.test(text) && n >= min && n <= max ? n : undefined
  }

/**
 * As the CLI's `emulator --sources`: the emulator builds every server in memory (100,000 take about a second and
 * 330 MB).
 */
const maxSources = 100_000

/** The "large" body is streamed, never held; past 1 TiB a test only fills the disk it is written to. */
const maxLargeBodyBytes = 2 ** 40

export const settings: ReadonlyArray<Setting> = [
  {
    variable: "SMS_EMULATOR_HOST",
    option: "host",
    help: "address the emulator listens on; default 127.0.0.1",
    expected: "an address",
    read: (raw) => raw.trim()
  },
  {
    variable: "SMS_EMULATOR_PORT",
    option: "port",
    help: "its port, 0 to 65535; default 0 (a free one)",
    expected: "a whole number from 0 to 65535",
    read: wholeNumberIn(0, 65535)
  },
  {
    variable: "SMS_EMULATOR_SOURCES",
    option: "sources",
    help: `seeded source servers (one migration task each), 0 to ${maxSources}; default 25`,
    expected: `a whole number from 0 to ${maxSources}`,
    read: wholeNumberIn(0, maxSources)
  },
  {
    variable: "SMS_EMULATOR_SEED",
    option: "seed",
    help: `seed of the data and of the random faults, 0 to ${maxSeed}; default 1`,
    expected: `a whole number from 0 to ${maxSeed}`,
    read: wholeNumberIn(0, maxSeed)
  },
  {
    variable: "SMS_EMULATOR_LATENCY_MS",
    option: "latencyMs",
    help: `milliseconds added before every response, 0 to ${maxLatencyMs}; default 0`,
    expected: `a whole number of milliseconds from 0 to ${maxLatencyMs}`,
    read: wholeNumberIn(0, maxLatencyMs)
  },
  {
    variable: "SMS_EMULATOR_FAULT_RATE",
    option: "faultRate",
    help: "share of API requests answered with a transient fault, 0 to 1; default 0",
    expected: "a number from 0 to 1",
    read: (raw) => {
      const text = raw.trim()
      const n = Number(text)
      return /^(\d+\.?\d*|\.\d+)$/.test(text) && n >= 0 && n <= 1 ? n : undefined
    }
  },
  {
    variable: "SMS_EMULATOR_EXPORT_MODE",
    option: "exportMode",
    help: "an export's body: zip (of CSVs), json ({ }), text (OK) or large (streamed); default zip",
    expected: `one of ${exportModes.join(", ")}`,
    read: (raw) => exportModes.find((mode) => mode === raw.trim())
  },
  {
    variable: "SMS_EMULATOR_LARGE_BODY_BYTES",
    option: "largeBodyBytes",
    help: `size of the large body, 0 to ${maxLargeBodyBytes} bytes; default 209715200 (200 MiB)`,
    expected: `a whole number of bytes from 0 to ${maxLargeBodyBytes}`,
    read: wholeNumberIn(0, maxLargeBodyBytes)
  }
]

/**
 * The identity, as `Emulator.credentialsFromEnv` names it; `secret` ones are never shown, not even in an error.
 * The denied and temporary identities are fixed (the CLI's `emulator` prints them), not set from the environment.
 */
export const identity: ReadonlyArray<{
  readonly variable: string
  readonly field: "ak" | "sk" | "token" | "domainId" | "domainName" | "projectId"
  readonly secret: boolean
}> = [
  { variable: "SMS_EMULATOR_AK", field: "ak", secret: false },
  { variable: "SMS_EMULATOR_SK", field: "sk", secret: true },
  { variable: "SMS_EMULATOR_TOKEN", field: "token", secret: true },
  { variable: "SMS_EMULATOR_DOMAIN_ID", field: "domainId", secret: false },
  { variable: "SMS_EMULATOR_DOMAIN_NAME", field: "domainName", secret: false },
  { variable: "SMS_EMULATOR_PROJECT_ID", field: "projectId", secret: false }
]

/**
 * What an identity value may hold: visible ASCII, no space. The AK, domain ID and token travel in HTTP headers,
 * where a line break or a character past U+00FF cannot be sent at all and a space splits the `Authorization`
 * header's fields; the SK signs what the client sends, and the rest are names and IDs: none needs more.
 */
const identityExpected = "visible ASCII characters, no spaces"

/** What is wrong with `raw`, in words that give none of it away; undefined when nothing is. */
const identityFault = (raw: string): string | undefined => {
  for (const char of raw) {
    const code = char.codePointAt(0) ?? 0
    if (char === "\n" || char === "\r") return "a line break"
    if (code < 0x20 || code === 0x7f) return "a control character"
    if (code === 0x20 || /\s/u.test(char)) return "a space"
    if (code > 0x7e) return "a non-ASCII character"
  }
  return undefined
}

/** The `--help` lines: `indent`, the variable, and its description from `column` on. */
export const helpLines = (indent: string, column: number): string =>
  [
    ...settings.map((s) => `${indent}${s.variable.padEnd(column)}${s.help}`),
    `${indent}${"SMS_EMULATOR_AK, _SK, _TOKEN".padEnd(column)}the identity it accepts, with _DOMAIN_ID, _DOMAIN_NAME,`,
    `${indent}${"".padEnd(column)}_PROJECT_ID: ${identityExpected}; default a fixed test identity`
  ].join("\n")

/**
 * The settings in `env` (a blank one is unset, so a blank identity variable is the default identity, as the CLI's
 * `emulator` always serves), or the first bad one's error: one line, naming the variable.
 */
export const fromEnv = (env: NodeJS.ProcessEnv): Either.Either<EmulatorOptions, string> => {
  const options: Record<string, unknown> = {}
  for (const setting of settings) {
    const raw = env[setting.variable]
    if (raw === undefined || raw.trim() === "") continue
    const value = setting.read(raw)
    if (value === undefined)
      return Either.left(`${setting.variable} must be ${setting.expected} (got ${JSON.stringify(raw)})`)
    options[setting.option] = value
  }
  const credentials: { -readonly [K in keyof EmulatorCredentials]?: EmulatorCredentials[K] } = {}
  for (const { variable, field, secret } of identity) {
    const raw = env[variable]
    if (raw === undefined || raw.trim() === "") continue
    const fault = identityFault(raw)
    if (fault !== undefined)
      return Either.left(
        secret
          ? `${variable} must be ${identityExpected}: it has ${fault}`
          : `${variable} must be ${identityExpected} (got ${JSON.stringify(raw)})`
      )
    if (field === "sk" || field === "token") credentials[field] = Redacted.make(raw)
    else credentials[field] = raw
  }
  return Either.right({ ...(options as Settable), credentials })
}
