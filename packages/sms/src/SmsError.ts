/**
 * One tagged error per outcome of a call. Each carries what the wire gave (`status`, `requestId` from
 * `X-Request-Id`, `errorCode`, `errorMsg`) and never a request object, header map, token or key.
 */
import { Schema } from "effect"
import { formatDuration } from "./internal/duration.js"

const WireFields = {
  status: Schema.optional(Schema.Number),
  requestId: Schema.optional(Schema.String),
  errorCode: Schema.optional(Schema.String),
  errorMsg: Schema.optional(Schema.String)
}

/**
 * Text from the server, as one line: each run of whitespace or control characters (a line break, a tab, a NUL) one
 * space. A message is one line; an `error_msg` with CR/LF in it would otherwise split it (and a log line with it).
 */
const oneLine = (text: string | undefined): string | undefined =>
  text === undefined ? undefined : text.replace(/[\s\p{Cc}]+/gu, " ").trim()

const describe = (
  title: string,
  e: {
    readonly status?: number | undefined
    readonly errorCode?: string | undefined
    readonly errorMsg?: string | undefined
    readonly requestId?: string | undefined
  }
) => {
  const errorCode = oneLine(e.errorCode)
  const errorMsg = oneLine(e.errorMsg)
  const requestId = oneLine(e.requestId)
  const head = [title, e.status !== undefined ? `(HTTP ${e.status})` : undefined].filter(Boolean).join(" ")
  const code = errorCode ? `${errorCode}: ` : ""
  const msg = errorMsg ? ` — ${code}${errorMsg}` : errorCode ? ` — ${errorCode}` : ""
  const rid = requestId ? ` [request id ${requestId}]` : ""
  return `${head}${msg}${rid}`
}

/** Rejected before anything was sent: names the field and the limit. */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  field: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.field}: ${this.reason}`
  }
}

/**
 * No usable credentials were configured (none, half a pair, a value a header cannot carry, or a domain id that
 * could not be looked up); nothing was sent. A missing or unknown region or endpoint is `InvalidRequest` instead.
 */
export class MissingCredentials extends Schema.TaggedError<MissingCredentials>()("MissingCredentials", {
  reason: Schema.String,
  /** What to do, when it is not to set credentials (they are set, but one is unusable, or a look-up failed). */
  remedy: Schema.optional(Schema.String)
}) {
  override get message() {
    return this.reason
  }
}

export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", WireFields) {
  override get message() {
    return describe("Bad request", this)
  }
}

/** 401 from the API gateway: signature, token or clock. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", WireFields) {
  override get message() {
    return describe("Unauthorized", this)
  }
}

/** 403 with every documented field. */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  ...WireFields,
  encodedAuthorizationMessage: Schema.optional(Schema.String),
  errorParam: Schema.optional(Schema.Array(Schema.String)),
  details: Schema.optional(
    Schema.Array(Schema.Struct({ errorCode: Schema.optional(Schema.String), errorMsg: Schema.optional(Schema.String) }))
  )
}) {
  override get message() {
    const params = this.errorParam && this.errorParam.length > 0 ? ` (${oneLine(this.errorParam.join(", "))})` : ""
    return describe("Forbidden", this) + params
  }
}

export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", WireFields) {
  override get message() {
    return describe("Not found", this)
  }
}

/** 429; `retryAfterMs` from `Retry-After` when the service sent one. */
export class Throttled extends Schema.TaggedError<Throttled>()("Throttled", {
  ...WireFields,
  retryAfterMs: Schema.optional(Schema.Number)
}) {
  override get message() {
    return describe("Throttled", this)
  }
}

export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", {
  ...WireFields,
  retryAfterMs: Schema.optional(Schema.Number)
}) {
  override get message() {
    return describe("Server error", this)
  }
}

export class UnexpectedStatus extends Schema.TaggedError<UnexpectedStatus>()("UnexpectedStatus", WireFields) {
  override get message() {
    return describe("Unexpected status", this)
  }
}

/** The connection failed or broke (before or during the body). */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  ...WireFields,
  reason: Schema.String
}) {
  override get message() {
    return `Transport error: ${this.reason}`
  }
}

export class Timeout extends Schema.TaggedError<Timeout>()("Timeout", {
  ...WireFields,
  timeoutMs: Schema.Number
}) {
  override get message() {
    return `Timed out after ${this.timeoutMs} ms`
  }
}

/** A body that does not have the shape the service documents (or is cut short). */
export class DecodeError extends Schema.TaggedError<DecodeError>()("DecodeError", {
  ...WireFields,
  reason: Schema.String
}) {
  override get message() {
    return `${describe("Unreadable response", this)}: ${this.reason}`
  }
}

/** Writing the exported file failed (disk full, permissions, existing file). */
export class FileError extends Schema.TaggedError<FileError>()("FileError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.path}: ${this.reason}`
  }
}

export type SmsError =
  | InvalidRequest
  | MissingCredentials
  | BadRequest
  | Unauthorized
  | Forbidden
  | NotFound
  | Throttled
  | ServerError
  | UnexpectedStatus
  | TransportError
  | Timeout
  | DecodeError
  | FileError

export const SmsError = Schema.Union(
  InvalidRequest,
  MissingCredentials,
  BadRequest,
  Unauthorized,
  Forbidden,
  NotFound,
  Throttled,
  ServerError,
  UnexpectedStatus,
  TransportError,
  Timeout,
  DecodeError,
  FileError
)

/** Transient outcomes: retried with backoff. 400/401/403/404 never are. */
export const isTransient = (e: SmsError): e is Throttled | ServerError | TransportError | Timeout =>
  e._tag === "Throttled" || e._tag === "ServerError" || e._tag === "TransportError" || e._tag === "Timeout"

/** What a call was for, so that a hint fits it: an export, a listing (sources, tasks), one task's result. */
export type Operation = "export" | "list" | "show"

/**
 * A 404 from the SMS service itself (an `SMS.*` error code): the task or path is unknown to it. A 404 without one
 * comes from something in front (a gateway's "no such API", a proxy's page): the endpoint is wrong.
 */
export const isServiceNotFound = (e: SmsError): boolean =>
  e._tag === "NotFound" && e.errorCode !== undefined && e.errorCode.startsWith("SMS.")

const networkHint = "A network or service problem; retrying later usually helps."

/** The per-attempt timeout a client waits when given none (`SmsClient.Options.timeout`). */
export const defaultTimeoutMs = 30_000

/** How the caller names its settings, for hints that fit them. */
export interface HintOptions {
  /**
   * The timeout setting with a value, as the user gives it: `(v) => \`--timeout ${v}\`` (a CLI),
   * `(v) => \`SMS_TIMEOUT=${v}\`` (an environment variable). With it, a `Timeout`'s hint names it, with the value
   * the call waited and the default (when it differs), rather than the network hint.
   */
  readonly timeoutSetting?: (value: string) => string
}

/**
 * A timeout's hint in the caller's terms: `The service did not answer within --timeout 200ms: try a longer one
 * (default 30s), or retry later.` The default is named only when the value differs from it (a value equal to it
 * may have been set explicitly, and is then not "the default").
 */
const timeoutHint = (timeoutMs: number, setting: (value: string) => string): string => {
  const theDefault = timeoutMs === defaultTimeoutMs ? "" : ` (default ${formatDuration(defaultTimeoutMs)})`
  return `The service did not answer within ${setting(formatDuration(timeoutMs))}: try a longer one${theDefault}, or retry later.`
}

/** TLS verification failures (Node's codes): the endpoint's certificate chain is not trusted here. */
const untrustedCertificate =
  /^(?:SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?|CERT_[A-Z_]+)$/

/**
 * What a transport failure's code says to check (the transports put the code first: `ECONNREFUSED: connect …`).
 * Retrying later fixes neither a wrong host nor an untrusted certificate.
 */
const transportHint = (reason: string): string => {
  const code = /^([A-Z][A-Z0-9_]+):/.exec(reason)?.[1] ?? ""
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return "The host name in the error does not resolve: check the endpoint (SMS_ENDPOINT), the region (SMS_REGION) and DNS."
  if (code === "ECONNREFUSED")
    return "Nothing accepts connections at the address in the error: check the endpoint's host and port (SMS_ENDPOINT)."
  if (untrustedCertificate.test(code) || code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return "The endpoint's TLS certificate is not trusted here (a proxy that inspects TLS?): give its CA in NODE_EXTRA_CA_CERTS, or check the endpoint."
  return networkHint
}

/**
 * A short, actionable hint for a person or an AI assistant, for the `operation` that failed (default: an export),
 * naming the caller's settings as `options` names them.
 */
export const hint = (e: SmsError, operation: Operation = "export", options: HintOptions = {}): string | undefined => {
  switch (e._tag) {
    case "MissingCredentials":
      if (e.remedy !== undefined) return e.remedy
      return "Set SMS_AUTH_TOKEN, or both HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (optionally HUAWEICLOUD_SDK_DOMAIN_ID), or put ak and sk under [basic] in ~/.huaweicloud/credentials (another file: HUAWEICLOUD_SDK_CREDENTIALS_FILE)."
    case "Unauthorized":
      return "Check the AK/SK or token, and that the machine clock is within 15 minutes of UTC."
    case "Forbidden": {
      // The permission the service names, else the one the call needs.
      const needed =
        e.errorParam && e.errorParam.length > 0
          ? `the IAM permission ${oneLine(e.errorParam.join(", "))}`
          : operation === "export"
            ? "the IAM permission sms:server:getBatchConsistencyResults"
            : "SMS read access"
      return `The identity lacks ${needed}; ask an administrator to grant it.`
    }
    case "NotFound":
      if (!isServiceNotFound(e))
        return "The endpoint answered 404 without an SMS error code, so it is likely not the SMS API: check the endpoint and region."
      return operation === "export"
        ? "Check the task_id and that source_id/source_name belong to that task (list sources with results to get matching entries)."
        : operation === "show"
          ? "Check the task_id (list migration tasks to find it)."
          : "Check the endpoint and region: the service does not know this path."
    case "Throttled":
      return "The service is rate-limiting; retry later or lower the concurrency."
    case "InvalidRequest":
    case "BadRequest":
      return "Fix the named field and try again."
    case "TransportError":
      return transportHint(e.reason)
    case "Timeout":
      return options.timeoutSetting === undefined ? networkHint : timeoutHint(e.timeoutMs, options.timeoutSetting)
    case "ServerError":
      return networkHint
    case "FileError":
      return "Check that the destination folder can be created and written to, and that the disk has room."
    default:
      return undefined
  }
}
