/**
 * The MCP server on the SDK's low-level `Server`: `tools/list` publishes the JSON Schemas derived from the
 * Effect Schemas, `tools/call` runs the tool's Effect on the shared runtime (an aborted request interrupts the
 * fiber, and with it the in-flight HTTP calls), `resources/list` and `resources/read` serve the exported files,
 * `logging/setLevel` filters what reaches the client.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import {
  CallToolRequestSchema,
  type CallToolResult,
  CancelledNotificationSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema
} from "@modelcontextprotocol/sdk/types.js"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import { type App, callDirectory, name, version } from "./internal/app.js"
import * as Logging from "./internal/logging.js"
import * as Resources from "./Resources.js"
import * as Tools from "./Tools.js"

const instructions =
  "Exports the consistency-verification results of Huawei Cloud SMS server-migration tasks. To export the " +
  "results of all migrated servers: call list_sources_with_results, then pass its task_info to " +
  "export_consistency_results. Files are written on the server's machine; results carry their paths and links, " +
  "and resources/read of a link returns the file."

const internalError = (tool: string): CallToolResult => ({
  content: [{ type: "text", text: `${tool} failed: internal error in the MCP server (details on its stderr).` }],
  isError: true
})

const cancelled = (tool: string): CallToolResult => ({
  content: [{ type: "text", text: `${tool} was cancelled.` }],
  isError: true
})

export const make = (app: App): Server => {
  const server = new Server(
    { name, title: "SMS consistency results", version },
    { capabilities: { tools: {}, resources: {}, logging: {} }, instructions }
  )

  // The exported files (see Resources.ts): an export's resource_link can be read through the connection.
  server.setRequestHandler(ListResourcesRequestSchema, () => Resources.list(app.exportRoot))
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: [] }))
  server.setRequestHandler(ReadResourceRequestSchema, (request) => Resources.read(app.exportRoot, request.params.uri))

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: Tools.all.map((tool) => ({ ...tool.definition }))
  }))

  server.setRequestHandler(SetLevelRequestSchema, (request) => {
    app.logLevel.current = request.params.level
    return {}
  })

  // Also reaches calls started on another connection (stateless HTTP: one transport per POST). Stateless HTTP
  // has no session to tell clients apart, so an id that several calls in flight share is ambiguous: cancelling
  // one of them could stop another client's call, so none is.
  server.setNotificationHandler(CancelledNotificationSchema, (notification) => {
    const id = notification.params.requestId
    if (id === undefined) return
    const calls = app.inFlight.get(String(id))
    if (calls === undefined) return
    if (calls.size === 1) for (const call of calls) call.abort(notification.params.reason)
    else
      Runtime.runSync(app.runtime)(
        Effect.logWarning(
          `notifications/cancelled for request id ${JSON.stringify(String(id).slice(0, 64))} matches ` +
            `${calls.size} calls in flight from different clients: none cancelled`
        )
      )
  })

  server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const toolName = request.params.name
    const tool = Tools.byName.get(toolName)
    if (tool === undefined)
      return Promise.reject(
        new McpError(
          ErrorCode.InvalidParams,
          `Unknown tool: ${toolName}. Tools: ${Tools.all.map((t) => t.definition.name).join(", ")}`
        )
      )
    const progressToken = request.params._meta?.progressToken
    const send = (method: "notifications/message" | "notifications/progress", params: Record<string, unknown>) =>
      extra.sendNotification({ method, params }).catch(() => undefined)
    const reportProgress =
      progressToken === undefined
        ? undefined
        : (progress: number, total: number, message: string) =>
            Effect.promise(() =>
              extra
                .sendNotification({
                  method: "notifications/progress",
                  params: { progressToken, progress, total, message }
                })
                .catch(() => undefined)
            )
    const controller = new AbortController()
    const abort = () => controller.abort()
    extra.signal.addEventListener("abort", abort, { once: true })
    const key = String(extra.requestId)
    const sameId = app.inFlight.get(key) ?? new Set<AbortController>()
    sameId.add(controller)
    app.inFlight.set(key, sameId)
    const started = Date.now()
    const effect = Effect.logInfo(`tools/call ${toolName}`).pipe(
      Effect.zipRight(
        tool.call(request.params.arguments, { exportDir: callDirectory(app.exportRoot), reportProgress })
      ),
      Effect.tap((result) =>
        Effect.logInfo(`tools/call ${toolName}: ${result.isError ? "failed" : "done"} in ${Date.now() - started} ms`)
      ),
      Effect.onInterrupt(() => Effect.logWarning(`tools/call ${toolName}: cancelled after ${Date.now() - started} ms`)),
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.succeed(cancelled(toolName))
          : Effect.logError(`tools/call ${toolName}: defect`, Cause.pretty(cause)).pipe(
              Effect.as(internalError(toolName))
            )
      ),
      Effect.provide(
        Logging.addClientLogger(app.logLevel, (level, data) => {
          void send("notifications/message", { level, logger: name, data })
        })
      )
    )
    return Runtime.runPromise(app.runtime)(effect, { signal: controller.signal })
      .catch(() => cancelled(toolName))
      .finally(() => {
        extra.signal.removeEventListener("abort", abort)
        sameId.delete(controller)
        if (sameId.size === 0 && app.inFlight.get(key) === sameId) app.inFlight.delete(key)
      })
  })

  return server
}
