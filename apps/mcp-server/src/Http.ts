/**
 * Streamable HTTP on `node:http`, stateless: a new transport (and `Server`) per POST. In front of the SDK:
 * a Host allow-list (loopback names + port; DNS rebinding), the spec's Origin rule (present and invalid → 403),
 * an optional bearer token (`SMS_MCP_TOKEN`, compared in constant time, never forwarded), a body cap (413),
 * GET/DELETE → 405 (no SSE stream, no sessions), an unsupported `MCP-Protocol-Version` → 400, no CORS headers; a
 * request the SDK would refuse 400 without its id (`InvalidParams.malformed`) → a JSON-RPC error with it.
 */
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Runtime from "effect/Runtime"
import { createHash, timingSafeEqual } from "node:crypto"
import * as Http from "node:http"
import type { App } from "./internal/app.js"
import * as InvalidParams from "./internal/invalidParams.js"
import * as Server from "./Server.js"

export interface Options {
  /** Default 127.0.0.1. */
  readonly host?: string | undefined
  /** Default 0: a free port. */
  readonly port?: number | undefined
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  readonly token?: Redacted.Redacted<string> | undefined
  /** More `Host` names to accept (with the port): the names clients reach the server by (`SMS_MCP_ALLOWED_HOSTS`). */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Default 16 MiB: an export call of ~100,000 tasks (at 1 MiB, ~8,000 were refused). */
  readonly maxBodyBytes?: number | undefined
}

export class HttpError extends Data.TaggedError("HttpError")<{ readonly message: string }> {}

export const path = "/mcp"

const loopbackNames = ["127.0.0.1", "localhost", "[::1]"]

const bracketed = (host: string) => (host.includes(":") && !host.startsWith("[") ? `[${host}]` : host)

/** `Host` values accepted: loopback names, the bound host and any `extra` names, with the port. */
export const allowedHosts = (host: string, port: number, extra: ReadonlyArray<string> = []): ReadonlySet<string> =>
  new Set([...loopbackNames, bracketed(host), ...extra.map(bracketed)].map((h) => `${h.toLowerCase()}:${port}`))

/** `Origin` values accepted (when present): the same hosts over http or https. */
export const allowedOrigins = (hosts: ReadonlySet<string>): ReadonlySet<string> =>
  new Set([...hosts].flatMap((h) => [`http://${h}`, `https://${h}`]))

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest()

/** Constant-time comparison of the presented bearer token with the configured one. */
export const bearerMatches = (header: string | undefined, token: Redacted.Redacted<string>): boolean => {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? "")
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1].trim()), digest(Redacted.value(token)))
}

/** A header value as it may appear in a log line: bounded, without control characters. */
const printable = (value: string | undefined) =>
  value === undefined
    ? "-"
    : JSON.stringify(
        [...value.slice(0, 120)].map((c) => ((c.codePointAt(0) ?? 0) < 0x20 || c === "\u007f" ? "?" : c)).join("")
      )

/**
 * Logs a refused request through the server's logger (stderr): what was refused and why, with the Host and Origin
 * it came with. Never the Authorization header or any part of a token. A GET answered 405 is at debug, as it is
 * no attack and no mistake: the SDK's client asks for an SSE stream on every connection, and 405 is the answer
 * the transport specification gives a server without one.
 */
const logRefusal = (app: App, req: Http.IncomingMessage, status: number, message: string) => {
  if (status < 400 || status === 500) return
  const from = req.socket.remoteAddress ?? "?"
  const line =
    `refused ${req.method ?? "?"} ${printable(req.url)} from ${from}` +
    ` (Host ${printable(req.headers.host)}, Origin ${printable(req.headers.origin)}): ${status} ${message}`
  const probe = status === 405 && req.method === "GET"
  Runtime.runSync(app.runtime)(probe ? Effect.logDebug(line) : Effect.logWarning(line))
}

const reject = (
  app: App,
  res: Http.ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  code = -32000
) => {
  if (res.headersSent) return
  logRefusal(app, res.req, status, message)
  res.writeHead(status, { "Content-Type": "application/json", ...headers })
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }))
}

type Body =
  | { readonly _tag: "Ok"; readonly text: string }
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "Aborted" }

const readBody = (req: Http.IncomingMessage, max: number): Promise<Body> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    let size = 0
    let done = false
    const finish = (body: Body) => {
      if (done) return
      done = true
      resolve(body)
    }
    req.on("data", (chunk: Buffer) => {
      size += chunk.byteLength
      if (size > max) {
        finish({ _tag: "TooLarge" })
        req.removeAllListeners("data")
        req.resume()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => finish({ _tag: "Ok", text: Buffer.concat(chunks).toString("utf8") }))
    req.on("error", () => finish({ _tag: "Aborted" }))
    req.on("close", () => finish({ _tag: "Aborted" }))
  })

const parseJson = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

/**
 * The transport's checks before it parses a body (both answer types accepted, a JSON content type): a request
 * that fails them is left for it to refuse (406, 415), as any other.
 */
const transportTakes = (req: Http.IncomingMessage): boolean => {
  const accept = req.headers.accept ?? ""
  const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase()
  return (
    accept.includes("application/json") && accept.includes("text/event-stream") && contentType === "application/json"
  )
}

export const handler = (
  app: App,
  options: { readonly host: string; readonly port: () => number } & Omit<Options, "host" | "port">
) => {
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024
  return async (req: Http.IncomingMessage, res: Http.ServerResponse): Promise<void> => {
    const hosts = allowedHosts(options.host, options.port(), options.allowedHosts)
    const host = (req.headers.host ?? "").toLowerCase()
    if (!hosts.has(host)) return reject(app, res, 403, "Forbidden: Host header not allowed")
    const origin = req.headers.origin
    if (origin !== undefined && !allowedOrigins(hosts).has(origin.toLowerCase()))
      return reject(app, res, 403, "Forbidden: Origin not allowed")
    const url = new URL(req.url ?? "/", "http://localhost")
    if (url.pathname !== path) return reject(app, res, 404, `Not found: the MCP endpoint is ${path}`)
    if (options.token !== undefined && !bearerMatches(req.headers.authorization, options.token))
      return reject(app, res, 401, "Unauthorized: a valid bearer token is required", {
        "WWW-Authenticate": 'Bearer realm="sms-consistency-mcp"'
      })
    if (req.method !== "POST")
      return reject(app, res, 405, "Method not allowed: stateless server, POST only (no SSE stream, no sessions)", {
        Allow: "POST"
      })
    const version = req.headers["mcp-protocol-version"]
    if (typeof version === "string" && !SUPPORTED_PROTOCOL_VERSIONS.includes(version))
      return reject(
        app,
        res,
        400,
        `Bad Request: unsupported MCP-Protocol-Version ${version} (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")})`
      )
    const declared = Number(req.headers["content-length"])
    if (Number.isFinite(declared) && declared > maxBodyBytes)
      return reject(app, res, 413, `Payload too large: at most ${maxBodyBytes} bytes`, { Connection: "close" })
    const body = await readBody(req, maxBodyBytes)
    if (body._tag === "TooLarge")
      return reject(app, res, 413, `Payload too large: at most ${maxBodyBytes} bytes`, { Connection: "close" })
    if (body._tag === "Aborted") return
    const parsed = parseJson(body.text)
    if (!parsed.ok) return reject(app, res, 400, "Parse error: the body is not JSON", {}, -32700)
    // A request the SDK cannot parse (params: null, a progress token that is an object), which it answers 400
    // "Parse error" without the id: answered as over stdio, with its id, for the client to match it.
    const malformed = transportTakes(req) ? InvalidParams.malformed(parsed.value) : undefined
    if (malformed !== undefined && !Array.isArray(parsed.value) && "id" in malformed && malformed.id !== null) {
      res.writeHead(200, { "Content-Type": "application/json" })
      res.end(JSON.stringify(malformed))
      return
    }
    // One connection per POST: a cancelled call's (which gets no response) is closed, ending the POST's stream.
    const server = Server.make(app, { closeWhenCancelled: true })
    const transport = new StreamableHTTPServerTransport({})
    res.on("close", () => {
      void transport.close().catch(() => undefined)
      void server.close().catch(() => undefined)
    })
    await InvalidParams.connect(server, transport)
    await transport.handleRequest(req, res, parsed.value)
  }
}

/** Listens until the scope closes; returns the bound port. */
export const serve = (app: App, options: Options) =>
  Effect.gen(function* () {
    const host = options.host ?? "127.0.0.1"
    let boundPort = options.port ?? 0
    const handle = handler(app, { ...options, host, port: () => boundPort })
    const server = Http.createServer((req, res) => {
      handle(req, res).catch((error: unknown) => {
        process.stderr.write(`HTTP handler error: ${error instanceof Error ? error.message : String(error)}\n`)
        reject(app, res, 500, "Internal error")
      })
    })
    yield* Effect.acquireRelease(
      Effect.async<void, HttpError>((resume) => {
        const onError = (error: NodeJS.ErrnoException) =>
          resume(Effect.fail(new HttpError({ message: `cannot listen on ${host}:${boundPort}: ${error.message}` })))
        server.once("error", onError)
        server.listen(boundPort, host, () => {
          server.off("error", onError)
          resume(Effect.void)
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    const address = server.address()
    boundPort = typeof address === "object" && address !== null ? address.port : boundPort
    return { port: boundPort, url: `http://${bracketed(host)}:${boundPort}${path}` }
  })
