/** Spawning the built MCP server bin (stdio or HTTP) with a clean environment, and connecting the SDK's Client. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import type { RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js"
import { type CallToolResult, CallToolResultSchema, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js"
import type { JsonSchemaType } from "@modelcontextprotocol/sdk/validation/types.js"
import { Schema } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export const binPath = resolve(fileURLToPath(import.meta.url), "../../../apps/mcp-server/dist/sms-consistency-mcp.js")

export const assertBuilt = () => {
  if (!existsSync(binPath)) throw new Error(`${binPath} is missing: run pnpm build (or the app's bundle script) first`)
}

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `sms-mcp-${prefix}-`))

/** The process env without any SMS/cloud configuration, HOME in a temp dir (no credentials file), plus `extra`. */
export const cleanEnv = (extra: Record<string, string> = {}): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(HUAWEICLOUD_|SMS_|CLOUD_SDK_)/.test(key)) continue
    env[key] = value
  }
  return { ...env, HOME: tempDir("home"), SMS_EXPORT_DIR: tempDir("exports"), ...extra }
}

export interface StdioServer {
  /** Messages received so far, in wire order. */
  readonly wire: () => ReadonlyArray<JSONRPCMessage>
  /** Messages the client sent so far, in order. */
  readonly sent: () => ReadonlyArray<JSONRPCMessage>
  /** The server process's id (to signal it). */
  readonly pid: number | null
  /** Settles when the connection closes (the process exited, or `close`). */
  readonly closed: Promise<void>
  readonly client: Client
  readonly stderr: () => string
  readonly env: Record<string, string>
  readonly close: () => Promise<void>
}

/**
 * `fileSizeLimitKiB`: the largest file the server may write (`ulimit -f`), past which a write fails midway with
 * EFBIG, as on a full disk (Node ignores SIGXFSZ).
 */
export const connectStdio = async (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  options: { readonly fileSizeLimitKiB?: number } = {}
): Promise<StdioServer> => {
  const limit = options.fileSizeLimitKiB
  const transport = new StdioClientTransport({
    ...(limit === undefined
      ? { command: process.execPath, args: [binPath, ...args] }
      : {
          command: "/bin/sh",
          args: ["-c", `ulimit -f ${limit} && exec "$0" "$@"`, process.execPath, binPath, ...args]
        }),
    env,
    stderr: "pipe"
  })
  let stderr = ""
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8")
  })
  const client = new Client({ name: "sms-consistency-e2e", version: "0.0.0" })
  const closed = new Promise<void>((resolveClosed) => {
    client.onclose = () => resolveClosed()
  })
  await client.connect(transport)
  // Every message as it comes off the wire, before the SDK's dispatch (which handles notifications a
  // microtask later than responses, so a final progress read together with the result is dropped there).
  const wire: Array<JSONRPCMessage> = []
  const dispatch = transport.onmessage
  transport.onmessage = (message: JSONRPCMessage) => {
    wire.push(message)
    dispatch?.(message)
  }
  const sent: Array<JSONRPCMessage> = []
  const send = transport.send.bind(transport)
  transport.send = (message: JSONRPCMessage) => {
    sent.push(message)
    return send(message)
  }
  return {
    client,
    stderr: () => stderr,
    wire: () => wire,
    sent: () => sent,
    pid: transport.pid,
    closed,
    env,
    close: () => client.close()
  }
}

/** Polls `check` until it holds (returns true), or fails after `timeoutMs`: no fixed sleeps. */
export const until = async (what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export interface HttpServer {
  readonly url: string
  readonly port: number
  readonly env: Record<string, string>
  readonly stderr: () => string
  readonly close: () => Promise<void>
}

/** Starts `--http --port 0 …` and reads the bound URL from its stderr. */
export const startHttp = (args: ReadonlyArray<string>, env: Record<string, string>): Promise<HttpServer> =>
  new Promise((resolvePromise, reject) => {
    const child: ChildProcess = spawn(process.execPath, [binPath, "--http", "--port", "0", ...args], {
      env,
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = ""
    const timer = setTimeout(() => reject(new Error(`HTTP server did not start:\n${stderr}`)), 10_000)
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8")
      // Bound to 0.0.0.0, it is reached on 127.0.0.1 too.
      const match = /listening at http:\/\/(?:127\.0\.0\.1|0\.0\.0\.0):(\d+)\/mcp/.exec(stderr)
      if (match?.[1]) {
        clearTimeout(timer)
        resolvePromise({
          url: `http://127.0.0.1:${match[1]}/mcp`,
          port: Number(match[1]),
          env,
          stderr: () => stderr,
          close: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done()
              child.once("exit", () => done())
              child.kill("SIGTERM")
            })
        })
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`HTTP server exited with ${code}:\n${stderr}`))
    })
  })

export const connectHttp = async (url: string, headers: Record<string, string> = {}): Promise<Client> => {
  const client = new Client({ name: "sms-consistency-e2e", version: "0.0.0" })
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }))
  return client
}

/** `tools/call` with the result parsed as a `CallToolResult` (the SDK's own schema). */
export const call = async (
  client: Client,
  name: string,
  args: Record<string, unknown>,
  options?: RequestOptions
): Promise<CallToolResult> =>
  CallToolResultSchema.parse(await client.callTool({ name, arguments: args }, undefined, options))

export const textOf = (result: CallToolResult): string =>
  result.content.map((block) => (block.type === "text" ? block.text : "")).join("\n")

/** A tool's advertised schema, as the validator's type (it is plain JSON). */
export const jsonSchema = (schema: object): JsonSchemaType => JSON.parse(JSON.stringify(schema))

const TaskRef = Schema.Struct({ task_id: Schema.String, source_id: Schema.String, source_name: Schema.String })

/** The parts of the structured results the tests read. */
export const ListSourcesOut = Schema.decodeUnknownSync(
  Schema.Struct({ task_info: Schema.Array(TaskRef), total: Schema.Number, identity: Schema.String })
)

const ExportedFile = Schema.Struct({
  path: Schema.String,
  uri: Schema.String,
  fileName: Schema.String,
  sha256: Schema.String,
  byteLength: Schema.Number,
  taskCount: Schema.Number
})

export const ExportOut = Schema.decodeUnknownSync(
  Schema.Struct({
    identity: Schema.String,
    exportDirectory: Schema.optional(Schema.String),
    discovered: Schema.optional(Schema.Number),
    requested: Schema.Number,
    exported: Schema.Number,
    failedCount: Schema.Number,
    failedCalls: Schema.Number,
    fileCount: Schema.Number,
    totalBytes: Schema.Number,
    files: Schema.Array(ExportedFile),
    moreFiles: Schema.Number,
    filesManifest: Schema.optional(
      Schema.Struct({ path: Schema.String, uri: Schema.String, fileCount: Schema.Number })
    ),
    jsonResponseCount: Schema.Number,
    jsonResponses: Schema.Array(
      Schema.Struct({
        taskCount: Schema.Number,
        contentType: Schema.String,
        body: Schema.String,
        requestId: Schema.optional(Schema.String)
      })
    ),
    moreJsonResponses: Schema.Number,
    failed: Schema.Array(
      Schema.Struct({
        error: Schema.String,
        status: Schema.optional(Schema.Number),
        errorCode: Schema.optional(Schema.String),
        requestIds: Schema.Array(Schema.String),
        calls: Schema.Number,
        callsNotSent: Schema.Number,
        taskCount: Schema.Number,
        task_ids: Schema.Array(Schema.String),
        moreTaskIds: Schema.Number
      })
    ),
    failedTasksFile: Schema.optional(
      Schema.Struct({ path: Schema.String, uri: Schema.String, taskCount: Schema.Number })
    )
  })
)

/** A `failed-tasks.json`. */
export const TasksFileOut = Schema.decodeUnknownSync(Schema.Struct({ task_info: Schema.Array(TaskRef) }))

/** A `files.json`: every file an export wrote. */
export const FilesManifestOut = Schema.decodeUnknownSync(Schema.Struct({ files: Schema.Array(ExportedFile) }))
