/**
 * The built `sms-consistency-mcp` bin over stdio, driven by the SDK's own Client: tool schemas, exports against
 * the emulator (in the server's process with --emulator, or in this process for request-level assertions),
 * progress, cancellation, invalid arguments, 403 mapping, missing configuration, logging levels.
 */
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv"
import { Emulator } from "@sms-consistency/emulator"
import { Effect, Exit, Redacted, Scope } from "effect"
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs"
import * as Http from "node:http"
import { tmpdir } from "node:os"
import { basename, dirname, join, relative } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import {
  assertBuilt,
  binPath,
  call,
  cleanEnv,
  connectStdio,
  ExportOut,
  jsonSchema,
  ListSourcesOut,
  type StdioServer,
  textOf
} from "./support.js"

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

type Json = Record<string, unknown>
const isJson = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)

/** Every property of every object schema (recursively) carries a description. */
const undescribed = (schema: unknown, at = "$"): ReadonlyArray<string> => {
  if (!isJson(schema)) return []
  const out: Array<string> = []
  if (isJson(schema.properties))
    for (const [key, child] of Object.entries(schema.properties)) {
      if (!isJson(child) || typeof child.description !== "string" || child.description === "") out.push(`${at}.${key}`)
      out.push(...undescribed(child, `${at}.${key}`))
    }
  if (isJson(schema.items)) out.push(...undescribed(schema.items, `${at}[]`))
  return out
}

const validator = new AjvJsonSchemaValidator()

const largeBytes = 1_000_000

describe("stdio, --emulator", () => {
  let server: StdioServer
  beforeAll(async () => {
    assertBuilt()
    server = await connectStdio(
      ["--emulator"],
      cleanEnv({ SMS_EMULATOR_SOURCES: "600", SMS_EMULATOR_LATENCY_MS: "150" })
    )
  })
  afterAll(() => server?.close())

  // How fast it starts is a benchmark's question (test/bench/coldstart.ts), not a test's.
  it("lists four annotated tools whose schemas carry the core's limits", async () => {
    const { tools } = await server.client.listTools()
    expect(tools.map((t) => t.name).sort()).toEqual([
      "export_consistency_results",
      "list_migration_tasks",
      "list_sources_with_results",
      "show_consistency_result"
    ])
    for (const tool of tools) {
      expect(tool.annotations?.title, tool.name).toBeTruthy()
      expect(tool.annotations?.destructiveHint).toBe(false)
      expect(typeof tool.annotations?.readOnlyHint).toBe("boolean")
      expect(typeof tool.annotations?.idempotentHint).toBe("boolean")
      expect(tool.annotations?.openWorldHint).toBe(true)
      expect(tool.description?.length ?? 0).toBeGreaterThan(80)
      expect(JSON.stringify(tool.inputSchema)).not.toContain("$ref")
      expect(JSON.stringify(tool.outputSchema)).not.toContain("$ref")
      expect(undescribed(tool.inputSchema), tool.name).toEqual([])
      expect(undescribed(tool.outputSchema), tool.name).toEqual([])
      // Compiles as JSON Schema (Ajv throws on an invalid schema).
      validator.getValidator(jsonSchema(tool.inputSchema))
      if (tool.outputSchema) validator.getValidator(jsonSchema(tool.outputSchema))
    }
    const exportTool = tools.find((t) => t.name === "export_consistency_results")
    const schema = exportTool?.inputSchema
    expect(schema).toHaveProperty("properties.task_info.items.properties.task_id.maxLength", 36)
    expect(schema).toHaveProperty("properties.task_info.items.properties.task_id.minLength", 1)
    expect(schema).toHaveProperty("properties.task_info.items.properties.source_name.maxLength", 255)
    expect(schema).toHaveProperty("properties.task_info.minItems", 1)
    expect(schema).toHaveProperty("properties.language.enum", ["en-us", "zh-cn"])
    expect(schema?.required).toEqual(["task_info"])
    expect(exportTool?.annotations?.readOnlyHint).toBe(false)
    expect(tools.find((t) => t.name === "list_sources_with_results")?.annotations?.readOnlyHint).toBe(true)
  })

  it("lists sources with results, then exports them with progress (450 tasks, 3 calls)", async () => {
    const listed = await call(server.client, "list_sources_with_results", { limit: 1000 })
    expect(listed.isError).toBeFalsy()
    const listing = ListSourcesOut(listed.structuredContent)
    expect(listing.task_info.length).toBeGreaterThanOrEqual(450)
    expect(textOf(listed)).toContain("Acted as AK EMUL…0000")
    expect(textOf(listed).length).toBeLessThan(4000)
    const taskInfo = listing.task_info.slice(0, 450)

    const progress: Array<{ progress: number; total?: number | undefined; message?: string | undefined }> = []
    const wireBefore = server.wire().length
    const result = await call(
      server.client,
      "export_consistency_results",
      { task_info: taskInfo },
      { onprogress: (p) => progress.push(p), timeout: 30_000 }
    )
    expect(result.isError, textOf(result)).toBeFalsy()
    const out = ExportOut(result.structuredContent)
    const chunks = 3
    expect(out.exported).toBe(taskInfo.length)
    expect(out.files.length).toBe(chunks)
    // What the server sent, counted on the wire: the SDK client may drop a final progress notification that
    // arrives in the same read as the result (it dispatches notifications a microtask after responses).
    const sent = server
      .wire()
      .slice(wireBefore)
      .flatMap((m) => ("method" in m && m.method === "notifications/progress" && isJson(m.params) ? [m.params] : []))
    expect(sent.length).toBe(chunks)
    expect(sent.map((p) => p.total)).toEqual(Array(chunks).fill(taskInfo.length))
    expect(sent.at(-1)?.progress).toBe(taskInfo.length)
    expect(sent.at(-1)?.message).toMatch(/^450 of 450 tasks done \(call [1-3] of 3: exported\)$/)
    expect(progress.length).toBeGreaterThanOrEqual(chunks - 1)
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]?.progress ?? 0).toBeGreaterThan(progress[i - 1]?.progress ?? 0)
    // Files on disk match what the result claims, under the export folder.
    for (const file of out.files) {
      const bytes = readFileSync(file.path)
      expect(sha256(bytes)).toBe(file.sha256)
      expect(bytes.byteLength).toBe(file.byteLength)
      expect(bytes.subarray(0, 4).toString("latin1")).toBe("PK\u0003\u0004")
      expect(relative(server.env.SMS_EXPORT_DIR ?? "", file.path).startsWith("..")).toBe(false)
    }
    const links = result.content.filter((c) => c.type === "resource_link")
    expect(links.length).toBe(chunks)
    for (const link of links) {
      if (link.type !== "resource_link") continue
      expect(link.uri.startsWith("file://")).toBe(true)
      expect(link.mimeType).toBe("application/zip")
      expect(out.files.map((f) => f.path)).toContain(fileURLToPath(link.uri))
    }
    // Small result: no file bytes, no listing of 450 tasks in the text.
    expect(textOf(result).length).toBeLessThan(2000)
  })

  it("matches the advertised outputSchema (validated independently of the SDK client)", async () => {
    const { tools } = await server.client.listTools()
    const taskInfo = ListSourcesOut(
      (await call(server.client, "list_sources_with_results", { limit: 2 })).structuredContent
    ).task_info
    for (const [name, args] of [
      ["list_sources_with_results", { limit: 2 }],
      ["list_migration_tasks", { state: "MIGRATE_SUCCESS", limit: 5 }],
      ["show_consistency_result", { task_id: taskInfo[0]?.task_id }],
      ["export_consistency_results", { task_info: taskInfo, language: "zh-cn" }]
    ] as const) {
      const result = await call(server.client, name, args)
      expect(result.isError, `${name}: ${textOf(result)}`).toBeFalsy()
      const schema = tools.find((t) => t.name === name)?.outputSchema
      expect(schema).toBeDefined()
      if (schema) expect(validator.getValidator(jsonSchema(schema))(result.structuredContent).valid).toBe(true)
    }
  })

  it("a task that does not exist fails alone, with the service's 404; the others are exported", async () => {
    const real = ListSourcesOut(
      (await call(server.client, "list_sources_with_results", { limit: 6 })).structuredContent
    ).task_info
    const ghost = { task_id: "00000000-0000-4000-8000-000000000404", source_id: "", source_name: "" }
    const result = await call(server.client, "export_consistency_results", {
      task_info: [...real.slice(0, 4), ghost, ...real.slice(4)]
    })
    expect(result.isError, textOf(result)).toBeFalsy()
    const out = ExportOut(result.structuredContent)
    expect(out.requested).toBe(real.length + 1)
    expect(out.exported).toBe(real.length)
    expect(out.failedCount).toBe(1)
    expect(out.failed).toHaveLength(1)
    expect(out.failed[0]).toMatchObject({
      error: "NotFound",
      status: 404,
      errorCode: "SMS.9003",
      task_ids: [ghost.task_id]
    })
    expect(out.files.reduce((n, f) => n + f.taskCount, 0)).toBe(real.length)
    expect(textOf(result)).toContain("1 task failed in 1 call:")
  })

  it("stops an export when the call is cancelled, and keeps serving", async () => {
    const taskInfo = ListSourcesOut(
      (await call(server.client, "list_sources_with_results", { limit: 400 })).structuredContent
    ).task_info
    const before = new Set(readdirSync(server.env.SMS_EXPORT_DIR ?? ""))
    const controller = new AbortController()
    const started = performance.now()
    const pending = server.client.callTool(
      { name: "export_consistency_results", arguments: { task_info: taskInfo } },
      undefined,
      {
        signal: controller.signal
      }
    )
    setTimeout(() => controller.abort("user cancelled"), 50)
    await expect(pending).rejects.toThrow()
    expect(performance.now() - started).toBeLessThan(1000)
    // The server logs the interruption and writes no file for the cancelled call.
    await vi.waitFor(() => expect(server.stderr()).toMatch(/export_consistency_results: cancelled/), {
      timeout: 5_000
    })
    const after = readdirSync(server.env.SMS_EXPORT_DIR ?? "").filter((d) => !before.has(d))
    const files = after.flatMap((d) => readdirSync(join(server.env.SMS_EXPORT_DIR ?? "", d)))
    expect(files.filter((f) => !f.endsWith(".partial"))).toEqual([])
    // Nor an empty folder: a cancelled call that wrote nothing removes its own.
    expect(after).toEqual([])
    const again = await call(server.client, "list_migration_tasks", { limit: 1 })
    expect(again.isError).toBeFalsy()
  })

  it("show_consistency_result of an unknown task: a 404 whose hint is about the task_id alone", async () => {
    const result = await call(server.client, "show_consistency_result", {
      task_id: "00000000-0000-4000-8000-000000000404"
    })
    expect(result.isError).toBe(true)
    const text = textOf(result)
    expect(text).toContain("Error: NotFound (HTTP 404)\n")
    expect(text).toContain("What to do: Check the task_id (list migration tasks to find it).")
  })

  it("answers an unknown tool with JSON-RPC -32602", async () => {
    await expect(server.client.callTool({ name: "no_such_tool", arguments: {} })).rejects.toMatchObject({
      code: -32602
    })
  })

  it("honours logging/setLevel", async () => {
    const seen: Array<string> = []
    server.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      seen.push(n.params.level)
    })
    await server.client.setLoggingLevel("error")
    await call(server.client, "list_migration_tasks", { limit: 1 })
    expect(seen).toEqual([])
    await server.client.setLoggingLevel("info")
    await call(server.client, "list_migration_tasks", { limit: 1 })
    expect(seen).toContain("info")
  })
})

describe("stdio, emulator in the test process", () => {
  let scope: Scope.CloseableScope
  let emulator: Emulator.EmulatorHandle
  const configured = (ak: string, sk: Redacted.Redacted<string>) =>
    cleanEnv({
      SMS_ENDPOINT: emulator.url,
      HUAWEICLOUD_SDK_IAM_ENDPOINT: emulator.url,
      HUAWEICLOUD_SDK_AK: ak,
      HUAWEICLOUD_SDK_SK: Redacted.value(sk),
      HUAWEICLOUD_SDK_DOMAIN_ID: emulator.credentials.domainId
    })

  beforeAll(async () => {
    assertBuilt()
    scope = Effect.runSync(Scope.make())
    emulator = await Effect.runPromise(
      Scope.extend(Emulator.start({ exportMode: "large", largeBodyBytes: largeBytes }), scope)
    )
  })
  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

  const entries = () =>
    emulator.seeded.sources.slice(0, 3).map((s) => ({
      task_id: s.current_task?.id ?? "",
      source_id: s.id,
      source_name: s.name
    }))

  it("writes the exported body byte-identical to what the service sent", async () => {
    const server = await connectStdio([], configured(emulator.credentials.ak, emulator.credentials.sk))
    try {
      const result = await call(server.client, "export_consistency_results", { task_info: entries() })
      expect(result.isError, textOf(result)).toBeFalsy()
      const out = ExportOut(result.structuredContent)
      const expected = Emulator.largeBodySha256(largeBytes, 1)
      expect(out.files).toHaveLength(1)
      expect(out.files[0]?.sha256).toBe(expected)
      expect(sha256(readFileSync(out.files[0]?.path ?? ""))).toBe(expected)
      expect(out.files[0]?.byteLength).toBe(largeBytes)
      expect(out.identity).toBe(`AK EMUL…0000 (domain ${emulator.credentials.domainId})`)
    } finally {
      await server.close()
    }
  })

  it("serves the exported files as resources: a link reads back byte-identical; nothing outside the folder", async () => {
    const exportRoot = join(tmpdir(), `sms-mcp-resources-${process.pid}-${Date.now()}`)
    const outside = join(exportRoot, "..", `outside-${process.pid}-${Date.now()}.txt`)
    writeFileSync(outside, "not an export")
    const server = await connectStdio([], {
      ...configured(emulator.credentials.ak, emulator.credentials.sk),
      SMS_EXPORT_DIR: exportRoot
    })
    try {
      expect(server.client.getServerCapabilities()?.resources).toBeDefined()
      expect((await server.client.listResources()).resources).toEqual([])
      const result = await call(server.client, "export_consistency_results", { task_info: entries() })
      expect(result.isError, textOf(result)).toBeFalsy()
      const [file] = ExportOut(result.structuredContent).files
      const link = (result.content as ReadonlyArray<{ type: string; uri?: string }>).find(
        (c) => c.type === "resource_link"
      )
      expect(link?.uri).toBe(file?.uri)
      const read = await server.client.readResource({ uri: link?.uri ?? "" })
      const [content] = read.contents
      // This emulator mode serves `consistency-results-large.bin` as application/octet-stream.
      expect(content?.mimeType).toBe("application/octet-stream")
      const blob = content && "blob" in content ? Buffer.from(String(content.blob), "base64") : Buffer.alloc(0)
      expect(blob.byteLength).toBe(largeBytes)
      expect(sha256(blob)).toBe(file?.sha256)
      expect((await server.client.listResources()).resources).toEqual([
        expect.objectContaining({ uri: file?.uri, name: file?.fileName, size: largeBytes })
      ])

      // Outside the export folder, by path, by `..`, or through a symlink; an export in progress; a folder.
      const callDir = dirname(file?.path ?? "")
      symlinkSync(outside, join(callDir, "link.txt"))
      writeFileSync(join(callDir, ".x.zip.0123456789ab.partial"), "in progress")
      // Under the root but not where an export goes: in the root itself, in a hidden folder, deeper down.
      const atRoot = join(exportRoot, "top.csv")
      const hidden = join(exportRoot, ".ssh", "id_rsa")
      const deeper = join(callDir, "sub", "x.zip")
      for (const path of [atRoot, hidden, deeper]) {
        mkdirSync(dirname(path), { recursive: true })
        writeFileSync(path, "not an export")
      }
      for (const uri of [
        pathToFileURL(atRoot).href,
        pathToFileURL(hidden).href,
        pathToFileURL(deeper).href,
        pathToFileURL(outside).href,
        `${pathToFileURL(callDir).href}/../../${basename(outside)}`,
        pathToFileURL(join(callDir, "link.txt")).href,
        pathToFileURL(join(callDir, ".x.zip.0123456789ab.partial")).href,
        pathToFileURL(callDir).href,
        pathToFileURL(join(callDir, "missing.zip")).href,
        "https://example.com/x.zip",
        "not a uri"
      ])
        await expect(server.client.readResource({ uri }), uri).rejects.toMatchObject({ code: -32002 })
      expect((await server.client.listResources()).resources.map((r) => r.name)).not.toContain(
        ".x.zip.0123456789ab.partial"
      )

      // Too large for one message: refused, with the path on the server's machine.
      const large = join(callDir, "large.zip")
      writeFileSync(large, "")
      truncateSync(large, 16 * 1024 * 1024 + 1)
      await expect(server.client.readResource({ uri: pathToFileURL(large).href })).rejects.toMatchObject({
        code: -32602,
        message: expect.stringContaining(`it is at ${large} on the server's machine`)
      })
    } finally {
      await server.close()
      rmSync(outside, { force: true })
    }
  })

  it("names the invalid field and sends nothing", async () => {
    const server = await connectStdio([], configured(emulator.credentials.ak, emulator.credentials.sk))
    try {
      const sent = emulator.stats().requests
      const bad = [...entries(), { task_id: "t".repeat(40), source_id: "s", source_name: "n" }]
      const result = await call(server.client, "export_consistency_results", { task_info: bad })
      expect(result.isError).toBe(true)
      const text = textOf(result)
      expect(text).toContain("InvalidRequest")
      expect(text).toContain("task_info[3].task_id")
      expect(text).toContain("at most 36 characters (got 40)")
      expect(text).toContain("Nothing was sent")
      const missing = await call(server.client, "export_consistency_results", {})
      expect(missing.isError).toBe(true)
      expect(textOf(missing)).toContain("task_info: is required")
      // The paging, filter and export arguments say what they must be, not their description.
      for (const [tool, args, reason] of [
        ["list_sources_with_results", { limit: -1 }, "limit: must be between 1 and 1000 (got -1)"],
        ["list_migration_tasks", { limit: 1.5 }, "limit: must be a whole number (got 1.5)"],
        ["list_migration_tasks", { offset: -2 }, "offset: must not be negative (got -2)"],
        ["list_migration_tasks", { state: "S".repeat(65) }, "state: must be at most 64 characters (got 65)"],
        ["list_sources_with_results", { name: "n".repeat(256) }, "name: must be at most 255 characters (got 256)"],
        [
          "export_consistency_results",
          { task_info: "t1,s1,web" },
          "task_info: must be an array of {task_id, source_id, source_name} (got string)"
        ],
        [
          "export_consistency_results",
          { task_info: entries(), language: "fr" },
          'language: must be "en-us" or "zh-cn" (got "fr")'
        ],
        // A misspelt argument is not ignored (the schema says additionalProperties: false).
        [
          "export_consistency_results",
          { task_info: entries(), langauge: "zh-cn" },
          'langauge: is not a known field (expected "task_info", "language")'
        ],
        [
          "list_migration_tasks",
          { status: "SYNCING" },
          'status: is not a known field (expected "state", "name", "limit", "offset")'
        ]
      ] as const) {
        const result = await call(server.client, tool, args)
        expect(result.isError).toBe(true)
        expect(textOf(result)).toContain(`InvalidRequest — ${reason}\n`)
      }
      expect(emulator.stats().requests).toBe(sent)
    } finally {
      await server.close()
    }
  })

  it("maps a 403 to an actionable isError result without secrets", async () => {
    const server = await connectStdio([], configured(emulator.credentials.deniedAk, emulator.credentials.deniedSk))
    try {
      const result = await call(server.client, "export_consistency_results", { task_info: entries() })
      expect(result.isError).toBe(true)
      const text = textOf(result)
      expect(emulator.requests().filter((r) => r.status === 403).length).toBeGreaterThan(0)
      // Each fact once: the status on the first line, the service's code and message on their own.
      expect(text).toContain("Error: Forbidden (HTTP 403)\n")
      expect(text.match(/SMS\.9004/g)).toHaveLength(1)
      expect(text).toContain("sms:server:getBatchConsistencyResults")
      expect(text).toMatch(/Request id: [0-9a-f-]{36}/)
      expect(text).toContain("AK EMUL…0000")
      expect(text).not.toContain(emulator.credentials.deniedAk)
      expect(text).not.toContain(Redacted.value(emulator.credentials.deniedSk))
      expect(JSON.stringify(result)).not.toContain(Redacted.value(emulator.credentials.deniedSk))
      expect(server.stderr()).not.toContain(Redacted.value(emulator.credentials.deniedSk))
      // Still serving.
      const again = await call(server.client, "list_migration_tasks", { limit: 1 })
      expect(again.isError).toBeFalsy()
    } finally {
      await server.close()
    }
  })
})

describe("stdio, not configured", () => {
  it("still lists tools; calls say which variables to set", async () => {
    assertBuilt()
    const server = await connectStdio([], cleanEnv())
    try {
      const { tools } = await server.client.listTools()
      expect(tools).toHaveLength(4)
      const result = await call(server.client, "list_sources_with_results", {})
      expect(result.isError).toBe(true)
      const text = textOf(result)
      expect(text).toContain("MissingCredentials")
      expect(text).toContain("SMS_REGION")
      expect(text).toContain("HUAWEICLOUD_SDK_AK")
      expect(text).toContain("HUAWEICLOUD_SDK_SK")
    } finally {
      await server.close()
    }
  })

  it("a bad region with credentials set is a region problem, not missing credentials", async () => {
    assertBuilt()
    const server = await connectStdio([], {
      ...cleanEnv(),
      SMS_REGION: "mars-1",
      HUAWEICLOUD_SDK_AK: "AKAKAKAKAKAKAKAKAKAK",
      HUAWEICLOUD_SDK_SK: "sk-not-used"
    })
    try {
      const result = await call(server.client, "list_sources_with_results", {})
      expect(result.isError).toBe(true)
      const text = textOf(result)
      expect(text).toContain('InvalidRequest — region: unknown region "mars-1"')
      expect(text).toContain("Nothing was sent to the service.")
      expect(text).not.toContain("MissingCredentials")
      expect(text).not.toContain("SMS_AUTH_TOKEN")
    } finally {
      await server.close()
    }
  })
})

describe("stdio, hostile file name", () => {
  it("keeps a Content-Disposition of ../../x inside the call's folder", async () => {
    assertBuilt()
    const fake = Http.createServer((req, res) => {
      req.resume()
      req.on("end", () => {
        res.writeHead(200, {
          "Content-Type": "application/octet-stream",
          "Content-Disposition": 'attachment; filename="../../x"',
          "X-Request-Id": "fake-request"
        })
        res.end(Buffer.from("escaped?"))
      })
    })
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r))
    const address = fake.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const env = cleanEnv({
      SMS_ENDPOINT: `http://127.0.0.1:${port}`,
      HUAWEICLOUD_SDK_AK: "AKFAKE00000000000000",
      HUAWEICLOUD_SDK_SK: "SKFAKE",
      HUAWEICLOUD_SDK_DOMAIN_ID: "domain"
    })
    const server = await connectStdio([], env)
    try {
      const result = await call(server.client, "export_consistency_results", {
        task_info: [{ task_id: "t-1", source_id: "s-1", source_name: "web" }]
      })
      expect(result.isError, textOf(result)).toBeFalsy()
      const file = ExportOut(result.structuredContent).files[0]
      const root = env.SMS_EXPORT_DIR ?? ""
      expect(relative(root, file?.path ?? "").startsWith("..")).toBe(false)
      expect(file?.fileName).toBe("x")
      expect(readFileSync(file?.path ?? "", "utf8")).toBe("escaped?")
    } finally {
      await server.close()
      fake.close()
    }
  })
})

describe("the bin's usage errors", () => {
  const run = (args: ReadonlyArray<string>) =>
    spawnSync(process.execPath, [binPath, ...args], { env: cleanEnv(), encoding: "utf8", timeout: 10_000 })

  it.each([
    [["--bogus"], /^sms-consistency-mcp: unknown option --bogus \(the options are --http, --port, --host, /],
    [["stdio"], /^sms-consistency-mcp: unexpected argument stdio: this command takes options only \(--http, /],
    [["--http", "--port"], /^sms-consistency-mcp: --port needs a value \(see sms-consistency-mcp --help\)$/],
    [["--http", "--port", "-1"], /^sms-consistency-mcp: --port needs a value \(one that starts with "-" is written/],
    [["--http", "--port", "1e3"], /^sms-consistency-mcp: --port must be a whole number from 0 to 65535 \(got "1e3"\)$/],
    [["--http", "--port", "70000"], /^sms-consistency-mcp: --port must be a whole number from 0 to 65535/],
    [["--port", "80"], /^sms-consistency-mcp: --port and --host need --http/]
  ])("%j: one line on stderr naming the flag, exit 2, nothing on stdout", (args, expected) => {
    const result = run(args)
    expect(result.status).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr.trimEnd()).toMatch(expected)
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1)
  })
})
