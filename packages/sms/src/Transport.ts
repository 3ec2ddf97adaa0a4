/**
 * How bytes reach the endpoint. Two implementations:
 * - `undici` (the default): undici's dispatcher API directly, with keep-alive connections and the
 *   per-attempt timeout as an `AbortSignal`. It costs about a tenth of what a request through
 *   `@effect/platform`'s HttpClient does (see BENCHMARKS.md): this is the hot path of every call.
 * - `fromHttpClient`: any `@effect/platform` `HttpClient` (proxies, custom middleware, tests).
 * The transport knows nothing of SMS: SmsClient builds, signs and interprets the requests.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Context, Duration, Effect, Layer, Stream } from "effect"
import { Timeout, TransportError } from "./SmsError.js"

export interface Request {
  readonly method: "GET" | "POST"
  readonly url: URL
  /** Lowercase names; sent as given (they were signed as given). */
  readonly headers: Readonly<Record<string, string>>
  readonly body?: Uint8Array | undefined
  /** For the whole exchange: response and body. */
  readonly timeoutMs: number
}

export interface Response {
  readonly status: number
  /** A header by lowercase name. */
  readonly header: (name: string) => string | undefined
  /** The whole body. Read at most once (or use `stream`). */
  readonly bytes: Effect.Effect<Uint8Array, TransportError | Timeout>
  readonly stream: Stream.Stream<Uint8Array, TransportError | Timeout>
}

export interface Service {
  readonly send: (request: Request) => Effect.Effect<Response, TransportError | Timeout>
}

export class Transport extends Context.Tag("@sms-consistency/sms/Transport")<Transport, Service>() {}

const reasonOf = (cause: unknown): string => {
  if (!(cause instanceof Error)) return String(cause)
  const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : ""
  const code = "code" in cause && typeof cause.code === "string" ? `${cause.code}: ` : ""
  return `${code}${cause.message}${inner}`
}

/**
 * One abort signal for an exchange: fired by the fiber's interruption or by the per-attempt timeout, whichever
 * comes first. Cheaper than `AbortSignal.any([interrupted, AbortSignal.timeout(ms)])` on every request.
 * `done` clears the timer once the body has been read (or the exchange failed).
 */
const deadline = (interrupted: AbortSignal, timeoutMs: number) => {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, timeoutMs)
  timer.unref()
  const onInterrupt = () => controller.abort()
  interrupted.addEventListener("abort", onInterrupt, { once: true })
  const done = () => {
    clearTimeout(timer)
    interrupted.removeEventListener("abort", onInterrupt)
  }
  return {
    signal: controller.signal,
    done,
    /** Ends the exchange with the error its cause amounts to: `Timeout` if the timer fired, else a transport error. */
    failure: (cause: unknown, status?: number): TransportError | Timeout => {
      done()
      return timedOut ? new Timeout({ status, timeoutMs }) : new TransportError({ status, reason: reasonOf(cause) })
    }
  }
}

// --- undici -----------------------------------------------------------------------------------

const singleHeader = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  typeof value === "string" ? value : value?.[0]

/**
 * A transport over one keep-alive undici `Agent`, closed with the scope. undici is loaded here, not at module
 * load: it is most of a bundled app's code, and `--help` or a failed validation never needs it.
 */
export const makeUndici = (options: { readonly connections?: number } = {}) =>
  Effect.gen(function* () {
    const undici = yield* Effect.promise(() => import("undici"))
    // Bundled, a CommonJS module imported lazily may show its exports under `default` only.
    const Agent = undici.Agent ?? undici.default.Agent
    const agent = yield* Effect.acquireRelease(
      Effect.sync(() => new Agent({ keepAliveTimeout: 30_000, connections: options.connections ?? 64 })),
      (a) => Effect.promise(() => a.close().catch(() => undefined))
    )
    const send = (request: Request) =>
      Effect.async<Response, TransportError | Timeout>((resume, interrupted) => {
        const exchange = deadline(interrupted, request.timeoutMs)
        const signal = exchange.signal
        agent
          .request({
            origin: request.url.origin,
            path: request.url.pathname + request.url.search,
            method: request.method,
            headers: request.headers,
            body: request.body ?? null,
            signal,
            // The signal bounds the whole exchange; undici's own timers would only cut it shorter.
            headersTimeout: 0,
            bodyTimeout: 0
          })
          .then(
            (res) => {
              const failure = (cause: unknown) => exchange.failure(cause, res.statusCode)
              resume(
                Effect.succeed({
                  status: res.statusCode,
                  header: (name) => singleHeader(res.headers[name]),
                  bytes: Effect.async<Uint8Array, TransportError | Timeout>((done, stop) => {
                    const abort = () => res.body.destroy()
                    stop.addEventListener("abort", abort, { once: true })
                    res.body.arrayBuffer().then(
                      (buffer) => {
                        exchange.done()
                        done(Effect.succeed(new Uint8Array(buffer)))
                      },
                      (cause) => done(Effect.fail(failure(cause)))
                    )
                  }),
                  stream: Stream.fromAsyncIterable(res.body, failure).pipe(Stream.ensuring(Effect.sync(exchange.done)))
                })
              )
            },
            (cause) => resume(Effect.fail(exchange.failure(cause)))
          )
      })
    return Transport.of({ send })
  })

/** A transport over one keep-alive undici `Agent` for the layer's lifetime. */
export const undici: Layer.Layer<Transport> = Layer.scoped(Transport, makeUndici())

// --- node:http ---------------------------------------------------------------------------------------

/**
 * A transport over Node's own `http`/`https` with keep-alive agents, closed with the scope. Its HTTP parser is
 * native: undici's is WebAssembly, whose compilation alone raises a process's peak RSS by about 50 MB, which
 * is more than a CLI streaming a 200 MB file needs in all.
 */
export const makeNodeHttp = (options: { readonly connections?: number } = {}) =>
  Effect.gen(function* () {
    const [http, https] = yield* Effect.promise(() => Promise.all([import("node:http"), import("node:https")]))
    const agentOptions = { keepAlive: true, maxSockets: options.connections ?? 64, scheduling: "lifo" as const }
    const agents = yield* Effect.acquireRelease(
      Effect.sync(() => ({ http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) })),
      (a) =>
        Effect.sync(() => {
          a.http.destroy()
          a.https.destroy()
        })
    )
    const send = (request: Request) =>
      Effect.async<Response, TransportError | Timeout>((resume, interrupted) => {
        const exchange = deadline(interrupted, request.timeoutMs)
        const signal = exchange.signal
        const secure = request.url.protocol === "https:"
        const req = (secure ? https : http).request(request.url, {
          method: request.method,
          headers: { ...request.headers, "content-length": String(request.body?.byteLength ?? 0) },
          agent: secure ? agents.https : agents.http,
          signal
        })
        req.once("error", (cause) => resume(Effect.fail(exchange.failure(cause))))
        req.once("response", (res) => {
          const status = res.statusCode ?? 0
          const failure = (cause: unknown) => exchange.failure(cause, status)
          resume(
            Effect.succeed({
              status,
              header: (name) => {
                const value = res.headers[name]
                return Array.isArray(value) ? value[0] : value
              },
              bytes: Effect.async<Uint8Array, TransportError | Timeout>((done, stop) => {
                const chunks: Array<Buffer> = []
                stop.addEventListener("abort", () => res.destroy(), { once: true })
                res.on("data", (chunk: Buffer) => chunks.push(chunk))
                res.once("end", () => {
                  exchange.done()
                  done(Effect.succeed(Buffer.concat(chunks)))
                })
                res.once("error", (cause) => done(Effect.fail(failure(cause))))
              }),
              stream: Stream.fromAsyncIterable<Uint8Array, TransportError | Timeout>(res, failure).pipe(
                Stream.ensuring(Effect.sync(exchange.done))
              )
            })
          )
        })
        req.end(request.body)
      })
    return Transport.of({ send })
  })

/** The default transport: Node's `http`/`https` with keep-alive agents for the layer's lifetime. */
export const nodeHttp: Layer.Layer<Transport> = Layer.scoped(Transport, makeNodeHttp())

// --- @effect/platform HttpClient ------------------------------------------------------------------

/** Any `@effect/platform` `HttpClient` as the transport (the timeout is Effect's here). */
export const fromHttpClient: Layer.Layer<Transport, never, HttpClient.HttpClient> = Layer.effect(
  Transport,
  Effect.gen(function* () {
    const http = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerPropagation(false))
    const send = (request: Request) => {
      const timeout = <A, E, R>(effect: Effect.Effect<A, E, R>, meta: { readonly status?: number }) =>
        Effect.timeoutFail(effect, {
          duration: Duration.millis(request.timeoutMs),
          onTimeout: () => new Timeout({ ...meta, timeoutMs: request.timeoutMs })
        })
      let req = HttpClientRequest.make(request.method)(request.url).pipe(HttpClientRequest.setHeaders(request.headers))
      if (request.body) req = HttpClientRequest.bodyUint8Array(req, request.body, request.headers["content-type"])
      return http.execute(req).pipe(
        Effect.mapError((e) => new TransportError({ reason: reasonOf(e.cause ?? e) })),
        (effect) => timeout(effect, {}),
        Effect.map(
          (res): Response => ({
            status: res.status,
            header: (name) => {
              const value = res.headers[name]
              return typeof value === "string" ? value : undefined
            },
            bytes: res.arrayBuffer.pipe(
              Effect.map((buffer) => new Uint8Array(buffer)),
              Effect.mapError((e) => new TransportError({ status: res.status, reason: reasonOf(e.cause ?? e) })),
              (effect) => timeout(effect, { status: res.status })
            ),
            stream: res.stream.pipe(
              Stream.mapError((e) => new TransportError({ status: res.status, reason: reasonOf(e.cause ?? e) })),
              Stream.timeoutFail(
                () => new Timeout({ status: res.status, timeoutMs: request.timeoutMs }),
                request.timeoutMs
              )
            )
          })
        )
      )
    }
    return Transport.of({ send })
  })
)
