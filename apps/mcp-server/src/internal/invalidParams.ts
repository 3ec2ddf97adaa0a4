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
  | {
      readonly success: false
      readonly error: {
        readonly issues: ReadonlyArray<{ readonly path: ReadonlyArray<PropertyKey>; readonly message: string }>
      }
    }

/** The error response for `message`, a request whose params do not fit its method's schema; else undefined. */
export const refusal = (message: JSONRPCMessage): JSONRPCMessage | undefined => {
  if (!("method" in message) || !("id" in message)) return undefined
  const parsed = schemas.get(message.method)?.safeParse(message)
  if (parsed === undefined || parsed.success) return undefined
  const [first, ...others] = parsed.error.issues
  const where = first && first.path.length > 0 ? `${first.path.map(String).join(".")}: ` : ""
  const what = (first?.message ?? "does not fit the schema").replace(/^Invalid input: /, "").replace(/\s+/g, " ")
  const more = others.length > 0 ? ` (and ${others.length} more)` : ""
  return {
    jsonrpc: "2.0",
    id: message.id,
    error: { code: ErrorCode.InvalidParams, message: `Invalid params for ${message.method}: ${where}${what}${more}` }
  }
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
