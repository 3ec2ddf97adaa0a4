/**
 * Hostile input against the core, property-based: the request schema and batch validation, and file names
 * from Content-Disposition. Never an uncaught exception; always a field-named error; nothing sent for
 * invalid input; no file name that can leave the output folder.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as BatchExport from "@sms-consistency/sms/BatchExport"
import * as Credentials from "@sms-consistency/sms/Credentials"
import * as files from "@sms-consistency/sms/internal/files"
import * as Model from "@sms-consistency/sms/Model"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import { Effect, Either, Layer, Redacted } from "effect"
import * as fc from "fast-check"
import { createServer } from "node:http"
import { isAbsolute, join, relative, sep } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const cases = 10_000

const nasty = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.constantFrom("", "\u0000", "../../etc/passwd", "a\r\nX-Injected: 1", "\u202e", "🚀".repeat(20), "x".repeat(37)),
  fc.string({ minLength: 250, maxLength: 300 })
)
const field = fc.oneof(nasty, fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.object())
const taskish = fc.oneof(
  fc.record({ task_id: field, source_id: field, source_name: field }, { requiredKeys: [] }),
  fc.record({ task_id: nasty, source_id: nasty, source_name: nasty }),
  fc.anything()
)
const validTask = (i: number) => ({ task_id: `t-${i}`, source_id: `s-${i}`, source_name: `web ${i}` })
/** Long lists are cheap to make: valid tasks with at most one hostile one somewhere. */
const longList = fc
  .tuple(fc.integer({ min: 195, max: 420 }), fc.option(fc.tuple(fc.nat(), taskish), { nil: undefined }))
  .map(([n, bad]) => {
    const tasks: Array<unknown> = Array.from({ length: n }, (_, i) => validTask(i))
    if (bad) tasks[bad[0] % n] = bad[1]
    return tasks
  })
const taskList = fc.oneof(
  { arbitrary: fc.array(taskish, { maxLength: 8 }), weight: 4 },
  { arbitrary: longList, weight: 1 }
)

/** What the schema must say about one task, computed independently of it. */
const expectedValid = (t: unknown): boolean => {
  if (typeof t !== "object" || t === null || Array.isArray(t)) return false
  const { task_id, source_id, source_name } = t as Record<string, unknown>
  return (
    typeof task_id === "string" &&
    task_id.length >= 1 &&
    task_id.length <= Model.Limits.taskIdMax &&
    typeof source_id === "string" &&
    source_id.length <= Model.Limits.sourceIdMax &&
    typeof source_name === "string" &&
    source_name.length <= Model.Limits.sourceNameMax
  )
}

describe("hostile task lists", () => {
  it(`BatchExport.prepare: ${cases} cases, a field-named error exactly when some task is invalid`, () => {
    let rejected = 0
    fc.assert(
      fc.property(taskList, (tasks) => {
        const result = Effect.runSync(Effect.either(BatchExport.prepare(tasks)))
        const valid = tasks.length > 0 && tasks.every(expectedValid)
        if (Either.isLeft(result)) {
          rejected++
          expect(valid).toBe(false)
          expect(result.left._tag).toBe("InvalidRequest")
          expect(result.left.field).toMatch(/^task_info(\[\d+\](\.(task_id|source_id|source_name))?)?$/)
          expect(result.left.message).not.toMatch(/\n/)
        } else {
          expect(valid).toBe(true)
        }
      }),
      { numRuns: cases, seed: 7 }
    )
    expect(rejected).toBeGreaterThan(cases / 2)
  })

  describe("through a real client", () => {
    let requests = 0
    const server = createServer((req, res) => {
      requests++
      req.resume()
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
    let url = ""
    beforeAll(
      () =>
        new Promise<void>((done) =>
          server.listen(0, "127.0.0.1", () => {
            const a = server.address()
            url = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`
            done()
          })
        )
    )
    afterAll(() => new Promise<void>((done) => server.close(() => done())))

    it("500 invalid single-call requests: InvalidRequest each, and nothing sent", async () => {
      const layer = SmsClient.layer({
        endpoint: url,
        credentials: new Credentials.AkSk({ ak: "AK", sk: Redacted.make("SK"), domainId: "d" })
      }).pipe(Layer.provide(NodeHttpClient.layerUndici))
      const invalid = fc
        .array(taskish, { maxLength: 230 })
        .filter((t) => t.length === 0 || t.length > 200 || !t.every(expectedValid))
      await fc.assert(
        fc.asyncProperty(invalid, async (tasks) => {
          const error = await Effect.runPromise(
            Effect.flip(
              Effect.flatMap(SmsClient.SmsClient, (c) =>
                // biome-ignore lint/suspicious/noExplicitAny: hostile input from an untyped caller
                c.exportConsistencyResults({ task_info: tasks as any })
              )
            ).pipe(Effect.provide(layer))
          )
          expect(error._tag).toBe("InvalidRequest")
        }),
        { numRuns: 500, seed: 11 }
      )
      expect(requests).toBe(0)
    })
  })
})

describe("hostile file names from Content-Disposition", () => {
  const traversal = fc.constantFrom(
    "../../etc/passwd",
    "..\\..\\windows\\system32",
    "/etc/shadow",
    "..",
    ".",
    "....//",
    "a/../../b",
    "%2e%2e%2fx",
    "\u0000evil",
    "con:stream",
    ".bashrc"
  )
  const name = fc.oneof(traversal, fc.string({ unit: "binary", maxLength: 300 }), fc.string({ maxLength: 20 }))
  const header = fc.oneof(
    name.map((n) => `attachment; filename="${n.replace(/"/g, '\\"')}"`),
    name.map((n) => `attachment; filename*=UTF-8''${encodeURIComponent(n)}`),
    name.map((n) => `attachment; filename=${n}`),
    fc.string({ unit: "binary", maxLength: 100 })
  )

  it(`${cases} headers: the name stays inside the folder, is never empty, dotted or over-long`, () => {
    const dir = join(sep, "exports", "run")
    fc.assert(
      fc.property(header, (h) => {
        const raw = files.fileNameFromDisposition(h)
        const safe = files.sanitizeFileName(raw ?? "", "fallback.bin")
        expect(safe.length).toBeGreaterThan(0)
        expect(safe.length).toBeLessThanOrEqual(216)
        // Within a filesystem's 255 bytes, with room for a `-N` suffix.
        expect(Buffer.byteLength(safe, "utf8")).toBeLessThanOrEqual(files.maxNameBytes)
        expect([...safe].some((c) => c === "/" || c === "\\" || (c.codePointAt(0) ?? 0) < 0x20)).toBe(false)
        expect(safe.startsWith(".")).toBe(false)
        const rel = relative(dir, join(dir, safe))
        expect(rel.startsWith("..") || isAbsolute(rel)).toBe(false)
        expect(rel).toBe(safe)
      }),
      { numRuns: cases, seed: 3 }
    )
  })

  it(`${cases} names: the fast path for names that need no change agrees with the whole procedure`, () => {
    const plainish = fc.string({
      unit: fc.constantFrom("a", "Z", "0", "-", "_", ".", " ", "\u00a0", "结", "😀", "é"),
      maxLength: 210
    })
    fc.assert(
      fc.property(fc.oneof(name, plainish), (raw) => {
        expect(files.sanitizeFileName(raw, "fallback.bin")).toBe(files.sanitizeThoroughly(raw, "fallback.bin"))
      }),
      { numRuns: cases, seed: 5 }
    )
  })
})
