/**
 * `--emulator`'s settings, from `SMS_EMULATOR_*`: checked before the emulator starts, so that a typo is a startup
 * error naming the variable and what it takes (as `SMS_TIMEOUT`'s is), not Effect's `(Invalid data at …)` nor the
 * emulator's own option name (`sources must be …`), and not 10^9 seeded servers filling the heap for a minute. One
 * table makes both the checks and the `--help` lines, so the two cannot drift apart. The identity the emulator
 * accepts (`SMS_EMULATOR_AK`, `_SK`, …) is any text, read as the emulator reads it (`Emulator.credentialsFromEnv`).
 */
import { type EmulatorOptions, maxLatencyMs, maxSeed } from "@sms-consistency/emulator/Emulator"
import * as Either from "effect/Either"

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

const exportModes = ["zip", "json", "text", "large"] as const

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

/** The `--help` lines: `indent`, the variable, and its description from `column` on. */
export const helpLines = (indent: string, column: number): string =>
  [
    ...settings.map((s) => `${indent}${s.variable.padEnd(column)}${s.help}`),
    `${indent}${"SMS_EMULATOR_AK, _SK, _TOKEN".padEnd(column)}the identity it accepts, with _DOMAIN_ID, _DOMAIN_NAME,`,
    `${indent}${"".padEnd(column)}_PROJECT_ID; default a fixed test identity`
  ].join("\n")

/** The settings in `env` (a blank one is unset), or the first bad one's error: one line, naming the variable. */
export const fromEnv = (env: NodeJS.ProcessEnv): Either.Either<Settable, string> => {
  const options: Record<string, unknown> = {}
  for (const setting of settings) {
    const raw = env[setting.variable]
    if (raw === undefined || raw.trim() === "") continue
    const value = setting.read(raw)
    if (value === undefined)
      return Either.left(`${setting.variable} must be ${setting.expected} (got ${JSON.stringify(raw)})`)
    options[setting.option] = value
  }
  return Either.right(options as Settable)
}
