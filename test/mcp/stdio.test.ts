/**
 * The built `sms-consistency-mcp` bin over stdio, driven by the SDK's own Client: tool schemas, exports against
 * the emulator (in the server's process with --emulator, or in this process for request-level assertions),
 * progress, cancellation, invalid arguments, 403 mapping, missing configuration, logging levels.
 */
import {
  type CallToolResult,
  type JSONRPCMessage,
  LoggingMessageNotificationSchema
} from "@modelcontextprotocol/sdk/types.js"
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv"
import { Emulator } from "@sms-consistency/emulator"
import * as Model from "@sms-consistency/sms/Model"
import { Effect, Exit, Redacted, Scope } from "effect"
import { spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync
} from "node:fs"
import * as Http from "node:http"
import { tmpdir } from "node:os"
import { basename, dirname, join, relative } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  assertBuilt,
  binPath,
  call,
  cleanEnv,
  connectStdio,
  ExportOut,
  FilesManifestOut,
  jsonSchema,
  ListSourcesOut,
  type StdioServer,
  TasksFileOut,
  tempDir,
  textOf,
  until
} from "./support.js"

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

type Json = Record<string, unknown>
const isJson = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * A result that failed before any call ends with who the server would have acted as, not that it acted: "Nothing was
 * sent to the service." is not followed by "Acted as …".
 */
const expectNoActedAs = (text: string) => {
  expect(text).not.toContain("Acted as")
  // The text block's last line (a link that follows it reads as an empty line here).
  expect(text.trimEnd().split("\n").at(-1)).toMatch(/^Would act as .+ on .+\.$/)
}

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

/**
 * Every title (recursively) that does not name its property: a shared schema's title on another field (`count` on
 * `offset`), or one Effect derives from a refinement (`nonNegative`). A title, when there is one, is the name.
 */
const mistitled = (schema: unknown, at = "$"): ReadonlyArray<string> => {
  if (!isJson(schema)) return []
  const out: Array<string> = []
  if (isJson(schema.properties))
    for (const [key, child] of Object.entries(schema.properties)) {
      const variants = isJson(child) && Array.isArray(child.anyOf) ? [child, ...child.anyOf] : [child]
      for (const variant of variants)
        if (isJson(variant) && variant.title !== undefined && variant.title !== key)
          out.push(`${at}.${key}: ${JSON.stringify(variant.title)}`)
      out.push(...mistitled(child, `${at}.${key}`))
    }
  if (isJson(schema.items)) out.push(...mistitled(schema.items, `${at}[]`))
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
    // Exactly one of task_info, tasks_file and all (checked by the tool: a schema-level oneOf is not portable).
    expect(schema?.required).toEqual([])
    expect(schema).toHaveProperty("properties.tasks_file.type", "string")
    expect(schema).toHaveProperty("properties.all.type", "boolean")
    expect(schema).toHaveProperty("properties.name.maxLength", 255)
    expect(exportTool?.description).toContain("all: true")
    expect(exportTool?.outputSchema).toHaveProperty("properties.failedTasksFile.properties.path.type", "string")
    expect(exportTool?.outputSchema).toHaveProperty("properties.failed.items.properties.moreTaskIds.type", "integer")
    expect(exportTool?.outputSchema).toHaveProperty("properties.moreFiles.type", "integer")
    expect(exportTool?.outputSchema).toHaveProperty("properties.filesManifest.properties.uri.type", "string")
    expect(exportTool?.annotations?.readOnlyHint).toBe(false)
    expect(tools.find((t) => t.name === "list_sources_with_results")?.annotations?.readOnlyHint).toBe(true)
  })

  it("titles no property with another's name: a title, when there is one, is its property's", async () => {
    const { tools } = await server.client.listTools()
    for (const tool of tools) {
      expect(mistitled(tool.inputSchema), tool.name).toEqual([])
      expect(mistitled(tool.outputSchema), tool.name).toEqual([])
    }
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
    // Every file listed: none left out, no manifest.
    expect(out).toMatchObject({ fileCount: chunks, moreFiles: 0 })
    expect(out.totalBytes).toBe(out.files.reduce((n, f) => n + f.byteLength, 0))
    expect(out.filesManifest).toBeUndefined()
    expect(readdirSync(out.exportDirectory ?? "")).not.toContain("files.json")
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
      calls: 1,
      taskCount: 1,
      task_ids: [ghost.task_id],
      moreTaskIds: 0
    })
    expect(out.files.reduce((n, f) => n + f.taskCount, 0)).toBe(real.length)
    expect(textOf(result)).toContain("1 task failed in 1 call:")
    expect(textOf(result)).not.toContain("export_consistency_results failed.")
    expect(TasksFileOut(JSON.parse(readFileSync(out.failedTasksFile?.path ?? "", "utf8"))).task_info).toEqual([ghost])
  })

  it("one failed task is spoken of in the singular: its link, and the line naming failed-tasks.json", async () => {
    const ghost = { task_id: "00000000-0000-4000-8000-000000000405", source_id: "", source_name: "" }
    const result = await call(server.client, "export_consistency_results", { task_info: [ghost] })
    const path = ExportOut(result.structuredContent).failedTasksFile?.path ?? ""
    expect(textOf(result)).toContain(`\nThe failed task is listed in ${path}: pass it as tasks_file to retry it.\n`)
    expect(result.content).toContainEqual(
      expect.objectContaining({
        type: "resource_link",
        name: "failed-tasks.json",
        description: "The 1 task whose export failed: pass its path as tasks_file to retry it"
      })
    )
  })

  it("all: true exports every source server with results, without the model copying entries (name filters)", async () => {
    const listing = ListSourcesOut(
      (await call(server.client, "list_sources_with_results", { limit: 1000 })).structuredContent
    )
    expect(listing.total).toBeLessThanOrEqual(1000)
    const result = await call(server.client, "export_consistency_results", { all: true }, { timeout: 30_000 })
    expect(result.isError, textOf(result)).toBeFalsy()
    const out = ExportOut(result.structuredContent)
    expect(out.discovered).toBe(listing.task_info.length)
    expect(out.exported).toBe(listing.task_info.length)
    expect(out.files).toHaveLength(Math.ceil(listing.task_info.length / 200))
    expect(out.failedCount).toBe(0)

    const web = ListSourcesOut(
      (await call(server.client, "list_sources_with_results", { name: "web", limit: 1000 })).structuredContent
    ).task_info
    expect(web.length).toBeGreaterThan(0)
    expect(web.length).toBeLessThan(listing.task_info.length)
    const named = await call(server.client, "export_consistency_results", { all: true, name: "web" })
    expect(named.isError, textOf(named)).toBeFalsy()
    expect(ExportOut(named.structuredContent)).toMatchObject({ discovered: web.length, exported: web.length })

    const none = await call(server.client, "export_consistency_results", { all: true, name: "no-such-server" })
    expect(none.isError, textOf(none)).toBeFalsy()
    expect(textOf(none)).toContain('No source server whose name matches "no-such-server" has consistency results')
    expect(ExportOut(none.structuredContent)).toMatchObject({ discovered: 0, requested: 0, exported: 0 })
    expect(ExportOut(none.structuredContent).exportDirectory).toBeUndefined()
  })

  it("list_migration_tasks takes a state in any case", async () => {
    const { tools } = await server.client.listTools()
    const input = tools.find((t) => t.name === "list_migration_tasks")?.inputSchema.properties?.state
    expect(isJson(input) ? input.description : undefined).toContain(Model.taskStates.join(", "))
    const upper = await call(server.client, "list_migration_tasks", { state: "MIGRATE_SUCCESS", limit: 1 })
    const lower = await call(server.client, "list_migration_tasks", { state: " migrate_success", limit: 1 })
    const total = (r: typeof upper) => (r.structuredContent as { total: number }).total
    expect(total(upper)).toBeGreaterThan(0)
    expect(total(lower)).toBe(total(upper))
    // Blank, it would be no filter: refused, naming the field (its schema says so too).
    expect(isJson(input) ? input.pattern : undefined).toBe("\\S")
    const blank = await call(server.client, "list_migration_tasks", { state: "  " })
    expect(blank.isError).toBe(true)
    expect(textOf(blank)).toContain("state: must not be blank (a task state, e.g. SYNC_SUCCESS)")
  })

  it("sends no response for a cancelled call", async () => {
    const taskInfo = ListSourcesOut(
      (await call(server.client, "list_sources_with_results", { limit: 400 })).structuredContent
    ).task_info
    const seen = (pattern: RegExp) => server.stderr().match(pattern)?.length ?? 0
    const startedBefore = seen(/tools\/call export_consistency_results\n/g)
    const cancelledBefore = seen(/export_consistency_results: cancelled after/g)
    const controller = new AbortController()
    const pending = server.client.callTool(
      { name: "export_consistency_results", arguments: { task_info: taskInfo } },
      undefined,
      { signal: controller.signal }
    )
    // Cancelled once the server has started it (its calls to the emulator take 150 ms each).
    await until("the server to start the call", () => seen(/tools\/call export_consistency_results\n/g) > startedBefore)
    controller.abort("user cancelled")
    await expect(pending).rejects.toThrow()
    const request = [...server.sent()]
      .reverse()
      .find((m) => "method" in m && m.method === "tools/call" && "id" in m && m.id !== undefined)
    const id = request && "id" in request ? request.id : undefined
    expect(id).toBeDefined()
    expect(server.sent().some((m) => "method" in m && m.method === "notifications/cancelled")).toBe(true)
    await until(
      "the server to stop the call",
      () => seen(/export_consistency_results: cancelled after/g) > cancelledBefore
    )
    // A later call's answer comes after anything the server sent for the cancelled one.
    expect((await call(server.client, "list_migration_tasks", { limit: 1 })).isError).toBeFalsy()
    expect(server.wire().filter((m) => "id" in m && m.id === id && ("result" in m || "error" in m))).toEqual([])
    expect(JSON.stringify(server.wire())).not.toContain("was cancelled.")
  })

  it("stops an export when the call is cancelled, and keeps serving", async () => {
    const taskInfo = ListSourcesOut(
      (await call(server.client, "list_sources_with_results", { limit: 400 })).structuredContent
    ).task_info
    const before = new Set(readdirSync(server.env.SMS_EXPORT_DIR ?? ""))
    const cancelled = () => server.stderr().match(/export_consistency_results: cancelled/g)?.length ?? 0
    const cancelledBefore = cancelled()
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
    await until("the server to stop the call", () => cancelled() > cancelledBefore)
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

  it("its instructions (initialize) say which lists a result caps: the files, and the JSON answers", () => {
    const instructions = server.client.getInstructions() ?? ""
    expect(instructions).toContain(
      "An export of more than 20 files lists the first 20 and every one in a file (filesManifest)."
    )
    expect(instructions).toContain(
      "Calls the service answered with JSON instead of a file are counted (jsonResponseCount) and the first 5 " +
        "listed (jsonResponses)."
    )
  })

  it("answers an unknown tool with JSON-RPC -32602", async () => {
    await expect(server.client.callTool({ name: "no_such_tool", arguments: {} })).rejects.toMatchObject({
      code: -32602
    })
  })

  it("answers a request whose params do not fit with JSON-RPC -32602, in one line naming the field", async () => {
    // As a client that is not the SDK's may send them: the SDK answered these -32603 with the Zod error's JSON.
    const requests = [
      [{ method: "tools/call" }, "Invalid params for tools/call: params: expected object, received undefined"],
      [
        { method: "tools/call", params: { name: 5 } },
        "Invalid params for tools/call: params.name: expected string, received number"
      ],
      [
        { method: "resources/read", params: {} },
        "Invalid params for resources/read: params.uri: expected string, received undefined"
      ],
      [
        { method: "logging/setLevel", params: { level: "loud" } },
        expect.stringMatching(/^Invalid params for logging\/setLevel: params\.level: [^\n]+$/)
      ]
    ] as const
    const transport = server.client.transport
    if (!transport) throw new Error("not connected")
    for (const [i, [request]] of requests.entries())
      await transport.send({ jsonrpc: "2.0", id: `bad-${i}`, ...request } as JSONRPCMessage)
    const answers = () =>
      requests.map((_, i) => server.wire().find((m) => "id" in m && m.id === `bad-${i}` && "error" in m))
    await until("the answers", () => answers().every((a) => a !== undefined))
    expect(answers().map((a) => a && "error" in a && a.error)).toEqual(
      requests.map(([, message]) => ({ code: -32602, message }))
    )
    // A method it does not serve is still -32601, and the connection still answers.
    await transport.send({ jsonrpc: "2.0", id: "bad-method", method: "no/such", params: {} })
    await until("-32601", () => server.wire().some((m) => "id" in m && m.id === "bad-method"))
    expect(server.wire().find((m) => "id" in m && m.id === "bad-method")).toMatchObject({ error: { code: -32601 } })
    await expect(server.client.listTools()).resolves.toMatchObject({ tools: expect.any(Array) })
  })

  it("a refused request's message reads 'MCP error <code>: …' once, as the client shows it; the wire has the text alone", async () => {
    const refusals = [
      {
        request: () => server.client.callTool({ name: "no_such_tool", arguments: {} }),
        message:
          "MCP error -32602: Unknown tool: no_such_tool. Tools: list_sources_with_results, " +
          "export_consistency_results, list_migration_tasks, show_consistency_result"
      },
      {
        request: () => server.client.listResources({ cursor: "not a cursor" }),
        message:
          "MCP error -32602: Invalid cursor for resources/list: it is not a nextCursor this server returned. Pass " +
          "the nextCursor of an earlier resources/list result unchanged, or no cursor for the first page."
      },
      {
        request: () => server.client.readResource({ uri: "file:///no/such/export.zip" }),
        message: "MCP error -32002: Resource not found: file:///no/such/export.zip"
      }
    ]
    for (const { request, message } of refusals) await expect(request()).rejects.toMatchObject({ message })
    // The JSON-RPC error's message as sent (the SDK's client adds the prefix).
    const sent = server
      .wire()
      .flatMap((m) => ("error" in m && typeof m.error?.message === "string" ? [m.error.message] : []))
    expect(sent.length).toBeGreaterThanOrEqual(refusals.length)
    for (const text of sent) expect(text).not.toMatch(/^MCP error/)
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

/** The files an export's result lists (structuredContent.files, a resource_link each); files.json lists them all. */
const listedFiles = 20

const linksOf = (result: CallToolResult) => result.content.flatMap((c) => (c.type === "resource_link" ? [c] : []))

/** The bin over stdio with raw bytes: lines a client that is not the SDK's may send, and what comes back. */
const rawStdio = (args: ReadonlyArray<string>, env: Record<string, string>) => {
  const child = spawn(process.execPath, [binPath, ...args], { env, stdio: ["pipe", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8")
  })
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8")
  })
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)))
  // A write the server no longer reads (it closed stdin, or exited) fails EPIPE: each test checks what it answered.
  child.stdin.on("error", () => undefined)
  return {
    write: (bytes: string | Buffer) => child.stdin.write(bytes),
    end: () => child.stdin.end(),
    stdout: () => stdout,
    /** Every line written to stdout, parsed (each must be JSON). */
    messages: (): ReadonlyArray<Json> =>
      stdout
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line)),
    stderr: () => stderr,
    exited,
    kill: () => {
      if (child.exitCode === null) child.kill("SIGTERM")
    }
  }
}

describe("stdio, lines that are not valid JSON-RPC messages", () => {
  const initialize = {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } }
  }

  it("answers each one that has an id: -32602 naming the field, or -32600; a batch, or a line that is not JSON, with id null", async () => {
    assertBuilt()
    const server = rawStdio(["--emulator"], cleanEnv())
    try {
      server.write(`${JSON.stringify(initialize)}\n{"jsonrpc":"2.0","method":"notifications/initialized"}\n`)
      await until("initialize's answer", () => server.messages().some((m) => m.id === 0))
      const lines = [
        '{"jsonrpc":"2.0","id":"s","method":"tools/call","params":null}',
        '{"jsonrpc":"2.0","id":6,"method":"ping","params":"x"}',
        '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"list_sources_with_results","arguments":{},' +
          '"_meta":{"progressToken":{"a":1}}}}',
        '{"jsonrpc":"2.0","id":9,"method":"ping","extra":1}',
        '{"jsonrpc":"1.0","id":10,"method":"ping"}',
        '{"jsonrpc":"2.0","id":11}',
        '[{"jsonrpc":"2.0","id":12,"method":"ping"},{"jsonrpc":"2.0","id":13,"method":"ping"}]',
        "this is not JSON",
        // No id: a notification, which gets no answer, valid or not; nor does a blank line.
        '{"jsonrpc":"2.0","method":"notifications/cancelled","params":"x"}',
        "",
        '{"jsonrpc":"2.0","id":14,"method":"ping"}'
      ]
      // Several lines in one chunk, and lines split across chunks.
      const text = `${lines.join("\n")}\n`
      for (let at = 0; at < text.length; at += 37) {
        server.write(text.slice(at, at + 37))
        await new Promise((r) => setTimeout(r, 2))
      }
      await until("the last ping's answer", () => server.messages().some((m) => m.id === 14))
      await until("the answers", () => server.messages().length >= 10)
      const byId = (id: unknown) => server.messages().filter((m) => m.id === id && m.id !== undefined)
      expect(byId("s")).toEqual([
        {
          jsonrpc: "2.0",
          id: "s",
          error: { code: -32602, message: "Invalid params for tools/call: params: expected object, received null" }
        }
      ])
      expect(byId(6)).toEqual([
        {
          jsonrpc: "2.0",
          id: 6,
          error: { code: -32602, message: "Invalid params for ping: params: expected object, received string" }
        }
      ])
      expect(byId(8)).toMatchObject([
        {
          id: 8,
          error: {
            code: -32602,
            message:
              "Invalid params for tools/call: params._meta.progressToken: expected string or number, received object"
          }
        }
      ])
      expect(byId(9)).toMatchObject([
        { id: 9, error: { code: -32600, message: expect.stringMatching(/^Invalid Request: [^\n]*"extra"[^\n]*$/) } }
      ])
      expect(byId(10)).toMatchObject([
        { id: 10, error: { code: -32600, message: expect.stringMatching(/^Invalid Request: jsonrpc: [^\n]*"2\.0"/) } }
      ])
      expect(byId(11)).toMatchObject([
        { id: 11, error: { code: -32600, message: expect.stringMatching(/^Invalid Request: method: [^\n]+$/) } }
      ])
      const unnamed = server.messages().filter((m) => m.id === null)
      expect(unnamed).toEqual([
        {
          jsonrpc: "2.0",
          id: null,
          error: {
            code: -32600,
            message: "Invalid Request: a batch (a JSON array) is not supported: send one JSON-RPC message a line"
          }
        },
        { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error: the line is not JSON" } }
      ])
      expect(byId(12)).toEqual([])
      expect(byId(14)).toEqual([{ jsonrpc: "2.0", id: 14, result: {} }])
      // Nothing else: one answer a line above that has an id, the batch and the line that is not JSON.
      expect(server.messages()).toHaveLength(1 + 6 + 2 + 1)
      expect(server.stderr()).not.toMatch(/\n\s+at /)
      // stdin's end still ends the server.
      server.end()
      expect(await server.exited).toBe(0)
    } finally {
      server.kill()
    }
  })

  it("passes a valid message through byte for byte: a character split across chunks, CRLF, several in one chunk", async () => {
    assertBuilt()
    const server = rawStdio(["--emulator"], cleanEnv())
    try {
      const name = "naïve–工具"
      const call = Buffer.from(
        `${JSON.stringify(initialize)}\r\n{"jsonrpc":"2.0","method":"notifications/initialized"}\n` +
          `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: {} } })}\r\n` +
          '{"jsonrpc":"2.0","id":2,"method":"ping"}\n',
        "utf8"
      )
      const split = call.indexOf(Buffer.from("工", "utf8")) + 1
      server.write(call.subarray(0, split))
      await new Promise((r) => setTimeout(r, 20))
      server.write(call.subarray(split))
      await until("the answers", () => server.messages().some((m) => m.id === 2))
      await until("the tool's answer", () => server.messages().some((m) => m.id === 1))
      expect(server.messages().find((m) => m.id === 1)).toMatchObject({
        error: { code: -32602, message: expect.stringContaining(`Unknown tool: ${name}.`) }
      })
      expect(server.messages().find((m) => m.id === 2)).toEqual({ jsonrpc: "2.0", id: 2, result: {} })
      server.end()
      expect(await server.exited).toBe(0)
    } finally {
      server.kill()
    }
  })

  it("a line over the transport's 10 MiB, after which it closes, is said on stderr, not silently", async () => {
    assertBuilt()
    const server = rawStdio(["--emulator"], cleanEnv())
    try {
      server.write(
        `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { x: "a".repeat(11 * 1024 * 1024) } })}\n`
      )
      await server.exited
      expect(server.stderr()).toMatch(/ WARN {2}stdio: ReadBuffer exceeded maximum size of 10485760 bytes\n/)
    } finally {
      server.kill()
    }
  })
})

describe("stdio, an export of more files than its result lists", () => {
  let server: StdioServer
  // Some 8,000 of the 10,000 sources have results: some 40 files of 200 tasks.
  beforeAll(async () => {
    assertBuilt()
    server = await connectStdio(["--emulator"], cleanEnv({ SMS_EMULATOR_SOURCES: "10000" }))
  })
  afterAll(() => server?.close())

  it("lists the first 20 files and counts the rest; files.json lists every one (a link, and a resource)", async () => {
    const result = await call(server.client, "export_consistency_results", { all: true }, { timeout: 30_000 })
    expect(result.isError, textOf(result)).toBeFalsy()
    const out = ExportOut(result.structuredContent)
    const fileCount = Math.ceil(out.exported / 200)
    expect(fileCount).toBeGreaterThan(listedFiles + 10)
    expect(out).toMatchObject({ failedCount: 0, fileCount, moreFiles: fileCount - listedFiles })
    expect(out.files).toHaveLength(listedFiles)
    const { tools } = await server.client.listTools()
    const schema = tools.find((t) => t.name === "export_consistency_results")?.outputSchema ?? {}
    expect(validator.getValidator(jsonSchema(schema))(result.structuredContent).valid).toBe(true)

    const manifest = out.filesManifest
    const path = manifest?.path ?? ""
    expect(manifest).toMatchObject({ fileCount, path: join(out.exportDirectory ?? "", "files.json") })
    expect(manifest?.uri).toBe(pathToFileURL(path).href)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    // A link per listed file, then one to the manifest.
    const links = linksOf(result)
    expect(links.map((l) => l.uri)).toEqual([...out.files.map((f) => f.uri), manifest?.uri])
    expect(links.at(-1)).toMatchObject({ name: "files.json", mimeType: "application/json", size: statSync(path).size })

    // Every file written, the listed ones first and as listed, each on disk as it says.
    const all = FilesManifestOut(JSON.parse(readFileSync(path, "utf8"))).files
    expect(all).toHaveLength(fileCount)
    expect(all.slice(0, listedFiles)).toEqual(out.files)
    for (const file of all) {
      expect(dirname(file.path)).toBe(out.exportDirectory)
      const bytes = readFileSync(file.path)
      expect(bytes.byteLength).toBe(file.byteLength)
      expect(sha256(bytes)).toBe(file.sha256)
    }
    expect(readdirSync(out.exportDirectory ?? "").sort()).toEqual(
      [...all.map((f) => basename(f.path)), "files.json"].sort()
    )
    expect(all.reduce((n, f) => n + f.taskCount, 0)).toBe(out.exported)
    expect(out.totalBytes).toBe(all.reduce((n, f) => n + f.byteLength, 0))

    const text = textOf(result)
    expect(text).toContain(`into ${fileCount} files (`)
    expect(text).toContain(
      `- … and ${fileCount - 10} more (structuredContent.files lists the first ${listedFiles}; every file is listed in ${path})`
    )
    // As small however many files there are: these 41 listed whole made 29 KB, the folder's path left out (its
    // length is the temporary folder's).
    expect(
      JSON.stringify(result)
        .split(out.exportDirectory ?? "")
        .join("").length
    ).toBeLessThan(20_000)

    const read = await server.client.readResource({ uri: manifest?.uri ?? "" })
    const [content] = read.contents
    expect(content?.mimeType).toBe("application/json")
    expect(content && "text" in content ? FilesManifestOut(JSON.parse(content.text)).files : []).toEqual(all)
    expect((await server.client.listResources()).resources).toContainEqual(
      expect.objectContaining({
        uri: manifest?.uri,
        name: "files.json",
        mimeType: "application/json",
        description: expect.stringMatching(
          /^The list of every file an export wrote \(path, size, sha256, tasks of each\)/
        )
      })
    )
  })

  it("20 files are all listed, with no manifest; a 21st makes one", async () => {
    const pages = await Promise.all(
      [0, 1000, 2000, 3000, 4000].map((offset) =>
        call(server.client, "list_sources_with_results", { limit: 1000, offset })
      )
    )
    const taskInfo = pages.flatMap((page) => ListSourcesOut(page.structuredContent).task_info)
    expect(taskInfo.length).toBeGreaterThan(listedFiles * 200)

    const exact = await call(server.client, "export_consistency_results", {
      task_info: taskInfo.slice(0, listedFiles * 200)
    })
    expect(exact.isError, textOf(exact)).toBeFalsy()
    const out = ExportOut(exact.structuredContent)
    expect(out).toMatchObject({ fileCount: listedFiles, moreFiles: 0 })
    expect(out.files).toHaveLength(listedFiles)
    expect(out.totalBytes).toBe(out.files.reduce((n, f) => n + f.byteLength, 0))
    expect(out.filesManifest).toBeUndefined()
    expect(linksOf(exact).map((l) => l.uri)).toEqual(out.files.map((f) => f.uri))
    expect(readdirSync(out.exportDirectory ?? "")).not.toContain("files.json")
    expect(textOf(exact)).toContain(`- … and ${listedFiles - 10} more (see structuredContent.files)`)
    expect(textOf(exact)).not.toContain("files.json")

    const over = await call(server.client, "export_consistency_results", {
      task_info: taskInfo.slice(0, listedFiles * 200 + 1)
    })
    const overOut = ExportOut(over.structuredContent)
    expect(overOut).toMatchObject({ fileCount: listedFiles + 1, moreFiles: 1, filesManifest: { fileCount: 21 } })
    expect(overOut.files).toHaveLength(listedFiles)
    expect(linksOf(over)).toHaveLength(listedFiles + 1)
  })
})

describe("stdio, files.json that cannot be written", () => {
  it("the result's text says so, and why, and where every file is", async () => {
    assertBuilt()
    // Files of 100 bytes, a list of 25 of them (some 9 KB) over the 4 KiB a file may weigh.
    const server = await connectStdio(
      ["--emulator"],
      cleanEnv({
        SMS_EMULATOR_SOURCES: "6000",
        SMS_EMULATOR_EXPORT_MODE: "large",
        SMS_EMULATOR_LARGE_BODY_BYTES: "100"
      }),
      { fileSizeLimitKiB: 4 }
    )
    try {
      const result = await call(server.client, "export_consistency_results", { all: true }, { timeout: 30_000 })
      const out = ExportOut(result.structuredContent)
      expect(out.fileCount).toBeGreaterThan(listedFiles)
      expect(out.filesManifest).toBeUndefined()
      expect(readdirSync(out.exportDirectory ?? "")).toHaveLength(out.fileCount)
      expect(textOf(result)).toContain(
        `\nThe list of all ${out.fileCount} files (files.json) could not be written (EFBIG: file too large`
      )
      expect(textOf(result)).toContain(
        `: structuredContent.files lists the first ${listedFiles}; every file is in ${out.exportDirectory}.`
      )
    } finally {
      await server.close()
    }
  })
})

/** The JSON answers an export's result lists (structuredContent.jsonResponses); the rest are counted. */
const listedJsonResponses = 5

describe("stdio, an export the service answers with JSON instead of files", () => {
  it("lists the first 5 JSON answers and counts the rest; the text gives the total", async () => {
    assertBuilt()
    // Some 2,400 of the 3,000 sources have results: some 12 calls of 200 tasks, each answered with '{ }'.
    const server = await connectStdio(
      ["--emulator"],
      cleanEnv({ SMS_EMULATOR_SOURCES: "3000", SMS_EMULATOR_EXPORT_MODE: "json" })
    )
    try {
      const result = await call(server.client, "export_consistency_results", { all: true }, { timeout: 30_000 })
      expect(result.isError, textOf(result)).toBeFalsy()
      const out = ExportOut(result.structuredContent)
      const jsonResponseCount = Math.ceil(out.exported / 200)
      expect(jsonResponseCount).toBeGreaterThan(listedJsonResponses + 2)
      expect(out).toMatchObject({
        failedCount: 0,
        fileCount: 0,
        jsonResponseCount,
        moreJsonResponses: jsonResponseCount - listedJsonResponses
      })
      expect(out.jsonResponses).toHaveLength(listedJsonResponses)
      for (const answer of out.jsonResponses) expect(answer).toMatchObject({ taskCount: 200, body: "{}" })
      const { tools } = await server.client.listTools()
      const schema = tools.find((t) => t.name === "export_consistency_results")?.outputSchema ?? {}
      expect(validator.getValidator(jsonSchema(schema))(result.structuredContent).valid).toBe(true)
      expect(textOf(result)).toContain(
        `\n${jsonResponseCount} calls answered with JSON instead of a file (body {}; structuredContent.jsonResponses lists the first ${listedJsonResponses}).`
      )
    } finally {
      await server.close()
    }
  })
})

describe("stdio, resources/list of more files than a page", () => {
  /** What resources/list lists in a page, at most. */
  const pageSize = 200
  const root = tempDir("pages")
  const calls = ["call-a", "call-b", "call-c"]
  const day = Date.now() / 1000 - 86_400
  let server: StdioServer
  // 450 files in three call folders, each mtime shared by three files (one in each folder), as an export's files
  // written within one clock tick share theirs: the order then needs the path too.
  beforeAll(async () => {
    assertBuilt()
    for (const call of calls) mkdirSync(join(root, call))
    for (let i = 0; i < 450; i++) {
      const path = join(root, calls[i % 3] ?? "", `consistency-results-${String(i).padStart(3, "0")}.zip`)
      writeFileSync(path, `file ${i}`)
      const at = day - Math.floor(i / 3)
      utimesSync(path, at, at)
    }
    server = await connectStdio([], cleanEnv({ SMS_EXPORT_DIR: root }))
  })
  afterAll(() => server?.close())

  /** The files on disk as resources/list orders them: newest first, then by path. */
  const onDisk = () =>
    readdirSync(root)
      .flatMap((call) => readdirSync(join(root, call)).map((name) => join(root, call, name)))
      .map((path) => ({ uri: pathToFileURL(path).href, modified: statSync(path).mtimeMs, path }))
      .sort((a, b) => b.modified - a.modified || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))

  /** Every page, following nextCursor from `cursor` (the first page without one). */
  const pages = async (cursor?: string) => {
    const out = []
    for (let next = cursor; out.length < 10; ) {
      const page = await server.client.listResources(next === undefined ? undefined : { cursor: next })
      out.push(page)
      next = page.nextCursor
      if (next === undefined) break
    }
    return out
  }

  it("pages through every file exactly once, newest first: 200 a page, no nextCursor on the last", async () => {
    const files = onDisk()
    expect(files.length).toBeGreaterThan(2 * pageSize)
    const all = await pages()
    expect(all.map((page) => page.resources.length)).toEqual([pageSize, pageSize, files.length - 2 * pageSize])
    expect(all.map((page) => typeof page.nextCursor)).toEqual(["string", "string", "undefined"])
    const listed = all.flatMap((page) => page.resources)
    expect(listed.map((r) => r.uri)).toEqual(files.map((f) => f.uri))
    expect(new Set(listed.map((r) => r.uri)).size).toBe(files.length)
    expect(listed[0]).toMatchObject({
      name: basename(files[0]?.path ?? ""),
      description: `Exported ${new Date(files[0]?.modified ?? 0).toISOString()}`
    })
  })

  it("a file written, or the cursor's own file removed, between two pages: none listed twice, none skipped", async () => {
    const before = onDisk()
    const [first] = await pages()
    expect(first?.resources.map((r) => r.uri)).toEqual(before.slice(0, pageSize).map((f) => f.uri))
    // A new export's files (the newest), and the file the cursor stands at gone: a position counted from the
    // first file would now be one file further back.
    const written = ["consistency-results-new-1.zip", "consistency-results-new-2.zip"].map((name) =>
      join(root, "call-d", name)
    )
    mkdirSync(join(root, "call-d"))
    for (const path of written) writeFileSync(path, "new")
    unlinkSync(before[pageSize - 1]?.path ?? "")
    const rest = (await pages(first?.nextCursor)).flatMap((page) => page.resources.map((r) => r.uri))
    expect(rest).toEqual(before.slice(pageSize).map((f) => f.uri))
    // A new first page starts with them.
    expect(
      (await server.client.listResources()).resources
        .slice(0, 2)
        .map((r) => r.uri)
        .sort()
    ).toEqual(written.map((path) => pathToFileURL(path).href))
  })

  it("a file added to a folder already listed, or removed from it, between two pages: the next pages show it", async () => {
    // Folders unchanged for a while, as an export's are once it is done: the server keeps their listings.
    const old = day - 3_600
    for (const call of readdirSync(root)) utimesSync(join(root, call), old, old)
    const before = onDisk()
    const [first] = await pages()
    expect(first?.resources.map((r) => r.uri)).toEqual(before.slice(0, pageSize).map((f) => f.uri))
    // Older than every file: it belongs on the last page. And one of the files the next pages list, gone.
    const added = join(root, "call-b", "consistency-results-late.zip")
    writeFileSync(added, "late")
    utimesSync(added, old, old)
    const removed = before[pageSize + 5]?.path ?? ""
    unlinkSync(removed)
    const rest = (await pages(first?.nextCursor)).flatMap((page) => page.resources.map((r) => r.uri))
    expect(rest).toEqual(
      onDisk()
        .slice(pageSize)
        .map((f) => f.uri)
    )
    expect(rest.at(-1)).toBe(pathToFileURL(added).href)
    expect(rest).not.toContain(pathToFileURL(removed).href)
  })

  it("a cursor it did not give is refused: JSON-RPC -32602, saying what to pass", async () => {
    const [first] = await pages()
    const cursor = first?.nextCursor ?? ""
    const encoded = (text: string) => Buffer.from(text).toString("base64url")
    for (const bad of [
      "not a cursor",
      "",
      `${cursor}=`,
      `${cursor}.`,
      encoded("{}"),
      encoded("[1]"),
      encoded('["call-a/x.zip", 1]'),
      encoded("[1e999, 2]"),
      encoded("not json"),
      "A".repeat(5000),
      // Well-formed JSON, but no cursor this server gives: no file has such a time or name.
      encoded('[0,""]'),
      encoded('[-1,"../../etc/passwd"]'),
      encoded('[1e308,"x"]'),
      encoded('[1,"call-a"]'),
      encoded('[1,"call-a/x/y.zip"]'),
      encoded('[1,"call-a/.x.zip.partial"]'),
      encoded('[1,"../x.zip"]'),
      encoded('[1,"call-a/"]'),
      // A cursor of ours spelled otherwise: re-encoded with whitespace, or its number written another way.
      encoded(` ${Buffer.from(cursor, "base64url").toString("utf8").replace(",", ", ")}`),
      encoded('[1e3,"call-a/x.zip"]')
    ])
      await expect(server.client.listResources({ cursor: bad }), JSON.stringify(bad)).rejects.toMatchObject({
        code: -32602,
        message: expect.stringMatching(
          /: Invalid cursor for resources\/list: .+\. Pass the nextCursor of an earlier resources\/list result unchanged, or no cursor for the first page\.$/
        )
      })
    // And it still serves.
    expect((await server.client.listResources({ cursor })).resources.length).toBeGreaterThan(0)
  })

  it("describes the lists an export writes (failed-tasks.json, files.json, and their -N names) as what they are", async () => {
    const folder = join(root, "call-lists")
    mkdirSync(folder)
    const names = [
      "failed-tasks.json",
      "failed-tasks-1.json",
      "files.json",
      "files-2.json",
      "failed-tasks-x.json",
      "files-0.json",
      "all-files.json"
    ]
    for (const name of names) writeFileSync(join(folder, name), "{}")
    const listed = (await pages()).flatMap((page) => page.resources)
    const described = Object.fromEntries(
      names.map((name) => [name, listed.find((r) => r.uri === pathToFileURL(join(folder, name)).href)?.description])
    )
    const when = (name: string) => new Date(statSync(join(folder, name)).mtimeMs).toISOString()
    const failedTasks = (name: string) =>
      `The tasks an export did not export (they failed, or it was stopped), written ${when(name)}: pass its ` +
      "path as tasks_file to export_consistency_results to retry them"
    const files = (name: string) =>
      `The list of every file an export wrote (path, size, sha256, tasks of each), written ${when(name)}`
    // Near misses are exported files (the service names its own): "Exported <time>", as any other.
    const exported = (name: string) => `Exported ${when(name)}`
    expect(described).toEqual({
      "failed-tasks.json": failedTasks("failed-tasks.json"),
      "failed-tasks-1.json": failedTasks("failed-tasks-1.json"),
      "files.json": files("files.json"),
      "files-2.json": files("files-2.json"),
      "failed-tasks-x.json": exported("failed-tasks-x.json"),
      "files-0.json": exported("files-0.json"),
      "all-files.json": exported("all-files.json")
    })
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
      Scope.extend(Emulator.start({ exportMode: "large", largeBodyBytes: largeBytes, sources: 250 }), scope)
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

  it("a domain id not given: looked up, and the identity (structured and the text's acted-as line) names it", async () => {
    const server = await connectStdio([], {
      ...configured(emulator.credentials.ak, emulator.credentials.sk),
      HUAWEICLOUD_SDK_DOMAIN_ID: ""
    })
    try {
      const result = await call(server.client, "list_sources_with_results", {})
      expect(result.isError, textOf(result)).toBeFalsy()
      const identity = `AK EMUL…0000 (domain ${emulator.credentials.domainId}, looked up)`
      expect(ListSourcesOut(result.structuredContent).identity).toBe(identity)
      expect(textOf(result)).toContain(`Acted as ${identity} on ${emulator.url}`)
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

      // Too large for one message: refused, with the path on the server's machine. The SDK's stdio client takes a
      // message of at most 10 MiB, and closes the connection past it: a file of 7 MiB (9.3 MiB in base64) is the most.
      const large = join(callDir, "large.zip")
      writeFileSync(large, "")
      truncateSync(large, 7 * 1024 * 1024 + 1)
      await expect(server.client.readResource({ uri: pathToFileURL(large).href })).rejects.toMatchObject({
        code: -32602,
        message: expect.stringContaining(`it is at ${large} on the server's machine`)
      })
      truncateSync(large, 7 * 1024 * 1024)
      const most = await server.client.readResource({ uri: pathToFileURL(large).href })
      const [mostContent] = most.contents
      expect(mostContent && "blob" in mostContent ? Buffer.from(mostContent.blob, "base64").length : 0).toBe(
        7 * 1024 * 1024
      )
      // A text file within the size, but longer as JSON (every quote escaped): refused too.
      const quotes = join(callDir, "quotes.csv")
      writeFileSync(quotes, '"'.repeat(6 * 1024 * 1024))
      await expect(server.client.readResource({ uri: pathToFileURL(quotes).href })).rejects.toMatchObject({
        code: -32602,
        message: expect.stringMatching(
          /^MCP error -32602: quotes\.csv is 12\.0 MiB as JSON text, over what one resources\/read/
        )
      })
      // And the connection is still there.
      await expect(server.client.ping()).resolves.toEqual({})
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
      expectNoActedAs(text)
      const missing = await call(server.client, "export_consistency_results", {})
      expect(missing.isError).toBe(true)
      expect(textOf(missing)).toContain(
        "task_info: is required: give exactly one of task_info, tasks_file and all: true\n"
      )
      // The paging, filter and export arguments say what they must be, not their description.
      for (const [tool, args, reason] of [
        ["list_sources_with_results", { limit: -1 }, "limit: must be between 1 and 1000 (got -1)"],
        ["list_migration_tasks", { limit: 1.5 }, "limit: must be a whole number (got 1.5)"],
        ["list_migration_tasks", { limit: "10" }, 'limit: must be a whole number (got "10")'],
        ["list_sources_with_results", { offset: "0" }, 'offset: must be a whole number (got "0")'],
        [
          "export_consistency_results",
          { task_info: entries(), all: true },
          "all: cannot be combined with task_info: give exactly one of task_info, tasks_file and all: true"
        ],
        [
          "export_consistency_results",
          { tasks_file: "x.json", task_info: entries() },
          "tasks_file: cannot be combined with task_info: give exactly one of task_info, tasks_file and all: true"
        ],
        ["export_consistency_results", { all: false }, "task_info: is required: give exactly one of"],
        ["export_consistency_results", { all: "yes" }, 'all: must be true or false (got "yes")'],
        // Empty is not "no filter", nor "the export folder".
        ["export_consistency_results", { all: true, name: "" }, "name: must not be empty"],
        ["export_consistency_results", { tasks_file: "" }, "tasks_file: must not be empty"],
        [
          "export_consistency_results",
          { task_info: entries(), name: "web" },
          "name: selects among the source servers of all: true; add all: true"
        ],
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
          'langauge: is not a known field (expected "task_info", "tasks_file", "all", "name", "language")'
        ],
        [
          "list_migration_tasks",
          { status: "SYNCING" },
          'status: is not a known field (expected "state", "name", "limit", "offset")'
        ]
      ] as const) {
        const result = await call(server.client, tool, args)
        expect(result.isError).toBe(true)
        expect(textOf(result)).toContain(`InvalidRequest — ${reason}`)
        expect(textOf(result)).toContain("Nothing was sent to the service.")
        expectNoActedAs(textOf(result))
      }
      expect(emulator.stats().requests).toBe(sent)
    } finally {
      await server.close()
    }
  })

  /** `n` task entries that the emulator does not know. */
  const ghosts = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      task_id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      source_id: "",
      source_name: ""
    }))

  it("groups failures by cause, with a capped sample; every failed task is in failed-tasks.json", async () => {
    const server = await connectStdio([], configured(emulator.credentials.ak, emulator.credentials.sk))
    try {
      const tasks = ghosts(1000)
      const result = await call(server.client, "export_consistency_results", { task_info: tasks }, { timeout: 30_000 })
      expect(result.isError).toBe(true)
      const out = ExportOut(result.structuredContent)
      expect(out).toMatchObject({ requested: 1000, exported: 0, failedCount: 1000, files: [] })
      // One cause (the 404s' messages each name their task, and are not part of it), counted, sampled.
      expect(out.failed).toHaveLength(1)
      const [cause] = out.failed
      expect(cause).toMatchObject({ error: "NotFound", status: 404, errorCode: "SMS.9003", taskCount: 1000 })
      expect(cause?.task_ids).toEqual(tasks.slice(0, 20).map((t) => t.task_id))
      expect(cause?.moreTaskIds).toBe(980)
      expect(cause?.calls).toBeGreaterThan(5)
      expect(cause?.calls).toBe(out.failedCalls)
      expect(cause?.requestIds.length).toBeGreaterThan(0)
      expect(cause?.requestIds.length).toBeLessThanOrEqual(5)
      // Small: 1,000 task ids would be some 50 KB on their own.
      expect(JSON.stringify(result).length).toBeLessThan(8_000)
      const text = textOf(result)
      expect(text.length).toBeLessThan(2_000)
      expect(text.startsWith("export_consistency_results failed.\n")).toBe(true)
      expect(text).toContain(`1000 tasks failed in ${out.failedCalls} calls:\nError: NotFound (HTTP 404)\n`)
      expect(text).not.toContain("Nothing was sent")
      // The complete list, on disk, as a link, and as a resource.
      const file = out.failedTasksFile
      expect(file?.taskCount).toBe(1000)
      expect(text).toContain(`Every failed task is listed in ${file?.path}: pass it as tasks_file to retry them.`)
      expect(dirname(file?.path ?? "")).toBe(out.exportDirectory)
      expect(TasksFileOut(JSON.parse(readFileSync(file?.path ?? "", "utf8"))).task_info).toEqual(tasks)
      expect(result.content).toContainEqual(
        expect.objectContaining({ type: "resource_link", uri: file?.uri, name: "failed-tasks.json" })
      )
      const read = await server.client.readResource({ uri: file?.uri ?? "" })
      const [content] = read.contents
      expect(content && "text" in content ? TasksFileOut(JSON.parse(content.text)).task_info : []).toHaveLength(1000)
      expect((await server.client.listResources()).resources).toEqual([
        expect.objectContaining({
          uri: file?.uri,
          name: "failed-tasks.json",
          description: expect.stringMatching(
            /^The tasks an export did not export \(they failed, or it was stopped\), written .+: pass its path as tasks_file to export_consistency_results to retry them$/
          )
        })
      ])
    } finally {
      await server.close()
    }
  })

  /** Every file under `root`, hidden ones included, as paths relative to it. */
  const filesUnder = (root: string): ReadonlyArray<string> =>
    readdirSync(root, { recursive: true, encoding: "utf8" }).filter((path) => statSync(join(root, path)).isFile())

  it("a list whose write fails midway (a full disk) leaves nothing behind, neither a truncated list nor its temporary", async () => {
    const root = tempDir("full")
    // 1 KiB a file at most: the list of 30 failed tasks (some 3 KB) fails with EFBIG once 1 KiB of it is written.
    const server = await connectStdio(
      [],
      { ...configured(emulator.credentials.ak, emulator.credentials.sk), SMS_EXPORT_DIR: root },
      { fileSizeLimitKiB: 1 }
    )
    try {
      const result = await call(server.client, "export_consistency_results", { task_info: ghosts(30) })
      const out = ExportOut(result.structuredContent)
      expect(out).toMatchObject({ exported: 0, failedCount: 30 })
      expect(out.failedTasksFile).toBeUndefined()
      expect(server.stderr()).toMatch(/failed-tasks\.json: .*file too large/i)
      // No failed-tasks.json cut at 1 KiB under its final name (where resources/list and tasks_file read it).
      expect(filesUnder(root)).toEqual([])
    } finally {
      await server.close()
    }
  })

  it("failed-tasks.json not written: the result's text says so, and why (the list is missing, not just unlinked)", async () => {
    const server = await connectStdio([], configured(emulator.credentials.ak, emulator.credentials.sk), {
      fileSizeLimitKiB: 1
    })
    try {
      const result = await call(server.client, "export_consistency_results", { task_info: ghosts(30) })
      const out = ExportOut(result.structuredContent)
      expect(out.failedTasksFile).toBeUndefined()
      const { tools } = await server.client.listTools()
      const schema = tools.find((t) => t.name === "export_consistency_results")?.outputSchema ?? {}
      expect(validator.getValidator(jsonSchema(schema))(result.structuredContent).valid).toBe(true)
      expect(textOf(result)).toMatch(
        /\nThe list of the 30 failed tasks \(failed-tasks\.json\) could not be written \(EFBIG: file too large[^)]*\): structuredContent\.failed names only a sample of them, and there is no file to pass as tasks_file to retry them\.\n/
      )
    } finally {
      await server.close()
    }
  })

  it("a bad SK: one cause for every call; tasks_file then retries exactly those tasks, nothing copied", async () => {
    const root = tempDir("retry")
    const tasks = emulator.seeded.sources.slice(0, 250).map((s) => ({
      task_id: s.current_task?.id ?? "",
      source_id: s.id,
      source_name: s.name
    }))
    const wrongSk = Redacted.make("WRONGSK0000000000000000000000000000000000")
    const denied = await connectStdio([], { ...configured(emulator.credentials.ak, wrongSk), SMS_EXPORT_DIR: root })
    let file: { readonly path: string; readonly uri: string } | undefined
    try {
      const result = await call(denied.client, "export_consistency_results", { task_info: tasks })
      expect(result.isError).toBe(true)
      const out = ExportOut(result.structuredContent)
      expect(out.failed).toHaveLength(1)
      expect(out.failed[0]).toMatchObject({
        error: "Unauthorized",
        status: 401,
        calls: 2,
        callsNotSent: 0,
        taskCount: 250,
        moreTaskIds: 230
      })
      expect(out.failed[0]?.task_ids).toHaveLength(20)
      expect(textOf(result)).toMatch(
        /^export_consistency_results failed\.\n250 tasks failed in 2 calls:\nError: Unauthorized \(HTTP 401\)\n/
      )
      expect(JSON.stringify(result)).not.toContain(Redacted.value(wrongSk))
      // Six calls' worth at concurrency 4: the four under way are refused, and the export stops, the rest unsent.
      const many = [
        ...tasks,
        ...Array.from({ length: 800 }, (_, i) => ({ task_id: `x-${i}`, source_id: "s", source_name: "n" }))
      ]
      const stopped = await call(denied.client, "export_consistency_results", { task_info: many })
      expect(ExportOut(stopped.structuredContent).failed).toMatchObject([
        { calls: 4, callsNotSent: 2, taskCount: 1050 }
      ])
      expect(textOf(stopped)).toContain(
        "1050 tasks failed in 4 calls (the export stopped there: 2 more calls not sent):"
      )
      file = out.failedTasksFile
      expect(file).toBeDefined()
    } finally {
      await denied.close()
    }
    const server = await connectStdio([], {
      ...configured(emulator.credentials.ak, emulator.credentials.sk),
      SMS_EXPORT_DIR: root
    })
    try {
      for (const tasksFile of [file?.uri ?? "", file?.path ?? ""]) {
        const retried = await call(server.client, "export_consistency_results", { tasks_file: tasksFile })
        expect(retried.isError, textOf(retried)).toBeFalsy()
        const out = ExportOut(retried.structuredContent)
        expect(out).toMatchObject({ requested: 250, exported: 250, failedCount: 0 })
        expect(out.failedTasksFile).toBeUndefined()
        expect(out.files).toHaveLength(2)
      }
    } finally {
      await server.close()
    }
  })

  it("tasks_file: only a file inside the export folder is read; every refusal names the field, nothing is sent", async () => {
    const base = tempDir("tasks-file")
    const root = join(base, "exports")
    const callDir = join(root, "20260101-000000-abcdef")
    mkdirSync(callDir, { recursive: true })
    const body = JSON.stringify({ task_info: entries() })
    const outside = join(base, "outside.json")
    writeFileSync(outside, body)
    symlinkSync(outside, join(callDir, "link.json"))
    writeFileSync(join(callDir, "not-json.json"), "task_id,source_id,source_name\n")
    writeFileSync(join(callDir, "shape.json"), JSON.stringify({ tasks: entries() }))
    // Under the root, but not where an export writes: in the root itself, hidden, in a hidden folder.
    writeFileSync(join(root, "top.json"), body)
    writeFileSync(join(callDir, ".hidden.json"), body)
    mkdirSync(join(root, ".ssh"))
    writeFileSync(join(root, ".ssh", "keys.json"), body)
    writeFileSync(
      join(callDir, "bad-entry.json"),
      JSON.stringify({ task_info: [entries()[0], { task_id: "t".repeat(40), source_id: "", source_name: "" }] })
    )
    const server = await connectStdio([], {
      ...configured(emulator.credentials.ak, emulator.credentials.sk),
      SMS_EXPORT_DIR: root
    })
    try {
      const sent = emulator.stats().requests
      const outsideRoot = `tasks_file: must name a file inside the export folder ${root}`
      for (const [given, reason] of [
        [outside, outsideRoot],
        [pathToFileURL(outside).href, outsideRoot],
        [`${callDir}/../../outside.json`, outsideRoot],
        ["../outside.json", outsideRoot],
        [join(callDir, "link.json"), outsideRoot],
        ["/etc/passwd", outsideRoot],
        [join(root, "top.json"), outsideRoot],
        [join(callDir, ".hidden.json"), outsideRoot],
        [join(root, ".ssh", "keys.json"), outsideRoot],
        [join(callDir, "missing.json"), "tasks_file: cannot read"],
        [join(callDir, "not-json.json"), "is not JSON"],
        [join(callDir, "shape.json"), 'must hold {"task_info": [{task_id, source_id, source_name}, ...]}'],
        [
          join(callDir, "bad-entry.json"),
          "bad-entry.json: task_info[1].task_id: must be at most 36 characters (got 40)"
        ],
        [callDir, outsideRoot],
        ["https://example.com/failed-tasks.json", "tasks_file: must be a path or a file:// URI"]
      ] as const) {
        const result = await call(server.client, "export_consistency_results", { tasks_file: given })
        expect(result.isError, given).toBe(true)
        const text = textOf(result)
        expect(text, given).toContain("InvalidRequest — tasks_file: ")
        expect(text, given).toContain(reason)
        expect(text, given).toContain("Nothing was sent to the service.")
        expectNoActedAs(text)
      }
      expect(emulator.stats().requests).toBe(sent)
      // Nothing made in the root by a refusal.
      expect(readdirSync(root).sort()).toEqual([".ssh", "20260101-000000-abcdef", "top.json"])
      // The control: the same entries, inside the folder, by a path relative to it.
      writeFileSync(join(callDir, "failed-tasks.json"), body)
      const ok = await call(server.client, "export_consistency_results", {
        tasks_file: "20260101-000000-abcdef/failed-tasks.json"
      })
      expect(ok.isError, textOf(ok)).toBeFalsy()
      expect(ExportOut(ok.structuredContent).exported).toBe(3)
    } finally {
      await server.close()
    }
  })

  it("creates the export folder and each call's folder owner-only; the lists are, the exported files are not", async () => {
    const root = join(tempDir("modes"), "new", "exports")
    const server = await connectStdio([], {
      ...configured(emulator.credentials.ak, emulator.credentials.sk),
      SMS_EXPORT_DIR: root
    })
    try {
      const result = await call(server.client, "export_consistency_results", {
        task_info: [...entries(), ...ghosts(1)]
      })
      expect(result.isError, textOf(result)).toBeFalsy()
      const out = ExportOut(result.structuredContent)
      const directory = out.exportDirectory ?? ""
      expect(dirname(directory)).toBe(root)
      expect(statSync(root).mode & 0o777).toBe(0o700)
      expect(statSync(directory).mode & 0o777).toBe(0o700)
      // As listFile.ts says: a list is 0600; an exported file has the default mode (0666 less the umask), the
      // call's folder keeping it from other users.
      expect(statSync(out.failedTasksFile?.path ?? "").mode & 0o777).toBe(0o600)
      const umask = Number.parseInt(spawnSync("sh", ["-c", "umask"], { encoding: "utf8" }).stdout.trim(), 8)
      for (const file of out.files) expect(statSync(file.path).mode & 0o777).toBe(0o666 & ~umask)
    } finally {
      await server.close()
    }
  })

  it("an unusable SMS_EXPORT_DIR: a warning at start naming it and why; an export refused before anything is sent, for the user to fix", async () => {
    const file = join(tempDir("unusable"), "file")
    writeFileSync(file, "")
    const setting = join(file, "sub")
    const server = await connectStdio([], {
      ...configured(emulator.credentials.ak, emulator.credentials.sk),
      SMS_EXPORT_DIR: setting
    })
    try {
      await until("the start-up line", () => server.stderr().includes("Exports go to"))
      const why = `${JSON.stringify(file)} is a file, not a folder`
      await until("a warning", () => server.stderr().includes(" WARN "))
      expect(
        server
          .stderr()
          .split("\n")
          .filter((l) => l.includes(" WARN "))
      ).toEqual([
        expect.stringMatching(
          / WARN {2}SMS_EXPORT_DIR "[^"]*\/sub" cannot be used: "[^"]*\/file" is a file, not a folder\. Tools are listed; exports will fail until SMS_EXPORT_DIR names a folder this server can create and write to\.$/
        )
      ])
      expect(server.stderr()).toContain(`SMS_EXPORT_DIR ${JSON.stringify(setting)} cannot be used: ${why}.`)
      // Still serving what needs no folder.
      expect((await server.client.listTools()).tools).toHaveLength(4)
      const before = emulator.stats().requests
      for (const args of [{ all: true }, { task_info: entries() }]) {
        const result = await call(server.client, "export_consistency_results", args)
        expect(result.isError, JSON.stringify(args)).toBe(true)
        const text = textOf(result)
        expect(text).toMatch(
          /^export_consistency_results failed\.\nError: the server's export folder is unusable: SMS_EXPORT_DIR "[^"]*\/sub": "[^"]*\/file" is a file, not a folder\.\nWhat to do: tell the user; no argument and no retry can fix this\. The user must change SMS_EXPORT_DIR in this MCP server's configuration/
        )
        expect(text).toContain(`SMS_EXPORT_DIR ${JSON.stringify(setting)}: ${why}.`)
        expect(text).toContain("Nothing was sent to the service.")
        expect(text.split("\n").at(-1)).toBe(
          `Would act as AK EMUL…0000 (domain ${emulator.credentials.domainId}) on ${emulator.url}.`
        )
        expect(text).not.toContain("FileError")
      }
      // Not even the listing all: true starts with.
      expect(emulator.stats().requests - before).toBe(0)
    } finally {
      await server.close()
    }
  })

  it("an unusable default export folder (SMS_EXPORT_DIR not set): the warning and the refusal say it is the default", async () => {
    const file = join(tempDir("unusable-tmp"), "file")
    writeFileSync(file, "")
    const { SMS_EXPORT_DIR: _, ...env } = configured(emulator.credentials.ak, emulator.credentials.sk)
    const server = await connectStdio([], { ...env, TMPDIR: file })
    try {
      const setting = `the default export folder ${JSON.stringify(join(file, "sms-consistency-exports"))} (SMS_EXPORT_DIR is not set)`
      await until("a warning", () => server.stderr().includes(" WARN "))
      expect(server.stderr()).toContain(`${setting} cannot be used: ${JSON.stringify(file)} is a file, not a folder.`)
      const result = await call(server.client, "export_consistency_results", { task_info: entries() })
      expect(result.isError).toBe(true)
      expect(textOf(result)).toContain(`unusable: ${setting}: ${JSON.stringify(file)} is a file, not a folder.`)
    } finally {
      await server.close()
    }
  })

  it("an export that wrote nothing names no folder, and leaves none", async () => {
    const server = await connectStdio([], configured(emulator.credentials.ak, emulator.credentials.sk))
    await Effect.runPromise(emulator.setExportMode("json"))
    try {
      const result = await call(server.client, "export_consistency_results", { task_info: entries() })
      expect(result.isError, textOf(result)).toBeFalsy()
      const out = ExportOut(result.structuredContent)
      expect(out.exportDirectory).toBeUndefined()
      expect(out.files).toEqual([])
      expect(textOf(result)).toMatch(/^No result file was written\.\n1 call answered with JSON instead of a file/)
      expect(readdirSync(server.env.SMS_EXPORT_DIR ?? "")).toEqual([])
    } finally {
      await Effect.runPromise(emulator.setExportMode("large"))
      await server.close()
    }
  })

  it("SMS_TIMEOUT and SMS_RETRIES bound a call; the retries reach a client that asked for debug logs", async () => {
    // A service that never answers.
    let requests = 0
    const silent = Http.createServer((req) => {
      requests++
      req.resume()
    })
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r))
    const address = silent.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const server = await connectStdio([], {
      ...configured(emulator.credentials.ak, emulator.credentials.sk),
      SMS_ENDPOINT: `http://127.0.0.1:${port}`,
      SMS_TIMEOUT: "300ms",
      SMS_RETRIES: "1"
    })
    try {
      const logs: Array<{ level: string; data: unknown }> = []
      server.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        logs.push({ level: n.params.level, data: n.params.data })
      })
      await server.client.setLoggingLevel("debug")
      // Without the settings: 30 s × 4 attempts, past this request's own timeout.
      const result = await call(server.client, "show_consistency_result", { task_id: "t-1" }, { timeout: 10_000 })
      expect(result.isError).toBe(true)
      expect(textOf(result)).toContain("Error: Timeout — Timed out after 300 ms")
      // The hint names the setting and the value waited, not only "retry later".
      expect(textOf(result)).toContain(
        "What to do: The service did not answer within SMS_TIMEOUT=300ms: try a longer one (default 30s), or retry later."
      )
      expect(requests).toBe(2)
      expect(logs).toContainEqual({ level: "debug", data: expect.stringMatching(/: Timeout, retry 1\/1 in \d+ ms$/) })
      // Debug is for the client that asked: stderr keeps info and above.
      expect(server.stderr()).not.toMatch(/retry 1\/1/)
    } finally {
      await server.close()
      silent.closeAllConnections()
      silent.close()
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
      expect(text).toContain("region: not set: set SMS_REGION (one of")
      expect(text).not.toContain("region option")
      expect(text).toContain("HUAWEICLOUD_SDK_AK")
      expect(text).toContain("HUAWEICLOUD_SDK_SK")
      expect(text.split("\n").at(-1)).toBe(
        "Would act as (no credentials configured) on (no valid endpoint configured)."
      )
      expect(text).not.toContain("Acted as")
    } finally {
      await server.close()
    }
  })

  it("its start-up line says, before any call, who it will act as and where, on one line", async () => {
    assertBuilt()
    const env = cleanEnv()
    const server = await connectStdio([], env)
    try {
      await until("the start-up line", () => server.stderr().includes("Exports go to"))
      const lines = server.stderr().split("\n")
      const line = lines.find((l) => l.includes("Exports go to")) ?? ""
      expect(line).toMatch(
        /^\S+ INFO {2}sms-consistency-mcp \S+: Will act as \(no credentials configured\) on \(no valid endpoint configured\)\. Exports go to /
      )
      expect(line.endsWith(`Exports go to ${env.SMS_EXPORT_DIR}.`)).toBe(true)
      expect(server.stderr()).not.toContain("Acted as")
    } finally {
      await server.close()
    }
  })

  it("an export without credentials: failed, and nothing was sent", async () => {
    assertBuilt()
    const server = await connectStdio([], cleanEnv())
    try {
      // Three calls' worth: the first fails before it is sent, and the export stops there.
      const tasks = Array.from({ length: 450 }, (_, i) => ({ task_id: `t-${i}`, source_id: "s", source_name: "web" }))
      const result = await call(server.client, "export_consistency_results", { task_info: tasks })
      expect(result.isError).toBe(true)
      const text = textOf(result)
      expect(text).toMatch(
        /^export_consistency_results failed\.\n450 tasks failed; nothing was sent:\nError: MissingCredentials/
      )
      const out = ExportOut(result.structuredContent)
      expect(out.failedCalls).toBe(0)
      expect(out.failed).toMatchObject([{ error: "MissingCredentials", calls: 0, callsNotSent: 3, taskCount: 450 }])
      expect(text).toContain("Nothing was sent to the service.")
      expectNoActedAs(text)
      // all: true fails at its listing, which the text says (with the listing's hint).
      const all = await call(server.client, "export_consistency_results", { all: true })
      expect(all.isError).toBe(true)
      expect(textOf(all)).toMatch(
        /^export_consistency_results failed\.\nListing the source servers with consistency results \(all: true\) failed; nothing was exported\.\nError: MissingCredentials/
      )
      expect(textOf(all)).toContain("Nothing was sent to the service.")
      expectNoActedAs(textOf(all))
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

/** Starts `fake` on a free loopback port; the server's environment to call it as the SMS endpoint. */
const configuredFor = async (fake: Http.Server) => {
  await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r))
  const address = fake.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return cleanEnv({
    SMS_ENDPOINT: `http://127.0.0.1:${port}`,
    HUAWEICLOUD_SDK_AK: "AKFAKE00000000000000",
    HUAWEICLOUD_SDK_SK: "SKFAKE",
    HUAWEICLOUD_SDK_DOMAIN_ID: "domain"
  })
}

describe("stdio, SIGTERM or SIGINT during an export", () => {
  it.each([
    "SIGTERM",
    "SIGINT"
  ] as const)("%s: the calls in flight are stopped (no temporary file left, the files written kept, logged and named in the answer), then it exits", async (signal) => {
    assertBuilt()
    // The first export call is answered at once; the second sends part of its body, then nothing more.
    let exports = 0
    const fake = Http.createServer((req, res) => {
      req.resume()
      req.on("end", () => {
        exports++
        if (exports === 1) {
          res.writeHead(200, {
            "Content-Type": "application/zip",
            "Content-Disposition": 'attachment; filename="a.zip"'
          })
          res.end(Buffer.from("PK\u0003\u0004 complete"))
          return
        }
        res.writeHead(200, {
          "Content-Type": "application/zip",
          "Content-Disposition": 'attachment; filename="b.zip"',
          "Content-Length": String(10 * 1024 * 1024)
        })
        res.write(Buffer.alloc(64 * 1024, 1))
      })
    })
    const env = await configuredFor(fake)
    const root = env.SMS_EXPORT_DIR ?? ""
    const server = await connectStdio([], env)
    try {
      const tasks = Array.from({ length: 300 }, (_, i) => ({
        task_id: `t-${i}`,
        source_id: `s-${i}`,
        source_name: "web"
      }))
      const pending = call(server.client, "export_consistency_results", { task_info: tasks }).catch(
        (error: unknown) => error
      )
      const inCall = () => readdirSync(root).flatMap((d) => readdirSync(join(root, d)))
      await until("one file written and one in progress", () => {
        const names = inCall()
        return names.includes("a.zip") && names.some((n) => n.endsWith(".partial"))
      })
      process.kill(server.pid ?? 0, signal)
      await server.closed
      // The call is answered (the client asked for nothing): it was stopped, and why.
      const answer = await pending
      const [callDir] = readdirSync(root)
      // And where what it kept is: the folder, and the list of the tasks it did not export.
      const folder = join(root, callDir ?? "")
      expect(answer instanceof Error ? answer.message : textOf(answer as Parameters<typeof textOf>[0])).toBe(
        "export_consistency_results was stopped: the server is shutting down. Kept what was already written " +
          `(1 file) in ${folder}; the tasks not exported are listed in ${join(folder, "failed-tasks.json")}: pass ` +
          "it as tasks_file to retry them."
      )
      // The finished file kept; the tasks not exported listed for tasks_file; no temporary file left.
      expect(inCall().sort()).toEqual(["a.zip", "failed-tasks.json"])
      const left = TasksFileOut(JSON.parse(readFileSync(join(root, callDir ?? "", "failed-tasks.json"), "utf8")))
      expect(left.task_info.map((t) => t.task_id)).toEqual(tasks.slice(200).map((t) => t.task_id))
      await until("the log line", () =>
        /cancelled; kept what was already written \(1 file\) in .*; the 100 tasks not exported are listed in .*failed-tasks\.json \(pass it as tasks_file\)/.test(
          server.stderr()
        )
      )
      expect(server.stderr()).toMatch(/shutting down: stopping 1 call in flight/)
    } finally {
      await server.close()
      fake.closeAllConnections()
      fake.close()
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
    const env = await configuredFor(fake)
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
    [{ SMS_RETRIES: "11" }, /^sms-consistency-mcp: SMS_RETRIES must be a whole number from 0 to 10 \(got "11"\)$/],
    [{ SMS_RETRIES: "-1" }, /^sms-consistency-mcp: SMS_RETRIES must be a whole number from 0 to 10 \(got "-1"\)$/],
    [{ SMS_TIMEOUT: "soon" }, /^sms-consistency-mcp: SMS_TIMEOUT must be seconds or a duration like 500ms, 30s, 2m/],
    [{ SMS_TIMEOUT: "0" }, /^sms-consistency-mcp: SMS_TIMEOUT must be .* \(got "0"\)$/],
    [{ SMS_TIMEOUT: "2h" }, /^sms-consistency-mcp: SMS_TIMEOUT must be .* \(got "2h"\)$/]
  ])("%j: refused at start, one line naming the variable, exit 2", (env, expected) => {
    const result = spawnSync(process.execPath, [binPath, "--emulator"], {
      env: cleanEnv(env),
      encoding: "utf8",
      timeout: 10_000
    })
    expect(result.status).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr.trimEnd()).toMatch(expected)
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1)
  })

  it("--help lists the emulator's settings, one line each with its default", () => {
    const result = run(["--help"])
    expect(result.status).toBe(0)
    const line = (variable: string) => result.stdout.split("\n").find((l) => l.trimStart().startsWith(`${variable} `))
    for (const [variable, range, fallback] of [
      ["SMS_EMULATOR_HOST", "", "default 127.0.0.1"],
      ["SMS_EMULATOR_PORT", "0 to 65535", "default 0"],
      ["SMS_EMULATOR_SOURCES", "0 to 100000", "default 25"],
      ["SMS_EMULATOR_SEED", "0 to 4294967295", "default 1"],
      ["SMS_EMULATOR_LATENCY_MS", "0 to 60000", "default 0"],
      ["SMS_EMULATOR_FAULT_RATE", "0 to 1", "default 0"],
      ["SMS_EMULATOR_EXPORT_MODE", "large", "default zip"],
      ["SMS_EMULATOR_LARGE_BODY_BYTES", "0 to 1099511627776", "default 209715200"]
    ] as const) {
      expect(line(variable), variable).toContain(range)
      expect(line(variable), variable).toContain(fallback)
    }
    expect(result.stdout).toMatch(/^ {2}SMS_EMULATOR_AK, _SK, _TOKEN +the identity it accepts/m)
    // The emulator's fixed test identity is documented, but no key or token of it is printed.
    expect(result.stdout).not.toMatch(/EMULATOR(DENIED)?(AK|SK)|emulator-token/)
  })

  /** The server started with `--emulator` and `env`: it must stop at once, exit 2, with nothing on stdout. */
  const refusedAtStart = (env: Record<string, string>) => {
    const result = spawnSync(process.execPath, [binPath, "--emulator"], {
      env: cleanEnv(env),
      encoding: "utf8",
      timeout: 10_000
    })
    expect(result.status).toBe(2)
    expect(result.stdout).toBe("")
    return result
  }

  it.each([
    [{ SMS_EMULATOR_SOURCES: "lots" }, 'SMS_EMULATOR_SOURCES must be a whole number from 0 to 100000 (got "lots")'],
    // Seeded in memory: 10^9 servers filled the heap for a minute before the process died.
    [{ SMS_EMULATOR_SOURCES: "1e9" }, 'SMS_EMULATOR_SOURCES must be a whole number from 0 to 100000 (got "1e9")'],
    [{ SMS_EMULATOR_SOURCES: "-5" }, 'SMS_EMULATOR_SOURCES must be a whole number from 0 to 100000 (got "-5")'],
    [{ SMS_EMULATOR_PORT: "99999" }, 'SMS_EMULATOR_PORT must be a whole number from 0 to 65535 (got "99999")'],
    [{ SMS_EMULATOR_SEED: "x" }, 'SMS_EMULATOR_SEED must be a whole number from 0 to 4294967295 (got "x")'],
    [
      { SMS_EMULATOR_LATENCY_MS: "-1" },
      'SMS_EMULATOR_LATENCY_MS must be a whole number of milliseconds from 0 to 60000 (got "-1")'
    ],
    [{ SMS_EMULATOR_FAULT_RATE: "2" }, 'SMS_EMULATOR_FAULT_RATE must be a number from 0 to 1 (got "2")'],
    [{ SMS_EMULATOR_EXPORT_MODE: "pdf" }, 'SMS_EMULATOR_EXPORT_MODE must be one of zip, json, text, large (got "pdf")'],
    [
      { SMS_EMULATOR_LARGE_BODY_BYTES: "1.5" },
      'SMS_EMULATOR_LARGE_BODY_BYTES must be a whole number of bytes from 0 to 1099511627776 (got "1.5")'
    ]
  ])("--emulator with %j: refused at start, one line naming the variable and what it takes, exit 2", (env, expected) =>
    expect(refusedAtStart(env).stderr.trimEnd()).toBe(`sms-consistency-mcp: ${expected}`))

  it.each([
    [{ SMS_EMULATOR_AK: "ab\ncd" }, 'SMS_EMULATOR_AK must be visible ASCII characters, no spaces (got "ab\\ncd")'],
    [{ SMS_EMULATOR_AK: "ab cd" }, 'SMS_EMULATOR_AK must be visible ASCII characters, no spaces (got "ab cd")'],
    // A line break split the start-up log line ("Will act as AK … in domain d") in two.
    [
      { SMS_EMULATOR_DOMAIN_ID: "d\nx" },
      'SMS_EMULATOR_DOMAIN_ID must be visible ASCII characters, no spaces (got "d\\nx")'
    ],
    [
      { SMS_EMULATOR_PROJECT_ID: "p\u00e9" },
      'SMS_EMULATOR_PROJECT_ID must be visible ASCII characters, no spaces (got "p\u00e9")'
    ],
    [
      { SMS_EMULATOR_DOMAIN_NAME: " emulator" },
      'SMS_EMULATOR_DOMAIN_NAME must be visible ASCII characters, no spaces (got " emulator")'
    ],
    // Secrets: what is wrong, never the value.
    [
      { SMS_EMULATOR_SK: "secret\tpart" },
      "SMS_EMULATOR_SK must be visible ASCII characters, no spaces: it has a control character"
    ],
    [{ SMS_EMULATOR_SK: "secret part" }, "SMS_EMULATOR_SK must be visible ASCII characters, no spaces: it has a space"],
    [
      { SMS_EMULATOR_TOKEN: "secret\u00e9" },
      "SMS_EMULATOR_TOKEN must be visible ASCII characters, no spaces: it has a non-ASCII character"
    ]
  ])("--emulator with the identity %j: refused at start, one line naming the variable, no secret echoed, exit 2", (env, expected) => {
    const stderr = refusedAtStart(env).stderr
    expect(stderr.trimEnd()).toBe(`sms-consistency-mcp: ${expected}`)
    expect(stderr).not.toContain("secret")
  })

  it("--emulator with the identity variables blank: the default identity, as if unset (calls succeed)", async () => {
    const blank = {
      SMS_EMULATOR_AK: "",
      SMS_EMULATOR_SK: "",
      SMS_EMULATOR_TOKEN: " ",
      SMS_EMULATOR_DOMAIN_ID: "",
      SMS_EMULATOR_DOMAIN_NAME: "",
      SMS_EMULATOR_PROJECT_ID: ""
    }
    const server = await connectStdio(["--emulator"], cleanEnv({ ...blank, SMS_EMULATOR_SOURCES: "3" }))
    try {
      const listed = await call(server.client, "list_sources_with_results", {})
      expect(listed.isError, textOf(listed)).toBeFalsy()
      expect(ListSourcesOut(listed.structuredContent).identity).toContain(Emulator.defaultCredentials.ak.slice(0, 4))
    } finally {
      await server.close()
    }
  })

  it("without --emulator, its settings are not read: a bad one does not stop the server", async () => {
    const server = await connectStdio([], cleanEnv({ SMS_EMULATOR_SOURCES: "lots" }))
    try {
      expect((await server.client.listTools()).tools.length).toBeGreaterThan(0)
    } finally {
      await server.close()
    }
  })

  it("a port the emulator cannot listen on: one line naming the variables that set it, exit 1", async () => {
    const taken = Http.createServer()
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve))
    const port = (taken.address() as { port: number }).port
    try {
      const result = spawnSync(process.execPath, [binPath, "--emulator"], {
        env: cleanEnv({ SMS_EMULATOR_PORT: String(port) }),
        encoding: "utf8",
        timeout: 10_000
      })
      expect(result.stderr.trimEnd()).toBe(
        `sms-consistency-mcp: emulator: port ${port} on 127.0.0.1 is already in use (SMS_EMULATOR_HOST, SMS_EMULATOR_PORT)`
      )
      expect(result.status).toBe(1)
    } finally {
      taken.close()
    }
  })

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
