/** The emulated SMS v3 and IAM endpoints: a request in, a `Reply` out (no I/O here). */
import { Redacted } from "effect"
import * as Crypto from "node:crypto"
import * as Dataset from "../Dataset.js"
import * as Auth from "./auth.js"
import * as ExportResults from "./exportResults.js"
import * as Reply from "./reply.js"

export const exportModes = ["zip", "json", "text", "large"] as const

export type ExportMode = (typeof exportModes)[number]

export interface Incoming {
  readonly method: string
  /** Path and query exactly as received. */
  readonly target: string
  readonly pathname: string
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
  readonly nowMillis: number
  readonly requestId: string
}

export interface Settings {
  readonly dataset: Dataset.Dataset
  readonly account: Auth.Account
  readonly domainName: string
  readonly exportMode: ExportMode
  readonly largeBodyBytes: number
}

/** The IAM password of the emulated users (user names: `<domainName>` and `<domainName>-denied`). */
export const iamPassword = "emulator"

/** Error codes the emulator answers with (documented in the README). */
export const ErrorCodes = {
  /** Gateway: authentication failed (401). */
  auth: "APIGW.0301",
  /** Gateway: no such API (404). */
  noSuchApi: "APIGW.0101",
  /** Gateway: throttled (429). */
  throttled: "APIGW.0308",
  /** Gateway: request body over the gateway's limit (413; the code is the emulator's own). */
  bodyTooLarge: "APIGW.0413",
  /** SMS: request body is not JSON (400). */
  malformed: "SMS.9001",
  /** SMS: a parameter is invalid (400). */
  invalidParameter: "SMS.9002",
  /** SMS: a task or source does not exist (404). */
  notFound: "SMS.9003",
  /** SMS: the identity's policy denies the action (403). */
  forbidden: "SMS.9004",
  /** SMS: internal error or service unavailable (500/503). */
  internal: "SMS.0001",
  /** IAM: wrong user name or password (401). */
  iamLogin: "IAM.0101",
  /** IAM: malformed token request (400). */
  iamBadRequest: "IAM.0007"
} as const

export const isApiPath = (pathname: string): boolean => pathname.startsWith("/v3/")

export const gatewayError = (status: number, code: string, message: string, requestId: string): Reply.Reply =>
  Reply.json(status, { error_code: code, error_msg: message, request_id: requestId })

export const serviceError = (status: number, code: string, message: string): Reply.Reply =>
  Reply.json(status, { error_code: code, error_msg: message })

export const authFailure = (reason: string, requestId: string): Reply.Reply =>
  gatewayError(401, ErrorCodes.auth, `Incorrect IAM authentication information: ${reason}`, requestId)

const versions = (incoming: Incoming): Reply.Reply =>
  Reply.json(200, {
    versions: [
      {
        id: "v3",
        links: [{ href: `http://${incoming.headers.host ?? "localhost"}/v3/`, rel: "self" }],
        min_version: "",
        status: "CURRENT",
        updated: "2020-06-30T00:00:00Z",
        version: ""
      }
    ]
  })

// --- list queries --------------------------------------------------------------------------------

type Paging =
  | { readonly _tag: "Ok"; readonly limit: number; readonly offset: number }
  | { readonly _tag: "Bad"; readonly reply: Reply.Reply }

const integerParam = (query: URLSearchParams, name: string, max: number): number | string | undefined => {
  const raw = query.get(name)
  if (raw === null || raw === "") return undefined
  if (!/^\d+$/.test(raw)) return `${name} must be a non-negative integer.`
  const value = Number(raw)
  return value > max ? `${name} must be at most ${max}.` : value
}

const paging = (query: URLSearchParams): Paging => {
  const limit = integerParam(query, "limit", 200)
  if (typeof limit === "string") return { _tag: "Bad", reply: serviceError(400, ErrorCodes.invalidParameter, limit) }
  const offset = integerParam(query, "offset", Number.MAX_SAFE_INTEGER)
  if (typeof offset === "string") return { _tag: "Bad", reply: serviceError(400, ErrorCodes.invalidParameter, offset) }
  // limit 0 or absent means the default page of 200 (API.md §4).
  return { _tag: "Ok", limit: limit === undefined || limit === 0 ? 200 : limit, offset: offset ?? 0 }
}

const listSources = (incoming: Incoming, settings: Settings): Reply.Reply => {
  const page = paging(incoming.query)
  if (page._tag === "Bad") return page.reply
  const exist = incoming.query.get("is_consistency_result_exist")
  if (exist !== null && exist !== "true" && exist !== "false")
    return serviceError(400, ErrorCodes.invalidParameter, "is_consistency_result_exist must be true or false.")
  const name = incoming.query.get("name")
  const state = incoming.query.get("state")
  const matching = settings.dataset.sources.filter(
    (source) =>
      (exist === null || source.is_consistency_result_exist === (exist === "true")) &&
      (name === null || source.name.includes(name)) &&
      (state === null || source.state === state)
  )
  return Reply.json(200, {
    count: matching.length,
    source_servers: matching.slice(page.offset, page.offset + page.limit)
  })
}

const listTasks = (incoming: Incoming, settings: Settings): Reply.Reply => {
  const page = paging(incoming.query)
  if (page._tag === "Bad") return page.reply
  const { query } = incoming
  const state = query.get("state")
  const name = query.get("name")
  const id = query.get("id")
  const sourceId = query.get("source_server_id")
  const matching = settings.dataset.tasks.filter(
    (task) =>
      (state === null || task.state === state) &&
      (name === null || (task.name ?? "").includes(name)) &&
      (id === null || task.id === id) &&
      (sourceId === null || task.source_server?.id === sourceId)
  )
  return Reply.json(200, { count: matching.length, tasks: matching.slice(page.offset, page.offset + page.limit) })
}

const consistencyResult = (taskId: string, settings: Settings): Reply.Reply => {
  const entry = settings.dataset.byTaskId.get(taskId)
  if (entry === undefined) return serviceError(404, ErrorCodes.notFound, `The task ${taskId} does not exist.`)
  return Reply.json(200, {
    task_id: taskId,
    result_list: Dataset.resultsOf(settings.dataset, entry).map((check) => ({
      finished_time: Dataset.isoSeconds(check.finishedAt),
      check_result: check.consistent ? "CONSISTENT" : "INCONSISTENT",
      consistency_result: check.directories.map((dir) => ({
        dir_check: dir.directory,
        num_total_files: dir.filesChecked,
        num_different_files: dir.filesDifferent,
        num_target_miss_files: dir.missingOnTarget,
        num_target_more_files: dir.extraOnTarget
      }))
    }))
  })
}

// --- export --------------------------------------------------------------------------------------

const exportAction = "sms:server:getBatchConsistencyResults"

/** The permission each SMS path needs, as its API page names it. */
const actionOf = (pathname: string): string => {
  const path = pathname.replace(/\/+$/, "")
  if (path === "/v3/sources") return "sms:server:list"
  if (path === "/v3/tasks") return "sms:server:listTask"
  if (consistencyResultPath.test(path)) return "sms:server:getConsistencyCheckResult"
  // The export, and any other path (a fault on the IAM paths, say): the permission this emulator is about.
  return exportAction
}

/** The service's 403: the documented body, naming the permission `action` the identity's policy denies. */
export const forbidden = (action: string, domainId: string, requestId: string): Reply.Reply => {
  const message = `Permission denied: the policy of this identity does not allow ${action}.`
  // Opaque, long and stable per request, like the real encoded authorization message.
  const decoded = JSON.stringify({
    allowed: false,
    explicit_deny: true,
    action,
    domain_id: domainId,
    request_id: requestId,
    context: { resource: "sms:*:*:server:*", conditions: [] }
  })
  const encoded = Buffer.concat([
    Buffer.from(decoded, "utf8"),
    Crypto.createHash("sha512").update(decoded).digest(),
    Crypto.createHash("sha512").update(`${decoded}#2`).digest()
  ]).toString("base64")
  return Reply.json(403, {
    error_code: ErrorCodes.forbidden,
    error_msg: message,
    encoded_authorization_message: encoded,
    error_param: [action],
    details: [{ error_code: ErrorCodes.forbidden, error_msg: `Policy doesn't allow ${action} to be performed.` }]
  })
}

const pad2 = (n: number) => String(n).padStart(2, "0")
const compactStamp = (millis: number) => {
  const d = new Date(millis)
  return `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}`
}

const exportResults = (incoming: Incoming, settings: Settings, principal: Auth.Principal): Reply.Reply => {
  if (principal === "denied") return forbidden(exportAction, settings.account.domainId, incoming.requestId)
  const validation = ExportResults.validate(incoming.body)
  if (validation._tag === "Malformed") return serviceError(400, ErrorCodes.malformed, validation.message)
  if (validation._tag === "Invalid") return serviceError(400, ErrorCodes.invalidParameter, validation.message)
  const found = ExportResults.lookup(settings.dataset, validation.tasks)
  if (found._tag === "NotFound") return serviceError(404, ErrorCodes.notFound, found.message)
  switch (settings.exportMode) {
    case "json":
      return Reply.bytes(200, Buffer.from("{ }", "utf8"), { "Content-Type": Reply.jsonContentType })
    case "text":
      return Reply.bytes(200, Buffer.from("OK", "utf8"), { "Content-Type": "text/plain;charset=UTF-8" })
    case "large":
      return {
        status: 200,
        headers: {
          "Content-Type": "application/octet-stream",
          "Content-Disposition": 'attachment; filename="consistency-results-large.bin"'
        },
        body: { _tag: "Large", bytes: settings.largeBodyBytes, seed: settings.dataset.seed }
      }
    case "zip": {
      const chinese = (incoming.headers["x-language"] ?? "").toLowerCase() === "zh-cn"
      return Reply.bytes(200, ExportResults.zipOf(settings.dataset, found.entries, chinese), {
        "Content-Type": "application/octet-stream",
        "Content-Disposition": `attachment; filename="consistency-results-${compactStamp(incoming.nowMillis)}.zip"`
      })
    }
  }
}

// --- IAM -----------------------------------------------------------------------------------------

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const field = (value: unknown, ...path: ReadonlyArray<string>): unknown => {
  let current = value
  for (const key of path) current = isRecord(current) ? current[key] : undefined
  return current
}

const issueToken = (incoming: Incoming, settings: Settings): Reply.Reply => {
  let body: unknown
  try {
    body = JSON.parse(Buffer.from(incoming.body).toString("utf8"))
  } catch {
    return serviceError(400, ErrorCodes.iamBadRequest, "The request body is not valid JSON.")
  }
  const methods = field(body, "auth", "identity", "methods")
  const user = field(body, "auth", "identity", "password", "user")
  if (!Array.isArray(methods) || !methods.includes("password") || !isRecord(user))
    return serviceError(400, ErrorCodes.iamBadRequest, "auth.identity must use the password method with a user.")
  const name = user.name
  const password = user.password
  const domainName = field(user, "domain", "name")
  const domainId = field(user, "domain", "id")
  const domainOk = domainName === settings.domainName || domainId === settings.account.domainId
  const principal: Auth.Principal | undefined =
    name === settings.domainName ? "allowed" : name === `${settings.domainName}-denied` ? "denied" : undefined
  // The user's own token: temporary credentials have none.
  const identity = settings.account.identities.find((id) => id.principal === principal && id.token !== undefined)
  if (!domainOk || password !== iamPassword || identity?.token === undefined)
    return serviceError(401, ErrorCodes.iamLogin, "The username or password is wrong.")
  const scopeProject = field(body, "auth", "scope", "project")
  const now = new Date(incoming.nowMillis)
  const domain = { id: settings.account.domainId, name: settings.domainName }
  return Reply.json(
    201,
    {
      token: {
        methods: ["password"],
        issued_at: now.toISOString(),
        expires_at: new Date(incoming.nowMillis + 86_400_000).toISOString(),
        user: { id: Crypto.createHash("md5").update(String(name)).digest("hex"), name, domain },
        ...(isRecord(scopeProject)
          ? { project: { id: settings.account.projectId, name: field(scopeProject, "name") ?? "emulator", domain } }
          : { domain }),
        catalog: []
      }
    },
    { "X-Subject-Token": Redacted.value(identity.token) }
  )
}

const domains = (settings: Settings): Reply.Reply =>
  Reply.json(200, {
    domains: [{ id: settings.account.domainId, name: settings.domainName, enabled: true, description: "" }],
    links: { self: "/v3/auth/domains" }
  })

// --- scripted status faults ----------------------------------------------------------------------

/**
 * The body of a scripted `Status` fault given none: what the gateway or the service answers for that status on
 * this path, from the same builders as the real cases (401 the gateway's, 403/404/400 the service's documented
 * bodies, 429 the gateway's throttling), else the service's internal error.
 */
export const statusFault = (status: number, incoming: Incoming, settings: Settings): Reply.Reply => {
  switch (status) {
    case 400:
      return serviceError(400, ErrorCodes.invalidParameter, "A request parameter is invalid (emulated 400).")
    case 401:
      // The gateway's wording for each kind of credential.
      return authFailure(
        incoming.headers["x-auth-token"] !== undefined ? Auth.tokenFail : Auth.signatureFail,
        incoming.requestId
      )
    case 403:
      return forbidden(actionOf(incoming.pathname), settings.account.domainId, incoming.requestId)
    case 404:
      return serviceError(404, ErrorCodes.notFound, "The resource does not exist (emulated 404).")
    case 429:
      return gatewayError(
        429,
        ErrorCodes.throttled,
        "The throttling threshold has been reached: policy user over ratelimit",
        incoming.requestId
      )
    default:
      return serviceError(
        status,
        ErrorCodes.internal,
        status === 503 ? "The service is temporarily unavailable." : `Internal error (emulated ${status}).`
      )
  }
}

// --- dispatch ------------------------------------------------------------------------------------

const safeDecode = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

const consistencyResultPath = /^\/v3\/tasks\/([^/]+)\/consistency-result$/

export const route = (incoming: Incoming, settings: Settings): Reply.Reply => {
  const path = incoming.pathname.length > 1 ? incoming.pathname.replace(/\/+$/, "") : incoming.pathname
  const { method } = incoming
  if (method === "GET" && path === "/") return versions(incoming)
  if (method === "POST" && path === "/v3/auth/tokens") return issueToken(incoming, settings)

  const authenticated = (checkScope: boolean, f: (principal: Auth.Principal) => Reply.Reply): Reply.Reply => {
    const result = Auth.authenticate(
      {
        method,
        target: incoming.target,
        headers: incoming.headers,
        body: incoming.body,
        nowMillis: incoming.nowMillis,
        checkScope
      },
      settings.account
    )
    return result._tag === "Ok" ? f(result.principal) : authFailure(result.reason, incoming.requestId)
  }

  if (method === "GET" && path === "/v3/auth/domains") return authenticated(false, () => domains(settings))
  if (method === "GET" && path === "/v3/sources") return authenticated(true, () => listSources(incoming, settings))
  if (method === "GET" && path === "/v3/tasks") return authenticated(true, () => listTasks(incoming, settings))
  if (method === "POST" && path === "/v3/tasks/consistency-results/export")
    return authenticated(true, (principal) => exportResults(incoming, settings, principal))
  const result = method === "GET" ? consistencyResultPath.exec(path) : null
  if (result?.[1] !== undefined) {
    const taskId = safeDecode(result[1])
    return authenticated(true, () => consistencyResult(taskId, settings))
  }
  return gatewayError(
    404,
    ErrorCodes.noSuchApi,
    "The API does not exist or has not been published in the environment",
    incoming.requestId
  )
}
