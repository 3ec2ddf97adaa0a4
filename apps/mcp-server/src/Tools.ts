/**
 * The tools: name, title, description (written for a model choosing between tools), annotations, input and
 * output Effect Schemas (the advertised JSON Schemas are derived from them, arguments are decoded with them,
 * results are encoded with them), and the handler as an Effect over `SmsClient`.
 */
import type * as CallToolTypes from "@modelcontextprotocol/sdk/types.js"
import * as BatchExport from "@sms-consistency/sms/BatchExport"
import * as Model from "@sms-consistency/sms/Model"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import * as SmsError from "@sms-consistency/sms/SmsError"
import { makeDirectories } from "@sms-consistency/sms/internal/files"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { rmdir } from "node:fs/promises"
import { basename, dirname, isAbsolute, relative } from "node:path"
import { pathToFileURL } from "node:url"
import * as ExportFolder from "./internal/exportFolder.js"
import * as Format from "./internal/format.js"
import { type ObjectSchema, objectSchema } from "./internal/jsonSchema.js"
import * as ListFile from "./internal/listFile.js"
import * as TasksFile from "./internal/tasksFile.js"

export interface CallContext {
  /** The export folder: every call's folder is in it, and a `tasks_file` must be too (default: `exportDir`'s parent). */
  readonly exportRoot?: string | undefined
  /** Where the export folder comes from, for a refusal naming what to change (`SMS_EXPORT_DIR "…"`). */
  readonly exportSetting?: string | undefined
  /** A fresh folder for this call's files, inside the export folder (created when the export starts). */
  readonly exportDir: string
  /** Present when the caller asked for progress (`_meta.progressToken`). */
  readonly reportProgress?: ((progress: number, total: number, message: string) => Effect.Effect<void>) | undefined
}

/** What a handler returns: a short summary, the structured result, links, and whether it counts as a failure. */
export interface Reply<O> {
  readonly text: string
  readonly output: O
  readonly links?: ReadonlyArray<CallToolTypes.ResourceLink>
  readonly isError?: boolean
  /** Nothing was sent to the service: the text ends with who the server would act as, not "Acted as". */
  readonly sentNothing?: boolean
}

export interface Definition {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly annotations: CallToolTypes.ToolAnnotations
  readonly inputSchema: ObjectSchema
  readonly outputSchema: ObjectSchema
}

export interface Tool {
  readonly definition: Definition
  /** Never fails: domain failures become `isError` results. */
  readonly call: (
    args: unknown,
    context: CallContext
  ) => Effect.Effect<CallToolTypes.CallToolResult, never, SmsClient.SmsClient>
}

/**
 * A failure of a call made for another operation than the tool's own (an export's discovery is a listing), so
 * that its hint fits what failed; `note` says what that was.
 */
export class StepFailed extends Data.TaggedError("StepFailed")<{
  readonly error: SmsError.SmsError
  readonly operation: SmsError.Operation
  readonly note: string
}> {}

/**
 * The server's export folder cannot be made or written to: no argument and no retry helps, only the user who
 * configured the server can (`setting` names what to change). Said before anything is sent to the service.
 */
export class ExportFolderUnusable extends Data.TaggedError("ExportFolderUnusable")<{
  readonly setting: string
  readonly reason: string
}> {}

interface Spec<I, IE, O, OE> {
  readonly name: string
  /** What the tool's calls are for, so that its failures carry a fitting hint. */
  readonly operation: SmsError.Operation
  readonly title: string
  readonly description: string
  readonly annotations: Omit<CallToolTypes.ToolAnnotations, "title">
  readonly input: Schema.Schema<I, IE, never>
  readonly output: Schema.Schema<O, OE, never>
  readonly handler: (
    input: I,
    context: CallContext
  ) => Effect.Effect<Reply<O>, SmsError.SmsError | StepFailed | ExportFolderUnusable, SmsClient.SmsClient>
}

/** Failures for which the service was never called: the configuration or the arguments are wrong. */
export const nothingSent = (error: SmsError.SmsError): boolean =>
  error._tag === "InvalidRequest" || error._tag === "MissingCredentials"

/**
 * A failure as a tool result: what failed, what to do (for the tool's `operation`), who acted where (or would have,
 * when nothing was sent).
 */
export const errorResult = (
  tool: string,
  operation: SmsError.Operation,
  error: SmsError.SmsError,
  info: SmsClient.Info,
  note?: string
): CallToolTypes.CallToolResult => ({
  content: [
    {
      type: "text",
      text: [
        `${tool} failed.`,
        ...(note === undefined ? [] : [note]),
        ...Format.errorLines(error, operation),
        ...(nothingSent(error) ? ["Nothing was sent to the service.", Format.wouldActAs(info)] : [Format.actedAs(info)])
      ].join("\n")
    }
  ],
  isError: true
})

/** An unusable export folder as a tool result: which setting, why, and that the user must change it. */
const unusableFolderResult = (
  tool: string,
  error: ExportFolderUnusable,
  info: SmsClient.Info
): CallToolTypes.CallToolResult => ({
  content: [
    {
      type: "text",
      text: [
        `${tool} failed.`,
        `Error: the server's export folder is unusable: ${error.setting}: ${error.reason}.`,
        "What to do: tell the user; no argument and no retry can fix this. The user must change SMS_EXPORT_DIR in " +
          "this MCP server's configuration to a folder the server can create and write to, and restart the server (or " +
          "make this one usable).",
        "Nothing was sent to the service.",
        Format.wouldActAs(info)
      ].join("\n")
    }
  ],
  isError: true
})

const isStructured = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const make = <I, IE, O, OE>(spec: Spec<I, IE, O, OE>): Tool => {
  // A misspelt argument (`langauge`) is an error, not silently ignored: the advertised schemas say
  // `additionalProperties: false`.
  const decode = Schema.decodeUnknown(spec.input, { onExcessProperty: "error" })
  const encode = Schema.encode(spec.output)
  return {
    definition: {
      name: spec.name,
      title: spec.title,
      description: spec.description,
      annotations: { title: spec.title, ...spec.annotations },
      inputSchema: objectSchema(spec.input),
      outputSchema: objectSchema(spec.output)
    },
    call: (args, context) =>
      Effect.gen(function* () {
        const client = yield* SmsClient.SmsClient
        return yield* decode(args ?? {}).pipe(
          Effect.mapError(Format.invalidArguments),
          Effect.flatMap((input) => spec.handler(input, context)),
          Effect.flatMap((reply) =>
            encode(reply.output).pipe(
              Effect.orDie,
              Effect.map(
                (structured): CallToolTypes.CallToolResult => ({
                  content: [
                    {
                      type: "text",
                      text: `${reply.text}\n${(reply.sentNothing ? Format.wouldActAs : Format.actedAs)(client.info)}`
                    },
                    ...(reply.links ?? [])
                  ],
                  ...(isStructured(structured) ? { structuredContent: structured } : {}),
                  ...(reply.isError ? { isError: true } : {})
                })
              )
            )
          ),
          Effect.catchAll((error) =>
            Effect.succeed(
              error._tag === "StepFailed"
                ? errorResult(spec.name, error.operation, error.error, client.info, error.note)
                : error._tag === "ExportFolderUnusable"
                  ? unusableFolderResult(spec.name, error, client.info)
                  : errorResult(spec.name, spec.operation, error, client.info)
            )
          ),
          Effect.withSpan(`tool.${spec.name}`)
        )
      })
  }
}

// --- shared schema pieces ------------------------------------------------------------------------

const text = (description: string) => Schema.String.annotations({ description })
/**
 * A whole number, 0 or more. Titled with its property's name, as the arguments are: untitled, the JSON Schema
 * would carry the refinement's name (`"title": "nonNegative"`), and one title shared by every such field would
 * misname all but those it fits.
 */
const whole = (title: string, description: string) =>
  Schema.Number.pipe(Schema.int(), Schema.nonNegative()).annotations({ title, description })
const optionalText = (description: string) => Schema.optional(text(description))
const optionalWhole = (title: string, description: string) => Schema.optional(whole(title, description))

const ActedAs = {
  endpoint: text("The SMS endpoint the server called (the cloud region's endpoint, or the local emulator)."),
  region: optionalText("The configured region, when one is set."),
  identity: text("The identity the server acted as, secret-free: e.g. 'AK EMUL…0000 (domain …)' or 'IAM token'.")
}

const actedAs = (info: SmsClient.Info) => ({ endpoint: info.endpoint, region: info.region, identity: info.identity })

const undefinedIfNull = <A>(value: A | null | undefined): A | undefined => (value === null ? undefined : value)

// --- export_consistency_results -------------------------------------------------------------------

/** How a wrong value reads in a message: a string quoted, anything else as it prints. */
const shown = (value: unknown): string => (typeof value === "string" ? JSON.stringify(value) : String(value))

/** A text argument that must say something: an empty one is refused, not read as "no filter" or "the folder". */
const nonEmptyText = (title: string, max: number, description: string) =>
  Model.boundedString(title, max, description)
    .pipe(Schema.minLength(1, { message: () => "must not be empty" }))
    .annotations({ title, description })

const ExportInput = Schema.Struct({
  task_info: Schema.optional(
    Model.TaskRefs.pipe(Schema.minItems(1, { message: () => "must hold at least 1 task" })).annotations({
      title: "task_info",
      description:
        "The tasks whose consistency results to export: any number of {task_id, source_id, source_name} entries " +
        "(the server sends them 200 per call). Give exactly one of task_info, tasks_file and all."
    })
  ),
  tasks_file: Schema.optional(
    nonEmptyText(
      "tasks_file",
      4096,
      "The path or file:// URI of a failed-tasks.json an earlier call wrote (its failedTasksFile): exports the " +
        "tasks listed there, to retry them without copying ids. Only a file inside the server's export folder is read."
    )
  ),
  all: Schema.optional(
    Schema.Boolean.annotations({
      title: "all",
      description:
        "true: export every source server that has consistency results (the server lists them itself; with name, " +
        "only those whose name matches). The way to 'export everything'.",
      message: (issue) => `must be true or false (got ${shown(issue.actual)})`
    })
  ),
  name: Schema.optional(
    nonEmptyText(
      "name",
      255,
      "With all: true, only the source servers whose name matches this (the service's name filter)."
    )
  ),
  language: Schema.optional(Model.Language)
}).annotations({ title: "export_consistency_results input" })

/** Files listed in a result (`files`, and a resource_link each); the rest are counted, and every one is in files.json. */
export const sampledFiles = 20

/** JSON answers listed in a result (`jsonResponses`); the rest are counted. The service's is '{ }', each the same. */
export const sampledJsonResponses = 5

/** The list of every file a call wrote, in its folder, when its result lists some of them only. */
export const filesManifestName = "files.json"

const ExportedFileOut = Schema.Struct({
  path: text("Absolute path of the written file, inside the server's export folder."),
  uri: text(
    "The same file as a file:// URI; resources/read returns it. The files a result lists (files, the first " +
      `${sampledFiles}) are also sent as resource_links; ${filesManifestName}'s are not.`
  ),
  fileName: text("File name (sanitised; as suggested by the service when it sent one)."),
  contentType: text("Content type the service sent."),
  byteLength: whole("byteLength", "Size of the file in bytes."),
  sha256: text("Lowercase hex SHA-256 of the file's bytes."),
  taskCount: whole("taskCount", "How many of the requested tasks this file covers."),
  requestId: optionalText("The service's X-Request-Id for the call that produced this file.")
}).annotations({ description: "One exported file." })

const JsonResponseOut = Schema.Struct({
  taskCount: whole("taskCount", "How many tasks this call covered."),
  contentType: text("Content type the service sent."),
  body: text("The JSON body the service answered with instead of a file (at most 2,000 characters)."),
  requestId: optionalText("The service's X-Request-Id.")
}).annotations({ description: "A call the service answered with JSON (its documented '{ }' body) instead of a file." })

/** task_ids listed per failure group; the rest are counted, and every one is in failed-tasks.json. */
const sampledTaskIds = 20

/** Request ids listed per failure group. */
const sampledRequestIds = 5

const FailureOut = Schema.Struct({
  error: text("The tagged error, e.g. Forbidden, NotFound, Throttled, TransportError."),
  message: text("One-line description of the failure (of the group's first call)."),
  status: optionalWhole("status", "HTTP status, when the service answered."),
  errorCode: optionalText("The service's error code, e.g. SMS.9003."),
  errorMessage: optionalText(
    "The service's error message for the group's first call (messages that name a task differ within a group)."
  ),
  requestId: optionalText("The service's X-Request-Id of the group's first call: quote it to support."),
  requestIds: Schema.Array(Schema.String).annotations({
    description: `The X-Request-Ids of the group's first calls (at most ${sampledRequestIds}).`
  }),
  missingPermissions: Schema.optional(
    Schema.Array(Schema.String).annotations({ description: "IAM actions the identity lacks (403 only)." })
  ),
  hint: optionalText("What to do about it."),
  calls: whole("calls", "Calls that failed this way (a call covers up to 200 tasks)."),
  callsNotSent: whole(
    "callsNotSent",
    "Calls not made because the export stopped at this failure, which every call would meet (a 401, missing credentials)."
  ),
  taskCount: whole("taskCount", "Tasks that failed this way."),
  task_ids: Schema.Array(Schema.String).annotations({
    description: `The first ${sampledTaskIds} task_ids that failed this way; failedTasksFile lists every failed task.`
  }),
  moreTaskIds: whole("moreTaskIds", "How many task_ids that failed this way are not listed in task_ids.")
}).annotations({
  description: "The calls that failed for one cause (error, HTTP status and service error code), counted."
})

const TasksFileOut = Schema.Struct({
  path: text("Absolute path of failed-tasks.json, in this call's folder."),
  uri: text("The same file as a file:// URI (also sent as a resource_link)."),
  taskCount: whole("taskCount", "Tasks listed: every task whose export failed.")
}).annotations({
  description:
    'Every failed task as {"task_info": [{task_id, source_id, source_name}, ...]}: pass path as tasks_file to retry them.'
})

const FilesManifestOut = Schema.Struct({
  path: text(`Absolute path of ${filesManifestName}, in this call's folder.`),
  uri: text("The same file as a file:// URI (also sent as a resource_link; resources/read returns it)."),
  fileCount: whole("fileCount", "Files listed: every file this call wrote.")
}).annotations({
  description:
    `Every file written, as {"files": [{path, uri, fileName, contentType, byteLength, sha256, taskCount, requestId}, ...]}, ` +
    `one a line; present when files lists the first ${sampledFiles} only.`
})

const ExportOutput = Schema.Struct({
  ...ActedAs,
  exportDirectory: optionalText(
    "The folder this call wrote into (absent when it wrote nothing: no folder is left behind)."
  ),
  discovered: optionalWhole(
    "discovered",
    "With all: true, the source servers with results the server found to export."
  ),
  requested: whole("requested", "Distinct tasks requested."),
  duplicates: whole("duplicates", "Entries given more than once (exported once)."),
  exported: whole("exported", "Tasks whose results were exported."),
  failedCount: whole("failedCount", "Tasks whose export failed."),
  failedCalls: whole("failedCalls", "Calls to the service that failed (each covers up to 200 tasks)."),
  fileCount: whole(
    "fileCount",
    `Files written, one per call to the service: files lists the first ${sampledFiles}, moreFiles counts the rest.`
  ),
  totalBytes: whole("totalBytes", "Size of all the files written, in bytes."),
  files: Schema.Array(ExportedFileOut).annotations({
    description: `The first ${sampledFiles} files written; filesManifest lists every one when there are more.`
  }),
  moreFiles: whole("moreFiles", "How many files written are not listed in files (filesManifest lists them)."),
  filesManifest: Schema.optional(FilesManifestOut),
  jsonResponseCount: whole(
    "jsonResponseCount",
    "Calls the service answered with JSON instead of a file (usually none): jsonResponses lists the first " +
      `${sampledJsonResponses}, moreJsonResponses counts the rest.`
  ),
  jsonResponses: Schema.Array(JsonResponseOut).annotations({
    description: `The first ${sampledJsonResponses} calls the service answered with JSON instead of a file (usually empty).`
  }),
  moreJsonResponses: whole("moreJsonResponses", "How many calls answered with JSON are not listed in jsonResponses."),
  failed: Schema.Array(FailureOut).annotations({
    description: "The failures grouped by cause, most tasks first, each with a sample of its task_ids."
  }),
  failedTasksFile: Schema.optional(TasksFileOut)
}).annotations({ title: "export_consistency_results output" })

const isInside = (directory: string, path: string) => {
  const rel = relative(directory, path)
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel)
}

/**
 * What makes two failures the same cause: the error, the HTTP status and the service's error code. The service's
 * message is not part of it when there is a code: a 404's names the task ("task … does not exist"), so 12,000
 * unknown tasks would make as many causes as calls. Without a code, the message (or the reason) is the cause.
 */
const causeOf = (error: SmsError.SmsError): string => {
  const w = Format.wire(error)
  const detail =
    w.errorCode !== undefined
      ? ""
      : "reason" in error
        ? error.reason
        : error._tag === "Timeout"
          ? String(error.timeoutMs)
          : (w.errorMsg ?? "")
  return JSON.stringify([error._tag, w.status ?? null, w.errorCode ?? null, detail])
}

/** A failed call's tasks and error; `unsent` when the call was not made (see `Group.notSent`). */
interface Failure {
  readonly error: SmsError.SmsError
  readonly tasks: ReadonlyArray<Model.TaskRef>
  readonly unsent?: true | undefined
}

interface Group {
  readonly error: SmsError.SmsError
  calls: number
  /** Calls not made: the export had stopped at this failure (`BatchExport`: a 401, missing credentials). */
  notSent: number
  readonly tasks: Array<Model.TaskRef>
  readonly requestIds: Array<string>
  readonly permissions: Set<string>
}

/** Failed calls grouped by cause (see `causeOf`), the group with the most tasks first. */
const groupFailures = (failures: ReadonlyArray<Failure>): ReadonlyArray<Group> => {
  const groups = new Map<string, Group>()
  for (const { error, tasks, unsent } of failures) {
    const key = causeOf(error)
    let group = groups.get(key)
    if (group === undefined) {
      group = { error, calls: 0, notSent: 0, tasks: [], requestIds: [], permissions: new Set() }
      groups.set(key, group)
    }
    // Missing credentials fail a call before it is sent, as a stopped export fails the calls it does not make.
    if (unsent || nothingSent(error)) group.notSent += 1
    else group.calls += 1
    for (const task of tasks) group.tasks.push(task)
    const requestId = Format.wire(error).requestId
    if (requestId && group.requestIds.length < sampledRequestIds && !group.requestIds.includes(requestId))
      group.requestIds.push(requestId)
    for (const permission of Format.missingPermissions(error)) group.permissions.add(permission)
  }
  return [...groups.values()].sort((a, b) => b.tasks.length - a.tasks.length)
}

const failureOut = (group: Group): typeof FailureOut.Type => {
  const w = Format.wire(group.error)
  return {
    error: group.error._tag,
    message: group.error.message,
    status: w.status,
    errorCode: w.errorCode,
    errorMessage: w.errorMsg,
    requestId: group.requestIds[0],
    requestIds: group.requestIds,
    missingPermissions: group.permissions.size > 0 ? [...group.permissions] : undefined,
    hint: SmsError.hint(group.error, "export", Format.hintOptions),
    calls: group.calls,
    callsNotSent: group.notSent,
    taskCount: group.tasks.length,
    task_ids: group.tasks.slice(0, sampledTaskIds).map((task) => task.task_id),
    moreTaskIds: Math.max(0, group.tasks.length - sampledTaskIds)
  }
}

/** `NotFound (HTTP 404, SMS.9003)`: a group's cause in a few words. */
const causeLine = (group: Group): string => {
  const w = Format.wire(group.error)
  const detail = [w.status === undefined ? undefined : `HTTP ${w.status}`, w.errorCode].filter(Boolean).join(", ")
  return `${group.error._tag}${detail === "" ? "" : ` (${detail})`}`
}

const maxListed = 10

/** Causes listed one per line in the text (structuredContent.failed has them all). */
const maxCausesListed = 5

/** Where the tasks come from: exactly one of the three ways, or a refusal naming the field. */
type Source =
  | { readonly _tag: "Given"; readonly tasks: ReadonlyArray<unknown> }
  | { readonly _tag: "File"; readonly path: string }
  | { readonly _tag: "All"; readonly name: string | undefined }

const oneOf = "give exactly one of task_info, tasks_file and all: true"

const sourceOf = (input: typeof ExportInput.Type): Effect.Effect<Source, SmsError.InvalidRequest> => {
  const given = [
    ...(input.task_info !== undefined ? (["task_info"] as const) : []),
    ...(input.tasks_file !== undefined ? (["tasks_file"] as const) : []),
    ...(input.all === true ? (["all"] as const) : [])
  ]
  if (input.name !== undefined && input.all !== true)
    return Effect.fail(
      new SmsError.InvalidRequest({
        field: "name",
        reason: "selects among the source servers of all: true; add all: true"
      })
    )
  const [first, second] = given
  if (second !== undefined)
    return Effect.fail(
      new SmsError.InvalidRequest({ field: second, reason: `cannot be combined with ${first}: ${oneOf}` })
    )
  if (first === undefined)
    return Effect.fail(new SmsError.InvalidRequest({ field: "task_info", reason: `is required: ${oneOf}` }))
  if (first === "all") return Effect.succeed({ _tag: "All", name: input.name })
  if (first === "tasks_file") return Effect.succeed({ _tag: "File", path: input.tasks_file ?? "" })
  return Effect.succeed({ _tag: "Given", tasks: input.task_info ?? [] })
}

const isTaskRef = Schema.is(Model.TaskRef)

/** The servers' ready-made task_info entries: those with results and a current task whose fields are valid. */
const exportable = (sources: ReadonlyArray<Model.SourceServer>): ReadonlyArray<Model.TaskRef> =>
  sources
    .filter((source) => source.is_consistency_result_exist !== false)
    .map(Model.sourceToTaskRef)
    .filter((ref): ref is Model.TaskRef => ref !== undefined && isTaskRef(ref))

/** `all: true`: every source server with results (whose name matches), as tasks; as list_sources_with_results does. */
const discover = (name: string | undefined) =>
  Effect.gen(function* () {
    const client = yield* SmsClient.SmsClient
    const sources = yield* client.listAllSources({ withResults: true, name }).pipe(
      Effect.mapError(
        (error) =>
          new StepFailed({
            error,
            operation: "list",
            note: "Listing the source servers with consistency results (all: true) failed; nothing was exported."
          })
      )
    )
    const tasks = exportable(sources)
    yield* Effect.logInfo(
      `export_consistency_results: all: ${Format.count(tasks.length, "source server")} with consistency results` +
        `${name === undefined ? "" : ` whose name matches ${JSON.stringify(name)}`}`
    )
    return tasks
  })

/**
 * A complete list's write (ListFile): when it fails, the result goes without it (keeping its sample) and says why
 * (`failure`, for its text: a model must know the complete list is missing), logged.
 */
const writtenOrFailed = <A>(
  write: Effect.Effect<A, SmsError.FileError>
): Effect.Effect<{ readonly written?: A; readonly failure?: string }> =>
  write.pipe(
    Effect.map((written) => ({ written })),
    Effect.catchAll((error) =>
      Effect.as(Effect.logWarning(`export_consistency_results: ${error.message}`), { failure: error.reason })
    )
  )

/** The link to a complete list the call wrote (failed-tasks.json, files.json). */
const listLink = (
  written: { readonly path: string; readonly byteLength: number },
  description: string
): CallToolTypes.ResourceLink => ({
  type: "resource_link",
  uri: pathToFileURL(written.path).href,
  name: basename(written.path),
  mimeType: "application/json",
  size: written.byteLength,
  description
})

/** Removes the call's folder if nothing is in it (a call that wrote nothing leaves no folder). */
const removeIfEmpty = (directory: string) =>
  Effect.promise(() =>
    rmdir(directory).then(
      () => true,
      () => false
    )
  )

export const exportConsistencyResults = make({
  name: "export_consistency_results",
  operation: "export",
  title: "Export consistency results",
  description:
    "Export the consistency-verification results (source vs. target file comparison) of SMS server-migration " +
    "tasks to files on this machine. Give exactly one of: all: true to export every source server that has " +
    "results (the way to 'export everything'; optionally with name to filter them); task_info entries " +
    "{task_id, source_id, source_name}, any number; or tasks_file, the failed-tasks.json an earlier call wrote, to " +
    "retry its failed tasks. Returns the files written (path, size, sha256, resource links; past " +
    `${sampledFiles} files, the first ${sampledFiles}, and filesManifest lists every one) and the failures ` +
    "grouped by cause (service error code, request id, a sample of task_ids; every failed task is listed in " +
    "failedTasksFile), never the file contents. A task that does not exist fails alone (its call is split to " +
    "find it); the others are still exported. Use show_consistency_result instead to read one task's result in " +
    "the chat.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: ExportInput,
  output: ExportOutput,
  handler: Effect.fn("export_consistency_results")(function* (input, context) {
    const client = yield* SmsClient.SmsClient
    const directory = context.exportDir
    const progress = context.reportProgress
    const source = yield* sourceOf(input)
    // Before anything is sent (the discovery of all: true included): files that cannot be written are not fetched.
    const exportRoot = context.exportRoot ?? dirname(directory)
    const cannot = yield* ExportFolder.unusable(exportRoot)
    if (cannot !== undefined)
      return yield* new ExportFolderUnusable({
        setting: context.exportSetting ?? `the export folder ${JSON.stringify(exportRoot)}`,
        reason: cannot
      })
    const tasks =
      source._tag === "Given"
        ? source.tasks
        : source._tag === "File"
          ? yield* TasksFile.read(exportRoot, source.path)
          : yield* discover(source.name)
    const discovered = source._tag === "All" ? tasks.length : undefined
    if (tasks.length === 0)
      return {
        text:
          `No source server${source._tag === "All" && source.name !== undefined ? ` whose name matches ${JSON.stringify(source.name)}` : ""}` +
          " has consistency results: nothing to export, no files written.",
        output: {
          ...actedAs(client.info),
          discovered,
          requested: 0,
          duplicates: 0,
          exported: 0,
          failedCount: 0,
          failedCalls: 0,
          fileCount: 0,
          totalBytes: 0,
          files: [],
          moreFiles: 0,
          jsonResponseCount: 0,
          jsonResponses: [],
          moreJsonResponses: 0,
          failed: []
        }
      }
    // Validated (naming the field) before the folder is made: invalid arguments leave nothing behind.
    const prepared = yield* BatchExport.prepare(tasks)
    // Owner-only (and so the export folder, when this makes it): the results describe the user's servers.
    yield* Effect.tryPromise({
      try: () => makeDirectories(directory, 0o700),
      catch: (cause) =>
        new SmsError.FileError({ path: directory, reason: cause instanceof Error ? cause.message : String(cause) })
    })
    // Files finished so far: a cancelled call keeps them, and says so in the log (it has no result to say it in).
    let written = 0
    // The tasks accounted for so far: a cancelled call lists the others in failed-tasks.json, for tasks_file.
    const done = new Set<string>()
    const keyOf = (task: Model.TaskRef) => `${task.task_id}\u0000${task.source_id}\u0000${task.source_name}`
    const result = yield* BatchExport.exportAll(tasks, {
      language: input.language,
      target: () => ({ directory }),
      onProgress: (p) => {
        if (p.outcome._tag === "Exported" && p.outcome.result._tag === "File") written += 1
        if (p.outcome._tag === "Exported") for (const task of p.outcome.tasks) done.add(keyOf(task))
        return progress
          ? progress(
              p.tasksDone,
              p.tasksTotal,
              `${p.tasksDone} of ${p.tasksTotal} tasks done (call ${p.chunk + 1} of ${p.chunks}` +
                `${p.outcome.piece ? `, ${p.outcome.tasks.length} of its tasks` : ""}: ` +
                `${p.outcome._tag === "Exported" ? "exported" : "failed"})`
            )
          : Effect.void
      }
    }).pipe(
      Effect.onInterrupt(() => {
        if (written === 0) return removeIfEmpty(directory)
        const left = prepared.tasks.filter((task) => !done.has(keyOf(task)))
        const kept = `export_consistency_results: cancelled; kept what was already written (${Format.count(written, "file")}) in ${directory}`
        if (left.length === 0) return Effect.logWarning(kept)
        return TasksFile.write(directory, left).pipe(
          Effect.flatMap(({ path }) =>
            Effect.logWarning(
              `${kept}; the ${left.length === 1 ? "1 task not exported is" : `${left.length} tasks not exported are`} ` +
                `listed in ${path} (pass it as tasks_file)`
            )
          ),
          Effect.catchAll((error) => Effect.logWarning(`${kept}; ${error.message}`))
        )
      })
    )
    const files: Array<typeof ExportedFileOut.Type> = []
    const jsonResponses: Array<typeof JsonResponseOut.Type> = []
    const failures: Array<Failure> = []
    for (const outcome of result.outcomes) {
      if (outcome._tag === "Failed") {
        failures.push(outcome)
        continue
      }
      const r = outcome.result
      if (r._tag === "Json") {
        jsonResponses.push({
          taskCount: outcome.tasks.length,
          contentType: r.contentType,
          body: (JSON.stringify(r.body) ?? "null").slice(0, 2000),
          requestId: r.requestId
        })
      } else if (r.path !== undefined && isInside(directory, r.path)) {
        files.push({
          path: r.path,
          uri: pathToFileURL(r.path).href,
          fileName: r.fileName,
          contentType: r.contentType,
          byteLength: r.byteLength,
          sha256: r.sha256,
          taskCount: outcome.tasks.length,
          requestId: r.requestId
        })
      } else {
        // The core confines names to the target folder; this guard makes the promise local too.
        const error = new SmsError.FileError({ path: r.path ?? r.fileName, reason: "not inside the export folder" })
        failures.push({ error, tasks: outcome.tasks })
      }
    }
    const failedTasks = failures.flatMap((f) => f.tasks)
    const failedCount = failedTasks.length
    const groups = groupFailures(failures)
    // Every failed task, so that the result can carry a sample only and nothing is lost.
    const tasksFileWrite = failedCount === 0 ? {} : yield* writtenOrFailed(TasksFile.write(directory, failedTasks))
    const tasksFileWritten = tasksFileWrite.written
    const failedTasksFile =
      tasksFileWritten === undefined
        ? undefined
        : { path: tasksFileWritten.path, uri: pathToFileURL(tasksFileWritten.path).href, taskCount: failedCount }
    // Every file, so that the result can list the first ones only (a link each) and none is lost.
    const listed = files.slice(0, sampledFiles)
    const manifestWrite =
      files.length === listed.length
        ? {}
        : yield* writtenOrFailed(ListFile.write(directory, filesManifestName, "files", files))
    const manifestWritten = manifestWrite.written
    const filesManifest =
      manifestWritten === undefined
        ? undefined
        : { path: manifestWritten.path, uri: pathToFileURL(manifestWritten.path).href, fileCount: files.length }
    const wroteSomething = files.length > 0 || failedTasksFile !== undefined
    if (!wroteSomething) yield* removeIfEmpty(directory)
    const exported = result.exported - (failedCount - result.failed.length)
    const totalBytes = files.reduce((sum, f) => sum + f.byteLength, 0)
    const whereTheRest =
      files.length === listed.length
        ? "see structuredContent.files"
        : `structuredContent.files lists the first ${sampledFiles}; every file is ` +
          (filesManifest === undefined ? `in ${directory}` : `listed in ${filesManifest.path}`)
    const lines: Array<string> = []
    const failedAll = exported === 0 && failedCount > 0
    // As the other tools' failures start: a model reading the first line knows the call did not do its job.
    if (failedAll) lines.push("export_consistency_results failed.")
    if (files.length > 0)
      lines.push(
        `Exported the consistency results of ${Format.count(exported, "task")} into ${Format.count(files.length, "file")} ` +
          `(${Format.bytes(totalBytes)}) under ${directory}:`,
        ...files
          .slice(0, maxListed)
          .map(
            (f) =>
              `- ${f.fileName} (${Format.bytes(f.byteLength)}, ${Format.count(f.taskCount, "task")}, sha256 ${f.sha256})`
          ),
        ...(files.length > maxListed ? [`- … and ${files.length - maxListed} more (${whereTheRest})`] : []),
        ...(manifestWrite.failure === undefined
          ? []
          : [
              `The list of all ${Format.count(files.length, "file")} (${filesManifestName}) could not be written ` +
                `(${manifestWrite.failure}): structuredContent.files lists the first ${sampledFiles}; every file ` +
                `is in ${directory}.`
            ])
      )
    else if (!failedAll) lines.push("No result file was written.")
    // The total, every one of them, though structuredContent lists the first ones only.
    if (jsonResponses.length > 0)
      lines.push(
        `${Format.count(jsonResponses.length, "call")} answered with JSON instead of a file (body ${jsonResponses[0]?.body}` +
          `${jsonResponses.length > sampledJsonResponses ? `; structuredContent.jsonResponses lists the first ${sampledJsonResponses}` : ""}).`
      )
    const [first] = groups
    if (first !== undefined) {
      const calls = groups.reduce((n, g) => n + g.calls, 0)
      const notSent = groups.reduce((n, g) => n + g.notSent, 0)
      const stopped = notSent === 0 ? "" : ` (the export stopped there: ${Format.count(notSent, "more call")} not sent)`
      if (groups.length === 1)
        lines.push(
          nothingSent(first.error)
            ? `${Format.count(failedCount, "task")} failed; nothing was sent:`
            : `${Format.count(failedCount, "task")} failed in ${Format.count(calls, "call")}${stopped}:`
        )
      else {
        lines.push(
          `${Format.count(failedCount, "task")} failed in ${Format.count(calls, "call")}${stopped}, for ${groups.length} causes:`,
          ...groups
            .slice(0, maxCausesListed)
            .map(
              (g) => `- ${causeLine(g)}: ${Format.count(g.tasks.length, "task")} in ${Format.count(g.calls, "call")}`
            ),
          ...(groups.length > maxCausesListed
            ? [`- … and ${groups.length - maxCausesListed} more causes (see structuredContent.failed)`]
            : []),
          "The first cause:"
        )
      }
      lines.push(...Format.errorLines(first.error))
      if (groups.every((g) => nothingSent(g.error))) lines.push("Nothing was sent to the service.")
      if (failedTasksFile !== undefined)
        lines.push(
          failedCount === 1
            ? `The failed task is listed in ${failedTasksFile.path}: pass it as tasks_file to retry it.`
            : `Every failed task is listed in ${failedTasksFile.path}: pass it as tasks_file to retry them.`
        )
      else if (tasksFileWrite.failure !== undefined)
        lines.push(
          `The list of the ${Format.count(failedCount, "failed task")} (${TasksFile.fileName}) could not be ` +
            `written (${tasksFileWrite.failure}): ` +
            (failedCount === 1
              ? "structuredContent.failed names it, but there is no file to pass as tasks_file to retry it."
              : "structuredContent.failed names only a sample of them, and there is no file to pass as tasks_file " +
                "to retry them.")
        )
    }
    if (result.duplicates > 0)
      lines.push(`${Format.count(result.duplicates, "duplicate entry", "duplicate entries")} left out (exported once).`)
    // No call at all: every failure before its call, nothing exported, no listing (all: true).
    const sentNothing =
      groups.length > 0 &&
      groups.every((g) => nothingSent(g.error)) &&
      exported === 0 &&
      jsonResponses.length === 0 &&
      discovered === undefined
    return {
      text: lines.join("\n"),
      sentNothing,
      output: {
        ...actedAs(client.info),
        exportDirectory: wroteSomething ? directory : undefined,
        discovered,
        requested: exported + failedCount,
        duplicates: result.duplicates,
        exported,
        failedCount,
        failedCalls: failures.filter((f) => !f.unsent && !nothingSent(f.error)).length,
        fileCount: files.length,
        totalBytes,
        files: listed,
        moreFiles: files.length - listed.length,
        filesManifest,
        jsonResponseCount: jsonResponses.length,
        jsonResponses: jsonResponses.slice(0, sampledJsonResponses),
        moreJsonResponses: Math.max(0, jsonResponses.length - sampledJsonResponses),
        failed: groups.map(failureOut),
        failedTasksFile
      },
      links: [
        ...listed.map(
          (f): CallToolTypes.ResourceLink => ({
            type: "resource_link",
            uri: f.uri,
            name: f.fileName,
            mimeType: Format.mimeTypeOf(f.fileName, f.contentType),
            size: f.byteLength,
            description: `Consistency results of ${Format.count(f.taskCount, "task")}, sha256 ${f.sha256}`
          })
        ),
        ...(manifestWritten === undefined
          ? []
          : [
              listLink(
                manifestWritten,
                `Every one of the ${Format.count(files.length, "file")} this export wrote (path, size, sha256, tasks); ` +
                  `the result lists the first ${sampledFiles}`
              )
            ]),
        ...(tasksFileWritten === undefined
          ? []
          : [
              listLink(
                tasksFileWritten,
                failedCount === 1
                  ? "The 1 task whose export failed: pass its path as tasks_file to retry it"
                  : `The ${failedCount} tasks whose export failed: pass its path as tasks_file to retry them`
              )
            ])
      ],
      isError: failedAll
    }
  })
})

// --- list_sources_with_results --------------------------------------------------------------------

/**
 * An integer whose errors say what it must be (a description would otherwise stand in for the expected type), a
 * string included: `limit: must be a whole number (got "10")`, not `Expected number, actual "10"`.
 */
const wholeNumber = Schema.Number.annotations({
  message: (issue) => `must be a whole number (got ${shown(issue.actual)})`
}).pipe(Schema.int({ message: (issue) => `must be a whole number (got ${issue.actual})` }))

const Limit = (max: number, fallback: number, description: string) =>
  Schema.optional(
    wholeNumber
      .pipe(Schema.between(1, max, { message: (issue) => `must be between 1 and ${max} (got ${issue.actual})` }))
      .annotations({
        title: "limit",
        description: `${description} (1 to ${max}, default ${fallback}).`,
        default: fallback
      })
  )

const Offset = Schema.optional(
  wholeNumber
    .pipe(Schema.nonNegative({ message: (issue) => `must not be negative (got ${issue.actual})` }))
    .annotations({
      title: "offset",
      description: "How many entries to skip, for paging (default 0).",
      default: 0
    })
)

const ListSourcesInput = Schema.Struct({
  name: Schema.optional(
    Model.boundedString("name", 255, "Only source servers whose name matches this (the service's name filter).")
  ),
  limit: Limit(1000, 500, "Maximum number of source servers to return"),
  offset: Offset
}).annotations({ title: "list_sources_with_results input" })

const ListSourcesOutput = Schema.Struct({
  ...ActedAs,
  total: whole("total", "Source servers with consistency results, as counted by the service."),
  offset: whole("offset", "The offset this page starts at."),
  returned: whole("returned", "Source servers in this page."),
  nextOffset: optionalWhole("nextOffset", "Offset of the next page, when there is one."),
  task_info: Schema.Array(Model.TaskRef).annotations({
    description: "Ready-made entries for export_consistency_results, one per source server with a migration task."
  }),
  withoutTask: whole("withoutTask", "Source servers in this page skipped because they have no usable current task.")
}).annotations({ title: "list_sources_with_results output" })

export const listSourcesWithResults = make({
  name: "list_sources_with_results",
  operation: "list",
  title: "List sources with consistency results",
  description:
    "List the source servers whose migration has consistency-verification results, as ready-made task_info " +
    "entries {task_id, source_id, source_name}, to see them or to export some: pass the entries wanted to " +
    "export_consistency_results. To export all of them, call export_consistency_results with all: true instead " +
    "(no copying). Paged (default 500 per call).",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: ListSourcesInput,
  output: ListSourcesOutput,
  handler: Effect.fn("list_sources_with_results")(function* (input) {
    const client = yield* SmsClient.SmsClient
    const limit = input.limit ?? 500
    const offset = input.offset ?? 0
    const sources: Array<Model.SourceServer> = []
    let total = 0
    let at = offset
    while (sources.length < limit) {
      const page = yield* client.listSources({
        withResults: true,
        name: input.name,
        limit: Math.min(200, limit - sources.length),
        offset: at
      })
      total = page.count
      sources.push(...page.source_servers)
      at += page.source_servers.length
      if (page.source_servers.length === 0 || at >= page.count) break
    }
    const taskInfo = exportable(sources)
    const withoutTask = sources.length - taskInfo.length
    const lines = [
      `${Format.count(total, "source server")} with consistency results; this page holds ${sources.length} from offset ${offset}` +
        `${at < total ? ` (next page: offset ${at})` : ""}.`,
      `structuredContent.task_info has ${Format.count(taskInfo.length, "ready-made entry", "ready-made entries")} for export_consistency_results.`,
      ...taskInfo.slice(0, maxListed).map((t) => `- ${t.source_name} (task ${t.task_id})`),
      ...(taskInfo.length > maxListed ? [`- … and ${taskInfo.length - maxListed} more`] : []),
      ...(withoutTask > 0 ? [`${Format.count(withoutTask, "source server")} skipped: no current migration task.`] : [])
    ]
    return {
      text: lines.join("\n"),
      output: {
        ...actedAs(client.info),
        total,
        offset,
        returned: sources.length,
        nextOffset: at < total ? at : undefined,
        task_info: taskInfo,
        withoutTask
      }
    }
  })
})

// --- list_migration_tasks ----------------------------------------------------------------------------

const ListTasksInput = Schema.Struct({
  state: Schema.optional(
    Model.boundedString(
      "state",
      64,
      `Only tasks in this state (any case: sent upper-cased): ${Model.taskStates.join(", ")}, the states the ` +
        "service documents; its list is open, so another is sent too."
    ).pipe(
      // Blank, it would filter nothing: every task listed, as if no state had been given.
      Schema.filter((state) => state.trim() !== "", {
        message: () => "must not be blank (a task state, e.g. SYNC_SUCCESS)",
        jsonSchema: { pattern: "\\S" }
      })
    )
  ),
  name: Schema.optional(
    Model.boundedString("name", 255, "Only tasks whose name matches this (the service's name filter).")
  ),
  limit: Limit(200, 50, "Maximum number of tasks to return"),
  offset: Offset
}).annotations({ title: "list_migration_tasks input" })

const TaskOut = Schema.Struct({
  id: text("Task ID (the task_id for export_consistency_results)."),
  name: optionalText("Task name."),
  state: optionalText("Task state, e.g. MIGRATE_SUCCESS."),
  type: optionalText("Task type, e.g. MIGRATE_FILE or MIGRATE_BLOCK."),
  source_id: optionalText("Source server ID (the source_id for export_consistency_results)."),
  source_name: optionalText("Source server name (the source_name for export_consistency_results)."),
  source_ip: optionalText("Source server IP address."),
  target_name: optionalText("Target server name.")
}).annotations({ description: "One migration task." })

const ListTasksOutput = Schema.Struct({
  ...ActedAs,
  total: whole("total", "Tasks matching the filters, as counted by the service."),
  offset: whole("offset", "The offset this page starts at."),
  returned: whole("returned", "Tasks in this page."),
  nextOffset: optionalWhole("nextOffset", "Offset of the next page, when there is one."),
  tasks: Schema.Array(TaskOut).annotations({ description: "The tasks in this page." })
}).annotations({ title: "list_migration_tasks output" })

export const listMigrationTasks = make({
  name: "list_migration_tasks",
  operation: "list",
  title: "List migration tasks",
  description:
    "List SMS server-migration tasks with their state and source/target servers, optionally filtered by state " +
    "or name, paged (default 50). Use it to find a task_id; to export results, list_sources_with_results is the " +
    "quicker route because it returns ready-made task_info entries.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: ListTasksInput,
  output: ListTasksOutput,
  handler: Effect.fn("list_migration_tasks")(function* (input) {
    const client = yield* SmsClient.SmsClient
    const limit = input.limit ?? 50
    const offset = input.offset ?? 0
    // The service's states are upper case (API.md §4) and it matches them exactly: sent upper-cased.
    const state = Model.taskStateFilter(input.state)
    const page = yield* client.listTasks({ state, name: input.name, limit, offset })
    const tasks = page.tasks.slice(0, limit).map((t): typeof TaskOut.Type => ({
      id: t.id,
      name: undefinedIfNull(t.name),
      state: undefinedIfNull(t.state),
      type: undefinedIfNull(t.type),
      source_id: undefinedIfNull(t.source_server?.id),
      source_name: undefinedIfNull(t.source_server?.name),
      source_ip: undefinedIfNull(t.source_server?.ip),
      target_name: undefinedIfNull(t.target_server?.name)
    }))
    const next = offset + tasks.length
    const lines = [
      `${Format.count(page.count, "task")} matching; this page holds ${tasks.length} from offset ${offset}` +
        `${next < page.count && tasks.length > 0 ? ` (next page: offset ${next})` : ""}.`,
      ...tasks.slice(0, maxListed).map((t) => `- ${t.name ?? t.id}: ${t.state ?? "state unknown"} (task ${t.id})`),
      ...(tasks.length > maxListed ? [`- … and ${tasks.length - maxListed} more (see structuredContent.tasks)`] : [])
    ]
    return {
      text: lines.join("\n"),
      output: {
        ...actedAs(client.info),
        total: page.count,
        offset,
        returned: tasks.length,
        nextOffset: next < page.count && tasks.length > 0 ? next : undefined,
        tasks
      }
    }
  })
})

// --- show_consistency_result ---------------------------------------------------------------------------

const ShowInput = Schema.Struct({ task_id: Model.TaskId }).annotations({ title: "show_consistency_result input" })

const DirectoryOut = Schema.Struct({
  directory: optionalText("The directory compared."),
  totalFiles: optionalWhole("totalFiles", "Files compared."),
  differentFiles: optionalWhole("differentFiles", "Files whose content differs between source and target."),
  missingOnTarget: optionalWhole("missingOnTarget", "Files on the source that are missing on the target."),
  extraOnTarget: optionalWhole("extraOnTarget", "Files on the target that are not on the source.")
}).annotations({ description: "One directory's comparison." })

const CheckOut = Schema.Struct({
  finishedTime: optionalText("When the check finished (ISO 8601 when the service sent a timestamp)."),
  checkResult: optionalText("The overall result the service reported."),
  directories: Schema.Array(DirectoryOut).annotations({ description: "Per-directory comparison (at most 200)." })
}).annotations({ description: "One consistency check." })

const ShowOutput = Schema.Struct({
  ...ActedAs,
  task_id: text("The task asked about."),
  checks: Schema.Array(CheckOut).annotations({ description: "The task's consistency checks, newest as sent." }),
  notes: Schema.Array(Schema.String).annotations({
    description: "Plain-text entries of the result, when the service sent them as strings."
  })
}).annotations({ title: "show_consistency_result output" })

const count_ = (n: number | null | undefined) =>
  typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined

const timeOf = (value: string | number | null | undefined): string | undefined => {
  if (typeof value === "string") return value
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined
  // Seconds or milliseconds since the epoch, as the service's versions differ.
  return new Date(value < 1e11 ? value * 1000 : value).toISOString()
}

export const showConsistencyResult = make({
  name: "show_consistency_result",
  operation: "show",
  title: "Show one consistency result",
  description:
    "Show the consistency-verification result of one migration task in readable form: per directory, how many " +
    "files were compared, differ, are missing on the target or extra on it. For many tasks, or to keep the " +
    "full report, use export_consistency_results instead.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: ShowInput,
  output: ShowOutput,
  handler: Effect.fn("show_consistency_result")(function* (input) {
    const client = yield* SmsClient.SmsClient
    const result = yield* client.showConsistencyResult(input.task_id)
    const notes: Array<string> = []
    const checks: Array<typeof CheckOut.Type> = []
    for (const entry of result.result_list) {
      if (typeof entry === "string") {
        notes.push(entry.slice(0, 2000))
        continue
      }
      checks.push({
        finishedTime: timeOf(entry.finished_time),
        checkResult: undefinedIfNull(entry.check_result),
        directories: (entry.consistency_result ?? []).slice(0, 200).map((d) => ({
          directory: undefinedIfNull(d.dir_check),
          totalFiles: count_(d.num_total_files),
          differentFiles: count_(d.num_different_files),
          missingOnTarget: count_(d.num_target_miss_files),
          extraOnTarget: count_(d.num_target_more_files)
        }))
      })
    }
    const lines = [`Consistency result of task ${input.task_id}:`]
    if (checks.length === 0 && notes.length === 0) lines.push("No consistency check has been recorded.")
    for (const check of checks.slice(0, 5)) {
      lines.push(`Check ${check.checkResult ?? "(no overall result)"}, finished ${check.finishedTime ?? "(unknown)"}`)
      for (const d of check.directories.slice(0, 20))
        lines.push(
          `- ${d.directory ?? "(directory)"}: ${d.totalFiles ?? "?"} files, ${d.differentFiles ?? "?"} differ, ` +
            `${d.missingOnTarget ?? "?"} missing on target, ${d.extraOnTarget ?? "?"} extra on target`
        )
      if (check.directories.length > 20) lines.push(`- … and ${check.directories.length - 20} more directories`)
    }
    if (checks.length > 5) lines.push(`… and ${checks.length - 5} more checks (see structuredContent.checks)`)
    for (const note of notes.slice(0, 5)) lines.push(`- ${note.slice(0, 200)}`)
    return {
      text: lines.join("\n"),
      output: { ...actedAs(client.info), task_id: input.task_id, checks, notes }
    }
  })
})

export const all: ReadonlyArray<Tool> = [
  listSourcesWithResults,
  exportConsistencyResults,
  listMigrationTasks,
  showConsistencyResult
]

export const byName: ReadonlyMap<string, Tool> = new Map(all.map((tool) => [tool.definition.name, tool]))
