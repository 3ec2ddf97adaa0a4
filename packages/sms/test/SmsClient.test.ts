import { NodeHttpClient } from "@effect/platform-node"
import { assert, beforeAll, describe, expect, it } from "@effect/vitest"
import {
  Cause,
  Chunk,
  Duration,
  Effect,
  Either,
  Fiber,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Stream,
  TestClock,
  TestServices,
  Tracer
} from "effect"
import { createHash, randomBytes } from "node:crypto"
import { mkdtemp, readdir, readFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as BatchExport from "../src/BatchExport.js"
import * as Credentials from "../src/Credentials.js"
import * as Signer from "../src/Signer.js"
import * as SmsClient from "../src/SmsClient.js"
import * as SmsError from "../src/SmsError.js"
import * as Transport from "../src/Transport.js"
import * as Server from "./support/server.js"

const SK = "SECRET-SK-0123456789abcdefghijklmnop"
const TOKEN = "SECRET-TOKEN-abcdefghijklmnopqrstuvwxyz"
const STS = "SECRET-STS-zyxwvutsrqponmlkjihgfedcba"
const akSk = new Credentials.AkSk({
  ak: "AKTESTCLIENT00000000",
  sk: Redacted.make(SK),
  securityToken: Redacted.make(STS),
  domainId: "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0"
})

const task = (i: number) => ({ task_id: `task-${i}`, source_id: `src-${i}`, source_name: `web ${i}` })

/** Every test runs over each transport: undici, node:http and @effect/platform's HttpClient. */
const transports = {
  undici: (options: SmsClient.Options) => SmsClient.layerWithTransport(options).pipe(Layer.provide(Transport.undici)),
  "node:http": (options: SmsClient.Options) =>
    SmsClient.layerWithTransport(options).pipe(Layer.provide(Transport.nodeHttp)),
  "platform HttpClient": (options: SmsClient.Options) =>
    SmsClient.layerHttpClient(options).pipe(Layer.provide(NodeHttpClient.layerUndici))
} as const
let transport: keyof typeof transports = "undici"

const client = (url: string, overrides: Partial<SmsClient.Options> = {}) =>
  transports[transport]({
    endpoint: url,
    credentials: akSk,
    retryBaseDelay: Duration.millis(1),
    retryMaxDelay: Duration.millis(5),
    ...overrides
  })

const withClient = <A, E>(
  url: string,
  effect: Effect.Effect<A, E, SmsClient.SmsClient>,
  o: Partial<SmsClient.Options> = {}
) => Effect.provide(effect, client(url, o))

const exportOne = Effect.flatMap(SmsClient.SmsClient, (c) => c.exportConsistencyResults({ task_info: [task(1)] }))

for (const name of ["undici", "node:http", "platform HttpClient"] as const) {
  describe(`over ${name}`, () => {
    beforeAll(() => {
      transport = name
    })
    describe("SmsClient: the request", () => {
      it.live("sends a signed POST whose signature verifies, with all three keys and no Accept: application/json", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          server.respond(Server.bytes(new Uint8Array([1, 2, 3])))
          yield* withClient(
            server.url,
            Effect.flatMap(SmsClient.SmsClient, (c) =>
              c.exportConsistencyResults({
                task_info: [{ task_id: "t", source_id: "", source_name: "" }],
                language: "zh-cn"
              })
            )
          )
          const [req] = server.received
          assert(req)
          expect(req.method).toBe("POST")
          expect(req.url).toBe("/v3/tasks/consistency-results/export")
          expect(JSON.parse(req.body.toString())).toEqual({
            task_info: [{ task_id: "t", source_id: "", source_name: "" }]
          })
          expect(req.headers["x-language"]).toBe("zh-cn")
          expect(req.headers["x-domain-id"]).toBe("d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0")
          expect(req.headers["x-security-token"]).toBe(STS)
          expect(req.headers.accept).toBe("*/*")
          // Re-sign what was received with the SK: the Authorization must be identical.
          const auth = Signer.parseAuthorization(String(req.headers.authorization))
          assert(auth)
          const headers: Record<string, string> = {}
          for (const name of auth.signedHeaders) headers[name] = String(req.headers[name])
          const again = Signer.sign(
            { method: "POST", url: `${server.url}${req.url}`, headers, body: req.body },
            { ak: akSk.ak, sk: akSk.sk }
          )
          expect(again.authorization).toBe(req.headers.authorization)
          expect(auth.signedHeaders).toContain("host")
          expect(auth.signedHeaders).toContain("x-security-token")
        }).pipe(Effect.scoped)
      )

      it.live("uses X-Auth-Token for a token and signs nothing", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          yield* withClient(server.url, exportOne, {
            credentials: new Credentials.Token({ token: Redacted.make(TOKEN) })
          })
          const [req] = server.received
          expect(req?.headers["x-auth-token"]).toBe(TOKEN)
          expect(req?.headers.authorization).toBeUndefined()
        }).pipe(Effect.scoped)
      )

      it.live("calls made together share one domain id look-up; a failed one warns once and is tried again", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          const slowly =
            (handler: Server.Handler): Server.Handler =>
            (req, res) =>
              setTimeout(() => handler(req, res), 50)
          const iamDenies = slowly(Server.json(401, { error_code: "IAM.0001", error_msg: "bad AK" }))
          server.respond(iamDenies, iamDenies, Server.json(200, { domains: [{ id: "d-1", name: "x" }] }))
          const warnings: Array<string> = []
          const capture = Logger.make(({ logLevel, message }) => {
            if (logLevel._tag === "Warning") warnings.push(String(message))
          })
          const lookUps = () => server.received.filter((r) => r.url === "/v3/auth/domains").length
          const program = Effect.gen(function* () {
            const { info } = yield* SmsClient.SmsClient
            expect(info.identity).toBe("AK **** (domain to be looked up)")
            const three = Effect.all([exportOne, exportOne, exportOne], { concurrency: 3, mode: "either" })
            const denied = yield* three
            expect(denied.map((e) => Either.isLeft(e) && e.left._tag)).toEqual(Array(3).fill("Unauthorized"))
            expect(lookUps()).toBe(1)
            expect(info.identity).toBe("AK **** (domain not known: its look-up failed)")
            // Not remembered: the next call asks again (denied again, without a second warning), then succeeds.
            expect(Either.isLeft(yield* Effect.either(exportOne))).toBe(true)
            expect(lookUps()).toBe(2)
            const done = yield* three
            expect(done.every(Either.isRight)).toBe(true)
            expect(lookUps()).toBe(3)
            // The identity names the domain id once it is known.
            expect(info.identity).toBe("AK **** (domain d-1, looked up)")
          })
          yield* withClient(server.url, program, {
            credentials: new Credentials.AkSk({ ak: "AKLOOKUP", sk: Redacted.make(SK) }),
            iamEndpoint: server.url
          }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
          // The failure, said once; no advice to set a domain id, which would not get the credentials accepted.
          expect(warnings).toEqual([
            `looking up the account's domain id at ${server.url}/v3/auth/domains failed: IAM refused the credentials: ` +
              "Unauthorized (HTTP 401) — IAM.0001: bad AK [request id req-401]"
          ])
          const exports = server.received.filter((r) => r.url !== "/v3/auth/domains")
          expect(exports).toHaveLength(3)
          for (const r of exports) expect(r.headers["x-domain-id"]).toBe("d-1")
        }).pipe(Effect.scoped)
      )

      it.live(
        "IAM failing the look-up: retried as one call (4 tries, not 4 × 4), then missing credentials that say so",
        () =>
          Effect.gen(function* () {
            const server = yield* Server.start
            server.respond(Server.json(503, { error_code: "IAM.0100", error_msg: "busy" }))
            const error = yield* withClient(server.url, Effect.flip(exportOne), {
              credentials: new Credentials.AkSk({ ak: "AKLOOKUP", sk: Redacted.make(SK) }),
              iamEndpoint: server.url,
              retries: 3
            })
            expect(server.received.map((r) => r.url)).toEqual(Array(4).fill("/v3/auth/domains"))
            expect(error._tag).toBe("MissingCredentials")
            expect(error.message).toContain(`could not be looked up at ${server.url}/v3/auth/domains`)
            expect(error.message).toContain("HTTP 503")
            // The remedy is the look-up's, not "set credentials" (they are set).
            expect(SmsError.hint(error)).toMatch(/^Set HUAWEICLOUD_SDK_DOMAIN_ID .* to skip the look-up/)
          }).pipe(Effect.scoped)
      )

      it.live("a call waiting on another's domain id look-up is not interrupted with it: it looks up again", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          // The first look-up is never answered (its caller is interrupted); the second is answered at once.
          const held = () => undefined
          server.respond(held, Server.json(200, { domains: [{ id: "d-2", name: "x" }] }), Server.json(200, {}))
          const program = Effect.gen(function* () {
            const leader = yield* Effect.fork(exportOne)
            // Once the leader's look-up has reached the server, a call made now waits on it.
            while (server.received.length === 0) yield* Effect.sleep(Duration.millis(5))
            const waiter = yield* Effect.fork(exportOne)
            yield* Effect.sleep(Duration.millis(20))
            yield* Fiber.interrupt(leader)
            const result = yield* Fiber.join(waiter)
            expect(result._tag).toBe("Json")
          })
          yield* withClient(server.url, program, {
            credentials: new Credentials.AkSk({ ak: "AKLOOKUP", sk: Redacted.make(SK) }),
            iamEndpoint: server.url
          })
          expect(server.received.map((r) => r.url)).toEqual([
            "/v3/auth/domains",
            "/v3/auth/domains",
            "/v3/tasks/consistency-results/export"
          ])
        }).pipe(Effect.scoped)
      )

      it.live("looks the domain id up once per client when none is given, and uses X-Project-Id when given", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          server.respond(Server.json(200, { domains: [{ id: "looked-up-domain", name: "x" }] }), Server.json(200, {}))
          const noDomain = new Credentials.AkSk({ ak: "AKLOOKUP", sk: Redacted.make(SK) })
          yield* withClient(server.url, Effect.zip(exportOne, exportOne), {
            credentials: noDomain,
            iamEndpoint: server.url
          })
          expect(server.received.map((r) => r.url)).toEqual([
            "/v3/auth/domains",
            "/v3/tasks/consistency-results/export",
            "/v3/tasks/consistency-results/export"
          ])
          expect(server.received[0]?.headers["x-domain-id"]).toBeUndefined()
          expect(server.received[2]?.headers["x-domain-id"]).toBe("looked-up-domain")
          server.received.length = 0
          server.respond(Server.json(200, {}))
          const project = new Credentials.AkSk({ ak: "AKPROJ", sk: Redacted.make(SK), projectId: "p-1" })
          yield* withClient(server.url, exportOne, { credentials: project })
          expect(server.received[0]?.headers["x-project-id"]).toBe("p-1")
          expect(server.received[0]?.headers["x-domain-id"]).toBeUndefined()
        }).pipe(Effect.scoped)
      )

      it.live("rejects invalid input before sending, naming the field and the limit", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          const run = (taskInfo: unknown, language?: unknown) =>
            withClient(
              server.url,
              Effect.flatMap(SmsClient.SmsClient, (c) =>
                c.exportConsistencyResults(
                  // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input from an untyped caller
                  (language === undefined ? { task_info: taskInfo } : { task_info: taskInfo, language }) as any
                )
              ).pipe(Effect.flip)
            )
          const long = yield* run([{ task_id: "x".repeat(37), source_id: "", source_name: "" }])
          expect(long._tag).toBe("InvalidRequest")
          expect(long.message).toBe("task_info[0].task_id: must be at most 36 characters (got 37)")
          const many = yield* run(Array.from({ length: 201 }, (_, i) => task(i)))
          expect(many.message).toBe("task_info: must hold at most 200 tasks per call (got 201)")
          const empty = yield* run([])
          expect(empty.message).toBe("task_info: must hold at least 1 task")
          const missing = yield* run([{ task_id: "a", source_id: "b" }])
          expect(missing.message).toBe("task_info[0].source_name: is required")
          // A union's choices in one reason, not its first member's "Expected".
          const language = yield* run([task(1)], "fr")
          expect(language.message).toBe('language: must be "en-us" or "zh-cn" (got "fr")')
          const notArray = yield* run("t1,s1,web")
          expect(notArray.message).toBe("task_info: must be an array of {task_id, source_id, source_name} (got string)")
          const notTask = yield* run([task(1), null])
          expect(notTask.message).toBe("task_info[1]: must be an object {task_id, source_id, source_name} (got null)")
          const notText = yield* run([{ ...task(1), task_id: 7 }])
          expect(notText.message).toBe("task_info[0].task_id: must be a string (got number)")
          expect(server.received).toHaveLength(0)
        }).pipe(Effect.scoped)
      )
    })

    describe("SmsClient: the 200 body", () => {
      it.live(
        "survives byte for byte: random bytes with invalid UTF-8, and a 5 MB body, named from Content-Disposition",
        () =>
          Effect.gen(function* () {
            const server = yield* Server.start
            const small = new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0x80])
            const big = randomBytes(5 * 1024 * 1024)
            server.respond(
              Server.bytes(small, { "content-disposition": 'attachment; filename="results.zip"' }),
              Server.bytes(big, { "content-disposition": "attachment; filename*=UTF-8''%E7%BB%93%E6%9E%9C.zip" })
            )
            const [a, b] = yield* withClient(server.url, Effect.zip(exportOne, exportOne))
            assert(a?._tag === "File" && b?._tag === "File")
            expect(Buffer.from(a.bytes ?? [])).toEqual(Buffer.from(small))
            expect(a.fileName).toBe("results.zip")
            expect(a.requestId).toBeUndefined()
            expect(b.byteLength).toBe(big.byteLength)
            expect(b.sha256).toBe(createHash("sha256").update(big).digest("hex"))
            expect(Buffer.compare(Buffer.from(b.bytes ?? []), big)).toBe(0)
            expect(b.fileName).toBe("结果.zip")
          }).pipe(Effect.scoped)
      )

      it.live("returns the documented JSON `{ }` as JSON, and text `OK` as a .txt file", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          server.respond(Server.json(200, "{ }"), (_req, res) => {
            res.writeHead(200, { "content-type": "text/plain" })
            res.end("OK")
          })
          const [json, text] = yield* withClient(server.url, Effect.zip(exportOne, exportOne))
          expect(json).toMatchObject({ _tag: "Json", body: {}, requestId: "req-200" })
          assert(text?._tag === "File")
          expect(text.fileName).toMatch(/^consistency-results-\d{14}\.txt$/)
          expect(new TextDecoder().decode(text.bytes)).toBe("OK")
        }).pipe(Effect.scoped)
      )

      it.live("keeps an HTML page like any body, with a warning that names the endpoint", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          server.respond(
            (_req, res) => {
              res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
              res.end("<html><body>Sign in to the portal</body></html>")
            },
            Server.bytes(new Uint8Array([0x50, 0x4b, 0x03, 0x04]))
          )
          const warnings: Array<string> = []
          const capture = Logger.make(({ logLevel, message }) => {
            if (logLevel._tag === "Warning") warnings.push(String(message))
          })
          const [html, zip] = yield* withClient(server.url, Effect.zip(exportOne, exportOne)).pipe(
            Effect.provide(Logger.replace(Logger.defaultLogger, capture))
          )
          assert(html?._tag === "File" && zip?._tag === "File")
          expect(html.fileName).toMatch(/\.txt$/)
          expect(zip.fileName).toMatch(/\.zip$/)
          expect(warnings).toEqual([
            expect.stringMatching(
              /^the export was answered with an HTML page \(text\/html; charset=utf-8\).*check the endpoint \(http:/
            )
          ])
        }).pipe(Effect.scoped)
      )

      it.live("a 204 or an empty 200 is a DecodeError, in memory and to a file, and leaves no file", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          const noContent: Server.Handler = (_req, res) => {
            res.writeHead(204, { "x-request-id": "r-204" })
            res.end()
          }
          const empty = Server.bytes(new Uint8Array(0), { "x-request-id": "r-200" })
          // JSON-typed: a blank body is not the documented `{ }` either.
          const blankJson = Server.bytes(new Uint8Array(0), {
            "x-request-id": "r-json",
            "content-type": "application/json"
          })
          server.respond(noContent, empty, blankJson, noContent, empty, blankJson)
          const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "sms-client-")))
          const toFile = Effect.flatMap(SmsClient.SmsClient, (c) =>
            c.exportConsistencyResultsToFile({ task_info: [task(1)] }, { directory: dir })
          )
          const inMemory = Effect.flip(exportOne)
          const errors = yield* withClient(
            server.url,
            Effect.all([inMemory, inMemory, inMemory, Effect.flip(toFile), Effect.flip(toFile), Effect.flip(toFile)])
          )
          const expected = [
            ["DecodeError", 204, "r-204"],
            ["DecodeError", 200, "r-200"],
            ["DecodeError", 200, "r-json"]
          ]
          expect(errors.map((e) => [e._tag, "status" in e && e.status, "requestId" in e && e.requestId])).toEqual([
            ...expected,
            ...expected
          ])
          expect(errors[0]?.message).toContain("empty body: no file was exported")
          expect(yield* Effect.promise(() => readdir(dir))).toEqual([])
        }).pipe(Effect.scoped)
      )

      it.live("streams to a file: no partial file under the final name, never overwrites, sanitises names", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "sms-client-")))
          const body = randomBytes(300_000)
          server.respond(Server.bytes(body, { "content-disposition": 'attachment; filename="../../etc/passwd"' }))
          const run = withClient(
            server.url,
            Effect.flatMap(SmsClient.SmsClient, (c) =>
              c.exportConsistencyResultsToFile({ task_info: [task(1)] }, { directory: dir })
            )
          )
          const first = yield* run
          const second = yield* run
          assert(first._tag === "File" && second._tag === "File")
          expect(first.path).toBe(join(dir, "passwd"))
          expect(second.path).toBe(join(dir, "passwd-1"))
          // The name is the one it was placed under, suffix included: a caller that saves by name keeps both.
          expect([first.fileName, second.fileName]).toEqual(["passwd", "passwd-1"])
          expect(Buffer.compare(yield* Effect.promise(() => readFile(join(dir, "passwd"))), body)).toBe(0)
          expect((yield* Effect.promise(() => readdir(dir))).sort()).toEqual(["passwd", "passwd-1"])
        }).pipe(Effect.scoped)
      )
      it.live(
        "a long CJK name from Content-Disposition is cut to fit the filesystem's 255 bytes, suffixes included",
        () =>
          Effect.gen(function* () {
            const server = yield* Server.start
            const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "sms-client-")))
            // 274 bytes in UTF-8 (90 characters of 3 bytes, and .zip): over 255, though only 94 UTF-16 units.
            const long = `${"名".repeat(90)}.zip`
            const disposition = { "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(long)}` }
            server.respond(Server.bytes(randomBytes(1000), disposition), Server.bytes(randomBytes(1000), disposition))
            const run = withClient(
              server.url,
              Effect.flatMap(SmsClient.SmsClient, (c) =>
                c.exportConsistencyResultsToFile({ task_info: [task(1)] }, { directory: dir })
              )
            )
            const first = yield* run
            const second = yield* run
            assert(first._tag === "File" && second._tag === "File")
            // Whole characters up to 240 bytes, the extension kept; the second file's suffix kept too.
            expect(first.fileName).toBe(`${"名".repeat(78)}.zip`)
            expect(second.fileName).toBe(`${"名".repeat(78)}-1.zip`)
            expect((yield* Effect.promise(() => readdir(dir))).sort()).toEqual([first.fileName, second.fileName].sort())
          }).pipe(Effect.scoped)
      )
    })

    describe("SmsClient: errors", () => {
      const forbidden = {
        error_code: "SMS.9004",
        error_msg: "You do not have permission to perform action sms:server:getBatchConsistencyResults",
        // As long as API.md allows: the body is then over 64 KiB, and must still be read whole.
        encoded_authorization_message: "E".repeat(65_535),
        error_param: ["sms:server:getBatchConsistencyResults"],
        details: [{ error_code: "IAM.0001", error_msg: "policy denies" }]
      }
      const cases = [
        [400, { error_code: "SMS.0201", error_msg: "bad task_info" }, "BadRequest"],
        [
          401,
          { error_code: "APIGW.0301", error_msg: "verify aksk signature fail", request_id: "gw-1" },
          "Unauthorized"
        ],
        [404, { error_code: "SMS.1106", error_msg: "task not found" }, "NotFound"],
        [409, { error_code: "SMS.0000", error_msg: "conflict" }, "UnexpectedStatus"]
      ] as const
      for (const [status, body, tag] of cases) {
        it.live(`${status} → ${tag} with status, request id, code and message; not retried`, () =>
          Effect.gen(function* () {
            const server = yield* Server.start
            server.respond(Server.json(status, body, status === 401 ? { "x-request-id": "" } : {}))
            const error = yield* withClient(server.url, Effect.flip(exportOne))
            expect(error).toMatchObject({
              _tag: tag,
              status,
              errorCode: body.error_code,
              errorMsg: body.error_msg,
              requestId: status === 401 ? "gw-1" : `req-${status}`
            })
            expect(server.received).toHaveLength(1)
          }).pipe(Effect.scoped)
        )
      }

      it.live("403 → Forbidden with every documented field", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          server.respond(Server.json(403, forbidden))
          const error = yield* withClient(server.url, Effect.flip(exportOne))
          assert(error._tag === "Forbidden")
          expect(error).toMatchObject({
            status: 403,
            requestId: "req-403",
            errorCode: "SMS.9004",
            errorMsg: forbidden.error_msg,
            encodedAuthorizationMessage: forbidden.encoded_authorization_message,
            errorParam: forbidden.error_param,
            details: [{ errorCode: "IAM.0001", errorMsg: "policy denies" }]
          })
          expect(error.message).toContain("sms:server:getBatchConsistencyResults")
        }).pipe(Effect.scoped)
      )

      it.live("a JSON error body with a null or wrongly typed field keeps every field that is valid", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          const found = { error_code: "SMS.9003", error_msg: "task_info[3]: not found" }
          const bodies = [
            { ...found, error_param: null },
            { ...found, request_id: null },
            { ...found, details: null },
            { ...found, error_msg: 42, details: [null, { error_code: 7, error_msg: "m" }] }
          ]
          server.respond(...bodies.map((body) => Server.json(404, body, { "x-request-id": "" })))
          for (const body of bodies) {
            const error = yield* withClient(server.url, Effect.flip(exportOne))
            expect(error).toMatchObject({
              _tag: "NotFound",
              errorCode: "SMS.9003",
              errorMsg: typeof body.error_msg === "string" ? body.error_msg : undefined
            })
            expect(SmsError.isServiceNotFound(error)).toBe(true)
          }
          server.respond(Server.json(403, { ...forbidden, error_code: 9004, error_param: ["p", 1], details: [1, {}] }))
          const error = yield* withClient(server.url, Effect.flip(exportOne))
          assert(error._tag === "Forbidden")
          expect(error).toMatchObject({ errorMsg: forbidden.error_msg, errorParam: ["p"], details: [{}] })
          expect(error.errorCode).toBeUndefined()
          // Valid JSON that is not an object is not called "non-JSON".
          server.respond(Server.json(400, "[1,2]"))
          const array = yield* withClient(server.url, Effect.flip(exportOne))
          expect(array.message).toContain("non-object JSON error body (application/json")
          expect(array.message).not.toContain("non-JSON")
        }).pipe(Effect.scoped)
      )

      it.live("an HTML page from a proxy becomes ServerError without the page in the message", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          server.respond((_req, res) => {
            res.writeHead(502, { "content-type": "text/html" })
            res.end("<html><body>Bad gateway</body></html>")
          })
          const error = yield* withClient(server.url, Effect.flip(exportOne), { retries: 0 })
          expect(error).toMatchObject({ _tag: "ServerError", status: 502 })
          expect(error.message).toContain("non-JSON error body (text/html")
        }).pipe(Effect.scoped)
      )

      it.live(
        "an endless error body is read in part: the call fails, the connection is closed, the next is served",
        () =>
          Effect.gen(function* () {
            const server = yield* Server.start
            let closed = false
            const endless: Server.Handler = (_req, res) => {
              res.writeHead(502, { "content-type": "text/html", "x-request-id": "r-endless" })
              const chunk = Buffer.alloc(64 * 1024, "x")
              const pump = () => {
                while (!res.destroyed) if (!res.write(chunk)) return void res.once("drain", pump)
              }
              res.on("close", () => {
                closed = true
              })
              pump()
            }
            server.respond(endless, Server.bytes(new Uint8Array([7])))
            const [error, next] = yield* withClient(server.url, Effect.all([Effect.flip(exportOne), exportOne]), {
              retries: 0
            })
            expect(error).toMatchObject({ _tag: "ServerError", status: 502, requestId: "r-endless" })
            expect(error.message).toContain("non-JSON error body (text/html, at least 128 KiB)")
            expect(next).toMatchObject({ _tag: "File", byteLength: 1 })
            // The close reaches the server soon after; a loaded machine may take longer than a fixed wait.
            for (let waited = 0; !closed && waited < 5_000; waited += 10) yield* Effect.sleep("10 millis")
            expect(closed).toBe(true)
          }).pipe(Effect.scoped)
      )

      it.live("a transport failure (connection refused) is a TransportError after bounded retries", () =>
        Effect.gen(function* () {
          const error = yield* withClient("http://127.0.0.1:1", Effect.flip(exportOne), { retries: 2 })
          expect(error._tag).toBe("TransportError")
        })
      )

      it.live("a slow response times out per attempt", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          server.respond((_req, res) => setTimeout(() => res.end("{}"), 2_000).unref())
          const error = yield* withClient(server.url, Effect.flip(exportOne), {
            timeout: Duration.millis(150),
            retries: 1
          })
          expect(error).toMatchObject({ _tag: "Timeout", timeoutMs: 150 })
          expect(server.received).toHaveLength(2)
        }).pipe(Effect.scoped)
      )
    })

    describe("SmsClient: retries", () => {
      /**
       * Waits (on the live clock) until the forked call sleeps on the test clock for a backoff; returns its
       * length. The per-attempt timeout (an hour here) also sleeps, and is told apart by its length.
       */
      const hour = Duration.hours(1)
      const nextSleep = Effect.gen(function* () {
        for (let i = 0; i < 500; i++) {
          const now = yield* TestClock.currentTimeMillis
          const backoff = Chunk.findFirst(yield* TestClock.sleeps(), (at) => at - now < Duration.toMillis(hour))
          if (Option.isSome(backoff)) return backoff.value - now
          yield* TestServices.provideLive(Effect.sleep(Duration.millis(5)))
        }
        return -1
      })

      it.scoped("honours Retry-After on 429 and 503, then succeeds; 3 attempts", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          server.respond(
            Server.json(429, { error_code: "APIGW.0308", error_msg: "throttled" }, { "retry-after": "7" }),
            Server.json(503, { error_code: "SMS.0001", error_msg: "busy" }, { "retry-after": "2" }),
            Server.bytes(new Uint8Array([9]))
          )
          const fiber = yield* Effect.fork(
            withClient(server.url, exportOne, { retryBaseDelay: Duration.seconds(1), timeout: hour })
          )
          expect(yield* nextSleep).toBe(7_000)
          yield* TestClock.adjust(Duration.seconds(7))
          expect(yield* nextSleep).toBe(2_000)
          yield* TestClock.adjust(Duration.seconds(2))
          const result = yield* Fiber.join(fiber)
          expect(result._tag).toBe("File")
          expect(server.received).toHaveLength(3)
        })
      )

      it.scoped("backs off exponentially with jitter without Retry-After, and gives up after `retries`", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          server.respond(Server.json(500, { error_code: "SMS.0001", error_msg: "boom" }))
          const fiber = yield* Effect.fork(
            withClient(server.url, Effect.flip(exportOne), {
              retries: 3,
              timeout: hour,
              retryBaseDelay: Duration.seconds(1),
              retryMaxDelay: Duration.seconds(3)
            })
          )
          const delays: Array<number> = []
          for (let i = 0; i < 3; i++) {
            const d = yield* nextSleep
            delays.push(d)
            yield* TestClock.adjust(Duration.millis(d))
          }
          const error = yield* Fiber.join(fiber)
          expect(error).toMatchObject({ _tag: "ServerError", status: 500, errorCode: "SMS.0001" })
          expect(server.received).toHaveLength(4)
          // base 1 s doubling, capped at 3 s, each jittered into [50%, 100%].
          expect(delays[0]).toBeGreaterThanOrEqual(500)
          expect(delays[0]).toBeLessThanOrEqual(1_000)
          expect(delays[1]).toBeGreaterThanOrEqual(1_000)
          expect(delays[1]).toBeLessThanOrEqual(2_000)
          expect(delays[2]).toBeGreaterThanOrEqual(1_500)
          expect(delays[2]).toBeLessThanOrEqual(3_000)
        })
      )

      it.scoped("a backoff no timer can hold (no cap, a base of 100 days) is at most 2^31 - 1 ms, not forever", () =>
        Effect.gen(function* () {
          const server = yield* Server.start
          server.respond(
            Server.json(500, { error_code: "SMS.0001", error_msg: "boom" }),
            Server.bytes(new Uint8Array([9]))
          )
          const fiber = yield* Effect.fork(
            withClient(server.url, exportOne, {
              retries: 1,
              timeout: hour,
              retryBaseDelay: Duration.days(100),
              retryMaxDelay: Duration.infinity
            })
          )
          // The backoff is the sleep that is not the per-attempt timeout (an hour).
          let backoff = -1
          for (let i = 0; i < 500 && backoff < 0; i++) {
            const now = yield* TestClock.currentTimeMillis
            const found = Chunk.findFirst(yield* TestClock.sleeps(), (at) => at - now !== Duration.toMillis(hour))
            if (Option.isSome(found)) backoff = found.value - now
            else yield* TestServices.provideLive(Effect.sleep(Duration.millis(5)))
          }
          const most = 2 ** 31 - 1
          expect(backoff).toBeGreaterThanOrEqual(most / 2)
          expect(backoff).toBeLessThanOrEqual(most)
          yield* TestClock.adjust(Duration.millis(backoff))
          expect((yield* Fiber.join(fiber))._tag).toBe("File")
        })
      )
    })
  })
}

describe("SmsClient: the endpoint option", () => {
  it.live("one that is not an http(s) URL fails every call with InvalidRequest, unretried, sending nothing", () =>
    Effect.gen(function* () {
      const server = yield* Server.start
      const port = new URL(server.url).port
      const directory = join(yield* Effect.promise(() => mkdtemp(join(tmpdir(), "sms-endpoint-"))), "not-made")
      const cases = [
        [`ftp://127.0.0.1:${port}`, "endpoint: must be an http or https URL (got ftp:)"],
        [`http://user:secret@127.0.0.1:${port}`, "endpoint: must not contain user info"],
        ["127.0.0.1", 'endpoint: not a URL: "127.0.0.1"'],
        // Not a URL (the port is out of range), with a password in it: not printed, however it is written.
        ["http://user:secret@127.0.0.1:99999", 'endpoint: not a URL: "http:***@127.0.0.1:99999"'],
        ["http:user:secret@127.0.0.1:99999", 'endpoint: not a URL: "http:***@127.0.0.1:99999"'],
        ["http:\\user:secret@127.0.0.1:99999", 'endpoint: not a URL: "http:***@127.0.0.1:99999"'],
        ["http://user:se/c#ret@127.0.0.1:99999", 'endpoint: not a URL: "http:***@127.0.0.1:99999"']
      ] as const
      for (const [endpoint, message] of cases) {
        const info = yield* Effect.map(SmsClient.SmsClient, (c) => c.info).pipe(
          Effect.provide(SmsClient.layer({ endpoint, credentials: akSk }))
        )
        // The endpoint refused is not shown: it may hold a password.
        expect(info.endpoint).toBe("(invalid endpoint)")
        const errors = yield* Effect.flatMap(SmsClient.SmsClient, (c) =>
          Effect.all([
            Effect.flip(c.exportConsistencyResults({ task_info: [task(1)] })),
            Effect.flip(c.exportConsistencyResultsToFile({ task_info: [task(1)] }, { directory })),
            Effect.flip(c.listSources()),
            Effect.flip(c.listAllSources()),
            Effect.flip(c.listTasks()),
            Effect.flip(c.showConsistencyResult("t"))
          ])
        ).pipe(Effect.provide(SmsClient.layer({ endpoint, credentials: akSk, retries: 3 })))
        for (const error of errors) expect(error).toMatchObject({ _tag: "InvalidRequest", field: "endpoint", message })
      }
      expect(server.received).toHaveLength(0)
      expect(yield* Effect.promise(() => readdir(join(directory, "..")))).toEqual([])
    }).pipe(Effect.scoped)
  )

  it.live(
    "an iamEndpoint that is not an http(s) URL fails a call that needs the domain id look-up, sending nothing",
    () =>
      Effect.gen(function* () {
        const server = yield* Server.start
        server.respond(Server.json(200, { count: 0, tasks: [] }))
        const options = { endpoint: server.url, iamEndpoint: `ftp://127.0.0.1:${new URL(server.url).port}`, retries: 3 }
        const noDomain = new Credentials.AkSk({ ak: akSk.ak, sk: akSk.sk })
        const listTasks = Effect.flatMap(SmsClient.SmsClient, (c) => c.listTasks())
        const error = yield* Effect.flip(
          Effect.provide(listTasks, SmsClient.layer({ ...options, credentials: noDomain }))
        )
        expect(error).toMatchObject({
          _tag: "InvalidRequest",
          message: "iamEndpoint: must be an http or https URL (got ftp:)"
        })
        expect(server.received).toHaveLength(0)
        // Not needed, not in the way.
        yield* Effect.provide(listTasks, SmsClient.layer({ ...options, credentials: akSk }))
        expect(server.received).toHaveLength(1)
      }).pipe(Effect.scoped)
  )

  it.live("a path in it is dropped, as layerConfig (Region.parseEndpoint) drops it: the API is at the origin", () =>
    Effect.gen(function* () {
      const server = yield* Server.start
      server.respond(Server.json(200, { count: 0, tasks: [] }))
      const layer = SmsClient.layer({ endpoint: `${server.url}/some/prefix/`, credentials: akSk })
      const info = yield* Effect.provide(
        Effect.flatMap(SmsClient.SmsClient, (c) => Effect.as(c.listTasks(), c.info)),
        layer
      )
      expect(info.endpoint).toBe(server.url)
      expect(server.received.map((r) => r.url)).toEqual(["/v3/tasks"])
    }).pipe(Effect.scoped)
  )
})

describe("SmsClient: a page of sources or tasks", () => {
  it.live(
    "a limit outside 0..200 or an offset that is not a whole number 0 or more fails, naming it; nothing sent",
    () =>
      Effect.gen(function* () {
        const server = yield* Server.start
        server.respond(Server.json(200, { count: 0, source_servers: [], tasks: [] }))
        const cases = [
          [{ limit: 5000 }, "limit: must be a whole number from 0 to 200 (got 5000)"],
          [{ limit: -1 }, "limit: must be a whole number from 0 to 200 (got -1)"],
          [{ limit: 1.5 }, "limit: must be a whole number from 0 to 200 (got 1.5)"],
          [{ limit: Number.NaN }, "limit: must be a whole number from 0 to 200 (got NaN)"],
          [{ offset: -1 }, "offset: must be a whole number, 0 or more (got -1)"],
          [{ offset: 2 ** 60 }, `offset: must be a whole number, 0 or more (got ${2 ** 60})`]
        ] as const
        for (const [query, message] of cases) {
          const errors = yield* Effect.flatMap(SmsClient.SmsClient, (c) =>
            Effect.all([Effect.flip(c.listSources(query)), Effect.flip(c.listTasks(query))])
          ).pipe(Effect.provide(SmsClient.layer({ endpoint: server.url, credentials: akSk })))
          for (const error of errors) expect(error).toMatchObject({ _tag: "InvalidRequest", message })
        }
        expect(server.received).toHaveLength(0)
        // The bounds themselves are sent.
        yield* Effect.flatMap(SmsClient.SmsClient, (c) =>
          Effect.all([c.listSources({ limit: 0, offset: 0 }), c.listTasks({ limit: 200, offset: 10_000 })])
        ).pipe(Effect.provide(SmsClient.layer({ endpoint: server.url, credentials: akSk })))
        expect(server.received).toHaveLength(2)
      }).pipe(Effect.scoped)
  )
})

describe("SmsClient: the timeout option", () => {
  it.effect("not a positive number is the default 30 s; above 2^31 - 1 ms (a timer's most) is that most", () =>
    Effect.gen(function* () {
      const given: Array<number> = []
      const recording = Layer.succeed(Transport.Transport, {
        send: (request) => {
          given.push(request.timeoutMs)
          return Effect.succeed<Transport.Response>({
            status: 200,
            header: (name) => (name === "content-type" ? "application/octet-stream" : undefined),
            bytes: Effect.succeed(new Uint8Array([1])),
            stream: Stream.make(new Uint8Array([1]))
          })
        }
      })
      const timeouts: ReadonlyArray<Duration.DurationInput> = [
        0,
        -5,
        Number.NaN,
        Duration.zero,
        Duration.seconds(5),
        Duration.days(30),
        Duration.infinity,
        2 ** 31
      ]
      for (const timeout of timeouts) {
        const layer = SmsClient.layerWithTransport({ endpoint: "http://127.0.0.1:1", credentials: akSk, timeout })
        yield* Effect.provide(exportOne, layer.pipe(Layer.provide(recording)))
      }
      const most = 2 ** 31 - 1
      expect(given).toEqual([30_000, 30_000, 30_000, 30_000, 5_000, most, most, most])
    })
  )
})

describe("SmsClient: a large error body", () => {
  /** A transport answering 502 with `size` bytes in chunks of at most 64 KiB, made as they are pulled; counts them. */
  const counting = (size: number, headers: Record<string, string>) => {
    const pulled = { bytes: 0 }
    const chunk = new Uint8Array(Math.min(size, 64 * 1024)).fill(0x78)
    const stream = Stream.repeatEffect(
      Effect.sync(() => {
        pulled.bytes += chunk.byteLength
        return chunk
      })
    ).pipe(Stream.take(size / chunk.byteLength))
    const response: Transport.Response = {
      status: 502,
      header: (name) => headers[name],
      bytes: Effect.map(Stream.runCollect(stream), (chunks) => Buffer.concat(Chunk.toReadonlyArray(chunks))),
      stream
    }
    const layer = SmsClient.layerWithTransport({ endpoint: "http://127.0.0.1:1", credentials: akSk, retries: 0 }).pipe(
      Layer.provide(Layer.succeed(Transport.Transport, { send: () => Effect.succeed(response) }))
    )
    return { pulled, layer }
  }

  it.effect("is read no further than 128 KiB, and its size is given as the Content-Length says", () =>
    Effect.gen(function* () {
      const size = 8 * 1024 * 1024
      const { pulled, layer } = counting(size, { "content-type": "text/html", "content-length": String(size) })
      const error = yield* Effect.flip(Effect.provide(exportOne, layer))
      expect(error).toMatchObject({ _tag: "ServerError", status: 502 })
      expect(error.message).toContain(`non-JSON error body (text/html, ${size} bytes)`)
      expect(pulled.bytes).toBe(128 * 1024)
    })
  )

  it.effect("without a Content-Length, one cut short is said to be at least 128 KiB; a small one by its size", () =>
    Effect.gen(function* () {
      const big = counting(8 * 1024 * 1024, { "content-type": "text/html" })
      const error = yield* Effect.flip(Effect.provide(exportOne, big.layer))
      expect(error.message).toContain("non-JSON error body (text/html, at least 128 KiB)")
      expect(big.pulled.bytes).toBe(128 * 1024)
      const small = counting(1000, { "content-type": "text/html" })
      const read = yield* Effect.flip(Effect.provide(exportOne, small.layer))
      expect(read.message).toContain("non-JSON error body (text/html, 1000 bytes)")
    })
  )
})

describe("BatchExport", () => {
  beforeAll(() => {
    transport = "undici"
  })
  it.live("450 tasks → 200/200/50, every task once; a failing chunk does not lose the others", () =>
    Effect.gen(function* () {
      const server = yield* Server.start
      server.respond((req, res) => {
        const { task_info } = JSON.parse(req.body.toString())
        // A call-level failure (not a 404, which would be split to find the missing tasks).
        if (task_info.length === 50) return Server.json(403, { error_code: "SMS.9004", error_msg: "denied" })(req, res)
        Server.bytes(new TextEncoder().encode(`tasks=${task_info.length}`))(req, res)
      })
      const tasks = Array.from({ length: 450 }, (_, i) => task(i))
      const progress: Array<number> = []
      const result = yield* withClient(
        server.url,
        BatchExport.exportAll([...tasks, task(3)], {
          concurrency: 2,
          onProgress: (p) => Effect.sync(() => progress.push(p.tasksDone))
        })
      )
      const sizes = server.received.map((r) => JSON.parse(r.body.toString()).task_info.length).sort((a, b) => b - a)
      expect(sizes).toEqual([200, 200, 50])
      const sent = server.received.flatMap((r) =>
        JSON.parse(r.body.toString()).task_info.map((t: { task_id: string }) => t.task_id)
      )
      expect(new Set(sent).size).toBe(450)
      expect(result.duplicates).toBe(1)
      expect(result.exported).toBe(400)
      expect(result.failed).toHaveLength(50)
      expect(result.failed[0]?.error._tag).toBe("Forbidden")
      expect(result.outcomes.map((o) => o._tag)).toEqual(["Exported", "Exported", "Failed"])
      expect(progress.sort((a, b) => a - b).at(-1)).toBe(450)
    }).pipe(Effect.scoped)
  )

  it.live(
    "an interruption while a file is being placed waits for it: the file is reported, nothing is left half-done",
    () =>
      Effect.gen(function* () {
        const server = yield* Server.start
        server.respond(Server.bytes(new TextEncoder().encode("results")))
        const directory = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "sms-interrupted-")))
        const reported: Array<BatchExport.ChunkOutcome> = []
        let interruptNow = () => {}
        const fiber = yield* Effect.fork(
          withClient(
            server.url,
            BatchExport.exportAll([task(1)], {
              // Asked for the name just before the file is placed: the interruption arrives during the placing.
              target: () => ({
                directory,
                name: () => {
                  interruptNow()
                  return "placed.bin"
                }
              }),
              onProgress: (p) => Effect.sync(() => reported.push(p.outcome))
            })
          )
        )
        interruptNow = () => {
          Effect.runFork(Fiber.interrupt(fiber))
        }
        const exit = yield* Fiber.await(fiber)
        expect(exit._tag === "Failure" && Cause.isInterruptedOnly(exit.cause)).toBe(true)
        expect(yield* Effect.promise(() => readdir(directory))).toEqual(["placed.bin"])
        expect(reported.map((o) => o._tag)).toEqual(["Exported"])
        const [outcome] = reported
        expect(outcome?._tag === "Exported" && outcome.result._tag === "File" && outcome.result.path).toBe(
          join(directory, "placed.bin")
        )
      }).pipe(Effect.scoped)
  )

  it.live("rejects a bad task anywhere in the list before sending anything", () =>
    Effect.gen(function* () {
      const server = yield* Server.start
      const tasks = [...Array.from({ length: 300 }, (_, i) => task(i)), { task_id: "", source_id: "", source_name: "" }]
      const error = yield* withClient(server.url, Effect.flip(BatchExport.exportAll(tasks)))
      expect(error.message).toBe("task_info[300].task_id: must not be empty")
      expect(server.received).toHaveLength(0)
    }).pipe(Effect.scoped)
  )
})

describe("secrets", () => {
  const logs: Array<string> = []
  const capture = Logger.make(({ message, annotations }) => logs.push(JSON.stringify({ message, annotations })))

  it.live("never appear in errors (String, JSON) or logs, on any error path", () =>
    Effect.gen(function* () {
      const server = yield* Server.start
      const statuses = [400, 401, 403, 404, 429, 500]
      const errors = []
      for (const credentials of [akSk, new Credentials.Token({ token: Redacted.make(TOKEN) })]) {
        server.respond(...statuses.map((s) => Server.json(s, { error_code: "X", error_msg: "y" })))
        for (let i = 0; i < statuses.length; i++) {
          errors.push(yield* withClient(server.url, Effect.flip(exportOne), { credentials, retries: 0 }))
        }
        server.respond(Server.json(503, { error_code: "X", error_msg: "y" }))
        errors.push(yield* withClient(server.url, Effect.flip(exportOne), { credentials, retries: 2 }))
        errors.push(yield* withClient("http://127.0.0.1:1", Effect.flip(exportOne), { credentials, retries: 1 }))
      }
      const tags = ["BadRequest", "Unauthorized", "Forbidden", "NotFound", "Throttled", "ServerError"]
      const perIdentity = [...tags, "ServerError", "TransportError"]
      expect(errors.map((e) => e._tag)).toEqual([...perIdentity, ...perIdentity])
      // The retry path logged something, so the log check below is not vacuous.
      expect(logs.some((l) => l.includes("retry"))).toBe(true)
      const text = [...errors.map(String), ...errors.map((e) => JSON.stringify(e)), ...logs].join("\n")
      for (const secret of [SK, TOKEN, STS]) {
        expect(text).not.toContain(secret)
        expect(text).not.toContain(Buffer.from(secret).toString("base64"))
      }
      expect(String(akSk)).not.toContain(SK)
      expect(JSON.stringify(akSk)).not.toContain(SK)
    }).pipe(
      Effect.scoped,
      Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
      Logger.withMinimumLogLevel(LogLevel.All)
    )
  )
})

describe("tracing", () => {
  it.live("a call made inside the caller's span gets its own child span; one made outside any span gets none", () =>
    Effect.gen(function* () {
      const server = yield* Server.start
      server.respond(Server.bytes(new Uint8Array([1, 2, 3])))
      const native = yield* Effect.tracer
      const spans: Array<{ name: string; parent: string | undefined }> = []
      const recording = Tracer.make({
        span: (name, parent, context, links, startTime, kind, options) => {
          // Building the client (once per layer) has its span; calls are what this test is about.
          if (name !== "SmsClient.make")
            spans.push({ name, parent: Option.getOrUndefined(Option.map(parent, (p) => p.spanId)) })
          return native.span(name, parent, context, links, startTime, kind, options)
        },
        context: (f, fiber) => native.context(f, fiber)
      })
      yield* withClient(server.url, exportOne).pipe(Effect.withTracer(recording))
      expect(spans).toEqual([])
      const caller = yield* withClient(
        server.url,
        Effect.zipRight(exportOne, Effect.currentSpan).pipe(Effect.withSpan("caller"))
      ).pipe(Effect.withTracer(recording))
      expect(spans.map((s) => s.name)).toEqual(["caller", "SmsClient.exportConsistencyResults"])
      expect(spans[1]?.parent).toBe(caller.spanId)
    }).pipe(Effect.scoped)
  )
})
