/**
 * The core client end to end against the in-process emulator (issue: the emulator's own tests): an export of
 * seeded tasks is a zip of one CSV per task; every error status the emulator can produce maps to its tagged
 * error with the wire's fields; a 0.3 fault rate is absorbed by retries; and `layerTest` stands in for the
 * client in a program's own tests.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Emulator } from "@sms-consistency/emulator"
import * as BatchExport from "@sms-consistency/sms/BatchExport"
import * as Credentials from "@sms-consistency/sms/Credentials"
import * as Model from "@sms-consistency/sms/Model"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import * as SmsError from "@sms-consistency/sms/SmsError"
import { Cause, ConfigProvider, Duration, Effect, Exit, Layer, Logger, Redacted } from "effect"
import { createHash } from "node:crypto"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Zlib from "node:zlib"

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

/** Entry names and CRC-checked contents from a zip's central directory. */
const unzip = (zip: Uint8Array) => {
  const buf = Buffer.from(zip)
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  const count = buf.readUInt16LE(eocd + 10)
  let at = buf.readUInt32LE(eocd + 16)
  const entries = new Map<string, string>()
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(at + 10)
    const crc = buf.readUInt32LE(at + 16)
    const size = buf.readUInt32LE(at + 20)
    const nameLength = buf.readUInt16LE(at + 28)
    const extra = buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32)
    const local = buf.readUInt32LE(at + 42)
    const name = buf.toString("utf8", at + 46, at + 46 + nameLength)
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28)
    const payload = buf.subarray(start, start + size)
    const data = method === 8 ? Zlib.inflateRawSync(payload) : payload
    expect(Zlib.crc32(data)).toBe(crc)
    entries.set(name, data.toString("utf8"))
    at += 46 + nameLength + extra
  }
  return entries
}

const clientOf = (handle: Emulator.EmulatorHandle, credentials?: Credentials.Credentials, retries = 0) =>
  SmsClient.layer({
    endpoint: handle.url,
    iamEndpoint: handle.url,
    credentials:
      credentials ??
      new Credentials.AkSk({
        ak: handle.credentials.ak,
        sk: handle.credentials.sk,
        domainId: handle.credentials.domainId
      }),
    retries,
    retryBaseDelay: Duration.millis(5),
    retryMaxDelay: Duration.millis(20)
  })

const seeded = (handle: Emulator.EmulatorHandle) =>
  handle.seeded.sources.flatMap((s) => {
    const t = s.is_consistency_result_exist ? Model.sourceToTaskRef(s) : undefined
    return t ? [t] : []
  })

const exportTasks = (tasks: ReadonlyArray<Model.TaskRef>) =>
  Effect.flatMap(SmsClient.SmsClient, (c) => c.exportConsistencyResults({ task_info: tasks }))

describe("the core client against the emulator", () => {
  it.scopedLive("exports seeded tasks as a zip of one CSV per task, with the documented columns", () =>
    Effect.gen(function* () {
      const handle = yield* Emulator.start({ sources: 12 })
      const tasks = seeded(handle)
      expect(tasks.length).toBeGreaterThan(5)
      const result = yield* exportTasks(tasks).pipe(Effect.provide(clientOf(handle)))
      assert(result._tag === "File")
      expect(result.fileName).toMatch(/^consistency-results-\d{14}\.zip$/)
      const entries = unzip(result.bytes ?? new Uint8Array())
      expect(entries.size).toBe(tasks.length)
      for (const task of tasks) {
        const name = [...entries.keys()].find((n) => n.endsWith(`_${task.task_id}.csv`))
        assert(name, `no CSV for task ${task.task_id}`)
        expect(entries.get(name)?.split("\r\n")[0]).toBe(
          "directory,files_checked,files_different,missing_on_target,extra_on_target,checked_at"
        )
      }
    })
  )

  it.scopedLive("maps every error status to its tagged error, with the wire's code and request id", () =>
    Effect.gen(function* () {
      const handle = yield* Emulator.start({ sources: 5 })
      const [task] = seeded(handle)
      assert(task)
      const c = handle.credentials
      const expectError = (
        layer: ReturnType<typeof clientOf>,
        tasks: ReadonlyArray<Model.TaskRef>,
        expected: { readonly _tag: string; readonly status: number; readonly errorCode: string }
      ) =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(exportTasks(tasks).pipe(Effect.provide(layer)))
          expect(error).toMatchObject(expected)
          expect("requestId" in error && error.requestId).toMatch(/^[0-9a-f-]{36}$/)
          return error
        })
      const ok = clientOf(handle)
      yield* expectError(ok, [{ ...task, task_id: "00000000-0000-0000-0000-000000000000" }], {
        _tag: "NotFound",
        status: 404,
        errorCode: "SMS.9003"
      })
      yield* expectError(ok, [{ ...task, source_name: "not-its-source" }], {
        _tag: "NotFound",
        status: 404,
        errorCode: "SMS.9003"
      })
      const denied = yield* expectError(
        clientOf(handle, new Credentials.AkSk({ ak: c.deniedAk, sk: c.deniedSk, domainId: c.domainId })),
        [task],
        { _tag: "Forbidden", status: 403, errorCode: "SMS.9004" }
      )
      assert(denied._tag === "Forbidden")
      expect(denied.errorParam).toEqual(["sms:server:getBatchConsistencyResults"])
      expect(denied.encodedAuthorizationMessage?.length).toBeGreaterThan(0)
      expect(denied.details?.length).toBeGreaterThan(0)
      yield* expectError(
        clientOf(handle, new Credentials.AkSk({ ak: c.ak, sk: Redacted.make("wrong"), domainId: c.domainId })),
        [task],
        { _tag: "Unauthorized", status: 401, errorCode: "APIGW.0301" }
      )
      yield* expectError(clientOf(handle, new Credentials.Token({ token: Redacted.make("expired") })), [task], {
        _tag: "Unauthorized",
        status: 401,
        errorCode: "APIGW.0301"
      })
      // What the client never sends (it validates first), the service would still answer: scripted here.
      yield* handle.script([
        { _tag: "Status", status: 400, body: '{"error_code":"SMS.9002","error_msg":"task_info is invalid"}' },
        { _tag: "Status", status: 429, retryAfter: "0" },
        { _tag: "Status", status: 503 },
        { _tag: "Status", status: 418, body: '{"error_code":"X.1","error_msg":"teapot"}' }
      ])
      yield* expectError(ok, [task], { _tag: "BadRequest", status: 400, errorCode: "SMS.9002" })
      yield* expectError(ok, [task], { _tag: "Throttled", status: 429, errorCode: "APIGW.0308" })
      yield* expectError(ok, [task], { _tag: "ServerError", status: 503, errorCode: "SMS.0001" })
      yield* expectError(ok, [task], { _tag: "UnexpectedStatus", status: 418, errorCode: "X.1" })
    })
  )

  it.scopedLive("signs with an SK past ASCII, loaded as the environment gives it", () =>
    Effect.gen(function* () {
      const sk = "SKé-ünïcode-секрет"
      const handle = yield* Emulator.start({ sources: 3, credentials: { sk: Redacted.make(sk) } })
      const credentials = yield* Credentials.load.pipe(
        Effect.withConfigProvider(
          ConfigProvider.fromMap(
            new Map([
              ["HUAWEICLOUD_SDK_AK", handle.credentials.ak],
              ["HUAWEICLOUD_SDK_SK", sk],
              ["HUAWEICLOUD_SDK_DOMAIN_ID", handle.credentials.domainId],
              ["HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/nonexistent/credentials"]
            ])
          )
        )
      )
      const result = yield* exportTasks(seeded(handle).slice(0, 1)).pipe(Effect.provide(clientOf(handle, credentials)))
      expect(result._tag).toBe("File")
    })
  )

  it.scopedLive("absorbs a 0.3 fault rate with retries: every one of 400 tasks exported, every chunk placed", () =>
    Effect.gen(function* () {
      const handle = yield* Emulator.start({ sources: 600, faultRate: 0.3, seed: 7 })
      const tasks = seeded(handle).slice(0, 400)
      expect(tasks.length).toBe(400)
      const result = yield* BatchExport.exportAll(tasks, { chunkSize: 40 }).pipe(
        Effect.provide(clientOf(handle, undefined, 10)) // a call fails for good with p = 0.3^11
      )
      expect(result.failed).toEqual([])
      expect(result.exported).toBe(400)
      expect(result.outcomes).toHaveLength(10)
      expect(handle.stats().faults).toBeGreaterThan(0)
    })
  )
})

describe("BatchExport to files", () => {
  it.scopedLive("overwrite replaces a file from before the export, never one the export itself wrote", () =>
    Effect.gen(function* () {
      const handle = yield* Emulator.start({ sources: 300, seed: 11 })
      const tasks = seeded(handle).slice(0, 120)
      const directory = mkdtempSync(join(tmpdir(), "sms-overwrite-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(directory, { recursive: true, force: true })))
      writeFileSync(join(directory, "results.zip"), "from an earlier run")
      // Every call's file gets the same name, as chunks finished within the same second do from the service.
      const result = yield* BatchExport.exportAll(tasks, {
        chunkSize: 40,
        target: () => ({ directory, overwrite: true, name: () => "results.zip" })
      }).pipe(Effect.provide(clientOf(handle)))
      expect(result.exported).toBe(120)
      const written = result.outcomes.map((o) =>
        o._tag === "Exported" && o.result._tag === "File" ? o.result : undefined
      )
      expect(written.map((f) => f?.fileName).sort()).toEqual(["results-1.zip", "results-2.zip", "results.zip"])
      expect(readdirSync(directory).sort()).toEqual(["results-1.zip", "results-2.zip", "results.zip"])
      // Each file on disk is its call's, the earlier run's file replaced.
      for (const file of written) expect(sha256(readFileSync(file?.path ?? ""))).toBe(file?.sha256)
      expect(readFileSync(join(directory, "results.zip"), "utf8")).not.toBe("from an earlier run")

      // A name at the length limit: the suffix still tells the files apart (a cut name would not).
      const long = `${"r".repeat(220)}.zip`
      const again = yield* BatchExport.exportAll(tasks, {
        chunkSize: 40,
        target: () => ({ directory, overwrite: true, name: () => long })
      }).pipe(Effect.provide(clientOf(handle)))
      const paths = again.outcomes.map((o) =>
        o._tag === "Exported" && o.result._tag === "File" ? (o.result.path ?? "") : ""
      )
      expect(new Set(paths).size).toBe(3)
      for (const path of paths) expect(readdirSync(directory)).toContain(path.split("/").at(-1))
    })
  )
})

describe("BatchExport: a call answered 404 is split until its missing tasks stand alone", () => {
  it.scopedLive("the other tasks are exported; each missing one fails with its own 404", () =>
    Effect.gen(function* () {
      const handle = yield* Emulator.start({ sources: 80, seed: 3 })
      const real = seeded(handle).slice(0, 60)
      expect(real.length).toBe(60)
      const ghost = (n: number) => ({
        task_id: `00000000-0000-4000-8000-00000000000${n}`,
        source_id: "",
        source_name: ""
      })
      const tasks = [...real.slice(0, 7), ghost(1), ...real.slice(7, 40), ghost(2), ...real.slice(40)]
      const before = handle.stats().requests
      const result = yield* BatchExport.exportAll(tasks).pipe(Effect.provide(clientOf(handle)))
      expect(result.exported).toBe(60)
      expect(result.failed.map((f) => [f.task.task_id, f.error._tag])).toEqual([
        [ghost(1).task_id, "NotFound"],
        [ghost(2).task_id, "NotFound"]
      ])
      for (const f of result.failed) expect(f.error.message).toContain(f.task.task_id)
      // Every task in exactly one outcome, in the given order; the exported ones in the files' CSVs.
      expect(result.outcomes.flatMap((o) => o.tasks)).toEqual(tasks)
      const inFiles = result.outcomes.flatMap((o) =>
        o._tag === "Exported" && o.result._tag === "File" && o.result.bytes ? [...unzip(o.result.bytes).keys()] : []
      )
      expect(inFiles).toHaveLength(60)
      for (const t of real) expect(inFiles.some((name) => name.includes(t.task_id))).toBe(true)
      // 62 tasks, 2 missing: the first call and 2·⌈log₂ 62⌉ at most for each missing task.
      const calls = handle.stats().requests - before
      expect(calls).toBeGreaterThan(1)
      expect(calls).toBeLessThanOrEqual(1 + 2 * 2 * Math.ceil(Math.log2(62)))
    })
  )

  it.scopedLive("a 404 whose body has a null optional field is still the service's: it is split", () =>
    Effect.gen(function* () {
      const handle = yield* Emulator.start({ sources: 10, seed: 3 })
      const tasks = seeded(handle).slice(0, 4)
      expect(tasks.length).toBe(4)
      // The first call is answered 404 with `error_param: null`; its halves then export as usual.
      yield* handle.script([
        {
          _tag: "Status",
          status: 404,
          contentType: "application/json",
          body: '{"error_code":"SMS.9003","error_msg":"task_info[1]: not found","error_param":null,"request_id":null}'
        }
      ])
      const result = yield* BatchExport.exportAll(tasks).pipe(Effect.provide(clientOf(handle)))
      expect(result.failed.map((f) => f.error.message)).toEqual([])
      expect(result.exported).toBe(4)
    })
  )

  it.scopedLive("isolateMissing: false keeps the call's 404 for all its tasks, in one call", () =>
    Effect.gen(function* () {
      const handle = yield* Emulator.start({ sources: 20, seed: 3 })
      const tasks = [
        ...seeded(handle).slice(0, 5),
        { task_id: "00000000-0000-4000-8000-000000000009", source_id: "", source_name: "" }
      ]
      const before = handle.stats().requests
      const result = yield* BatchExport.exportAll(tasks, { isolateMissing: false }).pipe(
        Effect.provide(clientOf(handle))
      )
      expect(handle.stats().requests - before).toBe(1)
      expect(result.exported).toBe(0)
      expect(result.failed.map((f) => f.error._tag)).toEqual(Array(6).fill("NotFound"))
      expect(result.outcomes).toHaveLength(1)
    })
  )

  /** A logger that keeps the messages of warnings in `warnings`. */
  const warningsInto = (warnings: Array<string>) =>
    Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") warnings.push(String(message))
      })
    )

  /** `t0`, `t1`, … as tasks. */
  const numbered = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ task_id: `t${i}`, source_id: "s", source_name: "n" }))

  /**
   * A client whose export answers the service's 404 when `missing` says a call's task ids hold a missing task, and
   * `{}` otherwise; each call's task ids go into `calls`.
   */
  const exportStub = (missing: (ids: ReadonlyArray<string>) => boolean, calls: Array<ReadonlyArray<string>>) =>
    SmsClient.layerTest({
      exportConsistencyResults: (request) => {
        const ids = request.task_info.map((t) => t.task_id)
        calls.push(ids)
        return missing(ids)
          ? Effect.fail(new SmsError.NotFound({ status: 404, errorCode: "SMS.9003" }))
          : Effect.succeed({ _tag: "Json" as const, body: {}, contentType: "application/json" })
      }
    })

  it.effect("splits in halves, in order, with each piece's place in its chunk; progress counts every task once", () =>
    Effect.gen(function* () {
      const calls: Array<ReadonlyArray<string>> = []
      const layer = exportStub((ids) => ids.includes("t5"), calls)
      const tasks = numbered(8)
      const progress: Array<[number, number]> = []
      const result = yield* BatchExport.exportAll(tasks, {
        concurrency: 1,
        onProgress: (p) => Effect.sync(() => progress.push([p.tasksDone, p.chunksDone]))
      }).pipe(Effect.provide(layer))
      expect(calls.map((c) => c.length)).toEqual([8, 4, 4, 2, 1, 1, 2])
      expect(result.outcomes.map((o) => [o._tag, o.piece])).toEqual([
        ["Exported", { offset: 0, size: 4 }],
        ["Exported", { offset: 4, size: 1 }],
        ["Failed", { offset: 5, size: 1 }],
        ["Exported", { offset: 6, size: 2 }]
      ])
      expect(result.failed.map((f) => f.task.task_id)).toEqual(["t5"])
      expect(result.exported).toBe(7)
      expect(progress).toEqual([
        [4, 0],
        [5, 0],
        [6, 0],
        [8, 1]
      ])
    })
  )

  it.effect("does not split a 404 that is not the service's (a gateway's no such API, a 404 page)", () =>
    Effect.gen(function* () {
      for (const errorCode of ["APIGW.0101", undefined]) {
        let calls = 0
        const layer = SmsClient.layerTest({
          exportConsistencyResults: () => {
            calls++
            return Effect.fail(new SmsError.NotFound({ status: 404, errorCode }))
          }
        })
        const tasks = numbered(8)
        const result = yield* BatchExport.exportAll(tasks).pipe(Effect.provide(layer))
        expect(calls).toBe(1)
        expect(result.failed).toHaveLength(8)
        expect(result.outcomes).toHaveLength(1)
      }
    })
  )

  it.effect("an export spends at most maxSplitCalls extra calls per chunk; every task is still accounted once", () =>
    Effect.gen(function* () {
      const calls: Array<ReadonlyArray<string>> = []
      const warnings: Array<string> = []
      // Every other task missing: a full split would take 2·200 − 1 calls per chunk.
      const layer = exportStub((ids) => ids.some((id) => Number(id.slice(1)) % 2 === 0), calls)
      const tasks = numbered(450)
      const result = yield* BatchExport.exportAll(tasks, { concurrency: 1 }).pipe(
        Effect.provide(Layer.merge(layer, warningsInto(warnings)))
      )
      expect(calls.length).toBe(3 * (1 + BatchExport.maxSplitCalls))
      expect(result.exported).toBeGreaterThan(0)
      expect(result.exported + result.failed.length).toBe(450)
      expect(result.outcomes.flatMap((o) => o.tasks)).toEqual(tasks)
      expect(warnings).toEqual([
        expect.stringMatching(/^call 1 has spent the extra calls it may make to isolate missing tasks \(64, and what/)
      ])
    })
  )

  it.effect("a chunk with many missing tasks may use the extra calls that finished chunks left unspent", () =>
    Effect.gen(function* () {
      const calls: Array<ReadonlyArray<string>> = []
      const warnings: Array<string> = []
      // Eight tasks missing, spread through the second chunk: isolating them takes more than maxSplitCalls calls,
      // which the first chunk (nothing missing, finished) did not need.
      const missing = new Set(Array.from({ length: 8 }, (_, i) => `t${200 + i * 25}`))
      const layer = exportStub((ids) => ids.some((id) => missing.has(id)), calls)
      const tasks = numbered(400)
      const result = yield* BatchExport.exportAll(tasks, { concurrency: 1 }).pipe(
        Effect.provide(Layer.merge(layer, warningsInto(warnings)))
      )
      expect(calls.length - 2).toBeGreaterThan(BatchExport.maxSplitCalls)
      expect(result.failed.map((f) => f.task.task_id)).toEqual([...missing])
      expect(result.exported).toBe(392)
      expect(warnings).toEqual([])
    })
  )

  it.effect("a chunk's 404s past its own extra calls wait for what the chunks after it leave, even one at a time", () =>
    Effect.gen(function* () {
      const calls: Array<ReadonlyArray<string>> = []
      const warnings: Array<string> = []
      // The mirror of the test above: eight tasks missing in the first chunk, which runs before the second (one
      // call at a time) and so cannot borrow from it while it runs.
      const missing = new Set(Array.from({ length: 8 }, (_, i) => `t${i * 25}`))
      const layer = exportStub((ids) => ids.some((id) => missing.has(id)), calls)
      const tasks = numbered(400)
      const progress: Array<[number, number]> = []
      const result = yield* BatchExport.exportAll(tasks, {
        concurrency: 1,
        onProgress: (p) => Effect.sync(() => progress.push([p.chunk, p.chunksDone]))
      }).pipe(Effect.provide(Layer.merge(layer, warningsInto(warnings))))
      expect(calls.length - 2).toBeGreaterThan(BatchExport.maxSplitCalls)
      expect(result.failed.map((f) => f.task.task_id)).toEqual([...missing])
      expect(result.exported).toBe(392)
      // Outcomes in the order of the tasks, each task once; the first chunk is done last, after the second.
      expect(result.outcomes.flatMap((o) => o.tasks)).toEqual(tasks)
      expect(progress.at(-1)).toEqual([0, 2])
      expect(progress.find(([chunk]) => chunk === 1)).toEqual([1, 1])
      expect(warnings).toEqual([])
    })
  )

  it.effect("a chunk is done when all of its pieces are: not when its last one is, before a parked one", () =>
    Effect.gen(function* () {
      const calls: Array<ReadonlyArray<string>> = []
      // Missing tasks in the first half of the first chunk only: its second half is exported early, its first
      // half's pieces are parked until the second chunk has run.
      const missing = new Set(Array.from({ length: 12 }, (_, i) => `t${i * 8}`))
      const layer = exportStub((ids) => ids.some((id) => missing.has(id)), calls)
      const progress: Array<[number, number, number]> = []
      const result = yield* BatchExport.exportAll(numbered(400), {
        concurrency: 1,
        onProgress: (p) => Effect.sync(() => progress.push([p.chunk, p.chunksDone, p.tasksDone]))
      }).pipe(Effect.provide(Layer.merge(layer, warningsInto([]))))
      expect(result.failed.map((f) => f.task.task_id)).toEqual([...missing])
      // The first chunk's second half was reported before its parked pieces; the chunks were done only at the end.
      expect(progress.findIndex(([chunk]) => chunk === 1)).toBeGreaterThan(0)
      expect(progress.filter(([, done]) => done === 2)).toEqual([[0, 2, 400]])
      expect(progress.at(-1)).toEqual([0, 2, 400])
    })
  )

  it.effect("a parked 404 is not split once the export has stopped (a 401): it fails as it is, no call unsent", () =>
    Effect.gen(function* () {
      const calls: Array<ReadonlyArray<string>> = []
      const missing = new Set(Array.from({ length: 8 }, (_, i) => `t${i * 25}`))
      const layer = SmsClient.layerTest({
        exportConsistencyResults: (request) => {
          const ids = request.task_info.map((t) => t.task_id)
          calls.push(ids)
          if (ids.some((id) => Number(id.slice(1)) >= 200))
            return Effect.fail(new SmsError.Unauthorized({ status: 401, errorCode: "APIGW.0301" }))
          return ids.some((id) => missing.has(id))
            ? Effect.fail(new SmsError.NotFound({ status: 404, errorCode: "SMS.9003" }))
            : Effect.succeed({ _tag: "Json" as const, body: {}, contentType: "application/json" })
        }
      })
      const tasks = numbered(400)
      const result = yield* BatchExport.exportAll(tasks, { concurrency: 1 }).pipe(
        Effect.provide(Layer.merge(layer, warningsInto([])))
      )
      // The first chunk's own extra calls, then the second chunk's one call; nothing after the 401.
      expect(calls.length).toBe(1 + BatchExport.maxSplitCalls + 1)
      expect(calls.at(-1)).toHaveLength(200)
      expect(result.outcomes.some((o) => o._tag === "Failed" && o.unsent)).toBe(false)
      expect(result.outcomes.flatMap((o) => o.tasks)).toEqual(tasks)
      expect(result.failed.filter((f) => f.error._tag === "Unauthorized")).toHaveLength(200)
    })
  )

  it.effect("a chunk never spends the extra calls a chunk still to come may need", () =>
    Effect.gen(function* () {
      const calls: Array<ReadonlyArray<string>> = []
      // Every 6th task of the first chunk missing (more than its calls can isolate), one of the second's: the
      // second still isolates its own, and its other 199 tasks are exported.
      const missing = new Set([...Array.from({ length: 34 }, (_, i) => `t${i * 6}`), "t300"])
      const layer = exportStub((ids) => ids.some((id) => missing.has(id)), calls)
      const tasks = numbered(400)
      const result = yield* BatchExport.exportAll(tasks, { concurrency: 1 }).pipe(
        Effect.provide(Layer.merge(layer, warningsInto([])))
      )
      const failed = result.failed.map((f) => Number(f.task.task_id.slice(1)))
      expect(failed.filter((n) => n >= 200)).toEqual([300])
      expect(failed.filter((n) => n < 200).length).toBeGreaterThan(34)
      expect(result.exported + result.failed.length).toBe(400)
    })
  )

  it.effect(
    "with nothing exported and many tasks missing one by one, it stops splitting: few calls, all accounted",
    () =>
      Effect.gen(function* () {
        const calls: Array<ReadonlyArray<string>> = []
        const warnings: Array<string> = []
        // Every task missing (another region's tasks, say): splitting each chunk would take 3 × 65 calls.
        const layer = exportStub(() => true, calls)
        const tasks = numbered(450)
        const result = yield* BatchExport.exportAll(tasks, { concurrency: 1 }).pipe(
          Effect.provide(Layer.merge(layer, warningsInto(warnings)))
        )
        const singles = calls.filter((ids) => ids.length === 1).length
        expect(singles).toBe(BatchExport.missingBeforeGivingUp)
        // The first chunk until 16 tasks stand alone (depth first: 2 per split), then one call for each other chunk.
        expect(calls.slice(-2).map((ids) => ids.length)).toEqual([200, 50])
        expect(calls.length).toBeLessThan(1 + BatchExport.maxSplitCalls)
        expect(result.exported).toBe(0)
        expect(result.failed.map((f) => f.task.task_id)).toEqual(tasks.map((t) => t.task_id))
        expect(result.outcomes.flatMap((o) => o.tasks)).toEqual(tasks)
        expect(warnings).toHaveLength(1)
        expect(warnings[0]).toMatch(/^16 tasks were not found one by one and none was exported: not splitting/)
      })
  )

  it.effect("a chunk size or concurrency that is not a finite number is the default: no task is lost", () =>
    Effect.gen(function* () {
      const calls: Array<ReadonlyArray<string>> = []
      const tasks = numbered(230)
      const result = yield* BatchExport.exportAll(tasks, { chunkSize: Number.NaN, concurrency: Number.NaN }).pipe(
        Effect.provide(exportStub(() => false, calls))
      )
      expect(calls.map((ids) => ids.length)).toEqual([200, 30])
      expect(result.exported).toBe(230)
    })
  )

  it.effect("a 401 or missing credentials stops the export: later calls fail with it, unsent; a 403 does not", () =>
    Effect.gen(function* () {
      const cases = [
        [new SmsError.Unauthorized({ status: 401, errorCode: "APIGW.0301", requestId: "r-401" }), 1],
        [new SmsError.MissingCredentials({ reason: "no AK/SK" }), 1],
        [new SmsError.Forbidden({ status: 403, errorCode: "SMS.9004" }), 5]
      ] as const
      for (const [error, expectedCalls] of cases) {
        let calls = 0
        const warnings: Array<string> = []
        const layer = SmsClient.layerTest({
          exportConsistencyResults: () => {
            calls++
            return Effect.fail(error)
          }
        })
        const tasks = numbered(900)
        const result = yield* BatchExport.exportAll(tasks, { concurrency: 1 }).pipe(
          Effect.provide(Layer.merge(layer, warningsInto(warnings)))
        )
        expect(calls, error._tag).toBe(expectedCalls)
        // The calls not made say so.
        expect(result.outcomes.filter((o) => o._tag === "Failed" && o.unsent).length, error._tag).toBe(
          5 - expectedCalls
        )
        // Every task still accounted once, each with the error itself (its request id included).
        expect(result.outcomes).toHaveLength(5)
        expect(result.failed.map((f) => f.task.task_id)).toEqual(tasks.map((t) => t.task_id))
        expect([...new Set(result.failed.map((f) => JSON.stringify(f.error)))]).toEqual([JSON.stringify(error)])
        expect(warnings, error._tag).toEqual(
          expectedCalls === 1 ? [expect.stringMatching(/every call would meet it too, so the export stops/)] : []
        )
      }
    })
  )

  it.effect("keeps splitting once a task was exported, however many are missing", () =>
    Effect.gen(function* () {
      const calls: Array<ReadonlyArray<string>> = []
      // Only t0 exists: it is exported first (depth first), so every chunk is split as far as its budget goes.
      const layer = exportStub((ids) => !(ids.length === 1 && ids[0] === "t0"), calls)
      const tasks = numbered(400)
      const result = yield* BatchExport.exportAll(tasks, { concurrency: 1 }).pipe(Effect.provide(layer))
      expect(calls.length).toBe(2 * (1 + BatchExport.maxSplitCalls))
      expect(result.exported).toBe(1)
      expect(result.failed).toHaveLength(399)
    })
  )
})

describe("SmsClient.layerTest", () => {
  it.effect("stands in for the client in a program's own tests; unimplemented operations die", () =>
    Effect.gen(function* () {
      const sizes: Array<number> = []
      const layer = SmsClient.layerTest({
        exportConsistencyResults: (request) => {
          sizes.push(request.task_info.length)
          return sizes.length === 2
            ? Effect.fail(new SmsError.Forbidden({ status: 403, errorCode: "SMS.9004" }))
            : Effect.succeed({ _tag: "Json" as const, body: {}, contentType: "application/json" })
        }
      })
      const tasks = Array.from({ length: 450 }, (_, i) => ({ task_id: `t-${i}`, source_id: "s", source_name: "n" }))
      const result = yield* BatchExport.exportAll(tasks, { concurrency: 1 }).pipe(Effect.provide(layer))
      expect(sizes).toEqual([200, 200, 50])
      expect(result.exported).toBe(250)
      expect(result.failed.map((f) => f.error._tag)).toEqual(Array(200).fill("Forbidden"))
      const missing = yield* Effect.exit(
        Effect.flatMap(SmsClient.SmsClient, (c) => c.listTasks()).pipe(Effect.provide(layer))
      )
      expect(Exit.isFailure(missing) && Cause.isDie(missing.cause)).toBe(true)
    })
  )
})
