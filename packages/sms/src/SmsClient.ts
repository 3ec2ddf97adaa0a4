/**
 * The SMS client service. Pipeline per call: validate → base URL → auth (token header, or AK/SK signing
 * last, over the exact body bytes) → per-attempt timeout → retry of transient failures (429/5xx/transport/
 * timeout; jittered exponential backoff, bounded, honouring `Retry-After`) → status matching into `SmsError`.
 * The export's 200 body is read as bytes, never as text.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import {
  Cause,
  Clock,
  Context,
  Deferred,
  Duration,
  Effect,
  Either,
  FiberId,
  Layer,
  Option,
  Random,
  Redacted,
  Schema,
  Stream,
  Tracer
} from "effect"
import * as crypto from "node:crypto"
import { open } from "node:fs/promises"
import { basename } from "node:path"
import { Writable } from "node:stream"
import * as Credentials from "./Credentials.js"
import * as files from "./internal/files.js"
import { sha256Hex } from "./internal/hash.js"
import { fromParseError } from "./internal/invalid.js"
import * as Model from "./Model.js"
import * as Region from "./Region.js"
import * as Signer from "./Signer.js"
import {
  BadRequest,
  DecodeError,
  defaultTimeoutMs,
  FileError,
  Forbidden,
  InvalidRequest,
  isTransient,
  MissingCredentials,
  NotFound,
  ServerError,
  type SmsError,
  Throttled,
  TransportError,
  Unauthorized,
  UnexpectedStatus
} from "./SmsError.js"
import * as Transport from "./Transport.js"

export { version } from "./Version.js"
import { version } from "./Version.js"

export interface Options {
  /**
   * SMS endpoint origin, e.g. `https://sms.ap-southeast-3.myhuaweicloud.com` or the emulator's URL. Checked as
   * `layerConfig` checks it (`Region.parseEndpoint`): an http or https URL without user info, of which only the
   * origin is used (a path is dropped: the API's paths start at the root). One that is not makes every call fail
   * with `InvalidRequest` (field `endpoint`), sending nothing.
   */
  readonly endpoint: string
  readonly region?: string | undefined
  /**
   * IAM endpoint for the domain-id look-up (default `https://iam.myhuaweicloud.com`), checked as `endpoint` (field
   * `iamEndpoint`) when the look-up is needed.
   */
  readonly iamEndpoint?: string | undefined
  readonly credentials: Credentials.Credentials
  /**
   * Per-attempt timeout: the longest wait for the response, then for each more of its body (default 30 s). Zero,
   * negative or `NaN` is the default, as for `retries`; above 2^31 - 1 ms (about 24.8 days, the most a timer
   * holds), `Duration.infinity` included, it is that most: effectively no timeout.
   */
  readonly timeout?: Duration.DurationInput | undefined
  /** Retries of transient failures after the first attempt (default 3). */
  readonly retries?: number | undefined
  /**
   * First backoff delay (default 250 ms); doubles per retry, jittered, capped by `retryMaxDelay` (default 10 s), and
   * by 2^31 - 1 ms (about 24.8 days) whatever is given: a longer one would never end. Zero, negative or `NaN`, for
   * either, is its default, as for `timeout`: not retries that follow at once.
   */
  readonly retryBaseDelay?: Duration.DurationInput | undefined
  /** The longest backoff (default 10 s), before jitter; zero, negative or `NaN` is the default. See `retryBaseDelay`. */
  readonly retryMaxDelay?: Duration.DurationInput | undefined
}

/** Who and where the client acts: secret-free. */
export interface Info {
  readonly endpoint: string
  readonly region?: string | undefined
  /** As `Credentials.describe` gives it, with the domain id once looked up (read it when it is shown). */
  readonly identity: string
}

export interface ExportedFile {
  readonly _tag: "File"
  readonly fileName: string
  readonly contentType: string
  readonly byteLength: number
  readonly sha256: string
  /** The body, when exported to memory. */
  readonly bytes?: Uint8Array | undefined
  /** Where the body was written, when exported to a file. */
  readonly path?: string | undefined
  readonly requestId?: string | undefined
}

/** The documented `{ }`-style JSON success body. */
export interface ExportedJson {
  readonly _tag: "Json"
  readonly body: unknown
  readonly contentType: string
  readonly requestId?: string | undefined
}

export type ExportResult = ExportedFile | ExportedJson

/** Where `exportConsistencyResultsToFile` writes. */
export interface FileTarget {
  readonly directory: string
  /** Maps the service's (sanitised) file name to the name to write; it is sanitised again. */
  readonly name?: ((suggested: string) => string) | undefined
  /** Replace an existing file (default: never; a `-N` suffix is added instead). */
  readonly overwrite?: boolean | undefined
  /**
   * Runs once the file is in place, in the same uninterruptible step as the placing: a caller that records what
   * was written (to report it if it is interrupted) records it here, so a file on disk is never unrecorded.
   */
  readonly onWritten?: ((file: ExportedFile) => Effect.Effect<void>) | undefined
}

export interface ExportInput {
  readonly task_info: ReadonlyArray<Model.TaskRef>
  readonly language?: Model.Language | undefined
}

export interface ListSourcesQuery {
  readonly withResults?: boolean | undefined
  readonly name?: string | undefined
  readonly state?: string | undefined
  /** Page size: a whole number from 0 to 200 (0 is the service's default, 200); another fails, unsent. */
  readonly limit?: number | undefined
  /** Entries skipped: a whole number, 0 or more; another fails, unsent. */
  readonly offset?: number | undefined
}

export interface ListTasksQuery {
  readonly state?: string | undefined
  readonly name?: string | undefined
  readonly id?: string | undefined
  readonly sourceServerId?: string | undefined
  /** As `ListSourcesQuery.limit`. */
  readonly limit?: number | undefined
  /** As `ListSourcesQuery.offset`. */
  readonly offset?: number | undefined
}

export interface Service {
  readonly info: Info
  /** Exports to memory: `File` with `bytes`, or `Json`. */
  readonly exportConsistencyResults: (request: ExportInput) => Effect.Effect<ExportResult, SmsError>
  /** Streams the body to a temporary file, verifies it, then places it under its final name. */
  readonly exportConsistencyResultsToFile: (
    request: ExportInput,
    target: FileTarget
  ) => Effect.Effect<ExportResult, SmsError>
  readonly listSources: (query?: ListSourcesQuery) => Effect.Effect<Model.ListSourcesResponse, SmsError>
  /** Every page of `listSources`. */
  readonly listAllSources: (
    query?: Omit<ListSourcesQuery, "limit" | "offset">
  ) => Effect.Effect<ReadonlyArray<Model.SourceServer>, SmsError>
  readonly listTasks: (query?: ListTasksQuery) => Effect.Effect<Model.ListTasksResponse, SmsError>
  readonly showConsistencyResult: (taskId: string) => Effect.Effect<Model.ConsistencyResult, SmsError>
}

export class SmsClient extends Context.Tag("@sms-consistency/sms/SmsClient")<SmsClient, Service>() {}

// --- wire helpers -------------------------------------------------------------------------------

const exportPath = "/v3/tasks/consistency-results/export"
const pageSize = 200
/**
 * How much of an error body is read: a 403's `encoded_authorization_message` alone may be 65,535 characters
 * (API.md), and a proxy's page hundreds of MiB.
 */
const maxErrorBody = 128 * 1024
const maxRetryAfterMs = 60_000
/** Bodies up to this size (by Content-Length) are read whole before being written. */
const wholeBodyLimit = 1024 * 1024

const fileError = (path: string) => (cause: unknown) =>
  new FileError({ path, reason: cause instanceof Error ? cause.message : String(cause) })

interface WireRequest {
  readonly method: "GET" | "POST"
  readonly base: string
  readonly path: string
  /** `base + path`, when already known (the export's). */
  readonly url?: URL | undefined
  readonly query?: ReadonlyArray<readonly [string, string]>
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: Uint8Array
  /** IAM calls carry no domain/project header. */
  readonly scoped?: boolean
}

interface WireMeta {
  readonly status: number
  readonly requestId?: string | undefined
}

type Response = Transport.Response

const header = (response: Response, name: string): string | undefined => {
  const value = response.header(name)
  return value === "" ? undefined : value
}

const metaOf = (response: Response): WireMeta => ({
  status: response.status,
  requestId: header(response, "x-request-id")
})

/** `Retry-After` as seconds or an HTTP date, bounded. */
export const parseRetryAfter = (value: string | undefined, nowMs: number): number | undefined => {
  if (value === undefined) return undefined
  const seconds = Number(value)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - nowMs
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), maxRetryAfterMs) : undefined
}

const decodeJson = (text: string): Option.Option<unknown> => {
  try {
    return Option.some(JSON.parse(text))
  } catch {
    return Option.none()
  }
}

/** The documented fields of an error body (`Model.ForbiddenBody`, the widest), as far as each is valid. */
interface ErrorFields {
  readonly errorCode?: string | undefined
  readonly errorMsg?: string | undefined
  readonly requestId?: string | undefined
  readonly encodedAuthorizationMessage?: string | undefined
  readonly errorParam?: ReadonlyArray<string> | undefined
  readonly details?:
    | ReadonlyArray<{ readonly errorCode?: string | undefined; readonly errorMsg?: string | undefined }>
    | undefined
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const textField = (u: unknown): string | undefined => (typeof u === "string" ? u : undefined)

/**
 * An error body's fields, leniently: a field of the wrong type (a `null` `error_param`, a numeric `error_code`) is
 * left out, not the body. Decoding it strictly lost the code and message of a body whose only fault was an
 * optional `null`, and with the code the service's own 404 (`isServiceNotFound`). `undefined` if not an object.
 */
const errorFields = (json: unknown): ErrorFields | undefined => {
  if (!isRecord(json)) return undefined
  const { error_param: param, details } = json
  return {
    errorCode: textField(json.error_code),
    errorMsg: textField(json.error_msg),
    requestId: textField(json.request_id),
    encodedAuthorizationMessage: textField(json.encoded_authorization_message),
    errorParam: Array.isArray(param) ? param.filter((p): p is string => typeof p === "string") : undefined,
    details: Array.isArray(details)
      ? details.filter(isRecord).map((d) => ({ errorCode: textField(d.error_code), errorMsg: textField(d.error_msg) }))
      : undefined
  }
}

/**
 * A span for the call when the caller traces (runs inside a span), none otherwise: on a small export a span
 * costs about as much as signing the request, and most callers never look at one. The call is built only
 * then, so this is also its suspension.
 */
const traced = <A, E>(name: string, effect: () => Effect.Effect<A, E>): Effect.Effect<A, E> =>
  Effect.contextWithEffect((context: Context.Context<never>) =>
    Context.getOption(context, Tracer.ParentSpan)._tag === "Some" ? Effect.withSpan(effect(), name) : effect()
  )

/**
 * The first `maxErrorBody` bytes of an error body, and whether there may be more. Reading stops there: the
 * transport then aborts the rest of the exchange (its connection is not reused). A body that fails mid-way is read
 * as empty.
 */
const errorBody = (response: Response) =>
  Stream.runFoldWhile(
    response.stream,
    { chunks: [] as Array<Uint8Array>, received: 0 },
    (read) => read.received < maxErrorBody,
    (read, chunk) => {
      read.chunks.push(chunk)
      read.received += chunk.byteLength
      return read
    }
  ).pipe(
    Effect.map(({ chunks, received }) => ({
      bytes: Buffer.concat(chunks, received).subarray(0, maxErrorBody),
      cut: received >= maxErrorBody
    })),
    Effect.orElseSucceed(() => ({ bytes: new Uint8Array(0), cut: false }))
  )

/** Maps a non-2xx response to its tagged error, reading at most `maxErrorBody` of the body. */
const statusError = (response: Response, nowMs: number) =>
  Effect.gen(function* () {
    const meta = metaOf(response)
    const read = yield* errorBody(response)
    const text = new TextDecoder().decode(read.bytes)
    const json = decodeJson(text)
    const body = Option.isSome(json) ? errorFields(json.value) : undefined
    const contentType = header(response, "content-type") ?? "no content type"
    // The size as the response gives it, else as far as it was read.
    const length = contentLength(response)
    const bytes =
      length !== undefined
        ? `${length} bytes`
        : read.cut
          ? `at least ${maxErrorBody / 1024} KiB`
          : `${read.bytes.byteLength} bytes`
    const size = `${contentType}, ${bytes}`
    const fields = body
      ? { ...meta, requestId: meta.requestId ?? body.requestId, errorCode: body.errorCode, errorMsg: body.errorMsg }
      : {
          ...meta,
          // Valid JSON that is not an object (an array, a string) is still JSON: not called "non-JSON".
          errorMsg:
            text === ""
              ? undefined
              : Option.isSome(json)
                ? `non-object JSON error body (${size})`
                : `non-JSON error body (${size})`
        }
    const retryAfterMs = parseRetryAfter(header(response, "retry-after"), nowMs)
    const status = response.status
    if (status === 400) return new BadRequest(fields)
    if (status === 401) return new Unauthorized(fields)
    if (status === 403) {
      return new Forbidden({
        ...fields,
        encodedAuthorizationMessage: body?.encodedAuthorizationMessage,
        errorParam: body?.errorParam,
        details: body?.details
      })
    }
    if (status === 404) return new NotFound(fields)
    if (status === 429) return new Throttled({ ...fields, retryAfterMs })
    if (status >= 500) return new ServerError({ ...fields, retryAfterMs })
    return new UnexpectedStatus(fields)
  })

const isJsonType = (contentType: string) => /[/+]json\b/i.test(contentType)

const isHtmlType = (contentType: string) => /^\s*(text\/html|application\/xhtml\+xml)\b/i.test(contentType)

const contentLength = (response: Response): number | undefined => {
  const raw = header(response, "content-length")
  const n = raw === undefined ? Number.NaN : Number(raw)
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

/** The error for a body shorter (or longer) than its Content-Length, if it is. */
const lengthError = (response: Response, received: number): TransportError | undefined => {
  const expected = contentLength(response)
  return expected !== undefined && expected !== received
    ? new TransportError({ ...metaOf(response), reason: `body cut short: received ${received} of ${expected} bytes` })
    : undefined
}

const checkLength = (response: Response, received: number) => {
  const error = lengthError(response, received)
  return error ? Effect.fail(error) : Effect.void
}

const readBytes = (response: Response) =>
  response.bytes.pipe(Effect.tap((bytes) => checkLength(response, bytes.byteLength)))

/**
 * A success without a body (a 204, an empty 200, blank JSON) has no file in it: not an export to report as
 * written, nor the documented JSON body.
 */
const noFile = (response: Response) =>
  new DecodeError({
    ...metaOf(response),
    reason: `the service answered ${response.status} with an empty body: no file was exported`
  })

const jsonResult = (response: Response, bytes: Uint8Array, contentType: string) => {
  const text = new TextDecoder().decode(bytes)
  if (text.trim() === "") return Effect.fail(noFile(response))
  return Option.match(decodeJson(text), {
    onNone: () => Effect.fail(new DecodeError({ ...metaOf(response), reason: "the JSON success body does not parse" })),
    onSome: (body) =>
      Effect.succeed<ExportResult>({ _tag: "Json", body, contentType, requestId: metaOf(response).requestId })
  })
}

// --- the service ---------------------------------------------------------------------------------

export const make = Effect.fn("SmsClient.make")(function* (options: Options) {
  const transport = yield* Transport.Transport
  const credentials = options.credentials
  // As `layerConfig` checks them: explicit options did not, and `ftp://…` was retried as a transport error, a path
  // kept (a gateway's 404 for every call).
  const checkedEndpoint = yield* Effect.either(Region.parseEndpoint(options.endpoint, "endpoint"))
  const endpoint = Either.getOrElse(checkedEndpoint, () => options.endpoint)
  const checkedIam = yield* Effect.either(
    Region.parseEndpoint(options.iamEndpoint ?? Region.defaultIamEndpoint, "iamEndpoint")
  )
  const iamEndpoint = Either.getOrElse(checkedIam, () => options.iamEndpoint ?? Region.defaultIamEndpoint)
  // `Duration.decode` makes `NaN` and negatives zero; zero would time every attempt out at once.
  const givenTimeoutMs = Duration.toMillis(Duration.decode(options.timeout ?? Duration.millis(defaultTimeoutMs)))
  const timeoutMs = givenTimeoutMs > 0 ? Math.min(givenTimeoutMs, Transport.maxTimeoutMs) : defaultTimeoutMs
  // Not a finite number (`NaN`, `Infinity`: retrying forever): the default.
  const retries = Math.max(0, Math.floor(Number.isFinite(options.retries) ? (options.retries as number) : 3))
  // As the timeout: zero, negative or `NaN` (all zero once decoded) is the default, not retries that follow at once;
  // a backoff past what a timer holds (`Duration.infinity`) would never end: Effect's clock takes it as forever.
  const delayMs = (input: Duration.DurationInput | undefined, defaultMs: number) => {
    const givenMs = Duration.toMillis(Duration.decode(input ?? defaultMs))
    return givenMs > 0 ? Math.min(givenMs, Transport.maxTimeoutMs) : defaultMs
  }
  const baseDelayMs = delayMs(options.retryBaseDelay, 250)
  const maxDelayMs = delayMs(options.retryMaxDelay, 10_000)
  const userAgent = `sms-consistency/${version}`

  /** Attempts are timed by the transport (response and body): see `Transport.Request.timeoutMs`. */
  const withRetry = <A>(name: string, attempt: Effect.Effect<A, SmsError>): Effect.Effect<A, SmsError> => {
    const loop = (n: number): Effect.Effect<A, SmsError> =>
      Effect.catchIf(
        attempt,
        (e) => isTransient(e) && n < retries,
        (e) =>
          Effect.gen(function* () {
            const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** n)
            const jitter = yield* Random.nextRange(0.5, 1)
            const retryAfter = "retryAfterMs" in e ? e.retryAfterMs : undefined
            const delayMs = Math.round(retryAfter ?? exponential * jitter)
            yield* Effect.logDebug(`${name}: ${e._tag}, retry ${n + 1}/${retries} in ${delayMs} ms`)
            yield* Effect.sleep(Duration.millis(delayMs))
            return yield* loop(n + 1)
          })
      )
    return loop(0)
  }

  const signingKey = credentials._tag === "AkSk" ? { ak: credentials.ak, sk: credentials.sk } : undefined

  /** Headers of calls that carry no domain/project (IAM), and of the others once the scope is known. */
  const unscopedHeaders: Record<string, string> =
    credentials._tag === "Token"
      ? { "x-auth-token": Redacted.value(credentials.token) }
      : credentials.securityToken
        ? { "x-security-token": Redacted.value(credentials.securityToken) }
        : {}
  const withScope = (name: "x-domain-id" | "x-project-id", id: string) => ({ ...unscopedHeaders, [name]: id })
  let scopedHeaders: Record<string, string> | undefined =
    credentials._tag === "Token"
      ? unscopedHeaders
      : credentials.projectId
        ? withScope("x-project-id", credentials.projectId)
        : credentials.domainId
          ? withScope("x-domain-id", credentials.domainId)
          : undefined

  let warnedLookUp = false
  /** How the last look-up of the domain id went, for `info.identity`. */
  let domainLookUp: Credentials.DomainLookUp = "pending"

  /** `GET {iam}/v3/auth/domains`, remembered only on success. */
  const lookUpDomainId = () => (Either.isLeft(checkedIam) ? Effect.fail(checkedIam.left) : lookUpDomainIdAt())

  const lookUpDomainIdAt = () =>
    sendJson(
      "SmsClient.lookUpDomainId",
      { method: "GET", base: iamEndpoint, path: "/v3/auth/domains", scoped: false },
      DomainsResponse
    ).pipe(
      Effect.flatMap((body) => {
        const id = body.domains[0]?.id
        if (!id) return Effect.fail(new DecodeError({ reason: "IAM returned no domain for this AK" }))
        scopedHeaders = withScope("x-domain-id", id)
        domainLookUp = { domainId: id }
        return Effect.succeed(scopedHeaders)
      }),
      Effect.tapError(() =>
        Effect.sync(() => {
          domainLookUp = "failed"
        })
      ),
      // The error is IAM's, not the service's. A 401 is the credentials' own (a wrong SK, an expired token, a
      // clock off), as the service's would be: passed on, with a warning (once) that it came from the look-up; a
      // domain id given would not help, the service would refuse them the same. Anything else (IAM down,
      // unreachable, not answering this path, refusing the look-up, an odd answer, after the look-up's own retries)
      // becomes missing credentials that say so, and that a domain id given skips the look-up: not a transient
      // failure that each caller's retries would look up again (4 × 4 calls to IAM), nor one whose hint blames the
      // SMS endpoint.
      Effect.catchAll((error): Effect.Effect<never, SmsError> => {
        if (error._tag !== "Unauthorized")
          return Effect.fail(
            new MissingCredentials({
              reason: `the account's domain id could not be looked up at ${iamEndpoint}/v3/auth/domains (${error.message})`,
              remedy:
                "Set HUAWEICLOUD_SDK_DOMAIN_ID (or HUAWEICLOUD_SDK_PROJECT_ID) to skip the look-up, or point " +
                "HUAWEICLOUD_SDK_IAM_ENDPOINT at an IAM endpoint this machine reaches."
            })
          )
        if (warnedLookUp) return Effect.fail(error)
        warnedLookUp = true
        return Effect.zipRight(
          Effect.logWarning(
            `looking up the account's domain id at ${iamEndpoint}/v3/auth/domains failed: IAM refused the ` +
              `credentials: ${error.message}`
          ),
          Effect.fail(error)
        )
      })
    )

  /** The look-up under way: the first calls of a batch, made together, share it rather than each asking IAM. */
  let lookingUp: Deferred.Deferred<Record<string, string>, SmsError> | undefined

  /** The scope headers, looked up once per client (per AK) when the credentials lack them. */
  const domainScope = (): Effect.Effect<Record<string, string>, SmsError> =>
    Effect.suspend(() => {
      if (scopedHeaders) return Effect.succeed(scopedHeaders)
      if (lookingUp)
        // The look-up's own caller was interrupted (not this one): start another.
        return Effect.catchAllCause(Deferred.await(lookingUp), (cause) =>
          Cause.isInterruptedOnly(cause) ? domainScope() : Effect.failCause(cause)
        )
      const shared = Deferred.unsafeMake<Record<string, string>, SmsError>(FiberId.none)
      lookingUp = shared
      return lookUpDomainId().pipe(
        Effect.onExit((exit) => {
          lookingUp = undefined
          return Deferred.done(shared, exit)
        })
      )
    })

  const urlOf = (request: WireRequest): URL | InvalidRequest => {
    if (request.url) return request.url
    try {
      const url = new URL(request.base + request.path)
      for (const [k, v] of request.query ?? []) url.searchParams.append(k, v)
      return url
    } catch {
      return new InvalidRequest({ field: "endpoint", reason: `not a URL: ${request.base.slice(0, 80)}` })
    }
  }

  /** The headers sent: signed ones (`host` excepted: the transport derives it from the URL, as signed), then ours. */
  const sentHeaders = (headers: Readonly<Record<string, string>>) => {
    const sent: Record<string, string> = { "user-agent": userAgent, accept: "*/*" }
    for (const name in headers) if (name !== "host") sent[name] = headers[name] as string
    return sent
  }

  /**
   * A request's prepared signer (`Signer.prepare`) and the headers sent with it but the date and signature, kept
   * by its headers object (the export's are constants, see `exportHeaders`) for the auth headers and URL they
   * were made for.
   */
  const prepared = new WeakMap<
    object,
    {
      readonly auth: object
      readonly href: string
      readonly method: string
      readonly sign: Signer.PreparedSigner
      readonly sent: Readonly<Record<string, string>>
    }
  >()

  const preparedFor = (
    request: WireRequest,
    url: URL,
    auth: Readonly<Record<string, string>>,
    key: Signer.SigningKey
  ) => {
    const owner = request.headers ?? auth
    const known = prepared.get(owner)
    if (known && known.auth === auth && known.href === url.href && known.method === request.method) return known
    const headers = request.headers ? { ...request.headers, ...auth } : auth
    // What `sign` would send, but the date and signature (added last, as it adds them).
    const sent: Record<string, string> = {}
    for (const name in headers) if (name.toLowerCase() !== "x-sdk-date") sent[name] = headers[name] as string
    const made = {
      auth,
      href: url.href,
      method: request.method,
      sign: Signer.prepare({ method: request.method, url, headers }, key),
      sent: sentHeaders(sent)
    }
    prepared.set(owner, made)
    return made
  }

  /** Signs (with the clock's time, at each attempt) and sends. */
  const dispatch = (request: WireRequest, url: URL, auth: Readonly<Record<string, string>>, clock: Clock.Clock) => {
    if (!signingKey) {
      const headers = request.headers ? { ...request.headers, ...auth } : auth
      return transport.send({
        method: request.method,
        url,
        headers: sentHeaders(headers),
        body: request.body,
        timeoutMs
      })
    }
    const signer = preparedFor(request, url, auth, signingKey)
    const date = Signer.formatEpochMillis(clock.unsafeCurrentTimeMillis())
    const headers: Record<string, string> = { ...signer.sent }
    headers[Signer.DateHeader] = date
    headers.Authorization = signer.sign(request.body, date)
    return transport.send({ method: request.method, url, headers, body: request.body, timeoutMs })
  }

  /** One attempt: auth, sign, send. The response is the caller's to consume. */
  const send = (request: WireRequest): Effect.Effect<Response, SmsError> =>
    Effect.clockWith((clock) => {
      const url = urlOf(request)
      if (url instanceof InvalidRequest) return Effect.fail(url)
      const auth = request.scoped === false ? unscopedHeaders : scopedHeaders
      return auth
        ? dispatch(request, url, auth, clock)
        : Effect.flatMap(domainScope(), (found) => dispatch(request, url, found, clock))
    })

  const isOk = (response: Response) => response.status >= 200 && response.status < 300

  /** A non-2xx response as its tagged error. */
  const statusFailure = (response: Response) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.flatMap(statusError(response, now), Effect.fail))

  const ensureOk = (response: Response) => (isOk(response) ? Effect.succeed(response) : statusFailure(response))

  const sendJson = <A, I>(name: string, request: WireRequest, schema: Schema.Schema<A, I>) =>
    withRetry(
      name,
      send(request).pipe(
        Effect.flatMap(ensureOk),
        Effect.flatMap((response) =>
          readBytes(response).pipe(
            Effect.flatMap((bytes) =>
              Option.match(decodeJson(new TextDecoder().decode(bytes)), {
                onNone: () => Effect.fail(new DecodeError({ ...metaOf(response), reason: "the body is not JSON" })),
                onSome: (json) =>
                  Schema.decodeUnknown(schema)(json).pipe(
                    Effect.mapError(
                      (error) => new DecodeError({ ...metaOf(response), reason: fromParseError(error, "body").message })
                    )
                  )
              })
            )
          )
        )
      )
    )

  const decodeRequest = Schema.decodeUnknownEither(Model.ExportRequest)
  const exportUrl = Option.getOrUndefined(Option.liftThrowable(() => new URL(endpoint + exportPath))())

  /** The validated request as it goes on the wire, or the first invalid field. */
  const exportRequest = (input: ExportInput): Either.Either<WireRequest, InvalidRequest> => {
    const plain = Model.plainExportRequest(input)
    if (plain) return Either.right(wireExport(plain))
    return Either.mapBoth(decodeRequest(input), { onLeft: (error) => fromParseError(error), onRight: wireExport })
  }

  /** The export's headers by language: the same objects each call, by which its prepared signers are kept. */
  const exportHeaders: Record<Model.Language | "none", Readonly<Record<string, string>>> = {
    none: { "content-type": "application/json;charset=UTF-8" },
    "en-us": { "content-type": "application/json;charset=UTF-8", "x-language": "en-us" },
    "zh-cn": { "content-type": "application/json;charset=UTF-8", "x-language": "zh-cn" }
  }

  const wireExport = (request: Model.ExportRequest): WireRequest => ({
    method: "POST",
    base: endpoint,
    path: exportPath,
    url: exportUrl,
    headers: exportHeaders[request.language ?? "none"],
    // `Buffer.from` rather than `TextEncoder`: a small body comes from Node's buffer pool (0.9 against 2.0 µs for
    // one task), the same bytes.
    body: Buffer.from(Model.exportBodyJson(request.task_info), "utf8")
  })

  let lastDisposition: string | undefined
  let lastSafeName = ""

  /**
   * The file name a Content-Disposition gives, sanitised ("" for none), remembered for the last header: the
   * service names a second's exports alike, and parsing it is most of what a small export does with its answer.
   */
  const safeNameIn = (disposition: string | undefined): string => {
    if (disposition === undefined) return ""
    if (disposition !== lastDisposition) {
      const fromHeader = files.fileNameFromDisposition(disposition)
      lastSafeName = fromHeader === undefined ? "" : files.sanitizeFileName(fromHeader, "")
      lastDisposition = disposition
    }
    return lastSafeName
  }

  /**
   * The file's name: the service's (from Content-Disposition, sanitised), else one from the type and time. An HTML
   * page is kept like any body (the format is unverified), with a warning: it is more likely a proxy's or a
   * portal's page than an export.
   */
  const fileMeta = <A>(
    response: Response,
    head: Uint8Array,
    f: (meta: { readonly contentType: string; readonly fileName: string }) => A
  ): Effect.Effect<A> => {
    const contentType = header(response, "content-type") ?? "application/octet-stream"
    const safe = safeNameIn(header(response, "content-disposition"))
    const meta =
      safe !== ""
        ? Effect.succeed(f({ contentType, fileName: safe }))
        : Effect.clockWith((clock) =>
            Effect.succeed(
              f({ contentType, fileName: files.defaultFileName(contentType, head, clock.unsafeCurrentTimeMillis()) })
            )
          )
    return isHtmlType(contentType)
      ? Effect.zipRight(
          Effect.logWarning(
            `the export was answered with an HTML page (${contentType}), kept as a file: it is likely not the ` +
              `results but a proxy's or a login page; check the endpoint (${endpoint})`
          ),
          meta
        )
      : meta
  }

  /** A 2xx body read whole: JSON as JSON, anything else as a file in memory. */
  const inMemory = (response: Response): Effect.Effect<ExportResult, SmsError> =>
    Effect.flatMap(response.bytes, (bytes): Effect.Effect<ExportResult, SmsError> => {
      const cut = lengthError(response, bytes.byteLength)
      if (cut) return Effect.fail(cut)
      const contentType = header(response, "content-type") ?? "application/octet-stream"
      if (isJsonType(contentType)) return jsonResult(response, bytes, contentType)
      if (bytes.byteLength === 0) return Effect.fail(noFile(response))
      return fileMeta(
        response,
        bytes.subarray(0, 8),
        (meta): ExportedFile => ({
          _tag: "File",
          ...meta,
          byteLength: bytes.byteLength,
          sha256: sha256Hex(bytes),
          bytes,
          requestId: header(response, "x-request-id")
        })
      )
    })

  const exportConsistencyResults = (input: ExportInput) =>
    traced("SmsClient.exportConsistencyResults", () =>
      Either.match(exportRequest(input), {
        onLeft: Effect.fail,
        onRight: (request) =>
          withRetry(
            "exportConsistencyResults",
            Effect.flatMap(send(request), (response) => (isOk(response) ? inMemory(response) : statusFailure(response)))
          )
      })
    )

  /**
   * Writes one response body into a temporary file; removed on any failure or interruption. A body of known,
   * small size is read whole and written once (fewer round trips through the thread pool); anything else
   * streams, so memory stays flat whatever the size.
   */
  const streamToTemporary = (response: Response, path: string) =>
    Effect.acquireUseRelease(
      Effect.tryPromise({ try: () => open(path, "wx"), catch: fileError(path) }),
      (handle) => {
        const writeAll = (chunk: Uint8Array) => files.writeAll(handle, chunk)
        const write = (chunk: Uint8Array) => Effect.tryPromise({ try: () => writeAll(chunk), catch: fileError(path) })
        const length = contentLength(response)
        if (length !== undefined && length <= wholeBodyLimit) {
          return readBytes(response).pipe(
            Effect.tap(write),
            Effect.map((bytes) => ({
              sha256: sha256Hex(bytes),
              byteLength: bytes.byteLength,
              head: bytes.subarray(0, 8)
            }))
          )
        }
        return Effect.gen(function* () {
          const hash = crypto.createHash("sha256")
          let received = 0
          let head = new Uint8Array(0)
          const observe = (chunk: Uint8Array) => {
            if (head.byteLength < 8) head = Uint8Array.from([...head, ...chunk.subarray(0, 8 - head.byteLength)])
            hash.update(chunk)
            received += chunk.byteLength
          }
          if (response.pipeTo) {
            // A plain Node.js pipeline into the file: see `Transport.Response.pipeTo`.
            const sink = new Writable({
              write(chunk: Buffer, _encoding, next) {
                observe(chunk)
                writeAll(chunk).then(() => next(), next)
              }
            })
            yield* response.pipeTo(sink, fileError(path))
          } else {
            yield* Stream.runForEach(response.stream, (chunk) => {
              observe(chunk)
              return write(chunk)
            })
          }
          yield* checkLength(response, received)
          return { sha256: hash.digest("hex"), byteLength: received, head }
        })
      },
      (handle) => Effect.promise(() => handle.close().catch(() => undefined))
    ).pipe(Effect.onError(() => files.removeQuietly(path)))

  const exportConsistencyResultsToFile = (input: ExportInput, target: FileTarget) =>
    traced("SmsClient.exportConsistencyResultsToFile", () =>
      Effect.gen(function* () {
        const request = yield* exportRequest(input)
        yield* files.ensureDirectory(target.directory)
        return yield* withRetry(
          "exportConsistencyResultsToFile",
          send(request).pipe(
            Effect.flatMap(ensureOk),
            Effect.flatMap((response) =>
              Effect.gen(function* () {
                const contentType = header(response, "content-type") ?? "application/octet-stream"
                if (isJsonType(contentType)) return yield* jsonResult(response, yield* readBytes(response), contentType)
                const temporary = files.temporaryPath(target.directory, "export")
                // Streaming can be interrupted (the temporary file is then removed); once it is done, placing
                // the file and the caller's record of it (`onWritten`) are one step that an interruption waits
                // for, so no complete file is left unreported, nor a temporary one behind.
                return yield* Effect.uninterruptibleMask((restore) =>
                  Effect.gen(function* () {
                    const written = yield* restore(streamToTemporary(response, temporary))
                    if (written.byteLength === 0) {
                      yield* files.removeQuietly(temporary)
                      return yield* noFile(response)
                    }
                    const meta = yield* fileMeta(response, written.head, (m) => m)
                    const fileName = target.name
                      ? files.sanitizeFileName(target.name(meta.fileName), meta.fileName)
                      : meta.fileName
                    const path = yield* files
                      .place(temporary, target.directory, fileName, target.overwrite ?? false)
                      .pipe(Effect.onError(() => files.removeQuietly(temporary)))
                    const file = {
                      _tag: "File",
                      contentType: meta.contentType,
                      // The name it was placed under: with its `-N` suffix, when one was added.
                      fileName: basename(path),
                      byteLength: written.byteLength,
                      sha256: written.sha256,
                      path,
                      requestId: metaOf(response).requestId
                    } satisfies ExportedFile
                    if (target.onWritten) yield* target.onWritten(file)
                    return file
                  })
                )
              })
            )
          )
        )
      })
    )

  const param = (name: string, value: string | number | boolean | undefined): ReadonlyArray<[string, string]> =>
    value === undefined || value === "" ? [] : [[name, String(value)]]

  /**
   * A page's `limit` (0 to 200; 0 is the service's default, 200) and `offset` (0 or more), checked before anything
   * is sent: the service answers others 400 (`SMS.9002`) after a signed round trip.
   */
  const pageProblem = (query: { readonly limit?: number | undefined; readonly offset?: number | undefined }) => {
    const { limit, offset } = query
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0 && limit <= pageSize))
      return new InvalidRequest({
        field: "limit",
        reason: `must be a whole number from 0 to ${pageSize} (got ${limit})`
      })
    if (offset !== undefined && !(Number.isSafeInteger(offset) && offset >= 0))
      return new InvalidRequest({ field: "offset", reason: `must be a whole number, 0 or more (got ${offset})` })
    return undefined
  }

  /** `list`, unless the page asked for is not one to send (`pageProblem`). */
  const paged = <A>(
    query: { readonly limit?: number | undefined; readonly offset?: number | undefined },
    list: () => Effect.Effect<A, SmsError>
  ): Effect.Effect<A, SmsError> => {
    const problem = pageProblem(query)
    return problem === undefined ? list() : Effect.fail(problem)
  }

  const listSources = (query: ListSourcesQuery = {}) =>
    traced("SmsClient.listSources", () =>
      paged(query, () =>
        sendJson(
          "listSources",
          {
            method: "GET",
            base: endpoint,
            path: "/v3/sources",
            query: [
              ...param("is_consistency_result_exist", query.withResults),
              ...param("name", query.name),
              ...param("state", query.state),
              ...param("limit", query.limit),
              ...param("offset", query.offset)
            ]
          },
          Model.ListSourcesResponse
        )
      )
    )

  const listAllSources = (query: Omit<ListSourcesQuery, "limit" | "offset"> = {}) =>
    traced("SmsClient.listAllSources", () =>
      Effect.gen(function* () {
        const all: Array<Model.SourceServer> = []
        for (;;) {
          const page = yield* listSources({ ...query, limit: pageSize, offset: all.length })
          all.push(...page.source_servers)
          if (page.source_servers.length === 0 || all.length >= page.count) return all
        }
      })
    )

  const listTasks = (query: ListTasksQuery = {}) =>
    traced("SmsClient.listTasks", () =>
      paged(query, () =>
        sendJson(
          "listTasks",
          {
            method: "GET",
            base: endpoint,
            path: "/v3/tasks",
            query: [
              ...param("state", query.state),
              ...param("name", query.name),
              ...param("id", query.id),
              ...param("source_server_id", query.sourceServerId),
              ...param("limit", query.limit),
              ...param("offset", query.offset)
            ]
          },
          Model.ListTasksResponse
        )
      )
    )

  const showConsistencyResult = (taskId: string) =>
    traced("SmsClient.showConsistencyResult", () =>
      Effect.gen(function* () {
        const id = yield* Schema.decodeUnknown(Model.TaskId)(taskId).pipe(
          Effect.mapError((error) => fromParseError(error, "task_id"))
        )
        return yield* sendJson(
          "showConsistencyResult",
          { method: "GET", base: endpoint, path: `/v3/tasks/${encodeURIComponent(id)}/consistency-result` },
          Model.ConsistencyResult
        )
      })
    )

  // An endpoint refused is not shown: it may hold user info (a password).
  // The identity is read when shown: a domain id looked up since is part of it.
  const info: Info = {
    endpoint: Either.isRight(checkedEndpoint) ? endpoint : "(invalid endpoint)",
    region: options.region,
    get identity() {
      return Credentials.describe(credentials, domainLookUp)
    }
  }
  if (Either.isLeft(checkedEndpoint)) {
    const invalid = () => Effect.fail(checkedEndpoint.left)
    return SmsClient.of({
      info,
      exportConsistencyResults: invalid,
      exportConsistencyResultsToFile: invalid,
      listSources: invalid,
      listAllSources: invalid,
      listTasks: invalid,
      showConsistencyResult: invalid
    })
  }
  return SmsClient.of({
    info,
    exportConsistencyResults,
    exportConsistencyResultsToFile,
    listSources,
    listAllSources,
    listTasks,
    showConsistencyResult
  })
})

const DomainsResponse = Schema.Struct({ domains: Schema.Array(Schema.Struct({ id: Schema.String })) })

/** A client over a transport of your choice (see `Transport`). */
export const layerWithTransport = (options: Options): Layer.Layer<SmsClient, never, Transport.Transport> =>
  Layer.effect(SmsClient, make(options))

/** A client for explicit options, over its own keep-alive undici transport. */
export const layer = (options: Options): Layer.Layer<SmsClient> =>
  layerWithTransport(options).pipe(Layer.provide(Transport.undici))

/** A client over an `@effect/platform` `HttpClient` (e.g. `NodeHttpClient.layerUndici`, or one with a proxy). */
export const layerHttpClient = (options: Options): Layer.Layer<SmsClient, never, HttpClient.HttpClient> =>
  layerWithTransport(options).pipe(Layer.provide(Transport.fromHttpClient))

export interface ConfigOverrides {
  readonly region?: string | undefined
  readonly endpoint?: string | undefined
  readonly timeout?: Duration.DurationInput | undefined
  readonly retries?: number | undefined
}

/** Options from the environment (credentials, region, endpoint; API.md §2-3), with explicit overrides. */
export const optionsFromConfig = Effect.fn("SmsClient.optionsFromConfig")(function* (overrides: ConfigOverrides = {}) {
  const resolved = yield* Region.resolve({ region: overrides.region, endpoint: overrides.endpoint })
  const credentials = yield* Credentials.load
  return {
    endpoint: resolved.endpoint,
    region: resolved.region,
    iamEndpoint: resolved.iamEndpoint,
    credentials,
    timeout: overrides.timeout,
    retries: overrides.retries
  } satisfies Options
})

/**
 * A client configured from the environment; fails before any request when credentials or region are missing.
 * The transport defaults to undici (throughput); a short-lived CLI may prefer `Transport.nodeHttp` (memory).
 */
export const layerConfig = (
  overrides: ConfigOverrides = {},
  transport: Layer.Layer<Transport.Transport> = Transport.undici
) => Layer.effect(SmsClient, Effect.flatMap(optionsFromConfig(overrides), make)).pipe(Layer.provide(transport))

/** A stand-in for tests: unimplemented operations die (a test bug, not a domain failure). */
export const layerTest = (implementation: Partial<Service>): Layer.Layer<SmsClient> => {
  const missing = (name: string) => () => Effect.dieMessage(`SmsClient.layerTest: ${name} not implemented`)
  return Layer.succeed(
    SmsClient,
    SmsClient.of({
      info: { endpoint: "test", identity: "test" },
      exportConsistencyResults: missing("exportConsistencyResults"),
      exportConsistencyResultsToFile: missing("exportConsistencyResultsToFile"),
      listSources: missing("listSources"),
      listAllSources: missing("listAllSources"),
      listTasks: missing("listTasks"),
      showConsistencyResult: missing("showConsistencyResult"),
      ...implementation
    })
  )
}
