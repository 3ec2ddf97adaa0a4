import { assert, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Emulator } from "../src/index.js"
import { exportBody, type RawResult, raw, withToken } from "./support.js"

const sources = { path: "/v3/sources", query: "limit=0" }

describe("Emulator faults", () => {
  it.scoped("serves scripted status faults in order, then normal answers; GET / is never faulted", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 3 })
      const html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
      yield* emulator.script([
        { _tag: "Status", status: 502, body: html, contentType: "text/html" },
        { _tag: "Status", status: 429, retryAfter: "1" },
        { _tag: "Status", status: 503 },
        { _tag: "Status", status: 200, body: "{not json", contentType: "application/json" }
      ])
      const probe = yield* raw(emulator, { path: "/", token: false })
      assert.strictEqual(probe.status, 200)

      const proxy = yield* raw(emulator, sources)
      assert.strictEqual(proxy.status, 502)
      assert.strictEqual(proxy.headers?.["content-type"], "text/html")
      assert.strictEqual(proxy.body.toString("utf8"), html)
      assert.isString(proxy.headers?.["x-request-id"])

      const throttled = yield* raw(emulator, sources)
      assert.strictEqual(throttled.status, 429)
      assert.strictEqual(throttled.headers?.["retry-after"], "1")
      expect(JSON.parse(throttled.body.toString("utf8"))).toMatchObject({
        error_code: "APIGW.0308",
        request_id: throttled.headers?.["x-request-id"]
      })

      const unavailable = yield* raw(emulator, sources)
      assert.strictEqual(unavailable.status, 503)
      expect(JSON.parse(unavailable.body.toString("utf8"))).toMatchObject({ error_code: "SMS.0001" })

      const malformed = yield* raw(emulator, sources)
      assert.strictEqual(malformed.status, 200)
      assert.strictEqual(malformed.body.toString("utf8"), "{not json")

      const normal = yield* raw(emulator, sources)
      assert.strictEqual(normal.status, 200)
      expect(JSON.parse(normal.body.toString("utf8"))).toMatchObject({ count: 3 })
      expect(emulator.stats()).toMatchObject({ requests: 6, faults: 4 })
    })
  )

  it.scoped("a scripted 400, 401, 403 or 404 without a body answers as the service or the gateway would", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 2 })
      const json = (result: RawResult) => JSON.parse(result.body.toString("utf8")) as Record<string, unknown>
      const keys = (result: RawResult) => Object.keys(json(result)).sort()
      const exportCall = {
        method: "POST",
        path: "/v3/tasks/consistency-results/export",
        headers: { "Content-Type": "application/json" },
        body: exportBody(emulator, 1)
      }
      // What the emulator answers for real: the scripted defaults must have the same shape and codes.
      const real = {
        400: yield* raw(emulator, { ...exportCall, body: JSON.stringify({ task_info: [] }) }),
        401: yield* raw(emulator, { ...sources, token: false }),
        403: (yield* withToken(emulator, exportCall, emulator.credentials.deniedToken)).bytes,
        404: yield* raw(emulator, { path: "/v3/tasks/no-such-task/consistency-result" })
      }
      assert.deepStrictEqual(
        [real[400].status, real[401].status, real[404].status],
        [400, 401, 404],
        "the real answers the defaults are compared with"
      )
      const realForbidden = JSON.parse(real[403].toString("utf8")) as Record<string, unknown>

      yield* emulator.script([400, 401, 403, 403, 404].map((status) => ({ _tag: "Status", status }) as const))
      const badRequest = yield* raw(emulator, sources)
      assert.strictEqual(badRequest.status, 400)
      assert.deepStrictEqual(keys(badRequest), keys(real[400]))
      expect(json(badRequest)).toMatchObject({ error_code: "SMS.9002" })

      const unauthorized = yield* raw(emulator, sources)
      assert.strictEqual(unauthorized.status, 401)
      assert.deepStrictEqual(keys(unauthorized), keys(real[401]))
      expect(json(unauthorized)).toMatchObject({
        error_code: "APIGW.0301",
        error_msg: expect.stringMatching(/^Incorrect IAM authentication information: /),
        request_id: unauthorized.headers?.["x-request-id"]
      })

      // The permission named is the one the call needs (API pages: sms:server:list for GET /v3/sources).
      for (const [call, action] of [
        [sources, "sms:server:list"],
        [exportCall, "sms:server:getBatchConsistencyResults"]
      ] as const) {
        const forbidden = yield* raw(emulator, call)
        assert.strictEqual(forbidden.status, 403)
        assert.deepStrictEqual(keys(forbidden), Object.keys(realForbidden).sort())
        expect(json(forbidden)).toMatchObject({
          error_code: "SMS.9004",
          error_msg: expect.stringContaining(action),
          encoded_authorization_message: expect.stringMatching(/^[A-Za-z0-9+/=]{200,}$/),
          error_param: [action],
          details: [{ error_code: "SMS.9004", error_msg: expect.stringContaining(action) }]
        })
      }

      const notFound = yield* raw(emulator, sources)
      assert.strictEqual(notFound.status, 404)
      assert.deepStrictEqual(keys(notFound), keys(real[404]))
      expect(json(notFound)).toMatchObject({ error_code: "SMS.9003" })
    })
  )

  it.scoped("breaks connections and bodies as scripted", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 30 })
      yield* emulator.script([
        { _tag: "ResetBeforeBody" },
        { _tag: "ResetDuringBody" },
        { _tag: "TruncatedBody" },
        { _tag: "ContentLengthMismatch" },
        { _tag: "SlowBody", delayMs: 300 }
      ])
      const full = (result: RawResult) => Number(result.headers?.["content-length"] ?? Number.NaN)

      const resetBefore = yield* raw(emulator, sources)
      assert.isUndefined(resetBefore.status)
      assert.strictEqual(resetBefore.error, "ECONNRESET")

      const resetDuring = yield* raw(emulator, sources)
      assert.strictEqual(resetDuring.status, 200)
      assert.isDefined(resetDuring.error)
      assert.isBelow(resetDuring.received, full(resetDuring))

      const truncated = yield* raw(emulator, sources)
      assert.strictEqual(truncated.status, 200)
      assert.isDefined(truncated.error)
      assert.isAbove(truncated.received, 0)
      assert.isBelow(truncated.received, full(truncated))

      const mismatch = yield* raw(emulator, sources)
      assert.strictEqual(mismatch.status, 200)
      assert.isDefined(mismatch.error)
      assert.strictEqual(full(mismatch), mismatch.received + 100)
      // The whole real body did arrive: only the declared length lies.
      expect(JSON.parse(mismatch.body.toString("utf8"))).toMatchObject({ count: 30 })

      const slow = yield* raw(emulator, sources)
      assert.strictEqual(slow.status, 200)
      assert.isUndefined(slow.error)
      assert.isBelow(slow.headersAtMs ?? Number.POSITIVE_INFINITY, 250)
      assert.isAtLeast(slow.endAtMs, 290)
      assert.strictEqual(slow.received, full(slow))

      expect(emulator.requests().map((r) => r.status)).toStrictEqual([0, 200, 200, 200, 200])
      expect(emulator.stats()).toMatchObject({ faults: 5, byStatus: { "0": 1, "200": 4 } })
    })
  )

  it.scoped("draws random faults at faultRate, reproducibly for a seed", () =>
    Effect.gen(function* () {
      const outcomes = (seed: number) =>
        Effect.gen(function* () {
          const emulator = yield* Emulator.start({ sources: 2, seed, faultRate: 0.3 })
          const seen: Array<string> = []
          for (let i = 0; i < 40; i++) {
            const result = yield* raw(emulator, sources)
            seen.push(result.error !== undefined ? `reset:${result.error}` : String(result.status))
          }
          return { seen, stats: emulator.stats() }
        })
      const a = yield* outcomes(5)
      const b = yield* outcomes(5)
      const c = yield* outcomes(6)
      assert.deepStrictEqual(a.seen, b.seen)
      assert.notDeepEqual(a.seen, c.seen)
      const faults = a.seen.filter((s) => s !== "200")
      assert.strictEqual(a.stats.faults, faults.length)
      assert.isAtLeast(faults.length, 4)
      assert.isAtMost(faults.length, 22)
      for (const outcome of faults) assert.oneOf(outcome, ["429", "500", "503", "reset:ECONNRESET"])
    })
  )

  it.scoped("adds latencyMs before each response", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 1, latencyMs: 150 })
      const result = yield* raw(emulator, { path: "/", token: false })
      assert.strictEqual(result.status, 200)
      assert.isAtLeast(result.endAtMs, 140)
    })
  )

  it.scoped(
    "a fault it cannot serve (a status HTTP has not) is answered 500, not left hanging; the next is served",
    () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.start({ sources: 3 })
        yield* emulator.script([{ _tag: "Status", status: 99 }])
        const failed = yield* raw(emulator, sources)
        assert.strictEqual(failed.status, 500)
        const body = JSON.parse(failed.body.toString("utf8"))
        assert.strictEqual(body.error_code, Emulator.ErrorCodes.internal)
        expect(body.error_msg).toMatch(/^Internal error of the emulator: .*99/)
        assert.isString(failed.headers?.["x-request-id"])
        const next = yield* raw(emulator, sources)
        assert.strictEqual(next.status, 200)
      })
  )

  it.scoped("a scripted 204 or 304 is answered with no body and no Content-Length; the next is served", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 3 })
      yield* emulator.script([
        { _tag: "Status", status: 204 },
        { _tag: "Status", status: 304 },
        { _tag: "Status", status: 204, retryAfter: "2" },
        { _tag: "Status", status: 304 }
      ])
      // The client's undici 7 took the old answer's Content-Length (of a body never sent) for a broken one:
      // UND_ERR_RES_CONTENT_LENGTH_MISMATCH, retried as transient.
      for (const status of [204, 304]) {
        const result = yield* raw(emulator, sources)
        assert.strictEqual(result.status, status)
        assert.isUndefined(result.error)
        assert.strictEqual(result.received, 0)
        assert.isUndefined(result.headers?.["content-length"])
        assert.isUndefined(result.headers?.["transfer-encoding"])
        assert.isString(result.headers?.["x-request-id"])
      }
      const noContent = yield* withToken(emulator, sources)
      assert.strictEqual(noContent.status, 204)
      assert.strictEqual(noContent.bytes.length, 0)
      assert.strictEqual(noContent.headers.get("retry-after"), "2")
      const notModified = yield* withToken(emulator, sources)
      assert.strictEqual(notModified.status, 304)
      assert.strictEqual(notModified.bytes.length, 0)
      const next = yield* withToken(emulator, sources)
      assert.strictEqual(next.status, 200)
      expect(emulator.requests().map((r) => r.status)).toStrictEqual([204, 304, 204, 304, 200])
    })
  )

  it.scoped("a scripted 205 is answered with no body, under Content-Length: 0; the next is served", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 3 })
      yield* emulator.script([
        { _tag: "Status", status: 205 },
        { _tag: "Status", status: 205, retryAfter: "2" }
      ])
      // RFC 9110 §15.3.6: a 205 has no content. It was sent with the default SMS.0001 body. Node does not frame a
      // 205 as it does a 204 (issue nodejs/node#3096), so the length 0 says there is none: the client reads the
      // end of the answer at once, and is not left waiting (the timeouts fail the test, not vitest's).
      const resetContent = yield* raw(emulator, sources).pipe(Effect.timeout("2 seconds"))
      assert.strictEqual(resetContent.status, 205)
      assert.isUndefined(resetContent.error)
      assert.strictEqual(resetContent.received, 0)
      assert.strictEqual(resetContent.headers?.["content-length"], "0")
      assert.isUndefined(resetContent.headers?.["transfer-encoding"])
      assert.isString(resetContent.headers?.["x-request-id"])
      const fetched = yield* withToken(emulator, sources).pipe(Effect.timeout("2 seconds"))
      assert.strictEqual(fetched.status, 205)
      assert.strictEqual(fetched.bytes.length, 0)
      assert.strictEqual(fetched.headers.get("retry-after"), "2")
      const next = yield* withToken(emulator, sources).pipe(Effect.timeout("2 seconds"))
      assert.strictEqual(next.status, 200)
      expect(emulator.requests().map((r) => r.status)).toStrictEqual([205, 205, 200])
    })
  )

  it.scoped(
    "a status outside 200..599, a body on a 204/205/304 or a bad header is answered 500 naming it; the next is served",
    () =>
      Effect.gen(function* () {
        const emulator = yield* Emulator.start({ sources: 3 })
        const refused = [
          [{ _tag: "Status", status: 100 }, "a scripted fault's status must be 200..599 (got 100)"],
          [{ _tag: "Status", status: 199 }, "(got 199)"],
          [{ _tag: "Status", status: 600 }, "(got 600)"],
          [{ _tag: "Status", status: 500.5 }, "(got 500.5)"],
          [{ _tag: "Status", status: Number.NaN }, "(got NaN)"],
          [{ _tag: "Status", status: 204, body: "x" }, "a scripted fault's status 204 carries no body"],
          [{ _tag: "Status", status: 304, body: "{}" }, "a scripted fault's status 304 carries no body"],
          [{ _tag: "Status", status: 205, body: "x" }, "a scripted fault's status 205 carries no body"],
          [{ _tag: "Status", status: 204, retryAfter: "a\nb" }, 'retryAfter is not a valid header value (got "a\\nb")'],
          [
            { _tag: "Status", status: 304, contentType: "x\ny" },
            'contentType is not a valid header value (got "x\\ny")'
          ]
        ] as const
        yield* emulator.script(refused.map(([fault]) => fault))
        for (const [, message] of refused) {
          const failed = yield* raw(emulator, sources)
          assert.strictEqual(failed.status, 500)
          assert.isUndefined(failed.error)
          const body = JSON.parse(failed.body.toString("utf8"))
          assert.strictEqual(body.error_code, Emulator.ErrorCodes.internal)
          assert.include(body.error_msg, message)
          expect(body.error_msg).toMatch(/^Internal error of the emulator: /)
          assert.isString(failed.headers?.["x-request-id"])
        }
        const next = yield* raw(emulator, sources)
        assert.strictEqual(next.status, 200)
        expect(emulator.requests().map((r) => r.status)).toStrictEqual([...refused.map(() => 500), 200])
      })
  )
})
