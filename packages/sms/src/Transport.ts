/**
 * How bytes reach the endpoint. Three implementations:
 * - `undici` (the default): undici's dispatch API directly (no stream or abort signal per request), keep-alive
 *   connections, one timer per exchange. Its per-request cost matches a bare `undici.request` (BENCHMARKS.md):
 *   this is the hot path of every call. undici 7 is patched here (patches/undici@7.30.2.patch): paused for a slow
 *   reader when the server closes the connection, it threw an uncatchable assertion and took the process down
 *   (nodejs/undici#5360, fixed in undici 8 only, which needs Node 22).
 * - `nodeHttp`: Node's `http`/`https`, whose native parser keeps a process's peak memory lower: the CLI's and the
 *   MCP server's.
 * - `fromHttpClient`: any `@effect/platform` `HttpClient` (proxies, custom middleware, tests).
 * The transport knows nothing of SMS: SmsClient builds, signs and interprets the requests.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Chunk, Context, Duration, Effect, Layer, Option, Stream } from "effect"
import { finished, Readable, Transform, type Writable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { Timeout, TransportError } from "./SmsError.js"

export interface Request {
  readonly method: "GET" | "POST"
  readonly url: URL
  /** Lowercase names; sent as given (they were signed as given). */
  readonly headers: Readonly<Record<string, string>>
  readonly body?: Uint8Array | undefined
  /**
   * The longest wait: for the response to start, then for each more of its body. An idle timeout once the body
   * flows, so a large body on a slow link is not cut off while it is still arriving. Taken as a timer can hold
   * it: at most `maxTimeoutMs` (also for `Infinity` and `NaN`: effectively no limit), at least 1 ms.
   */
  readonly timeoutMs: number
}

/** The longest a Node.js timer waits (2^31 - 1 ms, about 24.8 days). */
export const maxTimeoutMs = 2 ** 31 - 1

/**
 * A request's timeout as its timer can take it. Past `maxTimeoutMs` (or `NaN`), `setTimeout` warns
 * (TimeoutOverflowWarning) and fires after 1 ms: a timeout of 30 days would time every exchange out at once.
 */
const timerMs = (timeoutMs: number): number =>
  Number.isNaN(timeoutMs) ? maxTimeoutMs : Math.min(Math.max(timeoutMs, 1), maxTimeoutMs)

export interface Response {
  readonly status: number
  /** A header by lowercase name. */
  readonly header: (name: string) => string | undefined
  /** The whole body. Read at most once (or use `stream`). */
  readonly bytes: Effect.Effect<Uint8Array, TransportError | Timeout>
  readonly stream: Stream.Stream<Uint8Array, TransportError | Timeout>
  /**
   * Pipes the whole body into `destination` with `stream.pipeline` (undici and node:http offer it; a transport
   * over `HttpClient` does not): one Effect for the body rather than steps per chunk. On a long download that matters
   * for memory: spent socket buffers then die young, where behind a per-chunk fiber suspension many are
   * promoted and wait for a full collection (BENCHMARKS.md, memory). A failure of `destination` itself is
   * mapped by `onDestinationError`. Read the body once: through this, `bytes` or `stream`.
   */
  readonly pipeTo?: <E>(
    destination: Writable,
    onDestinationError: (cause: unknown) => E
  ) => Effect.Effect<void, TransportError | Timeout | E>
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
 * `stream.pipeline(source → [observer] → destination)` as one Effect. A failure spreads through the whole
 * pipeline: the cause is whichever side failed first (`onDestinationError` maps the destination's own).
 * Interruption stops the pipeline, which destroys `source`.
 */
const pipeBody = <E>(
  source: Readable,
  destination: Writable,
  options: {
    readonly onDestinationError: (cause: unknown) => E
    readonly sourceFailure: (cause: unknown) => TransportError | Timeout
    readonly onBodyChunk?: ((byteLength: number) => void) | undefined
    readonly finished?: (() => void) | undefined
  }
): Effect.Effect<void, TransportError | Timeout | E> =>
  Effect.async<void, TransportError | Timeout | E>((done) => {
    const stop = new AbortController()
    let destinationFailed: unknown
    // A source already cut short (destroyed before its end, its error emitted to no one) is the cause, not the
    // destination that the pipeline then destroys with it.
    let sourceFailed = source.errored !== null || (source.destroyed && !source.readableEnded)
    source.once("error", () => {
      sourceFailed ||= destinationFailed === undefined
    })
    destination.once("error", (cause) => {
      if (!sourceFailed) destinationFailed ??= cause
    })
    const onBodyChunk = options.onBodyChunk
    const stages = onBodyChunk
      ? [
          source,
          new Transform({
            transform(chunk: Buffer, _encoding, next) {
              onBodyChunk(chunk.byteLength)
              next(null, chunk)
            }
          }),
          destination
        ]
      : [source, destination]
    pipeline(stages, { signal: stop.signal }).then(
      () => {
        options.finished?.()
        done(Effect.void)
      },
      (cause) => {
        options.finished?.()
        done(
          Effect.fail(
            destinationFailed === undefined
              ? options.sourceFailure(cause)
              : options.onDestinationError(destinationFailed)
          )
        )
      }
    )
    return Effect.sync(() => stop.abort())
  })

/**
 * One abort signal for an exchange: fired by the fiber's interruption or by the per-attempt timeout (restarted by
 * `touch` as the body arrives), whichever comes first. Cheaper than `AbortSignal.any([interrupted, AbortSignal.timeout(ms)])` on every request.
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
    /** Restarts the timer: more of the body arrived (see `Request.timeoutMs`). */
    touch: () => {
      timer.refresh()
    },
    /** Ends the exchange with the error its cause amounts to: `Timeout` if the timer fired, else a transport error. */
    failure: (
      cause: unknown,
      meta: { readonly status?: number | undefined; readonly requestId?: string | undefined } = {}
    ): TransportError | Timeout => {
      done()
      return timedOut ? new Timeout({ ...meta, timeoutMs }) : new TransportError({ ...meta, reason: reasonOf(cause) })
    }
  }
}

// --- undici -----------------------------------------------------------------------------------

/** A body read whole waits for all of it; one not yet claimed (or streamed) pauses the socket past this. */
const highWaterMark = 1024 * 1024

/**
 * The undici `DispatchController` surface used here (undici's own types are not loaded at module level,
 * see `makeUndici`).
 */
interface DispatchController {
  readonly abort: (reason: Error) => void
  readonly pause: () => void
  readonly resume: () => void
}

/** A response over an `Exchange`: its readers are the exchange's methods, made on demand (no Effect per response). */
class UndiciResponse implements Response {
  constructor(
    readonly status: number,
    private readonly headers: Record<string, string | Array<string>>,
    private readonly exchange: Exchange
  ) {}
  header(name: string): string | undefined {
    const value = this.headers[name]
    return typeof value === "string" ? value : value?.[0]
  }
  get bytes() {
    return this.exchange.bytes()
  }
  get stream() {
    return this.exchange.stream()
  }
  pipeTo<E>(destination: Writable, onDestinationError: (cause: unknown) => E) {
    return this.exchange.pipeTo(destination, onDestinationError)
  }
}

const settled = () => {}

/**
 * One exchange over undici's dispatch API: no `Readable` per response, no `AbortSignal` per request (each
 * costs more than the rest of undici's work on a small exchange). Fed by undici's handler callbacks, read by
 * `Response.bytes` (whole) or `Response.stream` (chunks, with back-pressure through pause/resume). One timer
 * bounds the exchange (until the response starts, then between body chunks); interruption or the timer aborts it.
 *
 * Once the body has ended, the exchange lets go of undici's controller and of the fiber's callback: an
 * exchange that V8 has placed in the old generation (it pretenures allocation sites whose objects it sees
 * survive) would otherwise keep them, and what they reach, alive through young collections until the next
 * full one.
 */
class Exchange {
  private controller: DispatchController | undefined
  private pendingAbort: Error | undefined
  private timedOut = false
  private readonly timer: ReturnType<typeof setTimeout>
  private readonly chunks: Array<Uint8Array> = []
  private buffered = 0
  private ended = false
  private failed: TransportError | Timeout | undefined
  private status: number | undefined
  /** The response's headers, for the request id of a failure mid-body (looked up only then). */
  private headers: Record<string, string | Array<string>> | undefined
  private claim: "none" | "bytes" | "stream" | "pipe" = "none"
  /** The Node.js stream `pipeTo` reads, once claimed. */
  private sink: Readable | undefined
  private wake: (() => void) | undefined
  /** Called once: with the response, or with the failure before one; then replaced by a no-op. */
  private settle: (result: Effect.Effect<Response, TransportError | Timeout>) => void

  constructor(
    readonly timeoutMs: number,
    settle: (result: Effect.Effect<Response, TransportError | Timeout>) => void
  ) {
    this.settle = settle
    this.timer = setTimeout(() => {
      this.timedOut = true
      this.abort(new Error(`no complete response within ${timeoutMs} ms`))
    }, timeoutMs)
    // The request in flight holds the process open; a body left unread should not, for the whole timeout.
    this.timer.unref()
  }

  /**
   * Aborts the exchange. Before undici has started it (queued, or still connecting) there is nothing to abort
   * yet: the abort is kept for `onRequestStart`, and the exchange fails now.
   */
  abort(reason: Error) {
    if (this.controller) return this.controller.abort(reason)
    if (this.ended || this.failed) return
    this.pendingAbort = reason
    this.onResponseError(undefined, reason)
  }

  private failure(cause: unknown): TransportError | Timeout {
    const requestId = this.headers?.["x-request-id"]
    const meta = { status: this.status, requestId: typeof requestId === "string" ? requestId : requestId?.[0] }
    return this.timedOut
      ? new Timeout({ ...meta, timeoutMs: this.timeoutMs })
      : new TransportError({ ...meta, reason: reasonOf(cause) })
  }

  private notify() {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  private settleWith(result: Effect.Effect<Response, TransportError | Timeout>) {
    const settle = this.settle
    this.settle = settled
    settle(result)
  }

  // undici's DispatchHandler

  onRequestStart(controller: DispatchController) {
    this.controller = controller
    if (this.pendingAbort) controller.abort(this.pendingAbort)
  }

  onResponseStart(_controller: DispatchController, status: number, headers: Record<string, string | Array<string>>) {
    if (status < 200) return
    this.status = status
    this.headers = headers
    this.settleWith(Effect.succeed(new UndiciResponse(status, headers, this)))
  }

  onResponseData(controller: DispatchController, chunk: Uint8Array) {
    // The timeout is an idle one once the body flows (see `Request.timeoutMs`).
    this.timer.refresh()
    if (this.sink) {
      if (!this.sink.push(chunk)) controller.pause()
      return
    }
    this.chunks.push(chunk)
    this.buffered += chunk.byteLength
    if (this.claim !== "bytes" && this.buffered >= highWaterMark) controller.pause()
    this.notify()
  }

  onResponseEnd() {
    clearTimeout(this.timer)
    this.ended = true
    this.controller = undefined
    this.sink?.push(null)
    this.notify()
  }

  onResponseError(_controller: DispatchController | undefined, cause: Error) {
    clearTimeout(this.timer)
    if (this.failed) return
    this.failed = this.failure(cause)
    this.controller = undefined
    this.sink?.destroy(this.failed)
    if (this.settle !== settled) return this.settleWith(Effect.fail(this.failed))
    this.notify()
  }

  // readers

  /** Takes what has arrived (resuming a paused socket), or `undefined` if nothing has. */
  private take(): Uint8Array | undefined {
    const chunk = this.chunks.shift()
    if (chunk === undefined) return undefined
    this.buffered -= chunk.byteLength
    if (this.buffered < highWaterMark) this.controller?.resume()
    return chunk
  }

  /** Waits for the next event; interruption aborts the exchange. */
  private next(): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      this.wake = () => resume(Effect.void)
      return Effect.sync(() => {
        this.wake = undefined
        this.abort(new Error("interrupted"))
      })
    })
  }

  /** The whole body, once it has all arrived (usually by the time anyone asks, for a small one). */
  private collect(): Effect.Effect<Uint8Array, TransportError | Timeout> {
    if (this.failed) return Effect.fail(this.failed)
    if (!this.ended) return Effect.flatMap(this.next(), () => this.collect())
    const whole = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered)
    this.chunks.length = 0
    this.buffered = 0
    return Effect.succeed(
      whole === undefined ? new Uint8Array(0) : new Uint8Array(whole.buffer, whole.byteOffset, whole.byteLength)
    )
  }

  bytes(): Effect.Effect<Uint8Array, TransportError | Timeout> {
    return Effect.suspend(() => {
      this.claim = "bytes"
      this.controller?.resume()
      return this.collect()
    })
  }

  stream(): Stream.Stream<Uint8Array, TransportError | Timeout> {
    return Stream.suspend(() => {
      this.claim = "stream"
      const pull: Effect.Effect<Uint8Array, Option.Option<TransportError | Timeout>> = Effect.suspend(() => {
        const chunk = this.take()
        if (chunk !== undefined) return Effect.succeed(chunk)
        if (this.failed) return Effect.fail(Option.some(this.failed))
        if (this.ended) return Effect.fail(Option.none())
        return Effect.zipRight(this.next(), pull)
      })
      return Stream.repeatEffectOption(pull).pipe(
        Stream.ensuring(
          Effect.sync(() => {
            if (!this.ended && !this.failed) this.abort(new Error("the body was not read to its end"))
          })
        )
      )
    })
  }

  pipeTo<E>(
    destination: Writable,
    onDestinationError: (cause: unknown) => E
  ): Effect.Effect<void, TransportError | Timeout | E> {
    return Effect.suspend(() => {
      this.claim = "pipe"
      const source = new Readable({
        read: () => this.controller?.resume(),
        destroy: (error, callback) => {
          if (!this.ended && !this.failed) this.abort(new Error("the body was not read to its end"))
          callback(error)
        }
      })
      // What arrived before the claim, then the rest as it comes (`onResponseData`).
      for (const chunk of this.chunks) source.push(chunk)
      this.chunks.length = 0
      this.buffered = 0
      if (this.failed) source.destroy(this.failed)
      else if (this.ended) source.push(null)
      this.sink = source
      return pipeBody(source, destination, {
        onDestinationError,
        sourceFailure: (cause) =>
          cause instanceof TransportError || cause instanceof Timeout ? cause : (this.failed ?? this.failure(cause))
      })
    })
  }
}

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
      Effect.async<Response, TransportError | Timeout>((resume) => {
        const exchange = new Exchange(timerMs(request.timeoutMs), resume)
        try {
          agent.dispatch(
            {
              origin: request.url.origin,
              path: request.url.pathname + request.url.search,
              method: request.method,
              headers: request.headers,
              body: request.body ?? null,
              // The exchange's own timer bounds the whole of it; undici's would only cut it shorter.
              headersTimeout: 0,
              bodyTimeout: 0
            },
            exchange
          )
        } catch (cause) {
          exchange.onResponseError(undefined, cause instanceof Error ? cause : new Error(String(cause)))
        }
        // Interrupted before the response: abort the exchange.
        return Effect.sync(() => exchange.abort(new Error("interrupted")))
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
export interface NodeHttpOptions {
  readonly connections?: number
  /**
   * Called with the size of each body chunk received through `stream` or `pipeTo` (progress, or memory
   * housekeeping in a short-lived process: the CLI asks V8 for a young-generation collection every few MiB).
   */
  readonly onBodyChunk?: (byteLength: number) => void
}

export const makeNodeHttp = (options: NodeHttpOptions = {}) =>
  Effect.gen(function* () {
    const [http, https] = yield* Effect.promise(() => Promise.all([import("node:http"), import("node:https")]))
    const onBodyChunk = options.onBodyChunk
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
        const exchange = deadline(interrupted, timerMs(request.timeoutMs))
        const signal = exchange.signal
        const secure = request.url.protocol === "https:"
        let req: ReturnType<typeof http.request>
        try {
          req = (secure ? https : http).request(request.url, {
            method: request.method,
            headers: { ...request.headers, "content-length": String(request.body?.byteLength ?? 0) },
            agent: secure ? agents.https : agents.http,
            signal
          })
        } catch (cause) {
          // Node checks headers as it builds the request (a control character in a value throws): a failure
          // of this request, not a defect, as undici reports it.
          return resume(Effect.fail(exchange.failure(cause)))
        }
        req.once("error", (cause) => resume(Effect.fail(exchange.failure(cause))))
        req.once("response", (res) => {
          const status = res.statusCode ?? 0
          const requestId = res.headers["x-request-id"]
          const failure = (cause: unknown) =>
            exchange.failure(cause, { status, requestId: Array.isArray(requestId) ? requestId[0] : requestId })
          // Each chunk restarts the timeout (an idle one once the body flows), and is reported to `onBodyChunk`.
          const chunkSeen = (byteLength: number) => {
            exchange.touch()
            onBodyChunk?.(byteLength)
          }
          resume(
            Effect.succeed({
              status,
              header: (name) => {
                const value = res.headers[name]
                return Array.isArray(value) ? value[0] : value
              },
              // `finished`, not 'end'/'error' listeners: a body cut short before anyone reads it (while the file
              // it goes to is being opened, say) has already been destroyed, and Node emitted its error to nobody.
              bytes: Effect.async<Uint8Array, TransportError | Timeout>((done, stop) => {
                const chunks: Array<Buffer> = []
                stop.addEventListener("abort", () => res.destroy(), { once: true })
                res.on("data", (chunk: Buffer) => {
                  exchange.touch()
                  chunks.push(chunk)
                })
                finished(res, (error) => {
                  if (error) return done(Effect.fail(failure(error)))
                  exchange.done()
                  done(Effect.succeed(Buffer.concat(chunks)))
                })
              }),
              stream: Stream.fromAsyncIterable<Uint8Array, TransportError | Timeout>(res, failure).pipe(
                Stream.tap((chunk) => Effect.sync(() => chunkSeen(chunk.byteLength))),
                Stream.ensuring(Effect.sync(exchange.done))
              ),
              pipeTo: <E>(destination: Writable, onDestinationError: (cause: unknown) => E) =>
                pipeBody(res, destination, {
                  onDestinationError,
                  sourceFailure: failure,
                  onBodyChunk: chunkSeen,
                  finished: exchange.done
                })
            })
          )
        })
        req.end(request.body)
      })
    return Transport.of({ send })
  })

/** Node's `http`/`https` with keep-alive agents for the layer's lifetime. */
export const nodeHttp: Layer.Layer<Transport> = Layer.scoped(Transport, makeNodeHttp())

/** `nodeHttp` with options (see `NodeHttpOptions`). */
export const layerNodeHttp = (options: NodeHttpOptions): Layer.Layer<Transport> =>
  Layer.scoped(Transport, makeNodeHttp(options))

// --- @effect/platform HttpClient ------------------------------------------------------------------

/**
 * Any `@effect/platform` `HttpClient` as the transport. The timeout is Effect's here: on the response, then on
 * each chunk of the body, as the other transports.
 */
export const fromHttpClient: Layer.Layer<Transport, never, HttpClient.HttpClient> = Layer.effect(
  Transport,
  Effect.gen(function* () {
    const http = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerPropagation(false))
    const send = (request: Request) => {
      // Effect's timers take any duration, but the same bounds keep the transports alike (`NaN`: no limit).
      const timeoutMs = timerMs(request.timeoutMs)
      let req = HttpClientRequest.make(request.method)(request.url).pipe(HttpClientRequest.setHeaders(request.headers))
      if (request.body) req = HttpClientRequest.bodyUint8Array(req, request.body, request.headers["content-type"])
      return http.execute(req).pipe(
        Effect.mapError((e) => new TransportError({ reason: reasonOf(e.cause ?? e) })),
        Effect.timeoutFail({
          duration: Duration.millis(timeoutMs),
          onTimeout: () => new Timeout({ timeoutMs })
        }),
        Effect.map((res): Response => {
          const header = (name: string) => {
            const value = res.headers[name]
            return typeof value === "string" ? value : undefined
          }
          const meta = { status: res.status, requestId: header("x-request-id") }
          const stream = res.stream.pipe(
            Stream.mapError((e) => new TransportError({ ...meta, reason: reasonOf(e.cause ?? e) })),
            Stream.timeoutFail(() => new Timeout({ ...meta, timeoutMs }), timeoutMs)
          )
          return {
            status: res.status,
            header,
            bytes: Stream.runCollect(stream).pipe(
              Effect.map((chunks) => {
                const all = Chunk.toReadonlyArray(chunks)
                return all.length === 1 && all[0] ? all[0] : Buffer.concat(all)
              })
            ),
            stream
          }
        })
      )
    }
    return Transport.of({ send })
  })
)
