/**
 * Credentials: an IAM token, or an AK/SK pair (optionally temporary, with a security token) scoped by a
 * domain id (the default, `X-Domain-Id`) or a project id (`X-Project-Id`). Every secret is `Redacted`.
 * Sources, first match wins: env `SMS_AUTH_TOKEN`; env `HUAWEICLOUD_SDK_AK`/`_SK` (or the page samples'
 * `CLOUD_SDK_AK`/`CLOUD_SDK_SK`); the SDK credentials file `~/.huaweicloud/credentials`.
 */
import { Config, Data, Effect, Either, Option, Redacted } from "effect"
import { readFile } from "node:fs/promises"
import { homedir } from "node:os"
import { join } from "node:path"
import { MissingCredentials } from "./SmsError.js"

export class Token extends Data.TaggedClass("Token")<{
  readonly token: Redacted.Redacted<string>
}> {}

export class AkSk extends Data.TaggedClass("AkSk")<{
  readonly ak: string
  readonly sk: Redacted.Redacted<string>
  readonly securityToken?: Redacted.Redacted<string> | undefined
  readonly domainId?: string | undefined
  readonly projectId?: string | undefined
}> {}

export type Credentials = Token | AkSk

/** `AKTE…0000`: enough to tell identities apart, never the whole key. */
export const maskAk = (ak: string): string => (ak.length <= 8 ? "****" : `${ak.slice(0, 4)}…${ak.slice(-4)}`)

/**
 * Where the look-up of a domain id stands, for credentials that give neither a domain nor a project id: not made
 * yet, made (the id), or failed (the last attempt).
 */
export type DomainLookUp = "pending" | "failed" | { readonly domainId: string }

/**
 * A one-line, secret-free description of the identity, e.g. for an MCP result or `--verbose`: `AK EMUL…0000 (domain
 * d0a1…)`; for a domain id not given, `(domain to be looked up)`, then `(domain d0a1…, looked up)` or `(domain not
 * known: its look-up failed)` as `lookUp` says.
 */
export const describe = (credentials: Credentials, lookUp: DomainLookUp = "pending"): string => {
  if (credentials._tag === "Token") return "IAM token"
  const scope = credentials.projectId
    ? `project ${credentials.projectId}`
    : credentials.domainId
      ? `domain ${credentials.domainId}`
      : lookUp === "pending"
        ? "domain to be looked up"
        : lookUp === "failed"
          ? "domain not known: its look-up failed"
          : `domain ${lookUp.domainId}, looked up`
  return `AK ${maskAk(credentials.ak)} (${scope}${credentials.securityToken ? ", temporary" : ""})`
}

const optionalString = (name: string) => Config.option(Config.nonEmptyString(name))
const optionalSecret = (name: string) => Config.option(Config.redacted(Config.nonEmptyString(name)))

/** The first of `names` that is set, with its name (for messages). */
const firstOf = <A>(names: ReadonlyArray<string>, read: (name: string) => Config.Config<Option.Option<A>>) =>
  Config.map(Config.all(names.map(read)), (values) => {
    const i = values.findIndex(Option.isSome)
    const value = values[i]
    return value !== undefined && Option.isSome(value)
      ? Option.some({ name: names[i] as string, value: value.value })
      : Option.none()
  })

const envConfig = Config.all({
  token: optionalSecret("SMS_AUTH_TOKEN"),
  ak: firstOf(["HUAWEICLOUD_SDK_AK", "CLOUD_SDK_AK"], optionalString),
  sk: firstOf(["HUAWEICLOUD_SDK_SK", "CLOUD_SDK_SK"], optionalSecret),
  securityToken: optionalSecret("HUAWEICLOUD_SDK_SECURITY_TOKEN"),
  domainId: optionalString("HUAWEICLOUD_SDK_DOMAIN_ID"),
  projectId: optionalString("HUAWEICLOUD_SDK_PROJECT_ID"),
  file: optionalString("HUAWEICLOUD_SDK_CREDENTIALS_FILE")
})

/** The sections of an INI text, by lowercase name (`""` for keys before any section), keys lowercase. */
const iniSections = (text: string): Map<string, Map<string, string>> => {
  const sections = new Map<string, Map<string, string>>()
  let current = new Map<string, string>()
  sections.set("", current)
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header) {
      current = new Map()
      sections.set((header[1] ?? "").trim().toLowerCase(), current)
      continue
    }
    const eq = line.indexOf("=")
    if (eq > 0) current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim())
  }
  return sections
}

/** The sections read, in order of precedence. */
const iniSectionNames = ["basic", "global", "default", ""]

const fromSections = (sections: Map<string, Map<string, string>>): Option.Option<AkSk> => {
  for (const name of iniSectionNames) {
    const section = sections.get(name)
    const ak = section?.get("ak")
    const sk = section?.get("sk")
    if (section && ak && sk) {
      const token = section.get("security_token")
      return Option.some(
        new AkSk({
          ak,
          sk: Redacted.make(sk),
          securityToken: token ? Redacted.make(token) : undefined,
          domainId: section.get("domain_id") || undefined,
          projectId: section.get("project_id") || undefined
        })
      )
    }
  }
  return Option.none()
}

/** The SDK's INI credentials file: `[basic]`/`[global]` sections with `ak, sk, project_id, domain_id, security_token`. */
export const parseIni = (text: string): Option.Option<AkSk> => fromSections(iniSections(text))

/** Why a file without a pair has none: a section with half of one is named (a value is never shown). */
const iniGap = (sections: Map<string, Map<string, string>>): string => {
  for (const name of iniSectionNames) {
    const section = sections.get(name)
    const ak = section?.get("ak")
    const sk = section?.get("sk")
    const where = name === "" ? "before any section" : `in [${name}]`
    if (ak && !sk) return `ak but no sk ${where}`
    if (sk && !ak) return `sk but no ak ${where}`
  }
  return `no ak/sk in a [${iniSectionNames.slice(0, 3).join("], [")}] section`
}

const defaultFile = () => join(process.env.HOME || homedir(), ".huaweicloud", "credentials")

/** The file's pair, or what it lacks (or why it could not be read), for the message. */
const readIniFile = (path: string): Effect.Effect<Either.Either<AkSk, string>> =>
  Effect.tryPromise(() => readFile(path, "utf8")).pipe(
    Effect.map((text) => {
      const sections = iniSections(text)
      return Option.match(fromSections(sections), {
        onSome: Either.right,
        onNone: () => Either.left(`${path} has ${iniGap(sections)}`)
      })
    }),
    Effect.catchAll(({ error }) => {
      const code = error instanceof Error && "code" in error ? String(error.code) : "unreadable"
      return Effect.succeed(
        Either.left(code === "ENOENT" ? `there is no ${path}` : `${path} could not be read (${code})`)
      )
    })
  )

/** What was looked at, and what the credentials file lacks (`fileGap`); the remedy is `SmsError.hint`'s. */
export const missingMessage = (fileGap: string) =>
  `No credentials found: none in SMS_AUTH_TOKEN, HUAWEICLOUD_SDK_AK/SK or CLOUD_SDK_AK/SK, and ${fileGap}`

/** What cannot go in an HTTP header value as it is: control characters, and anything past ASCII. */
const unsendable = /[^\x20-\x7e]/

/**
 * What a signing key (the SK) should not hold: control characters (C0, DEL, C1), a copy's leftovers (a signature made with them
 * fails, as 401 on every call). Anything past ASCII it may: it is an HMAC key (its UTF-8 bytes), never sent.
 */
const controlCharacter = /[^\x20-\x7e\xa0-\uffff]/

/**
 * The credential whose value could not be sent as a header (Node refuses it, so every call would fail), as
 * `MissingCredentials` naming where it came from and why, never the value. A trailing `\r` is the usual cause:
 * a value copied from a file with Windows line endings. An entry marked `"key"` (the SK) is checked for control
 * characters only.
 */
const checkSendable = (
  values: ReadonlyArray<
    readonly [source: string, value: string | Redacted.Redacted<string> | undefined, kind?: "key" | undefined]
  >
): Effect.Effect<void, MissingCredentials> => {
  for (const [source, raw, kind] of values) {
    const value = raw === undefined || typeof raw === "string" ? raw : Redacted.value(raw)
    const bad = value === undefined ? null : (kind === "key" ? controlCharacter : unsendable).exec(value)
    if (bad) {
      const code = bad[0].charCodeAt(0)
      const what =
        code === 13 || code === 10
          ? "a line break (from a file with Windows line endings?)"
          : code < 0x20 || (code >= 0x7f && code <= 0x9f)
            ? "a control character"
            : "a character past ASCII, which an HTTP header cannot carry"
      return Effect.fail(
        new MissingCredentials({
          reason: `${source} contains ${what}`,
          remedy: `Set ${source} again without it (e.g. strip the \\r a file with Windows line endings leaves).`
        })
      )
    }
  }
  return Effect.void
}

/**
 * Loads credentials from the environment (via `ConfigProvider`) and, failing that, the credentials file.
 * Fails with `MissingCredentials` (nothing is sent) when none is found, only half a pair is, a value could
 * not be sent in a header, or the SK holds a control character.
 */
export const load: Effect.Effect<Credentials, MissingCredentials> = Effect.gen(function* () {
  const env = yield* envConfig.pipe(
    Effect.mapError(() => new MissingCredentials({ reason: "Unreadable credential configuration" }))
  )
  if (Option.isSome(env.token)) {
    yield* checkSendable([["SMS_AUTH_TOKEN", env.token.value]])
    return new Token({ token: env.token.value })
  }
  const scope = { domainId: Option.getOrUndefined(env.domainId), projectId: Option.getOrUndefined(env.projectId) }
  const scopeValues = [
    ["HUAWEICLOUD_SDK_SECURITY_TOKEN", Option.getOrUndefined(env.securityToken)],
    ["HUAWEICLOUD_SDK_DOMAIN_ID", scope.domainId],
    ["HUAWEICLOUD_SDK_PROJECT_ID", scope.projectId]
  ] as const
  if (Option.isSome(env.ak) && Option.isSome(env.sk)) {
    yield* checkSendable([
      [env.ak.value.name, env.ak.value.value],
      [env.sk.value.name, env.sk.value.value, "key"],
      ...scopeValues
    ])
    return new AkSk({
      ak: env.ak.value.value,
      sk: env.sk.value.value,
      securityToken: Option.getOrUndefined(env.securityToken),
      ...scope
    })
  }
  if (Option.isSome(env.ak)) {
    const other = env.ak.value.name.replace(/AK$/, "SK")
    return yield* new MissingCredentials({ reason: `${env.ak.value.name} is set but ${other} is not` })
  }
  if (Option.isSome(env.sk)) {
    const other = env.sk.value.name.replace(/SK$/, "AK")
    return yield* new MissingCredentials({ reason: `${env.sk.value.name} is set but ${other} is not` })
  }
  const file = Option.getOrElse(env.file, defaultFile)
  const fromFile = yield* readIniFile(file)
  if (Either.isRight(fromFile)) {
    const c = fromFile.right
    yield* checkSendable([
      [`ak in ${file}`, c.ak],
      [`sk in ${file}`, c.sk, "key"],
      [`security_token in ${file}`, c.securityToken],
      [`domain_id in ${file}`, c.domainId],
      [`project_id in ${file}`, c.projectId],
      ...scopeValues
    ])
    // Env ids override the file's, as in the SDKs.
    return new AkSk({
      ak: c.ak,
      sk: c.sk,
      securityToken: Option.getOrUndefined(env.securityToken) ?? c.securityToken,
      domainId: scope.domainId ?? c.domainId,
      projectId: scope.projectId ?? c.projectId
    })
  }
  return yield* new MissingCredentials({ reason: missingMessage(fromFile.left) })
})
