/**
 * The transports themselves, against a real local server: whole and streamed bodies, back-pressure, the
 * per-exchange timeout in every phase (queued, waiting for headers, mid-body), interruption, resets.
 * Every test runs over undici, node:http and @effect/platform's HttpClient.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Layer, Option, Stream } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { Writable } from "node:stream"
import * as Transport from "../src/Transport.js"
import * as Server from "./support/server.js"

const transports = {
  undici: Transport.undici,
  "node:http": Transport.nodeHttp,
  "platform HttpClient": Transport.fromHttpClient.pipe(Layer.provide(NodeHttpClient.layerUndici))
} as const

const get = (url: string, timeoutMs = 5_000): Transport.Request => ({
  method: "GET",
  url: new URL(`${url}/x`),
  headers: {},
  timeoutMs
})

const send = (request: Transport.Request) => Effect.flatMap(Transport.Transport, (t) => t.send(request))

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

/**
 * `body` in 64 KiB chunked writes, honouring the socket's back-pressure; `sent.bytes` counts what the server
 * got out so far.
 */
const chunked =
  (body: Uint8Array, sent = { bytes: 0 }): Server.Handler =>
  (_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" })
    const pump = () => {
      while (sent.bytes < body.byteLength) {
        const chunk = body.subarray(sent.bytes, sent.bytes + 65_536)
        sent.bytes += chunk.byteLength
        if (!res.write(chunk)) return void res.once("drain", pump)
      }
      res.end()
    }
    pump()
  }

/** Starts reading a body that never ends with `read`, interrupts it, and expects the server to see the close. */
const interruptingCloses = (read: (response: Transport.Response) => Effect.Effect<unknown, unknown>) =>
  Effect.gen(function* () {
    const server = yield* Server.start
    let closed = false
    server.respond((_req, res) => {
      res.writeHead(200, { "content-length": "100000" })
      res.write("x".repeat(1000))
      res.on("close", () => {
        closed = true
      })
    })
    const response = yield* send(get(server.url))
    const fiber = yield* Effect.fork(read(response))
    yield* Effect.sleep("50 millis")
    yield* Fiber.interrupt(fiber)
    // The close reaches the server soon after; a loaded machine may take longer than a fixed wait.
    for (let waited = 0; !closed && waited < 5_000; waited += 10) yield* Effect.sleep("10 millis")
    expect(closed).toBe(true)
  })

for (const [name, layer] of Object.entries(transports)) {
  describe(`Transport over ${name}`, () => {
    it.live("reads a body whole, and a chunked 8 MiB body as a stream, byte for byte", () =>
      Effect.gen(function* () {
        const server = yield* Server.start
        const small = randomBytes(1000)
        const big = randomBytes(8 * 1024 * 1024)
        server.respond(Server.bytes(small, { "x-request-id": "r-1" }), chunked(big))
        const first = yield* send(get(server.url))
        expect(first.status).toBe(200)
        expect(first.header("x-request-id")).toBe("r-1")
        expect(first.header("no-such-header")).toBeUndefined()
        expect(Buffer.compare(Buffer.from(yield* first.bytes), small)).toBe(0)

        const second = yield* send(get(server.url))
        const hash = createHash("sha256")
        let received = 0
        yield* Stream.runForEach(second.stream, (chunk) =>
          Effect.sync(() => {
            hash.update(chunk)
            received += chunk.byteLength
          })
        )
        expect(received).toBe(big.byteLength)
        expect(hash.digest("hex")).toBe(sha256(big))
      }).pipe(Effect.provide(layer), Effect.scoped)
    )

    it.live("a reader that stops stops the sender too (back-pressure), and then still gets every byte", () =>
      Effect.gen(function* () {
        const server = yield* Server.start
        const size = 64 * 1024 * 1024
        const big = Buffer.alloc(size, "0123456789abcdef")
        const sent = { bytes: 0 }
        server.respond(chunked(big, sent))
        const response = yield* send(get(server.url, 30_000))
        const hash = createHash("sha256")
        let reads = 0
        yield* Stream.runForEach(response.stream, (chunk) =>
          Effect.gen(function* () {
            hash.update(chunk)
            // After the first chunk the reader stalls: the sender must stall too, far short of the whole body
            // (what it got out is the client's buffer plus the kernel's socket buffers).
            if (reads++ === 0) {
              yield* Effect.sleep("300 millis")
              expect(sent.bytes).toBeLessThan(size / 4)
            }
          })
        )
        expect(hash.digest("hex")).toBe(sha256(big))
      }).pipe(Effect.provide(layer), Effect.scoped)
    )

    it.live("times out waiting for headers, and mid-body, as Timeout with the limit", () =>
      Effect.gen(function* () {
        const server = yield* Server.start
        server.respond(
          (_req, res) => setTimeout(() => res.end("late"), 3_000).unref(),
          (_req, res) => {
            res.writeHead(200, { "content-length": "1000" })
            res.write("x".repeat(10))
          }
        )
        const headers = yield* Effect.flip(send(get(server.url, 150)))
        expect(headers).toMatchObject({ _tag: "Timeout", timeoutMs: 150 })
        const response = yield* send(get(server.url, 150))
        expect(response.status).toBe(200)
        const body = yield* Effect.flip(response.bytes)
        expect(body).toMatchObject({ _tag: "Timeout", timeoutMs: 150 })
      }).pipe(Effect.provide(layer), Effect.scoped)
    )

    it.live("a timeout past what a timer holds (2^31 - 1 ms), infinite or NaN does not fire at once", () =>
      Effect.gen(function* () {
        const server = yield* Server.start
        server.respond((_req, res) => setTimeout(() => res.end("late"), 100).unref())
        for (const timeoutMs of [2 ** 31, Duration.toMillis(Duration.days(30)), Number.POSITIVE_INFINITY, Number.NaN]) {
          const response = yield* send(get(server.url, timeoutMs))
          expect(new TextDecoder().decode(yield* response.bytes), `timeout ${timeoutMs}`).toBe("late")
        }
      }).pipe(Effect.provide(layer), Effect.scoped)
    )

    it.live("a reset mid-body is a TransportError carrying the status", () =>
      Effect.gen(function* () {
        const server = yield* Server.start
        server.respond((_req, res) => {
          res.writeHead(200, { "content-length": "100000" })
          res.write("x".repeat(1000), () => res.socket?.destroy())
        })
        const response = yield* send(get(server.url))
        const error = yield* Effect.flip(Stream.runDrain(response.stream))
        expect(error).toMatchObject({ _tag: "TransportError", status: 200 })
      }).pipe(Effect.provide(layer), Effect.scoped)
    )

    it.live("a header value Node refuses (a control character) is a TransportError naming it, not a defect", () =>
      Effect.gen(function* () {
        const server = yield* Server.start
        const error = yield* Effect.flip(send({ ...get(server.url), headers: { "x-auth-token": "token\r" } }))
        expect(error._tag).toBe("TransportError")
        expect(error.message).toMatch(/x-auth-token/i)
        expect(error.message).not.toContain("token\r")
        expect(server.received).toHaveLength(0)
      }).pipe(Effect.provide(layer), Effect.scoped)
    )

    it.live("interrupting a read closes the connection", () =>
      interruptingCloses((response) => response.bytes).pipe(Effect.provide(layer), Effect.scoped)
    )

    // @effect/platform's undici client ends such a body early without an error; SmsClient's Content-Length check
    // catches it there ("body cut short").
    it.live.runIf(name !== "platform HttpClient")(
      "a body cut short before anyone reads it fails when read (whole, streamed, piped), with its request id",
      () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          let closed = 0
          const cut: Server.Handler = (_req, res) => {
            res.writeHead(200, { "content-length": "100000", "x-request-id": "r-cut" })
            res.write("x".repeat(1000), () => res.socket?.destroy())
            res.on("close", () => {
              closed++
            })
          }
          server.respond(cut, cut, cut)
          const readers: ReadonlyArray<(response: Transport.Response) => Effect.Effect<unknown, unknown>> = [
            (response) => response.bytes,
            (response) => Stream.runDrain(response.stream),
            (response) =>
              response.pipeTo
                ? response.pipeTo(new Writable({ write: (_chunk, _encoding, next) => next() }), (cause) => cause)
                : Stream.runDrain(response.stream)
          ]
          for (const [i, read] of readers.entries()) {
            const response = yield* send(get(server.url))
            // The connection is gone before the body is read (a file being opened, say).
            for (let waited = 0; closed <= i && waited < 5_000; waited += 10) yield* Effect.sleep("10 millis")
            yield* Effect.sleep("50 millis")
            const error = yield* Effect.flip(read(response)).pipe(Effect.timeout("3 seconds"))
            expect(error, `reader ${i}`).toMatchObject({ _tag: "TransportError", status: 200, requestId: "r-cut" })
          }
        }).pipe(Effect.provide(layer), Effect.scoped)
    )

    it.live("the timeout waits for the response, then for each more of the body: a slow body that flows is read", () =>
      Effect.gen(function* () {
        const server = yield* Server.start
        // 12 chunks 60 ms apart: 660 ms in all, each gap well within the 400 ms timeout.
        const trickle: Server.Handler = (_req, res) => {
          res.writeHead(200, { "content-length": String(12 * 100), "x-request-id": "r-slow" })
          let sent = 0
          const timer = setInterval(() => {
            res.write("y".repeat(100))
            if (++sent === 12) {
              clearInterval(timer)
              res.end()
            }
          }, 60)
          res.on("close", () => clearInterval(timer))
        }
        server.respond(trickle, trickle)
        const whole = yield* send(get(server.url, 400))
        expect((yield* whole.bytes).byteLength).toBe(1200)
        const streamed = yield* send(get(server.url, 400))
        let received = 0
        yield* Stream.runForEach(streamed.stream, (chunk) =>
          Effect.sync(() => {
            received += chunk.byteLength
          })
        )
        expect(received).toBe(1200)
      }).pipe(Effect.provide(layer), Effect.scoped)
    )
  })
}

describe("Transport over undici: a queued request", () => {
  it.live("times out while waiting for a connection, and the connection serves the next request", () =>
    Effect.gen(function* () {
      const server = yield* Server.start
      server.respond(
        (_req, res) => setTimeout(() => res.end("first"), 400).unref(),
        (_req, res) => res.end("third")
      )
      const first = yield* Effect.fork(Effect.flatMap(send(get(server.url, 2_000)), (r) => r.bytes))
      yield* Effect.sleep("50 millis")
      // One connection, busy with the first request: the second waits in undici's queue and times out there.
      const second = yield* Effect.exit(send(get(server.url, 100)))
      expect(second).toMatchObject(Exit.fail({ _tag: "Timeout", timeoutMs: 100 }))
      // It failed at its own deadline, not when the connection came free.
      expect(Option.isNone(yield* Fiber.poll(first))).toBe(true)
      expect(new TextDecoder().decode(yield* Fiber.join(first))).toBe("first")
      const third = yield* Effect.flatMap(send(get(server.url)), (r) => r.bytes)
      expect(new TextDecoder().decode(third)).toBe("third")
      expect(server.received).toHaveLength(2)
    }).pipe(Effect.provide(Layer.scoped(Transport.Transport, Transport.makeUndici({ connections: 1 }))), Effect.scoped)
  )
})

let observed = 0
const piping = {
  undici: Transport.undici,
  "node:http": Layer.suspend(() =>
    Transport.layerNodeHttp({
      onBodyChunk: (n) => {
        observed += n
      }
    })
  )
} as const

for (const [name, layer] of Object.entries(piping))
  describe(`Transport over ${name}: pipeTo`, () => {
    /** A Writable collecting what it is given; `failAfter` bytes make it fail. */
    const sink = (failAfter = Number.POSITIVE_INFINITY) => {
      const hash = createHash("sha256")
      let received = 0
      const writable = new Writable({
        write(chunk: Buffer, _encoding, next) {
          received += chunk.byteLength
          if (received > failAfter) return next(new Error("disk full"))
          hash.update(chunk)
          next()
        }
      })
      return { writable, digest: () => hash.digest("hex"), received: () => received }
    }

    const pipeTo = (response: Transport.Response, writable: Writable) => {
      if (!response.pipeTo) return Effect.die(`${name} offers pipeTo`)
      return response.pipeTo(writable, (cause) => ({ _tag: "Destination" as const, cause }))
    }

    it.live("pipes a chunked 8 MiB body whole (node:http: reporting every byte to onBodyChunk)", () =>
      Effect.gen(function* () {
        const server = yield* Server.start
        const big = randomBytes(8 * 1024 * 1024)
        server.respond(chunked(big))
        observed = 0
        const response = yield* send(get(server.url))
        const out = sink()
        yield* pipeTo(response, out.writable)
        expect(out.digest()).toBe(sha256(big))
        expect(observed).toBe(name === "node:http" ? big.byteLength : 0)
      }).pipe(Effect.provide(layer), Effect.scoped)
    )

    it.live("a failing destination is the destination's error; a reset is a TransportError; a stall a Timeout", () =>
      Effect.gen(function* () {
        const server = yield* Server.start
        server.respond(
          chunked(randomBytes(4 * 1024 * 1024)),
          (_req, res) => {
            res.writeHead(200, { "content-length": "100000" })
            res.write("x".repeat(1000), () => res.socket?.destroy())
          },
          (_req, res) => {
            res.writeHead(200, { "content-length": "1000" })
            res.write("x".repeat(10))
          }
        )
        const full = yield* Effect.flip(pipeTo(yield* send(get(server.url)), sink(1024 * 1024).writable))
        expect(full).toMatchObject({ _tag: "Destination", cause: { message: "disk full" } })
        const reset = yield* Effect.flip(pipeTo(yield* send(get(server.url)), sink().writable))
        expect(reset).toMatchObject({ _tag: "TransportError", status: 200 })
        const stalled = yield* Effect.flip(pipeTo(yield* send(get(server.url, 150)), sink().writable))
        expect(stalled).toMatchObject({ _tag: "Timeout", timeoutMs: 150 })
      }).pipe(Effect.provide(layer), Effect.scoped)
    )

    it.live("a destination that stalls stalls the sender (back-pressure), then still gets every byte", () =>
      Effect.gen(function* () {
        const server = yield* Server.start
        const size = 64 * 1024 * 1024
        const big = Buffer.alloc(size, "fedcba9876543210")
        const sent = { bytes: 0 }
        server.respond(chunked(big, sent))
        const hash = createHash("sha256")
        let writes = 0
        let writtenAtStall = Number.NaN
        const slow = new Writable({
          write(chunk: Buffer, _encoding, next) {
            hash.update(chunk)
            if (writes++ > 0) return next()
            setTimeout(() => {
              writtenAtStall = sent.bytes
              next()
            }, 300)
          }
        })
        yield* pipeTo(yield* send(get(server.url, 30_000)), slow)
        expect(writtenAtStall).toBeLessThan(size / 4)
        expect(hash.digest("hex")).toBe(sha256(big))
      }).pipe(Effect.provide(layer), Effect.scoped)
    )

    it.live("a body whose connection closes while the destination lags: whole if complete, else a TransportError", () =>
      Effect.gen(function* () {
        // Unpatched, undici 7 crashes the process (an uncatchable assert in its parser, nodejs/undici#5360) when a
        // connection that does not stay open ends while the response is paused for back-pressure (see
        // patches/undici@7.30.2.patch).
        const server = yield* Server.start
        const size = 4 * 1024 * 1024
        const big = Buffer.alloc(size, "0123456789abcdef")
        const closing = { "content-length": String(size), connection: "close" }
        /** A destination a little behind, as a file is: the body often waits (paused) for it. */
        const lagging = () => {
          const hash = createHash("sha256")
          const writable = new Writable({
            write(chunk: Buffer, _encoding, next) {
              hash.update(chunk)
              setImmediate(next)
            }
          })
          return { writable, digest: () => hash.digest("hex") }
        }
        // The crash depends on where the pauses fall: a few rounds of each.
        for (let round = 0; round < 4; round++) {
          server.respond(
            (_req, res) => {
              res.writeHead(200, closing)
              res.end(big.subarray(0, 1024 * 1024))
            },
            (_req, res) => {
              res.writeHead(200, closing)
              res.end(big)
            }
          )
          const cut = yield* Effect.flip(pipeTo(yield* send(get(server.url)), lagging().writable))
          expect(cut).toMatchObject({ _tag: "TransportError", status: 200 })
          const whole = lagging()
          yield* pipeTo(yield* send(get(server.url)), whole.writable)
          expect(whole.digest()).toBe(sha256(big))
        }
      }).pipe(Effect.provide(layer), Effect.scoped)
    )

    it.live("interrupting a pipe closes the connection", () =>
      interruptingCloses((response) => pipeTo(response, sink().writable)).pipe(Effect.provide(layer), Effect.scoped)
    )
  })
