/** Text an assistant reads: what failed (tag, code, message, request id), what to do, and who acted where. */
import type * as SmsClient from "@sms-consistency/sms/SmsClient"
import { fromParseError } from "@sms-consistency/sms/internal/invalid"
import * as SmsError from "@sms-consistency/sms/SmsError"
import type * as ParseResult from "effect/ParseResult"

/** `AK EMUL…0000 (domain …) on https://… (region …)` — never a secret: `identity` is already masked. */
const identityOn = (info: SmsClient.Info): string =>
  `${info.identity} on ${info.endpoint}${info.region ? ` (region ${info.region})` : ""}`

/** `Acted as AK EMUL…0000 (domain …) on https://… (region …).`: after a call, in its result. */
export const actedAs = (info: SmsClient.Info): string => `Acted as ${identityOn(info)}.`

/**
 * `Would act as AK EMUL…0000 (domain …) on https://… (region …).`: in a result that failed before any call (nothing
 * was sent to the service), where "Acted as" would contradict it.
 */
export const wouldActAs = (info: SmsClient.Info): string => `Would act as ${identityOn(info)}.`

/** `Will act as AK EMUL…0000 (domain …) on https://… (region …).`: at start, before any call. */
export const willActAs = (info: SmsClient.Info): string => `Will act as ${identityOn(info)}.`

/** The server's settings, for the library's hints: a timeout's names `SMS_TIMEOUT` with the value the call waited. */
export const hintOptions: SmsError.HintOptions = { timeoutSetting: (value) => `SMS_TIMEOUT=${value}` }

/** The permissions a 403 names (`error_param`), e.g. `sms:server:getBatchConsistencyResults`. */
export const missingPermissions = (error: SmsError.SmsError): ReadonlyArray<string> =>
  error._tag === "Forbidden" ? (error.errorParam ?? []) : []

/** The wire fields of an error, when it carries them. */
export const wire = (
  error: SmsError.SmsError
): {
  readonly status?: number | undefined
  readonly errorCode?: string | undefined
  readonly errorMsg?: string | undefined
  readonly requestId?: string | undefined
} => ("status" in error || "errorCode" in error || "requestId" in error ? error : {})

/** The errors whose message is only their status and wire fields, each of which has a line of its own below. */
const statusOnly = new Set<SmsError.SmsError["_tag"]>([
  "BadRequest",
  "Unauthorized",
  "Forbidden",
  "NotFound",
  "Throttled",
  "ServerError",
  "UnexpectedStatus"
])

/**
 * Several lines: the tagged error, the service's code and message, the request id, the missing permission, a
 * remedy. Each said once: `Error: NotFound (HTTP 404)`, then `Service error: SMS.9003: …`, not both in one line.
 */
export const errorLines = (
  error: SmsError.SmsError,
  operation: SmsError.Operation = "export"
): ReadonlyArray<string> => {
  const w = wire(error)
  const head = `Error: ${error._tag}${w.status !== undefined ? ` (HTTP ${w.status})` : ""}`
  const lines = [statusOnly.has(error._tag) && w.status !== undefined ? head : `${head} — ${error.message}`]
  if (w.errorCode || w.errorMsg) lines.push(`Service error: ${[w.errorCode, w.errorMsg].filter(Boolean).join(": ")}`)
  if (w.requestId) lines.push(`Request id: ${w.requestId}`)
  const permissions = missingPermissions(error)
  if (permissions.length > 0) lines.push(`Missing permission: ${permissions.join(", ")}`)
  const hint = SmsError.hint(error, operation, hintOptions)
  if (hint) lines.push(`What to do: ${hint}`)
  return lines
}

/** The first issue of an argument decode, naming the field (e.g. `task_info[3].task_id`). */
export const invalidArguments = (error: ParseResult.ParseError): SmsError.InvalidRequest =>
  fromParseError(error, "", "arguments")

/** The file's type: the service's, else (when it sent none or a generic one) one from the name's extension. */
export const mimeTypeOf = (fileName: string, contentType = ""): string => {
  const generic = contentType === "" || contentType.toLowerCase().startsWith("application/octet-stream")
  if (!generic) return contentType
  const name = fileName.toLowerCase()
  if (name.endsWith(".zip")) return "application/zip"
  if (name.endsWith(".xlsx")) return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
  if (name.endsWith(".csv")) return "text/csv"
  if (name.endsWith(".json")) return "application/json"
  if (name.endsWith(".txt")) return "text/plain"
  return contentType || "application/octet-stream"
}

/** Compact byte counts for summaries. */
export const bytes = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`

/** `1 task`, `2 tasks`; `many` for irregular plurals. */
export const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`
