/**
 * The MCP server on the SDK's low-level `Server`: `tools/list` publishes the JSON Schemas derived from the
 * Effect Schemas, `tools/call` runs the tool's Effect on the shared runtime (an aborted request interrupts the
 * fiber, and with it the in-flight HTTP calls), `resources/list` and `resources/read` serve the exported files,
 * `logging/setLevel` filters what reaches the client (and lowers Effect's minimum log level for debug).
 *
 * A cancelled call gets no response (the specification: the receiver SHOULD NOT answer a cancelled request). The
 * SDK sends none for a request whose `extra.signal` it aborted, so a cancellation goes through the SDK's own
 * handling as well as stopping the fiber.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import {
  CallToolRequestSchema,
  type CallToolResult,
  type CancelledNotification,
  CancelledNotificationSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SetLevelRequestSchema
} from "@modelcontextprotocol/sdk/types.js"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Runtime from "effect/Runtime"
import { readdir } from "node:fs/promises"
import { join } from "node:path"
import { type App, type Call, callDirectory, name, version } from "./internal/app.js"
import * as Format from "./internal/format.js"
import * as ListFile from "./internal/listFile.js"
import * as Logging from "./internal/logging.js"
import { RequestError } from "./internal/requestError.js"
import * as TasksFile from "./internal/tasksFile.js"
import * as Resources from "./Resources.js"
import * as Tools from "./Tools.js"

const instructions =
  "Exports the consistency-verification results of Huawei Cloud SMS server-migration tasks. To export the " +
  "results of all migrated servers: call export_consistency_results with all: true. To export some: " +
  "list_sources_with_results, then pass the task_info entries wanted. Files are written on the server's machine; " +
  "results carry their paths and links, and resources/read of a link returns the file. An export of more than " +
  `${Tools.sampledFiles} files lists the first ${Tools.sampledFiles} and every one in a file (filesManifest). ` +
  "Calls the service answered with JSON instead of a file are counted (jsonResponseCount) and the first " +
  `${Tools.sampledJsonResponses} listed (jsonResponses). ` +
  "A failed export lists its failed tasks in a file (failedTasksFile): pass it as tasks_file to retry them."

const internalError = (tool: string): CallToolResult => ({
  content: [{ type: "text", text: `${tool} failed: internal error in the MCP server (details on its stderr).` }],
  isError: true
})

const cancelled = (tool: string, why?: string, kept = ""): CallToolResult => ({
  content: [
    { type: "text", text: `${why === undefined ? `${tool} was cancelled.` : `${tool} was stopped: ${why}.`}${kept}` }
  ],
  isError: true
})

/**
 * What a stopped call left in its folder, for its answer: the files it kept, and the list of the tasks it did not
 * export (`failed-tasks.json`, which the export writes as it stops). Nothing when it left no folder. The lists are
 * not counted among the files: `files.json` is there too when an export of more than 20 files is stopped as it
 * finishes (the manifest's write, once begun, completes though the call is stopped).
 */
export const keptIn = async (directory: string): Promise<string> => {
  const names = (await readdir(directory).catch(() => [] as Array<string>)).filter((n) => !n.startsWith("."))
  if (names.length === 0) return ""
  const list = names.find((n) => ListFile.isNamed(n, TasksFile.fileName))
  const files = names.filter(
    (n) => !ListFile.isNamed(n, TasksFile.fileName) && !ListFile.isNamed(n, Tools.filesManifestName)
  ).length
  return (
    ` Kept what was already written (${Format.count(files, "file")}) in ${directory}` +
    (list === undefined
      ? "."
      : `; the tasks not exported are listed in ${join(directory, list)}: pass it as tasks_file to retry them.`)
  )
}

export interface Options {
  /**
   * Close the connection once a cancelled call has stopped. Stateless HTTP has one connection per POST, whose
   * response stream would otherwise stay open: no response is sent for a cancelled request.
   */
  readonly closeWhenCancelled?: boolean | undefined
}

/**
 * The SDK's own `notifications/cancelled` handling (`Protocol._oncancel`, whose registration `make` replaces): it
 * aborts the request's `extra.signal`, and the SDK sends no response for a request whose signal is aborted. Not
 * public API, so looked up rather than typed: without it a call is still stopped, and then answered "cancelled".
 */
const sdkCancel = (server: Server): ((notification: CancelledNotification) => void) => {
  const method: unknown = Reflect.get(server, "_oncancel")
  return (notification) => {
    if (typeof method !== "function") return
    // Called now, not later: the signal must be aborted before the handler's promise settles, or it is answered.
    try {
      void Promise.resolve(method.call(server, notification)).catch(() => undefined)
    } catch {
      // The SDK changed: the fiber is still stopped (see `Call.cancel`).
    }
  }
}

/**
 * Stops every tool call in flight (each removes its temporary files and logs what it kept; each is answered that
 * the server is shutting down) and waits for them, at most `within`, then a moment for the answers to go out: on
 * SIGTERM or SIGINT, before the connections close and the process exits.
 */
export const stopAll = (app: App, within: Duration.DurationInput = Duration.seconds(10)): Effect.Effect<void> =>
  Effect.suspend(() => {
    const calls = [...app.inFlight.values()].flatMap((set) => [...set])
    if (calls.length === 0) return Effect.void
    return Effect.logWarning(
      `shutting down: stopping ${calls.length === 1 ? "1 call" : `${calls.length} calls`} in flight`
    ).pipe(
      Effect.zipRight(
        Effect.promise(() => {
          for (const call of calls) call.stop("the server is shutting down")
          return Promise.allSettled(calls.map((call) => call.done))
        })
      ),
      // The SDK sends each answer once the call's promise has settled, a few ticks later.
      Effect.zipRight(Effect.sleep(Duration.millis(100))),
      Effect.timeout(within),
      Effect.catchAll(() =>
        Effect.logWarning(`shutting down: calls still in flight after ${Duration.format(Duration.decode(within))}`)
      ),
      Effect.asVoid
    )
  })

export const make = (app: App, options: Options = {}): Server => {
  const server = new Server(
    { name, title: "SMS consistency results", version },
    { capabilities: { tools: {}, resources: {}, logging: {} }, instructions }
  )

  // The exported files (see Resources.ts): an export's resource_link can be read through the connection.
  server.setRequestHandler(ListResourcesRequestSchema, (request) =>
    Resources.list(app.exportRoot, request.params?.cursor)
  )
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: [] }))
  server.setRequestHandler(ReadResourceRequestSchema, (request) => Resources.read(app.exportRoot, request.params.uri))

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: Tools.all.map((tool) => ({ ...tool.definition }))
  }))

  server.setRequestHandler(SetLevelRequestSchema, (request) => {
    app.logLevel.current = request.params.level
    return {}
  })

  const cancelHere = sdkCancel(server)

  // Also reaches calls started on another connection (stateless HTTP: one transport per POST). Stateless HTTP
  // has no session to tell clients apart, so an id that several calls in flight share is ambiguous: cancelling
  // one of them could stop another client's call, so none is.
  // The SDK's own handling is one of the calls' `cancel` (see below): it stops the right connection's request.
  server.setNotificationHandler(CancelledNotificationSchema, (notification) => {
    const id = notification.params.requestId
    if (id === undefined) return
    const calls = app.inFlight.get(String(id))
    if (calls === undefined) return
    if (calls.size === 1) for (const call of calls) call.cancel(notification.params.reason)
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
        new RequestError(
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
    // Why the server itself stopped the call (it is then answered, saying so), if it did.
    let stoppedBecause: string | undefined
    const abort = () => controller.abort()
    extra.signal.addEventListener("abort", abort, { once: true })
    const key = String(extra.requestId)
    const sameId = app.inFlight.get(key) ?? new Set<Call>()
    const started = Date.now()
    const exportDir = callDirectory(app.exportRoot)
    const effect = Effect.logInfo(`tools/call ${toolName}`).pipe(
      Effect.zipRight(
        tool.call(request.params.arguments, {
          exportRoot: app.exportRoot,
          exportSetting: app.exportSetting,
          exportDir,
          reportProgress
        })
      ),
      Effect.tap((result) =>
        Effect.logInfo(`tools/call ${toolName}: ${result.isError ? "failed" : "done"} in ${Date.now() - started} ms`)
      ),
      Effect.onInterrupt(() => Effect.logWarning(`tools/call ${toolName}: cancelled after ${Date.now() - started} ms`)),
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.promise(() => keptIn(exportDir)).pipe(
              Effect.map((kept) => cancelled(toolName, stoppedBecause, kept))
            )
          : Effect.logError(`tools/call ${toolName}: defect`, Cause.pretty(cause)).pipe(
              Effect.as(internalError(toolName))
            )
      ),
      Logger.withMinimumLogLevel(Logging.minimumLevel(app.logLevel)),
      Effect.provide(
        Logging.addClientLogger(app.logLevel, (level, data) => {
          void send("notifications/message", { level, logger: name, data })
        })
      )
    )
    const done = Runtime.runPromise(app.runtime)(effect, { signal: controller.signal })
      .catch(async () => cancelled(toolName, stoppedBecause, await keptIn(exportDir)))
      .finally(() => {
        extra.signal.removeEventListener("abort", abort)
        sameId.delete(call)
        if (sameId.size === 0 && app.inFlight.get(key) === sameId) app.inFlight.delete(key)
        if (extra.signal.aborted && options.closeWhenCancelled) void server.close().catch(() => undefined)
      })
    const call: Call = {
      cancel: (reason) => {
        // First the SDK's (it then sends no response), which aborts `extra.signal` and so the fiber; then the
        // fiber directly, in case the SDK's handling is not there.
        cancelHere({ method: "notifications/cancelled", params: { requestId: extra.requestId, reason } })
        controller.abort(reason)
      },
      stop: (reason) => {
        // Not the SDK's cancellation: the client asked for nothing, and is answered that the call was stopped.
        stoppedBecause = reason
        controller.abort(reason)
      },
      done
    }
    sameId.add(call)
    app.inFlight.set(key, sameId)
    return done
  })

  return server
}
