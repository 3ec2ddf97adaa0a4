/**
 * Wire schemas of SMS v3 `ExportConsistencyResults` and the calls around it (`../shared/reference/API.md`).
 * The JSON Schemas the MCP tools advertise are derived from these, so every refinement carries a
 * title and a description.
 */
import { Schema } from "effect"

/** The limits the client enforces before sending (API.md §1: the 2026 pages). */
export const Limits = {
  taskIdMax: 36,
  sourceIdMax: 255,
  sourceNameMax: 255,
  tasksPerCall: 200
} as const

/** What a wrong value is, for messages: `null`, `array`, or its `typeof`. */
const kindOf = (actual: unknown): string => (actual === null ? "null" : Array.isArray(actual) ? "array" : typeof actual)

/** A string whose type error says so: `must be a string (got number)`. */
const Text = Schema.String.annotations({ message: (issue) => `must be a string (got ${kindOf(issue.actual)})` })

export const TaskId = Text.pipe(
  Schema.minLength(1, { message: () => "must not be empty" }),
  Schema.maxLength(Limits.taskIdMax, {
    message: (issue) => `must be at most ${Limits.taskIdMax} characters (got ${String(issue.actual).length})`
  })
).annotations({
  title: "task_id",
  description: `Migration task ID (1 to ${Limits.taskIdMax} characters), e.g. the current_task.id of a source server.`
})

/** A string of at most `max` characters whose error says so: `must be at most 255 characters (got 300)`. */
export const boundedString = (title: string, max: number, description: string) =>
  Text.pipe(
    Schema.maxLength(max, {
      message: (issue) => `must be at most ${max} characters (got ${String(issue.actual).length})`
    })
  ).annotations({ title, description })

export const SourceId = boundedString(
  "source_id",
  Limits.sourceIdMax,
  `Source server ID (0 to ${Limits.sourceIdMax} characters).`
)

export const SourceName = boundedString(
  "source_name",
  Limits.sourceNameMax,
  `Source server name (0 to ${Limits.sourceNameMax} characters).`
)

/** One task whose consistency result is exported. All three keys are always sent. */
export const TaskRef = Schema.Struct({
  task_id: TaskId,
  source_id: SourceId,
  source_name: SourceName
}).annotations({
  title: "TaskRef",
  description: "A migration task and the source server it migrates.",
  message: (issue) => `must be an object {task_id, source_id, source_name} (got ${kindOf(issue.actual)})`
})
export type TaskRef = typeof TaskRef.Type

export const Language = Schema.Literal("en-us", "zh-cn").annotations({
  title: "language",
  description: "Language of the exported results (sent as X-Language): en-us or zh-cn."
})
export type Language = typeof Language.Type

/** Any number of tasks; anything but an array says what it must be. */
export const TaskRefs = Schema.Array(TaskRef).annotations({
  message: (issue) => `must be an array of {task_id, source_id, source_name} (got ${kindOf(issue.actual)})`
})

export const TaskInfo = TaskRefs.pipe(
  Schema.minItems(1, { message: () => "must hold at least 1 task" }),
  Schema.maxItems(Limits.tasksPerCall, {
    message: (issue) =>
      `must hold at most ${Limits.tasksPerCall} tasks per call (got ${Array.isArray(issue.actual) ? issue.actual.length : "?"})`
  })
).annotations({
  title: "task_info",
  description: `The tasks to export, 1 to ${Limits.tasksPerCall} per call.`
})

/** The request of one export call. `language` travels as the `X-Language` header, not in the body. */
export const ExportRequest = Schema.Struct({
  task_info: TaskInfo,
  language: Schema.optional(Language)
}).annotations({
  title: "ExportRequest",
  description: "Export the consistency-verification results of up to 200 tasks."
})
export type ExportRequest = typeof ExportRequest.Type

/**
 * The common case, checked directly: a plain object whose own `task_id`, `source_id` and `source_name` are
 * strings within the limits. Returns a fresh `TaskRef` (those three keys only), as decoding does; `undefined`
 * decides nothing, and such input goes through `TaskRef` for its verdict and its message. On 10,000 tasks this
 * takes ~0.4 ms where decoding takes 6–15 ms; a property test holds the two to the same answers.
 */
export const plainTaskRef = (input: unknown): TaskRef | undefined => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined
  if (!Object.hasOwn(input, "task_id") || !Object.hasOwn(input, "source_id") || !Object.hasOwn(input, "source_name"))
    return undefined
  const { task_id, source_id, source_name } = input as Record<string, unknown>
  return typeof task_id === "string" &&
    task_id.length >= 1 &&
    task_id.length <= Limits.taskIdMax &&
    typeof source_id === "string" &&
    source_id.length <= Limits.sourceIdMax &&
    typeof source_name === "string" &&
    source_name.length <= Limits.sourceNameMax
    ? { task_id, source_id, source_name }
    : undefined
}

/** Every element `plainTaskRef`, or `undefined` (decide with the schema). */
export const plainTaskRefs = (input: ReadonlyArray<unknown>): Array<TaskRef> | undefined => {
  const out: Array<TaskRef> = []
  for (const element of input) {
    const task = plainTaskRef(element)
    if (task === undefined) return undefined
    out.push(task)
  }
  return out
}

/**
 * `ExportRequest`'s common case, as `plainTaskRef`: no `language`, one of the two values, or `undefined` (which
 * the schema's `optional` accepts and keeps, as `BatchExport` passes it).
 */
export const plainExportRequest = (input: unknown): ExportRequest | undefined => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined
  const { task_info, language } = input as Record<string, unknown>
  if (!Object.hasOwn(input, "task_info") || !Array.isArray(task_info)) return undefined
  if (task_info.length < 1 || task_info.length > Limits.tasksPerCall) return undefined
  const hasLanguage = Object.hasOwn(input, "language")
  if (hasLanguage && language !== undefined && language !== "en-us" && language !== "zh-cn") return undefined
  const tasks = plainTaskRefs(task_info)
  if (tasks === undefined) return undefined
  return hasLanguage ? { task_info: tasks, language: language as Language | undefined } : { task_info: tasks }
}

/** The JSON body actually sent. */
export const ExportBody = Schema.Struct({ task_info: Schema.Array(TaskRef) })

/**
 * `ExportBody` as JSON text: all three keys of each task, always, in the documented order, each value as
 * `JSON.stringify` writes it. The same text as `JSON.stringify` of `{ task_info: [{ task_id, source_id,
 * source_name }, …] }` (a property test holds it to that), written without building those objects first.
 */
export const exportBodyJson = (tasks: ReadonlyArray<TaskRef>): string => {
  let json = '{"task_info":['
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i] as TaskRef
    json +=
      `${i === 0 ? "" : ","}{"task_id":${JSON.stringify(t.task_id)},"source_id":${JSON.stringify(t.source_id)},` +
      `"source_name":${JSON.stringify(t.source_name)}}`
  }
  return `${json}]}`
}

// --- error bodies -------------------------------------------------------------------------------

/** 400 / 404 body (and the gateway's own, which adds `request_id`). */
export const ErrorBody = Schema.Struct({
  error_code: Schema.optional(Schema.String),
  error_msg: Schema.optional(Schema.String),
  request_id: Schema.optional(Schema.String)
})
export type ErrorBody = typeof ErrorBody.Type

export const ErrorDetail = Schema.Struct({
  error_code: Schema.optional(Schema.String),
  error_msg: Schema.optional(Schema.String)
})
export type ErrorDetail = typeof ErrorDetail.Type

/** 403 body, every documented field. */
export const ForbiddenBody = Schema.Struct({
  error_code: Schema.optional(Schema.String),
  error_msg: Schema.optional(Schema.String),
  encoded_authorization_message: Schema.optional(Schema.String),
  error_param: Schema.optional(Schema.Array(Schema.String)),
  details: Schema.optional(Schema.Array(ErrorDetail)),
  request_id: Schema.optional(Schema.String)
})
export type ForbiddenBody = typeof ForbiddenBody.Type

// --- discovery (lenient: the service adds fields over time) -----------------------------------

const optionalNullable = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

export const TaskSummary = Schema.Struct({
  id: Schema.String,
  name: optionalNullable(Schema.String),
  state: optionalNullable(Schema.String),
  type: optionalNullable(Schema.String)
})

export const SourceServer = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  ip: optionalNullable(Schema.String),
  state: optionalNullable(Schema.String),
  os_type: optionalNullable(Schema.String),
  add_date: optionalNullable(Schema.Number),
  current_task: optionalNullable(TaskSummary),
  is_consistency_result_exist: optionalNullable(Schema.Boolean)
})
export type SourceServer = typeof SourceServer.Type

export const ListSourcesResponse = Schema.Struct({
  count: Schema.Number,
  source_servers: Schema.Array(SourceServer)
})
export type ListSourcesResponse = typeof ListSourcesResponse.Type

export const ServerRef = Schema.Struct({
  id: optionalNullable(Schema.String),
  name: optionalNullable(Schema.String),
  ip: optionalNullable(Schema.String),
  vm_id: optionalNullable(Schema.String),
  os_type: optionalNullable(Schema.String)
})

/**
 * The states of a migration task (`GET /v3/tasks?state=`, a task's `state`), as the service documents them: upper
 * case, and matched as given. SYNC_SUCCESS and SYNC_FAIL are the v1 API's, still seen. The service may add more,
 * so `state` stays a string.
 */
export const taskStates = [
  "READY",
  "RUNNING",
  "SYNCING",
  "MIGRATE_SUCCESS",
  "MIGRATE_FAIL",
  "SYNC_SUCCESS",
  "SYNC_FAIL",
  "ABORTING",
  "ABORT",
  "DELETING",
  "SYNC_F_ROLLBACKING",
  "SYNC_F_ROLLBACK_SUCCESS"
] as const

/**
 * A task state as the service matches it (`GET /v3/tasks?state=`): without blanks around it and upper-cased, since
 * the service matches states exactly and documents them upper case (` migrate_success` would silently match
 * nothing; it is sent as `MIGRATE_SUCCESS`). Undefined for a blank one: no filter. The service's list of states is
 * open, so a state not in `taskStates` is passed on too (upper-cased), not refused.
 */
export const taskStateFilter = (state: string | undefined): string | undefined => {
  // ASCII letters only, as the states are spelled: `toUpperCase` would make `ß` "SS", `ı` "I".
  const upper = state?.trim().replace(/[a-z]+/g, (letters) => letters.toUpperCase())
  return upper === "" ? undefined : upper
}

export const MigrationTask = Schema.Struct({
  id: Schema.String,
  name: optionalNullable(Schema.String),
  type: optionalNullable(Schema.String),
  state: optionalNullable(Schema.String),
  os_type: optionalNullable(Schema.String),
  create_date: optionalNullable(Schema.Number),
  finish_date: optionalNullable(Schema.Number),
  source_server: optionalNullable(ServerRef),
  target_server: optionalNullable(ServerRef)
})
export type MigrationTask = typeof MigrationTask.Type

export const ListTasksResponse = Schema.Struct({
  count: Schema.Number,
  tasks: Schema.Array(MigrationTask)
})
export type ListTasksResponse = typeof ListTasksResponse.Type

export const DirectoryCheck = Schema.Struct({
  dir_check: optionalNullable(Schema.String),
  num_total_files: optionalNullable(Schema.Number),
  num_different_files: optionalNullable(Schema.Number),
  num_target_miss_files: optionalNullable(Schema.Number),
  num_target_more_files: optionalNullable(Schema.Number)
})
export type DirectoryCheck = typeof DirectoryCheck.Type

export const ConsistencyCheck = Schema.Struct({
  finished_time: optionalNullable(Schema.Union(Schema.String, Schema.Number)),
  check_result: optionalNullable(Schema.String),
  consistency_result: optionalNullable(Schema.Array(DirectoryCheck))
})
export type ConsistencyCheck = typeof ConsistencyCheck.Type

/** `GET /v3/tasks/{task_id}/consistency-result`: two shapes exist across versions (API.md §4). */
export const ConsistencyResult = Schema.Struct({
  task_id: optionalNullable(Schema.String),
  result_list: Schema.optionalWith(Schema.Array(Schema.Union(Schema.String, ConsistencyCheck)), {
    default: () => []
  })
})
export type ConsistencyResult = typeof ConsistencyResult.Type

/** A source server with results, as a ready-made `task_info` entry (or undefined when it has no task). */
export const sourceToTaskRef = (source: SourceServer): TaskRef | undefined =>
  source.current_task?.id
    ? { task_id: source.current_task.id, source_id: source.id, source_name: source.name }
    : undefined
