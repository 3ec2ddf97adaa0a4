/**
 * Fault matrix through `SmsClient.exportConsistencyResultsToFile` into a temporary folder: the emulator's
 * scripted faults (429 with/without Retry-After, 5xx, resets before/during the body, truncated body, slow
 * body past the timeout, malformed JSON and HTML error bodies, a 200 whose Content-Length lies), plus a
 * `node:http` "proxy" for an HTML page without any request id. For each: the tagged error (or a success after
 * retry), the attempts the server saw (≤ retries + 1), and no `.partial` file and no file under a final name
 * when the call failed.
 */
import * as Emulator from "@sms-consistency/emulator/Emulator"
import * as Credentials from "@sms-consistency/sms/Credentials"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import type { SmsError } from "@sms-consistency/sms/SmsError"
import * as Transport from "@sms-consistency/sms/Transport"
import { Duration, Effect, Either, Exit, Layer, Redacted, Scope } from "effect"
import { createHash } from "node:crypto"
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises"
import * as Http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const exportPath = "/v3/tasks/consistency-results/export"
const retries = 2
const timeoutMs = 400

let scope: Scope.CloseableScope
let emu: Emulator.EmulatorHandle
let root: string
let faultsInjected = 0
let casesRun = 0

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sms-faults-"))
  scope = Effect.runSync(Scope.make())
  emu = await Effect.runPromise(Scope.extend(Emulator.start({ sources: 6, seed: 5 }), scope))
})

afterAll(async () => {
  if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
  if (root !== undefined) await rm(root, { recursive: true, force: true })
  // The figures for the issue note.
  process.stderr.write(`faults.test: ${casesRun} cases, ${faultsInjected} faults injected by the emulator\n`)
})

type CaseOptions = Partial<SmsClient.Options> & { readonly transport?: "undici" | "node:http" }

const clientLayer = (endpoint: string, { transport = "undici", ...options }: CaseOptions = {}) =>
  SmsClient.layerWithTransport({
    endpoint,
    credentials: new Credentials.Token({ token: Redacted.make(Redacted.value(emu.credentials.token)) }),
    timeout: Duration.millis(timeoutMs),
    retries,
    retryBaseDelay: Duration.millis(5),
    retryMaxDelay: Duration.millis(20),
    ...options
  }).pipe(Layer.provide(transport === "undici" ? Transport.undici : Transport.nodeHttp))

const task = (i = 0) => {
  const s = emu.seeded.sources[i]
  if (s?.current_task?.id === undefined) throw new Error(`no seeded source ${i}`)
  return { task_id: s.current_task.id, source_id: s.id, source_name: s.name }
}

const exportAttempts = () => emu.requests().filter((r) => r.path === exportPath).length

interface Outcome {
  readonly result: Either.Either<SmsClient.ExportResult, SmsError>
  readonly attempts: number
  readonly dir: string
  readonly listing: ReadonlyArray<string>
  readonly elapsedMs: number
}

let n = 0
/** One export into a fresh folder, against the emulator with `faults` scripted first. */
const exportWith = async (
  faults: ReadonlyArray<Emulator.ScriptedFault>,
  options: CaseOptions = {},
  endpoint = emu.url
): Promise<Outcome> => {
  casesRun++
  const dir = join(root, `case-${++n}`)
  const before = exportAttempts()
  const faultsBefore = emu.stats().faults
  await Effect.runPromise(emu.script(faults))
  const started = performance.now()
  const result = await Effect.runPromise(
    Effect.flatMap(SmsClient.SmsClient, (c) =>
      c.exportConsistencyResultsToFile({ task_info: [task(n % 6)] }, { directory: dir })
    ).pipe(Effect.either, Effect.provide(clientLayer(endpoint, options)))
  )
  const elapsedMs = performance.now() - started
  faultsInjected += emu.stats().faults - faultsBefore
  const listing = await readdir(dir).catch(() => [])
  return { result, attempts: exportAttempts() - before, dir, listing, elapsedMs }
}

const failed = (o: Outcome): SmsError => {
  if (Either.isRight(o.result)) throw new Error(`expected a failure, got ${JSON.stringify(o.result.right)}`)
  // A failed call leaves nothing: no partial file, no file under a final name.
  expect(o.listing).toEqual([])
  return o.result.left
}

const succeeded = async (o: Outcome) => {
  if (Either.isLeft(o.result))
    throw new Error(`expected a success, got ${o.result.left._tag}: ${o.result.left.message}`)
  const r = o.result.right
  expect(r._tag).toBe("File")
  if (r._tag !== "File" || r.path === undefined) throw new Error("no file path")
  // Exactly the placed file: no leftover temporary from the failed attempts.
  expect(o.listing).toEqual([r.fileName])
  expect(o.listing.some((f) => f.endsWith(".partial") || f.startsWith("."))).toBe(false)
  const bytes = await readFile(r.path)
  expect(bytes.byteLength).toBe(r.byteLength)
  expect(createHash("sha256").update(bytes).digest("hex")).toBe(r.sha256)
  expect(bytes.subarray(0, 4).toString("latin1")).toBe("PK\u0003\u0004")
  return r
}

const times = <A>(k: number, a: A): ReadonlyArray<A> => Array.from({ length: k }, () => a)
const requestIdPattern = /^[0-9a-f-]{36}$/

describe("baseline", () => {
  it("no fault: one attempt, one zip file", async () => {
    const o = await exportWith([])
    expect(o.attempts).toBe(1)
    await succeeded(o)
  })
})

describe("429 Throttled", () => {
  it("without Retry-After, every attempt: Throttled with the gateway's code and request id, retries + 1 attempts", async () => {
    const o = await exportWith(times(retries + 1, { _tag: "Status", status: 429 } as const))
    const e = failed(o)
    expect(o.attempts).toBe(retries + 1)
    expect(e._tag).toBe("Throttled")
    if (e._tag !== "Throttled") return
    expect(e.status).toBe(429)
    expect(e.errorCode).toBe("APIGW.0308")
    expect(e.requestId).toMatch(requestIdPattern)
    expect(e.retryAfterMs).toBeUndefined()
  })

  it("with Retry-After: 1, once: waits about 1 s (not the 5 ms backoff), then succeeds on attempt 2", async () => {
    const o = await exportWith([{ _tag: "Status", status: 429, retryAfter: "1" }])
    expect(o.attempts).toBe(2)
    expect(o.elapsedMs).toBeGreaterThanOrEqual(950)
    expect(o.elapsedMs).toBeLessThan(5_000)
    await succeeded(o)
  })

  it("with Retry-After: 0 on every attempt: Throttled carries retryAfterMs 0, bounded attempts", async () => {
    const o = await exportWith(times(retries + 1, { _tag: "Status", status: 429, retryAfter: "0" } as const))
    const e = failed(o)
    expect(o.attempts).toBe(retries + 1)
    expect(e._tag === "Throttled" && e.retryAfterMs).toBe(0)
  })

  it("default retries (3): four attempts at most", async () => {
    // Exactly four faults: a fifth attempt would succeed and show up as a success.
    const o = await exportWith(times(4, { _tag: "Status", status: 429, retryAfter: "0" } as const), {
      retries: undefined
    })
    expect(failed(o)._tag).toBe("Throttled")
    expect(o.attempts).toBe(4)
  })
})

describe("5xx ServerError", () => {
  for (const status of [500, 502, 503, 504]) {
    it(`${status} on every attempt: ServerError with status, code and request id; ${retries + 1} attempts`, async () => {
      const o = await exportWith(times(retries + 1, { _tag: "Status", status } as const))
      const e = failed(o)
      expect(o.attempts).toBe(retries + 1)
      expect(e._tag).toBe("ServerError")
      if (e._tag !== "ServerError") return
      expect(e.status).toBe(status)
      expect(e.errorCode).toBe("SMS.0001")
      expect(e.requestId).toMatch(requestIdPattern)
    })

    it(`${status} once: success on attempt 2`, async () => {
      const o = await exportWith([{ _tag: "Status", status }])
      expect(o.attempts).toBe(2)
      await succeeded(o)
    })
  }
})

describe("backoff options that are no delay", () => {
  // Two 503s, then the answer: with the default backoff (250 ms doubling, each jittered into [50%, 100%]) the two
  // waits are at least 125 + 250 ms. Such an option meant no backoff at all: the three attempts took a few ms.
  const cases = [
    ["retryBaseDelay NaN", { retryBaseDelay: Number.NaN, retryMaxDelay: undefined }],
    ["retryBaseDelay negative", { retryBaseDelay: Duration.millis(-100), retryMaxDelay: undefined }],
    ["retryMaxDelay NaN", { retryBaseDelay: undefined, retryMaxDelay: Duration.millis(Number.NaN) }],
    ["retryMaxDelay negative", { retryBaseDelay: undefined, retryMaxDelay: -1 }]
  ] as const
  for (const [name, options] of cases) {
    it(`${name} is the default backoff: 503 twice, then success, spaced by at least 375 ms`, async () => {
      const o = await exportWith(times(2, { _tag: "Status", status: 503 } as const), options)
      expect(o.attempts).toBe(3)
      expect(o.elapsedMs).toBeGreaterThanOrEqual(375)
      expect(o.elapsedMs).toBeLessThan(3_000)
      await succeeded(o)
    })
  }
})

describe("malformed and foreign error bodies", () => {
  it("500 with malformed JSON (application/json): ServerError, no invented code, the body described not echoed", async () => {
    const body = '{"error_code": "SMS.0001", "error_msg": "trunc'
    const o = await exportWith(
      times(retries + 1, { _tag: "Status", status: 500, body, contentType: "application/json" } as const)
    )
    const e = failed(o)
    expect(o.attempts).toBe(retries + 1)
    expect(e._tag).toBe("ServerError")
    if (e._tag !== "ServerError") return
    expect(e.status).toBe(500)
    expect(e.errorCode).toBeUndefined()
    expect(e.requestId).toMatch(requestIdPattern)
    expect(e.errorMsg).toMatch(/non-JSON error body \(application\/json/)
  })

  it("400 with malformed JSON: BadRequest after exactly one attempt (not transient)", async () => {
    const o = await exportWith([{ _tag: "Status", status: 400, body: "{not json", contentType: "application/json" }])
    const e = failed(o)
    expect(o.attempts).toBe(1)
    expect(e._tag).toBe("BadRequest")
    expect(e._tag === "BadRequest" && e.status).toBe(400)
  })

  const html =
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"

  it("502 HTML page from a proxy: ServerError naming text/html, retried, bounded", async () => {
    const o = await exportWith(
      times(retries + 1, { _tag: "Status", status: 502, body: html, contentType: "text/html" } as const)
    )
    const e = failed(o)
    expect(o.attempts).toBe(retries + 1)
    expect(e._tag).toBe("ServerError")
    if (e._tag !== "ServerError") return
    expect(e.errorMsg).toMatch(/text\/html/)
    expect(e.message).not.toContain("<html>")
  })

  it("403 HTML page from a proxy: Forbidden after one attempt, no fields invented", async () => {
    const o = await exportWith([{ _tag: "Status", status: 403, body: html, contentType: "text/html" }])
    const e = failed(o)
    expect(o.attempts).toBe(1)
    expect(e._tag).toBe("Forbidden")
    if (e._tag !== "Forbidden") return
    expect(e.errorCode).toBeUndefined()
    expect(e.errorParam).toBeUndefined()
  })

  it("a proxy without X-Request-Id (capture server): 502 HTML → ServerError, requestId absent, retries + 1 requests", async () => {
    let hits = 0
    const server = Http.createServer((req, res) => {
      hits++
      req.resume()
      req.on("end", () => {
        res.writeHead(502, { "Content-Type": "text/html; charset=iso-8859-1", "Content-Length": String(html.length) })
        res.end(html)
      })
    })
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    try {
      const o = await exportWith([], {}, `http://127.0.0.1:${port}`)
      const e = failed(o)
      expect(o.attempts).toBe(0) // the emulator saw nothing
      expect(hits).toBe(retries + 1)
      expect(e._tag).toBe("ServerError")
      if (e._tag !== "ServerError") return
      expect(e.status).toBe(502)
      expect(e.requestId).toBeUndefined()
      expect(e.errorMsg).toMatch(/text\/html/)
    } finally {
      server.closeAllConnections()
      await new Promise<void>((done) => server.close(() => done()))
    }
  })
})

describe("connection and body faults", () => {
  const transportCases: ReadonlyArray<readonly [string, Emulator.ScriptedFault]> = [
    ["reset before the body", { _tag: "ResetBeforeBody" }],
    ["reset during the body", { _tag: "ResetDuringBody" }],
    ["truncated body (Content-Length promises more)", { _tag: "TruncatedBody" }],
    ["200 with a Content-Length 100 bytes too large", { _tag: "ContentLengthMismatch" }]
  ]
  for (const [name, fault] of transportCases) {
    it(`${name}, every attempt: TransportError, ${retries + 1} attempts, nothing on disk`, async () => {
      const o = await exportWith(times(retries + 1, fault))
      const e = failed(o)
      expect(o.attempts).toBe(retries + 1)
      expect(e._tag).toBe("TransportError")
    })

    it(`${name}, once: success on attempt 2, only the complete file on disk`, async () => {
      const o = await exportWith([fault])
      expect(o.attempts).toBe(2)
      await succeeded(o)
    })
  }

  it("slow body past the timeout, every attempt: Timeout with timeoutMs, bounded attempts and time", async () => {
    const o = await exportWith(times(retries + 1, { _tag: "SlowBody", delayMs: 1_500 } as const))
    const e = failed(o)
    expect(o.attempts).toBe(retries + 1)
    expect(e._tag).toBe("Timeout")
    expect(e._tag === "Timeout" && e.timeoutMs).toBe(timeoutMs)
    // Three timed attempts and small backoffs, not three full slow bodies.
    expect(o.elapsedMs).toBeLessThan((retries + 1) * timeoutMs + 1_000)
  })

  it("slow body past the timeout, once: success on attempt 2", async () => {
    const o = await exportWith([{ _tag: "SlowBody", delayMs: 1_500 }])
    expect(o.attempts).toBe(2)
    await succeeded(o)
  })

  it("slow body within the timeout: one attempt, success", async () => {
    const o = await exportWith([{ _tag: "SlowBody", delayMs: 50 }])
    expect(o.attempts).toBe(1)
    await succeeded(o)
  })
})

describe("large streamed body cut mid-stream", () => {
  // Streamed bodies go through each transport's pipeTo (stream.pipeline into the file).
  for (const transport of ["undici", "node:http"] as const)
    it(`over ${transport}: 200 MiB body reset after its first MiB, every attempt: TransportError, no partial file left`, async () => {
      await Effect.runPromise(emu.setExportMode("large"))
      try {
        // The default largeBodyBytes (200 MiB): the fault sends its first MiB, then resets.
        const o = await exportWith(times(retries + 1, { _tag: "ResetDuringBody" } as const), {
          timeout: Duration.seconds(5),
          transport
        })
        const e = failed(o)
        expect(o.attempts).toBe(retries + 1)
        expect(e._tag).toBe("TransportError")
      } finally {
        await Effect.runPromise(emu.setExportMode("zip"))
      }
    })
})

describe("non-transient statuses are not retried", () => {
  it("404 for an unknown task: NotFound SMS.9003 after one attempt", async () => {
    casesRun++
    const dir = join(root, "not-found")
    const before = exportAttempts()
    const result = await Effect.runPromise(
      Effect.flatMap(SmsClient.SmsClient, (c) =>
        c.exportConsistencyResultsToFile(
          { task_info: [{ task_id: "no-such-task", source_id: "", source_name: "" }] },
          { directory: dir }
        )
      ).pipe(Effect.flip, Effect.provide(clientLayer(emu.url)))
    )
    expect(exportAttempts() - before).toBe(1)
    expect(result._tag).toBe("NotFound")
    expect(result._tag === "NotFound" && result.errorCode).toBe("SMS.9003")
    expect(await readdir(dir).catch(() => [])).toEqual([])
  })

  it("401 wrong token: Unauthorized APIGW.0301 after one attempt", async () => {
    casesRun++
    const dir = join(root, "unauthorized")
    const before = exportAttempts()
    const layer = SmsClient.layer({
      endpoint: emu.url,
      credentials: new Credentials.Token({ token: Redacted.make("wrong-token") }),
      retries,
      retryBaseDelay: Duration.millis(5)
    })
    const result = await Effect.runPromise(
      Effect.flatMap(SmsClient.SmsClient, (c) =>
        c.exportConsistencyResultsToFile({ task_info: [task()] }, { directory: dir })
      ).pipe(Effect.flip, Effect.provide(layer))
    )
    expect(exportAttempts() - before).toBe(1)
    expect(result._tag).toBe("Unauthorized")
    expect(result._tag === "Unauthorized" && result.errorCode).toBe("APIGW.0301")
    expect(await readdir(dir).catch(() => [])).toEqual([])
  })
})
