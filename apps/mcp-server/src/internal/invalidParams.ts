/**
 * Requests whose params do not fit the method's schema, answered -32602 (Invalid params) in one line that names the
 * field. The SDK parses a request before its handler runs, and answers a mismatch -32603 (Internal error) with the
 * whole Zod error, several lines of JSON, as its message (`tools/call` with no params, `resources/read` with no
 * uri): a client was at fault, not the server, and should be told what to fix.
 */
import type { Server } from "@modelcontextprotocol/sdk/server/index.js"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js"
import {
  CallToolRequestSchema,
  ErrorCode,
  InitializeRequestSchema,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  JSONRPCRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  PingRequestSchema,
  ReadResourceRequestSchema,
  SetLevelRequestSchema
} from "@modelcontextprotocol/sdk/types.js"

/** The methods this server answers, by the schemas the SDK parses them with. */
const schemas = new Map<string, { readonly safeParse: (value: unknown) => ParseResult }>([
  ["initialize", InitializeRequestSchema],
  ["ping", PingRequestSchema],
  ["tools/list", ListToolsRequestSchema],
  ["tools/call", CallToolRequestSchema],
  ["resources/list", ListResourcesRequestSchema],
  ["resources/templates/list", ListResourceTemplatesRequestSchema],
  ["resources/read", ReadResourceRequestSchema],
  ["logging/setLevel", SetLevelRequestSchema]
])

type ParseResult =
  | { readonly success: true }
  | { readonly success: false; readonly error: { readonly issues: ParseIssues } }

/** The first issue on one line: `field: what` (`what` alone when it is about the whole message), and how many more. */
const described = (issues: ParseIssues): string => {
  const [first, ...others] = issues
  const where = first && first.path.length > 0 ? `${first.path.map(String).join(".")}: ` : ""
  const what = (first === undefined ? "does not fit the schema" : (unionMessage(first) ?? first.message))
    .replace(/^Invalid input: /, "")
    .replace(/\s+/g, " ")
  const more = others.length > 0 ? ` (and ${others.length} more)` : ""
  return `${where}${what}${more}`
}

interface ParseIssue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
  /** A union's: each alternative's issues. */
  readonly errors?: ReadonlyArray<
    ReadonlyArray<{ readonly path: ReadonlyArray<PropertyKey>; readonly message: string }>
  >
}

type ParseIssues = ReadonlyArray<ParseIssue>

/**
 * A union of types, which Zod says as "Invalid input" alone: "expected string or number, received object" (a
 * progress token, an id).
 */
const unionMessage = (issue: ParseIssue): string | undefined => {
  const types = (issue.errors ?? []).map((alternative) =>
    alternative.length === 1 && alternative[0]?.path.length === 0
      ? /^Invalid input: expected (\w+), received (\w+)$/.exec(alternative[0].message)
      : null
  )
  if (types.length === 0 || !types.every((t) => t !== null)) return undefined
  const expected = [...new Set(types.map((t) => (t?.[1] === "int" ? "integer" : t?.[1])))].join(" or ")
  return `expected ${expected}, received ${types[0]?.[2]}`
}

const failure = (id: string | number | null, code: number, message: string): JSONRPCMessage =>
  // An id of null, as JSON-RPC answers a request whose id it cannot tell; the SDK's type has no null id.
  ({ jsonrpc: "2.0", id, error: { code, message } }) as JSONRPCMessage

/** The error response for `message`, a request whose params do not fit its method's schema; else undefined. */
export const refusal = (message: JSONRPCMessage | { readonly method: string; readonly id: string | number }) => {
  if (!("method" in message) || !("id" in message)) return undefined
  const parsed = schemas.get(message.method)?.safeParse(message)
  if (parsed === undefined || parsed.success) return undefined
  return failure(
    message.id,
    ErrorCode.InvalidParams,
    `Invalid params for ${message.method}: ${described(parsed.error.issues)}`
  )
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The answer to `value` (parsed JSON) that is not a JSON-RPC message the SDK takes, which it would drop without a
 * word over stdio, and answer HTTP 400 "Parse error" without the id over HTTP: a batch (MCP 2025-06-18 has none),
 * id null; a request whose params do not fit a method this server serves, -32602 as `refusal`; any other request,
 * -32600 naming what is wrong. Undefined for a valid message, and for what is not to be answered: a notification
 * (no id), a response (a result or error, no method).
 */
export const malformed = (value: unknown): JSONRPCMessage | undefined => {
  if (Array.isArray(value))
    return failure(
      null,
      ErrorCode.InvalidRequest,
      "Invalid Request: a batch (a JSON array) is not supported: send one JSON-RPC message a line"
    )
  if (!isObject(value) || !("id" in value) || JSONRPCMessageSchema.safeParse(value).success) return undefined
  if (!("method" in value) && ("result" in value || "error" in value)) return undefined
  const id =
    typeof value.id === "string" || (typeof value.id === "number" && Number.isFinite(value.id)) ? value.id : null
  if (id !== null && typeof value.method === "string") {
    const refused = refusal({ ...value, method: value.method, id })
    if (refused !== undefined) return refused
  }
  const parsed = JSONRPCRequestSchema.safeParse(value)
  const what = parsed.success ? "not a JSON-RPC 2.0 request" : described(parsed.error.issues)
  return failure(id, ErrorCode.InvalidRequest, `Invalid Request: ${what}`)
}

/** `server.connect(transport)`, then requests with params that do not fit are answered by `refusal`. */
export const connect = async (server: Server, transport: Transport): Promise<void> => {
  await server.connect(transport)
  const forward = transport.onmessage
  transport.onmessage = (message, extra) => {
    const refused = refusal(message)
    if (refused === undefined) return forward?.(message, extra)
    transport.send(refused).catch(() => undefined)
  }
}
