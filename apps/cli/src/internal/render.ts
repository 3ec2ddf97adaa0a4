/** Rendering: plain-text tables, sizes, and the JSON shape of errors. */
import type { SmsError } from "@sms-consistency/sms/SmsError"

/** Columns padded to their widest cell; the last column is not padded. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd()
  return [line(header), ...rows.map(line)].join("\n")
}

export const bytes = (n: number): string => {
  if (n < 1024) return `${n} B`
  const units = ["KiB", "MiB", "GiB", "TiB"]
  let value = n / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`

/** `failed[].error` in `--json` output: `{tag, message, status?, errorCode?, requestId?}`. */
export interface ErrorJson {
  readonly tag: string
  readonly message: string
  readonly status?: number
  readonly errorCode?: string
  readonly requestId?: string
}

export const errorJson = (error: SmsError): ErrorJson => {
  const out: { -readonly [K in keyof ErrorJson]: ErrorJson[K] } = { tag: error._tag, message: error.message }
  if ("status" in error && error.status !== undefined) out.status = error.status
  if ("errorCode" in error && error.errorCode !== undefined) out.errorCode = error.errorCode
  if ("requestId" in error && error.requestId !== undefined) out.requestId = error.requestId
  return out
}

export const json = (value: unknown): string => JSON.stringify(value, null, 2)

/** A cell for possibly-missing values. */
export const cell = (value: string | number | boolean | null | undefined): string =>
  value === null || value === undefined || value === "" ? "-" : String(value)
