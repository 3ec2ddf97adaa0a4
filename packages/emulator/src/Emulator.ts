/**
 * A local, real HTTP endpoint emulating SMS v3 (consistency-result export and the calls around it) and the
 * IAM calls a client needs (password token, domain lookup), with gateway-exact authentication, seeded data,
 * and injectable faults. It never logs: callers print what they need from the returned handle.
 */
import type { Model } from "@sms-consistency/sms"
import { Clock, Config, Duration, Effect, FiberSet, Option, Redacted, Schema, type Scope } from "effect"
import * as Crypto from "node:crypto"
import * as Http from "node:http"
import type * as Net from "node:net"
import * as Dataset from "./Dataset.js"
import * as Faults from "./internal/faults.js"
import * as Reply from "./internal/reply.js"
import * as Routes from "./internal/routes.js"
import * as LargeBody from "./LargeBody.js"

export interface EmulatorCredentials {
  readonly ak: string
  readonly sk: Redacted.Redacted<string>
  readonly token: Redacted.Redacted<string>
  readonly domainId: string
  readonly domainName: string
  readonly projectId: string
  /** A second identity whose policy denies sms:server:getBatchConsistencyResults (403 on export). */
  readonly deniedAk: string
  readonly deniedSk: Redacted.Redacted<string>
  readonly deniedToken: Redacted.Redacted<string>
  /**
   * Temporary credentials (AK/SK + security token) of the allowed identity: signed requests with this AK must
   * carry this `X-Security-Token`, signed; no other AK may carry one.
   */
  readonly temporaryAk: string
  readonly temporarySk: Redacted.Redacted<string>
  readonly securityToken: Redacted.Redacted<string>
}

export type ExportMode = Routes.ExportMode

export interface EmulatorOptions {
  /** Default "127.0.0.1". */
  readonly host?: string
  /** Default 0: a random free port. */
  readonly port?: number
  /** Number of seeded source servers (one task each). Default 25. */
  readonly sources?: number
  /** Seeds the data and the random faults, 0..`maxSeed`. Default 1. */
  readonly seed?: number
  /** Added before every response, 0..`maxLatencyMs` (60,000). Default 0. */
  readonly latencyMs?: number
  /** 0..1: share of API requests (not `GET /`) answered with a transient fault. Default 0. */
  readonly faultRate?: number
  /** Body of a successful export, one of `exportModes`. Default "zip". */
  readonly exportMode?: ExportMode
  /** Size of the "large" export body, streamed and never held in memory. Default 200 MiB. */
  readonly largeBodyBytes?: number
  readonly credentials?: Partial<EmulatorCredentials>
}

export type ScriptedFault = Faults.ScriptedFault

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: string
  /** Lowercase names. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
  /** The status answered; 0 when the connection was reset before any response. */
  readonly status: number
}

export interface EmulatorStats {
  readonly requests: number
  readonly faults: number
  /** Keyed by status; "0" counts resets before any response. */
  readonly byStatus: Readonly<Record<string, number>>
}

export interface EmulatorHandle {
  /** e.g. "http://127.0.0.1:43123": SMS and IAM paths on the same origin. */
  readonly url: string
  readonly port: number
  readonly credentials: EmulatorCredentials
  /** The last 10,000 requests, oldest first. */
  readonly requests: () => ReadonlyArray<RecordedRequest>
  readonly stats: () => EmulatorStats
  /** Faults served to the next API requests, in order, before any random fault. */
  readonly script: (faults: ReadonlyArray<ScriptedFault>) => Effect.Effect<void>
  /** Fails with `InvalidOptions` for a mode not in `exportModes`, keeping the current one. */
  readonly setExportMode: (mode: ExportMode) => Effect.Effect<void, EmulatorError>
  readonly seeded: {
    readonly sources: ReadonlyArray<Model.SourceServer>
    readonly tasks: ReadonlyArray<Model.MigrationTask>
  }
}

export class EmulatorError extends Schema.TaggedError<EmulatorError>()("EmulatorError", {
  reason: Schema.Literal("PortInUse", "ListenFailed", "InvalidOptions"),
  message: Schema.String
}) {}

/** Fixed, documented test values; not secrets. Override them with options or `credentialsFromEnv`. */
export const defaultCredentials: EmulatorCredentials = {
  ak: "EMULATORAK0000000000",
  sk: Redacted.make("EMULATORSK000000000000000000000000000000"),
  token: Redacted.make("emulator-token"),
  domainId: "d0a1e2b3c4d5e6f708192a3b4c5d6e7f",
  domainName: "emulator",
  projectId: "b1c2d3e4f5a6978899aabbccddeeff00",
  deniedAk: "EMULATORDENIEDAK0000",
  deniedSk: Redacted.make("EMULATORDENIEDSK000000000000000000000000"),
  deniedToken: Redacted.make("emulator-denied-token"),
  temporaryAk: "EMULATORTEMPAK000000",
  temporarySk: Redacted.make("EMULATORTEMPSK00000000000000000000000000"),
  securityToken: Redacted.make("emulator-security-token")
}

/** The IAM password of both emulated users: `<domainName>` and `<domainName>-denied`. */
export const iamPassword = Routes.iamPassword

export const ErrorCodes = Routes.ErrorCodes

const logLimit = 10_000

export const exportModes: ReadonlyArray<ExportMode> = Routes.exportModes

/**
 * The most `latencyMs` accepted: a minute is slower than any client's timeout worth testing, and far beyond it
 * (Infinity, or past 2^31-1 ms where Node fires timers at once) every request would hang or misbehave.
 */
export const maxLatencyMs = 60_000

/**
 * The largest `seed`: the emulator's random draws take 32 bits of it, so a larger one (or a negative one, or a
 * fraction) would seed the same data as another, smaller one.
 */
export const maxSeed = 2 ** 32 - 1

// --- configuration from the environment ----------------------------------------------------------

type Mutable<A> = { -readonly [K in keyof A]?: A[K] }

/** `SMS_EMULATOR_AK`, `_SK`, `_TOKEN`, `_DOMAIN_ID`, `_DOMAIN_NAME`, `_PROJECT_ID`; secrets stay `Redacted`. */
export const credentialsFromEnv: Config.Config<Partial<EmulatorCredentials>> = Config.all({
  ak: Config.option(Config.string("SMS_EMULATOR_AK")),
  sk: Config.option(Config.redacted("SMS_EMULATOR_SK")),
  token: Config.option(Config.redacted("SMS_EMULATOR_TOKEN")),
  domainId: Config.option(Config.string("SMS_EMULATOR_DOMAIN_ID")),
  domainName: Config.option(Config.string("SMS_EMULATOR_DOMAIN_NAME")),
  projectId: Config.option(Config.string("SMS_EMULATOR_PROJECT_ID"))
}).pipe(
  Config.map((env) => {
    const credentials: Mutable<EmulatorCredentials> = {}
    if (Option.isSome(env.ak)) credentials.ak = env.ak.value
    if (Option.isSome(env.sk)) credentials.sk = env.sk.value
    if (Option.isSome(env.token)) credentials.token = env.token.value
    if (Option.isSome(env.domainId)) credentials.domainId = env.domainId.value
    if (Option.isSome(env.domainName)) credentials.domainName = env.domainName.value
    if (Option.isSome(env.projectId)) credentials.projectId = env.projectId.value
    return credentials
  })
)

/**
 * Options from `SMS_EMULATOR_HOST`, `_PORT`, `_SOURCES`, `_SEED`, `_LATENCY_MS`, `_FAULT_RATE`, `_EXPORT_MODE`,
 * `_LARGE_BODY_BYTES`, plus the credentials of `credentialsFromEnv`.
 */
export const optionsFromEnv: Config.Config<EmulatorOptions> = Config.all({
  host: Config.option(Config.string("SMS_EMULATOR_HOST")),
  port: Config.option(Config.port("SMS_EMULATOR_PORT")),
  sources: Config.option(Config.integer("SMS_EMULATOR_SOURCES")),
  seed: Config.option(Config.integer("SMS_EMULATOR_SEED")),
  latencyMs: Config.option(Config.integer("SMS_EMULATOR_LATENCY_MS")),
  faultRate: Config.option(Config.number("SMS_EMULATOR_FAULT_RATE")),
  exportMode: Config.option(Config.literal(...Routes.exportModes)("SMS_EMULATOR_EXPORT_MODE")),
  largeBodyBytes: Config.option(Config.integer("SMS_EMULATOR_LARGE_BODY_BYTES")),
  credentials: credentialsFromEnv
}).pipe(
  Config.map((env) => {
    const options: Mutable<EmulatorOptions> = { credentials: env.credentials }
    if (Option.isSome(env.host)) options.host = env.host.value
    if (Option.isSome(env.port)) options.port = env.port.value
    if (Option.isSome(env.sources)) options.sources = env.sources.value
    if (Option.isSome(env.seed)) options.seed = env.seed.value
    if (Option.isSome(env.latencyMs)) options.latencyMs = env.latencyMs.value
    if (Option.isSome(env.faultRate)) options.faultRate = env.faultRate.value
    if (Option.isSome(env.exportMode)) options.exportMode = env.exportMode.value
    if (Option.isSome(env.largeBodyBytes)) options.largeBodyBytes = env.largeBodyBytes.value
    return options
  })
)

// --- the server ----------------------------------------------------------------------------------

const invalid = (message: string) => new EmulatorError({ reason: "InvalidOptions", message })

/** A mode outside the type (from JavaScript, or a cast) would leave every export request unanswered. */
const checkExportMode = (mode: ExportMode): EmulatorError | undefined =>
  exportModes.includes(mode)
    ? undefined
    : invalid(`exportMode must be one of ${exportModes.join(", ")} (got ${JSON.stringify(mode)})`)

/** Every option in one place: a bad one fails `start` with one line naming it and what it accepts. */
const checkOptions = (options: EmulatorOptions): EmulatorError | undefined => {
  const { port = 0, sources = 25, faultRate = 0, latencyMs = 0, largeBodyBytes = LargeBody.defaultBytes } = options
  if (!Number.isInteger(port) || port < 0 || port > 65535) return invalid(`port must be 0..65535 (got ${port})`)
  if (!Number.isInteger(sources) || sources < 0)
    return invalid(`sources must be a non-negative integer (got ${sources})`)
  if (!(faultRate >= 0 && faultRate <= 1)) return invalid(`faultRate must be between 0 and 1 (got ${faultRate})`)
  if (!(latencyMs >= 0 && latencyMs <= maxLatencyMs))
    return invalid(`latencyMs must be 0..${maxLatencyMs} (got ${latencyMs})`)
  if (options.seed !== undefined && !(Number.isInteger(options.seed) && options.seed >= 0 && options.seed <= maxSeed))
    return invalid(`seed must be a whole number 0..${maxSeed} (got ${options.seed})`)
  if (!Number.isInteger(largeBodyBytes) || largeBodyBytes < 0)
    return invalid(`largeBodyBytes must be a non-negative integer (got ${largeBodyBytes})`)
  return options.exportMode === undefined ? undefined : checkExportMode(options.exportMode)
}

const flattenHeaders = (headers: Http.IncomingHttpHeaders): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    out[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return out
}

/** The API gateway forwards request bodies of up to 12 MB and refuses larger ones (its FAQ). */
export const maxRequestBody = 12 * 1024 * 1024

/** The whole request body, or `undefined` once it passes `maxRequestBody` (the rest is not read). */
const readBody = (req: Http.IncomingMessage) =>
  Effect.async<Uint8Array | undefined, Error>((resume) => {
    const chunks: Array<Buffer> = []
    let received = 0
    let ended = false
    const onData = (chunk: Buffer) => {
      received += chunk.byteLength
      if (received <= maxRequestBody) return void chunks.push(chunk)
      ended = true
      req.off("data", onData)
      req.pause()
      chunks.length = 0
      resume(Effect.succeed(undefined))
    }
    req.on("data", onData)
    req.on("end", () => {
      if (ended) return
      ended = true
      resume(Effect.succeed(Buffer.concat(chunks)))
    })
    req.on("error", (error) => resume(Effect.fail(error)))
    // A client that disconnects mid-body emits neither "end" nor always "error".
    req.on("close", () => {
      if (!ended) resume(Effect.fail(new Error("client closed the request")))
    })
  })

/** The 413 for an over-large body; the connection closes after it (the rest of the body is never read). */
const tooLarge = (res: Http.ServerResponse, requestId: string) =>
  Effect.sync(() => {
    const reply = Routes.gatewayError(
      413,
      Routes.ErrorCodes.bodyTooLarge,
      `Request body too large: the limit is ${maxRequestBody} bytes`,
      requestId
    )
    const body = reply.body._tag === "Bytes" ? reply.body.bytes : new Uint8Array(0)
    res.writeHead(413, {
      ...reply.headers,
      "X-Request-Id": requestId,
      "Content-Length": String(body.byteLength),
      Connection: "close"
    })
    res.end(body, () => res.socket?.destroy())
  })

/** What the emulator answers, with status 500, for an error of its own (a bug, or a fault it cannot serve). */
const internalErrorBody = (reason: string) => ({
  error_code: Routes.ErrorCodes.internal,
  error_msg: `Internal error of the emulator: ${reason}`
})

/**
 * Statuses whose response has no body and no `Content-Length` (RFC 9110 §6.4.1, §8.6): a length sent with them
 * announces a body that never comes, which undici reports as a broken response.
 */
const bodiless = (status: number) => status === 204 || status === 304

/**
 * Statuses that carry no content: the bodiless ones, and 205 (RFC 9110 §15.3.6), which is sent with an empty body
 * under `Content-Length: 0` (RFC 7231 §6.3.6 a). Node frames a 205 as any other status (nodejs/node#3096): without
 * the length it would send an empty chunked body, which says the same thing less plainly.
 */
const contentless = (status: number) => bodiless(status) || status === 205

/**
 * Why a status fault cannot be served as scripted, if it cannot: a status outside 200..599 (1xx is informational,
 * not an answer; HTTP has no other), or a body on a status that has none. Such a fault is answered as the
 * emulator's internal error, not as an invalid response.
 */
const unservable = (fault: Extract<ScriptedFault, { _tag: "Status" }>): string | undefined => {
  if (!(Number.isInteger(fault.status) && fault.status >= 200 && fault.status <= 599))
    return `a scripted fault's status must be 200..599 (got ${fault.status})`
  if (contentless(fault.status) && fault.body !== undefined && fault.body !== "")
    return `a scripted fault's status ${fault.status} carries no body (got ${Buffer.byteLength(fault.body)} bytes)`
  // Checked here, not left to Node: its `writeHead` of a 204 marks the response bodiless before it refuses a
  // header, and the 500 written after it then went out without its body (the client waited for its timeout).
  for (const [name, value] of [
    ["retryAfter", fault.retryAfter],
    ["contentType", fault.contentType]
  ] as const)
    if (value !== undefined && invalidHeaderValue.test(value))
      return `a scripted fault's ${name} is not a valid header value (got ${JSON.stringify(value)})`
  return undefined
}

/** What Node refuses in a header value (its `checkInvalidHeaderChar`). */
const invalidHeaderValue = /[^\t\x20-\x7e\x80-\xff]/

/**
 * A defect in handling a request (a bug) answered as the service answers its own internal errors, if nothing was
 * sent yet, else with the connection cut: a client (a test) is never left waiting for its timeout.
 */
const internalError = (res: Http.ServerResponse, defect: unknown) => {
  if (res.headersSent) return void res.destroy()
  const reason = (defect instanceof Error ? defect.message : String(defect)).replace(/\s+/g, " ").trim()
  const body = JSON.stringify(internalErrorBody(reason))
  res.writeHead(500, {
    "Content-Type": "application/json;charset=UTF-8",
    "Content-Length": String(Buffer.byteLength(body)),
    "X-Request-Id": Crypto.randomUUID()
  })
  res.end(body)
}

/**
 * A status fault's reply: its own body if scripted with one, else what the gateway or the service would say; none
 * for 204, 205 and 304; the emulator's internal error (500) for a fault it cannot serve (`unservable`).
 */
const faultReply = (
  fault: Extract<ScriptedFault, { _tag: "Status" }>,
  incoming: Routes.Incoming,
  settings: Routes.Settings
): Reply.Reply => {
  const problem = unservable(fault)
  if (problem !== undefined) return Reply.json(500, internalErrorBody(problem))
  const headers: Record<string, string> = {}
  if (fault.retryAfter !== undefined) headers["Retry-After"] = fault.retryAfter
  if (contentless(fault.status))
    return Reply.bytes(fault.status, new Uint8Array(0), {
      ...(fault.contentType !== undefined ? { "Content-Type": fault.contentType } : {}),
      ...headers
    })
  if (fault.body !== undefined)
    return Reply.bytes(fault.status, Buffer.from(fault.body, "utf8"), {
      "Content-Type": fault.contentType ?? "text/plain;charset=UTF-8",
      ...headers
    })
  const base = Routes.statusFault(fault.status, incoming, settings)
  return {
    ...base,
    headers: {
      ...base.headers,
      ...(fault.contentType !== undefined ? { "Content-Type": fault.contentType } : {}),
      ...headers
    }
  }
}

/** Resolves when the response is finished or its connection closed, whichever comes first. */
const settled = (res: Http.ServerResponse, start: (done: () => void) => void) =>
  Effect.async<void>((resume) => {
    let finished = false
    const done = () => {
      if (finished) return
      finished = true
      resume(Effect.void)
    }
    res.once("finish", done)
    res.once("close", done)
    start(done)
  })

const writeBody = (res: Http.ServerResponse, body: Reply.Body) =>
  settled(res, () => {
    if (body._tag === "Bytes") {
      res.end(body.bytes)
      return
    }
    const stream = LargeBody.stream(body.bytes, body.seed)
    // A client that goes away stops the generator too.
    res.once("close", () => stream.destroy())
    stream.pipe(res)
  })

/** At most 1 MiB of the body, for faults that send only part of it. */
const partOf = (body: Reply.Body): Buffer => {
  const half = Math.floor(Reply.bodyLength(body) / 2)
  return body._tag === "Bytes"
    ? Buffer.from(body.bytes.subarray(0, half))
    : LargeBody.prefix(body.bytes, body.seed, Math.min(half, 1024 * 1024))
}

const send = (
  req: Http.IncomingMessage,
  res: Http.ServerResponse,
  reply: Reply.Reply,
  fault: ScriptedFault | undefined
) =>
  Effect.gen(function* () {
    const length = Reply.bodyLength(reply.body)
    const headers = bodiless(reply.status) ? reply.headers : { ...reply.headers, "Content-Length": String(length) }
    switch (fault?._tag) {
      case "ResetBeforeBody":
        req.socket.resetAndDestroy()
        return
      case "ResetDuringBody": {
        res.writeHead(reply.status, headers)
        res.write(partOf(reply.body))
        // Give the client time to read the headers and the partial body before the reset drops them.
        yield* Effect.sleep(Duration.millis(30))
        req.socket.resetAndDestroy()
        return
      }
      case "TruncatedBody": {
        res.writeHead(reply.status, { ...headers, Connection: "close" })
        yield* settled(res, () => res.end(partOf(reply.body)))
        return
      }
      case "ContentLengthMismatch": {
        // The declared length promises more than the body holds; the connection then closes.
        res.writeHead(reply.status, { ...headers, "Content-Length": String(length + 100), Connection: "close" })
        yield* writeBody(res, reply.body)
        return
      }
      case "SlowBody": {
        res.writeHead(reply.status, headers)
        res.flushHeaders()
        yield* Effect.sleep(Duration.millis(fault.delayMs))
        yield* writeBody(res, reply.body)
        return
      }
      default: {
        res.writeHead(reply.status, headers)
        yield* writeBody(res, reply.body)
      }
    }
  })

/** Starts the emulator; closing the scope stops it and drops every open connection. */
export const start: (options?: EmulatorOptions) => Effect.Effect<EmulatorHandle, EmulatorError, Scope.Scope> =
  Effect.fn("Emulator.start")(function* (options: EmulatorOptions = {}) {
    const problem = checkOptions(options)
    if (problem !== undefined) return yield* problem
    const host = options.host ?? "127.0.0.1"
    const seed = options.seed ?? 1
    const latencyMs = options.latencyMs ?? 0
    const credentials: EmulatorCredentials = { ...defaultCredentials, ...options.credentials }
    const dataset = Dataset.make(seed, options.sources ?? 25)
    const faults = Faults.make(seed, options.faultRate ?? 0)
    let exportMode: ExportMode = options.exportMode ?? "zip"
    const largeBodyBytes = options.largeBodyBytes ?? LargeBody.defaultBytes
    const account = {
      domainId: credentials.domainId,
      projectId: credentials.projectId,
      identities: [
        { ak: credentials.ak, sk: credentials.sk, token: credentials.token, principal: "allowed" as const },
        {
          ak: credentials.deniedAk,
          sk: credentials.deniedSk,
          token: credentials.deniedToken,
          principal: "denied" as const
        },
        {
          ak: credentials.temporaryAk,
          sk: credentials.temporarySk,
          securityToken: credentials.securityToken,
          principal: "allowed" as const
        }
      ]
    }

    let log: Array<RecordedRequest> = []
    let requestCount = 0
    let faultCount = 0
    const byStatus: Record<string, number> = {}
    const record = (entry: RecordedRequest, faulted: boolean) => {
      log.push(entry)
      // Trim in batches so recording stays O(1) amortised.
      if (log.length > 2 * logLimit) log = log.slice(-logLimit)
      requestCount++
      if (faulted) faultCount++
      const key = String(entry.status)
      byStatus[key] = (byStatus[key] ?? 0) + 1
    }

    // Handlers sleep (latency, slow bodies) on the real clock even when the caller runs under a TestClock.
    const liveClock = Clock.make()

    const handle = (req: Http.IncomingMessage, res: Http.ServerResponse) =>
      Effect.gen(function* () {
        // The latency is the service's time for the request, counted from its arrival: the emulator's own
        // work happens inside it, so a burst of concurrent requests does not queue behind one thread.
        const arrived = performance.now()
        const read = yield* readBody(req)
        const nowMillis = yield* Clock.currentTimeMillis
        const requestId = Crypto.randomUUID()
        if (read === undefined) return yield* tooLarge(res, requestId)
        const body = read
        const target = req.url ?? "/"
        const method = req.method ?? "GET"
        const headers = flattenHeaders(req.headers)
        const url = URL.canParse(target, "http://emulator")
          ? new URL(target, "http://emulator")
          : new URL("http://emulator/")
        const fault = Routes.isApiPath(url.pathname) ? faults.next() : undefined
        const settings = { dataset, account, domainName: credentials.domainName, exportMode, largeBodyBytes }
        const incoming: Routes.Incoming = {
          method,
          target,
          pathname: url.pathname,
          query: url.searchParams,
          headers,
          body,
          nowMillis,
          requestId
        }
        const routed =
          fault?._tag === "Status" ? faultReply(fault, incoming, settings) : Routes.route(incoming, settings)
        const reply: Reply.Reply = { ...routed, headers: { ...routed.headers, "X-Request-Id": requestId } }
        record(
          {
            method,
            path: url.pathname,
            query: url.search.replace(/^\?/, ""),
            headers,
            body,
            status: fault?._tag === "ResetBeforeBody" ? 0 : reply.status
          },
          fault !== undefined
        )
        const remaining = latencyMs - (performance.now() - arrived)
        if (remaining > 0) yield* Effect.sleep(Duration.millis(remaining))
        yield* send(req, res, reply, fault)
      }).pipe(
        // A client that vanished mid-request needs no answer.
        Effect.catchAll(() => Effect.sync(() => req.socket.destroy())),
        Effect.catchAllDefect((defect) => Effect.sync(() => internalError(res, defect))),
        Effect.withClock(liveClock)
      )

    const run = yield* FiberSet.makeRuntime<never, void, never>()
    const sockets = new Set<Net.Socket>()
    const server = Http.createServer((req, res) => {
      run(handle(req, res))
    })
    server.on("connection", (socket) => {
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
    })

    const requestedPort = options.port ?? 0
    yield* Effect.acquireRelease(
      Effect.async<void, EmulatorError>((resume) => {
        const onError = (error: NodeJS.ErrnoException) =>
          resume(
            Effect.fail(
              error.code === "EADDRINUSE"
                ? new EmulatorError({
                    reason: "PortInUse",
                    message: `port ${requestedPort} on ${host} is already in use`
                  })
                : new EmulatorError({
                    reason: "ListenFailed",
                    message: `cannot listen on ${host}:${requestedPort}: ${error.message}`
                  })
            )
          )
        server.once("error", onError)
        server.listen(requestedPort, host, () => {
          server.off("error", onError)
          resume(Effect.void)
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
          for (const socket of sockets) socket.destroy()
        })
    )

    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : requestedPort
    const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host

    const handle_: EmulatorHandle = {
      url: `http://${urlHost}:${port}`,
      port,
      credentials,
      requests: () => log.slice(-logLimit),
      stats: () => ({ requests: requestCount, faults: faultCount, byStatus: { ...byStatus } }),
      script: (scripted) => Effect.sync(() => faults.script(scripted)),
      setExportMode: (mode) => {
        const problem = checkExportMode(mode)
        return problem !== undefined
          ? Effect.fail(problem)
          : Effect.sync(() => {
              exportMode = mode
            })
      },
      seeded: { sources: dataset.sources, tasks: dataset.tasks }
    }
    return handle_
  })

/** Hex SHA-256 of the "large" export body for `bytes` and `seed`, computed without holding the body. */
export const largeBodySha256 = (bytes: number, seed: number): string => LargeBody.sha256(bytes, seed)
