/**
 * Hostile input, property-based, against the CLI's task parsers (`--task`, CSV and JSON task files) and the
 * MCP server's tool argument decoding (the tools themselves, in-process, over a real client to a real
 * emulator): never a thrown exception, always an error naming where the bad input is, round trips exact for
 * valid input, nothing sent for invalid arguments, no file written outside the call's export folder.
 */
import * as Emulator from "@sms-consistency/emulator/Emulator"
import * as Credentials from "@sms-consistency/sms/Credentials"
import type * as Model from "@sms-consistency/sms/Model"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import { Duration, Effect, Either, Exit, ManagedRuntime, Redacted, Schema, Scope } from "effect"
import * as fc from "fast-check"
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises"
import * as Http from "node:http"
import { tmpdir } from "node:os"
import { isAbsolute, join, relative } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Tasks from "../../apps/cli/src/internal/tasks.js"
import * as Tools from "../../apps/mcp-server/src/Tools.js"

const cases = 10_000

const FilesOut = Schema.decodeUnknownSync(
  Schema.Struct({ files: Schema.Array(Schema.Struct({ path: Schema.String })) })
)

// --- shared generators ------------------------------------------------------------------------------

const control = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c))
const hostileChar = fc.oneof(
  control,
  fc.constantFrom(",", '"', "\r", "\n", "\r\n", " ", "\t", "\uFEFF", "\u202E", "\u0000", "\\", "'", "🚀", "\uD800"),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 })
)
const hostileString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.array(hostileChar, { maxLength: 30 }).map((cs) => cs.join("")),
  fc.constantFrom("", "../../etc/passwd", "..\\..\\boot.ini", "a\r\nX-Injected: 1", "%00", "null", "{}", "[]"),
  fc.string({ minLength: 30, maxLength: 300 })
)
/** A field the schema accepts: task_id 1..36, the others 0..255, no surrounding blanks (unquoted fields are trimmed). */
const cleanText = (min: number, max: number) =>
  fc.string({ unit: "grapheme-ascii", minLength: min, maxLength: max }).filter((s) => s.trim() === s && s.length >= min)
const validTask = fc.record({
  task_id: cleanText(1, 36),
  source_id: cleanText(0, 60),
  source_name: fc.string({ unit: "binary", maxLength: 60 })
})

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The oracle, independent of the schema: what the service's limits allow. */
const expectedValid = (t: unknown): boolean => {
  if (!isRecord(t)) return false
  const { task_id, source_id, source_name } = t
  return (
    typeof task_id === "string" &&
    task_id.length >= 1 &&
    task_id.length <= 36 &&
    typeof source_id === "string" &&
    source_id.length <= 255 &&
    typeof source_name === "string" &&
    source_name.length <= 255
  )
}

const csvQuote = (s: string) => `"${s.replaceAll('"', '""')}"`

const checkTask = (t: Model.TaskRef) => {
  expect(expectedValid(t)).toBe(true)
}

// --- --task ----------------------------------------------------------------------------------------

describe("--task TASK_ID,SOURCE_ID,SOURCE_NAME", () => {
  it(`${cases} hostile specs: never throws, a Left names '--task #i', a Right is within the limits`, () => {
    let left = 0
    let right = 0
    const spec = fc.oneof(
      hostileString,
      fc.array(hostileString, { minLength: 1, maxLength: 5 }).map((fs) => fs.join(",")),
      fc.tuple(hostileString, hostileString, hostileString).map((fs) => fs.map(csvQuote).join(","))
    )
    fc.assert(
      fc.property(spec, fc.integer({ min: 1, max: 10_000 }), (s, i) => {
        const r = Tasks.parseTaskSpec(s, i)
        if (Either.isLeft(r)) {
          left++
          expect(r.left._tag).toBe("InvalidRequest")
          expect(r.left.field).toBe(`--task #${i}`)
          expect(r.left.reason.length).toBeGreaterThan(0)
          expect(r.left.message.startsWith(`--task #${i}: `)).toBe(true)
        } else {
          right++
          checkTask(r.right)
        }
      }),
      { numRuns: cases, seed: 21 }
    )
    expect(left).toBeGreaterThan(cases / 10)
    expect(right).toBeGreaterThan(cases / 20)
  })

  it(`${cases} valid tasks, every field quoted: the spec round-trips exactly`, () => {
    fc.assert(
      fc.property(validTask, (t) => {
        const r = Tasks.parseTaskSpec([t.task_id, t.source_id, t.source_name].map(csvQuote).join(","), 1)
        expect(Either.getOrThrow(r)).toEqual(t)
      }),
      { numRuns: cases, seed: 22 }
    )
  })

  it("a list of specs: the first bad one is named by its 1-based position", () => {
    fc.assert(
      fc.property(fc.array(validTask, { minLength: 1, maxLength: 20 }), fc.nat(), (tasks, k) => {
        const specs = tasks.map((t) => [t.task_id, t.source_id, t.source_name].map(csvQuote).join(","))
        const at = k % specs.length
        specs[at] = `"${"x".repeat(37)}",s,n`
        const r = Tasks.parseTaskSpecs(specs)
        expect(Either.isLeft(r) && r.left.field).toBe(`--task #${at + 1}`)
      }),
      { numRuns: 1_000, seed: 23 }
    )
  })
})

// --- CSV -------------------------------------------------------------------------------------------

const toCsv = (tasks: ReadonlyArray<Model.TaskRef>, eol: string) =>
  [
    "task_id,source_id,source_name",
    ...tasks.map((t) => [t.task_id, t.source_id, t.source_name].map(csvQuote).join(","))
  ].join(eol)

describe("CSV task files", () => {
  it(`${cases} hostile texts: never throws, a Left names 'tasks.csv' (and a line within the text)`, () => {
    let left = 0
    let right = 0
    const mutated = fc
      .tuple(fc.array(validTask, { maxLength: 6 }), fc.array(fc.tuple(fc.nat(), hostileChar), { maxLength: 4 }))
      .map(([tasks, edits]) => {
        let text = toCsv(tasks, "\n")
        for (const [at, c] of edits) {
          const i = at % (text.length + 1)
          text = text.slice(0, i) + c + text.slice(i)
        }
        return text
      })
    const text = fc.oneof(
      mutated,
      fc.string({ unit: "binary", maxLength: 200 }),
      fc
        .array(
          fc.array(hostileString, { maxLength: 5 }).map((r) => r.join(",")),
          { maxLength: 6 }
        )
        .map((rows) => ["task_id,source_id,source_name", ...rows].join("\n"))
    )
    fc.assert(
      fc.property(text, (t) => {
        const r = Tasks.parseTasksCsv(t, "tasks.csv")
        if (Either.isLeft(r)) {
          left++
          expect(r.left._tag).toBe("InvalidRequest")
          const m = /^tasks\.csv(?: line (\d+))?$/.exec(r.left.field)
          expect(m).not.toBeNull()
          if (m?.[1] !== undefined) {
            const line = Number(m[1])
            expect(line).toBeGreaterThanOrEqual(1)
            expect(line).toBeLessThanOrEqual(t.split(/\r\n|\r|\n/).length)
          }
        } else {
          right++
          for (const task of r.right) checkTask(task)
        }
      }),
      { numRuns: cases, seed: 31 }
    )
    expect(left).toBeGreaterThan(cases / 10)
    expect(right).toBeGreaterThan(cases / 20)
  })

  it(`${cases} valid files (quoted fields with commas, quotes, line breaks; LF or CRLF; BOM): exact round trip`, () => {
    fc.assert(
      fc.property(
        fc.array(validTask, { maxLength: 8 }),
        fc.constantFrom("\n", "\r\n"),
        fc.boolean(),
        (tasks, eol, bom) => {
          const r = Tasks.parseTasksCsv((bom ? "\uFEFF" : "") + toCsv(tasks, eol), "tasks.csv")
          expect(Either.getOrThrow(r)).toEqual(tasks)
        }
      ),
      { numRuns: cases, seed: 32 }
    )
  })

  it("one bad row among many: named by its line", () => {
    fc.assert(
      fc.property(fc.array(validTask, { minLength: 1, maxLength: 30 }), fc.nat(), (tasks, k) => {
        const lines = toCsv(
          tasks.map((t) => ({ ...t, source_name: t.source_name.replace(/[\r\n"]/g, "") })),
          "\n"
        ).split("\n")
        const row = 1 + (k % tasks.length)
        lines[row] = `${"y".repeat(37)},s,n`
        const r = Tasks.parseTasksCsv(lines.join("\n"), "tasks.csv")
        expect(Either.isLeft(r) && r.left.field).toBe(`tasks.csv line ${row + 1}`)
      }),
      { numRuns: 1_000, seed: 33 }
    )
  })
})

// --- JSON ------------------------------------------------------------------------------------------

const jsonField = fc.oneof(hostileString, fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 }))
const taskish = fc.oneof(
  validTask,
  fc.record({ task_id: jsonField, source_id: jsonField, source_name: jsonField }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 2 })
)
/** An entry of `sources --json`: a source server whose current task is a task (valid or not), or junk. */
const sourceish = fc.oneof(
  fc.tuple(taskish, fc.constantFrom(true, false, undefined)).map(([t, results]) =>
    isRecord(t)
      ? {
          id: t.source_id,
          name: t.source_name,
          is_consistency_result_exist: results,
          current_task: { id: t.task_id }
        }
      : t
  ),
  fc.record({ id: jsonField, name: jsonField, current_task: jsonField }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 2 })
)
/** An entry of `tasks --json`: a migration task with its source server, or junk. */
const migrationTaskish = fc.oneof(
  taskish.map((t) => (isRecord(t) ? { id: t.task_id, source_server: { id: t.source_id, name: t.source_name } } : t)),
  fc.record({ id: jsonField, source_server: jsonField }, { requiredKeys: [] })
)

describe("JSON task files", () => {
  it(`${cases} hostile documents: never throws, a Left names 'tasks.json' (and task_info[i] within the list)`, () => {
    let left = 0
    let right = 0
    let listings = 0
    const doc = fc.oneof(
      fc.array(taskish, { maxLength: 6 }).map((list) => JSON.stringify({ task_info: list })),
      fc.array(sourceish, { maxLength: 6 }).map((list) => JSON.stringify({ count: list.length, source_servers: list })),
      fc.array(migrationTaskish, { maxLength: 6 }).map((list) => JSON.stringify({ count: list.length, tasks: list })),
      fc.array(taskish, { maxLength: 6 }).map((list) => JSON.stringify(list)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ unit: "binary", maxLength: 100 }).map((s) => `{${s}`),
      fc
        .tuple(fc.array(validTask, { minLength: 1, maxLength: 4 }), fc.nat(), fc.string({ maxLength: 3 }))
        .map(([list, at, junk]) => {
          const text = JSON.stringify({ task_info: list })
          const i = at % text.length
          return text.slice(0, i) + junk + text.slice(i)
        })
    )
    fc.assert(
      fc.property(doc, (text) => {
        const r = Tasks.parseTasksJson(text, "tasks.json")
        if (Either.isLeft(r)) {
          left++
          expect(r.left._tag).toBe("InvalidRequest")
          const m = /^tasks\.json(?: (task_info|source_servers|tasks)?\[(\d+)\])?$/.exec(r.left.field)
          expect(m).not.toBeNull()
          if (m?.[1] === "source_servers" || m?.[1] === "tasks") {
            // An entry of a listing, named within it.
            listings++
            const parsed: unknown = JSON.parse(text)
            const list = isRecord(parsed) ? parsed[m[1]] : undefined
            expect(Array.isArray(list) && Number(m[2]) < list.length).toBe(true)
          } else if (m?.[2] !== undefined) {
            const parsed: unknown = JSON.parse(text)
            const list: unknown = Array.isArray(parsed) ? parsed : isRecord(parsed) ? parsed.task_info : undefined
            if (!Array.isArray(list)) throw new Error(`an index named for no list: ${text}`)
            const i = Number(m[2])
            expect(i).toBeLessThan(list.length)
            // The named entry is the first invalid one, by the independent oracle.
            expect(list.findIndex((t) => !expectedValid(t))).toBe(i)
          }
        } else {
          right++
          for (const task of r.right) checkTask(task)
        }
      }),
      { numRuns: cases, seed: 41 }
    )
    expect(left).toBeGreaterThan(cases / 10)
    expect(right).toBeGreaterThan(cases / 20)
    expect(listings).toBeGreaterThan(cases / 50)
  })

  it("huge arrays: 20,000 tasks with one bad entry named by index; 20,000 valid tasks accepted", () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({
      task_id: `t-${i}`,
      source_id: `s-${i}`,
      source_name: "n"
    }))
    expect(Either.getOrThrow(Tasks.parseTasksJson(JSON.stringify(many), "big.json")).length).toBe(20_000)
    const bad = [...many]
    bad[12_345] = { task_id: "t", source_id: "s", source_name: "x".repeat(256) }
    const r = Tasks.parseTasksJson(JSON.stringify({ task_info: bad }), "big.json")
    expect(Either.isLeft(r) && r.left.field).toBe("big.json task_info[12345]")
    expect(Either.isLeft(r) && r.left.reason).toMatch(/source_name/)
  })
})

// --- MCP tool arguments ------------------------------------------------------------------------------

describe("MCP tool arguments (the server's tools, in-process, over a real client)", () => {
  let scope: Scope.CloseableScope
  let emu: Emulator.EmulatorHandle
  let runtime: ManagedRuntime.ManagedRuntime<SmsClient.SmsClient, never>
  let root: string

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "sms-hostile-mcp-"))
    scope = Effect.runSync(Scope.make())
    emu = await Effect.runPromise(Scope.extend(Emulator.start({ sources: 5 }), scope))
    runtime = ManagedRuntime.make(
      SmsClient.layer({
        endpoint: emu.url,
        credentials: new Credentials.Token({ token: Redacted.make(Redacted.value(emu.credentials.token)) }),
        timeout: Duration.seconds(5)
      })
    )
  })

  afterAll(async () => {
    if (runtime !== undefined) await runtime.dispose()
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
    if (root !== undefined) await rm(root, { recursive: true, force: true })
  })

  const toolOf = (name: string) => {
    const tool = Tools.byName.get(name)
    if (tool === undefined) throw new Error(`no tool ${name}`)
    return tool
  }

  const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }))
  const badTaskId = fc.oneof(notString, fc.constant(""), fc.string({ minLength: 37, maxLength: 100 }))
  const badTask = fc.oneof(
    validTask.chain((t) => badTaskId.map((task_id) => ({ ...t, task_id }))),
    validTask.chain((t) => notString.map((source_id) => ({ ...t, source_id }))),
    validTask.map((t) => ({ ...t, source_name: `${t.source_name}${"n".repeat(256)}` })),
    validTask.map(({ task_id, source_name }) => ({ task_id, source_name })),
    fc.oneof(fc.constant(null), fc.string(), fc.integer(), fc.array(fc.anything(), { maxLength: 2 }))
  )
  /** A list holding at least one bad task; now and then a huge one (up to 5,000 entries). */
  const badList = fc
    .oneof(
      { arbitrary: fc.tuple(fc.array(validTask, { maxLength: 5 }), badTask, fc.nat()), weight: 20 },
      {
        arbitrary: fc.tuple(
          fc
            .integer({ min: 1_000, max: 5_000 })
            .map((n) => Array.from({ length: n }, (_, i) => ({ task_id: `t-${i}`, source_id: "", source_name: "" }))),
          badTask,
          fc.nat()
        ),
        weight: 1
      }
    )
    .map(([tasks, bad, at]) => {
      const list: Array<unknown> = [...tasks]
      list.splice(at % (list.length + 1), 0, bad)
      return list
    })
  const exportArgs = fc.oneof(
    badList.map((task_info) => ({ task_info })),
    fc.record({ task_info: fc.constant([]) }),
    fc.record({ task_info: fc.oneof(notString, fc.object({ maxDepth: 1 }), hostileString) }),
    fc.record({
      task_info: fc.array(validTask, { minLength: 1, maxLength: 3 }),
      language: fc.oneof(hostileString, notString)
    }),
    fc.record({ language: fc.constantFrom("en-us", "zh-cn") }),
    fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      hostileString,
      fc.integer(),
      fc.array(fc.anything(), { maxLength: 3 })
    )
  )
  const overLimit = fc.oneof(
    fc.integer({ max: 0 }),
    fc.integer({ min: 1_001 }),
    fc.double({ min: 1.01, max: 999.99, noInteger: true }),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY),
    hostileString
  )
  const listSourcesArgs = fc.oneof(
    fc.record({ name: fc.oneof(notString, fc.string({ minLength: 256, maxLength: 400 })) }),
    fc.record({ limit: overLimit }),
    fc.record({
      offset: fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true, noDefaultInfinity: true }), hostileString)
    })
  )
  const listTasksArgs = fc.oneof(
    fc.record({ state: fc.oneof(notString, fc.string({ minLength: 65, maxLength: 100 })) }),
    fc.record({ name: fc.oneof(notString, fc.string({ minLength: 256, maxLength: 300 })) }),
    fc.record({ limit: overLimit })
  )
  const showArgs = fc.oneof(
    fc.record({ task_id: badTaskId }),
    fc.constant({}),
    fc.oneof(fc.constant(null), hostileString, fc.array(fc.string(), { maxLength: 2 }))
  )
  const call = fc.oneof(
    { arbitrary: exportArgs.map((args) => ["export_consistency_results", args] as const), weight: 4 },
    { arbitrary: listSourcesArgs.map((args) => ["list_sources_with_results", args] as const), weight: 2 },
    { arbitrary: listTasksArgs.map((args) => ["list_migration_tasks", args] as const), weight: 2 },
    { arbitrary: showArgs.map((args) => ["show_consistency_result", args] as const), weight: 2 }
  )
  const fieldsOf: Record<string, RegExp> = {
    export_consistency_results: /^(task_info(\[\d+\](\.(task_id|source_id|source_name))?)?|language|arguments)$/,
    list_sources_with_results: /^(name|limit|offset|arguments)$/,
    list_migration_tasks: /^(state|name|id|source_server_id|limit|offset|arguments)$/,
    show_consistency_result: /^(task_id|arguments)$/
  }

  it(`${cases} invalid argument objects: isError results naming the field, never a throw, nothing sent, no file`, async () => {
    const before = emu.stats().requests
    const exportDir = join(root, "calls")
    const tally: Record<string, number> = {}
    await fc.assert(
      fc.asyncProperty(call, async ([name, args]) => {
        tally[name] = (tally[name] ?? 0) + 1
        const result = await runtime.runPromise(toolOf(name).call(args, { exportDir }))
        expect(result.isError).toBe(true)
        const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n")
        const m = /^Error: InvalidRequest — (.+?): /m.exec(text)
        if (m?.[1] === undefined) throw new Error(`no field named in: ${text}`)
        expect(m[1]).toMatch(fieldsOf[name] ?? /^$/)
        expect(text).toContain("Nothing was sent to the service.")
        expect(result.structuredContent).toBeUndefined()
      }),
      { numRuns: cases, seed: 51 }
    )
    expect(emu.stats().requests - before).toBe(0)
    expect(await readdir(root)).toEqual([])
    for (const name of Object.keys(fieldsOf)) expect(tally[name] ?? 0).toBeGreaterThan(cases / 10)
    process.stderr.write(
      `hostile-parsers MCP: ${JSON.stringify(tally)}, ${emu.stats().requests - before} requests sent\n`
    )
  })

  it("the control: valid arguments do reach the emulator (so 'nothing sent' above can fail)", async () => {
    const before = emu.stats().requests
    const s = emu.seeded.sources[0]
    if (s?.current_task?.id === undefined) throw new Error("no seeded source")
    const result = await runtime.runPromise(
      toolOf("show_consistency_result").call({ task_id: s.current_task.id }, { exportDir: join(root, "control") })
    )
    expect(result.isError).toBeUndefined()
    expect(emu.stats().requests - before).toBe(1)
  })

  describe("hostile Content-Disposition file names through export_consistency_results", () => {
    const names = fc.oneof(
      fc.constantFrom(
        "../../etc/passwd",
        "../../../../../../tmp/pwned.zip",
        "..\\..\\windows\\system32\\evil.dll",
        "/etc/shadow",
        "..",
        ".",
        "",
        ".bashrc",
        "a/../../b.zip",
        "\u0000evil",
        "con:stream",
        "x".repeat(400)
      ),
      fc.string({ unit: "binary", maxLength: 60 })
    )
    let current = ""
    let hits = 0
    const server = Http.createServer((req, res) => {
      hits++
      req.resume()
      req.on("end", () => {
        const body = Buffer.from("PK\u0003\u0004 not really a zip")
        res.writeHead(200, {
          "Content-Type": "application/zip",
          "Content-Length": String(body.length),
          "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(current)}`
        })
        res.end(body)
      })
    })
    let captureRuntime: ManagedRuntime.ManagedRuntime<SmsClient.SmsClient, never> | undefined
    beforeAll(async () => {
      await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      captureRuntime = ManagedRuntime.make(
        SmsClient.layer({
          endpoint: `http://127.0.0.1:${port}`,
          credentials: new Credentials.Token({ token: Redacted.make("t") })
        })
      )
    })
    afterAll(async () => {
      if (captureRuntime !== undefined) await captureRuntime.dispose()
      server.closeAllConnections()
      await new Promise<void>((done) => server.close(() => done()))
    })

    it("300 names: one file, inside the call's folder, with the bytes sent; nothing anywhere else", async () => {
      const base = await mkdtemp(join(tmpdir(), "sms-hostile-cd-"))
      const exportRoot = join(base, "exports")
      let k = 0
      try {
        await fc.assert(
          fc.asyncProperty(names, async (name) => {
            current = name
            const exportDir = join(exportRoot, `call-${++k}`)
            const rt = captureRuntime
            if (rt === undefined) throw new Error("no runtime")
            const result = await rt.runPromise(
              toolOf("export_consistency_results").call(
                { task_info: [{ task_id: "t-1", source_id: "s-1", source_name: "web 01" }] },
                { exportDir }
              )
            )
            expect(result.isError).toBeUndefined()
            const { files } = FilesOut(result.structuredContent)
            expect(files.length).toBe(1)
            const path = files[0]?.path ?? ""
            const rel = relative(exportDir, path)
            expect(rel === "" || rel.startsWith("..") || isAbsolute(rel) || rel.includes("/")).toBe(false)
            expect((await readFile(path)).toString("latin1")).toBe("PK\u0003\u0004 not really a zip")
            expect(await readdir(exportDir)).toEqual([rel])
          }),
          { numRuns: 300, seed: 61 }
        )
        // Nothing outside the export root: the base holds only it.
        expect(await readdir(base)).toEqual(["exports"])
        expect((await readdir(exportRoot)).length).toBe(300)
        expect(hits).toBe(300)
      } finally {
        await rm(base, { recursive: true, force: true })
      }
    })
  })
})
