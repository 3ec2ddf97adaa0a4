/**
 * A request this server refuses, as a JSON-RPC error. The SDK's `McpError` writes `MCP error <code>: ` into its own
 * message, and the SDK sends that message as the JSON-RPC error's; the client's `McpError` then prefixes it again
 * (`MCP error -32602: MCP error -32602: Unknown tool: …`, modelcontextprotocol/typescript-sdk#2786). Sent as the
 * text alone, as the SDK's v2 servers send it, a client shows the prefix once.
 */
import { McpError } from "@modelcontextprotocol/sdk/types.js"

export class RequestError extends McpError {
  constructor(code: number, text: string, data?: unknown) {
    super(code, text, data)
    // What the SDK puts on the wire (`error.message`): the text alone.
    this.message = text
  }
}
