/**
 * Region → SMS endpoint (API.md §2), with the SDKs' overrides: env
 * `HUAWEICLOUD_SDK_REGION_SMS_<REGION_ID_UPPER_UNDERSCORED>` and `~/.huaweicloud/regions.yaml`
 * (`SMS: [{id, endpoint}]`). An explicit endpoint URL (`SMS_ENDPOINT`) always wins.
 */
import { Config, Effect, Option } from "effect"
import { readFile } from "node:fs/promises"
import { homedir } from "node:os"
import { join } from "node:path"
import { InvalidRequest } from "./SmsError.js"

export const endpoints: Readonly<Record<string, string>> = {
  "cn-north-4": "https://sms.cn-north-4.myhuaweicloud.com",
  "ap-southeast-3": "https://sms.ap-southeast-3.myhuaweicloud.com",
  "my-kualalumpur-1": "https://sms.my-kualalumpur-1.myhuaweicloud.com",
  "ru-moscow-1": "https://sms-api.ru-moscow-1.myhuaweicloud.com",
  // Legacy: dropped from the SDKs in 2026-01, availability unverified.
  "ap-southeast-1": "https://sms.ap-southeast-1.myhuaweicloud.com"
}

export const regionIds = Object.keys(endpoints)

export const defaultIamEndpoint = "https://iam.myhuaweicloud.com"

export interface Resolved {
  readonly endpoint: string
  readonly region?: string | undefined
  readonly iamEndpoint: string
}

/**
 * `raw` with what may be user info masked: everything between the scheme and the last `@` (`http://user:pw@`, and
 * the forms a URL parser also reads as user info, `http:user:pw@`, `http:\\user:pw@`, a password holding `/` or
 * `#`). It is not printed, even from a text that is not a URL; masking too much is the safe side.
 */
const withoutUserInfo = (raw: string): string =>
  raw.replace(/^([a-z][a-z0-9+.-]*:)?[\s\S]*@/i, (_, scheme: string | undefined) => `${scheme ?? ""}***@`)

/** Validates an explicit endpoint: http(s) only, no credentials in it, path dropped to its origin. */
export const parseEndpoint = (raw: string, field = "endpoint"): Effect.Effect<string, InvalidRequest> => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return Effect.fail(
      new InvalidRequest({ field, reason: `not a URL: ${JSON.stringify(withoutUserInfo(raw).slice(0, 80))}` })
    )
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return Effect.fail(new InvalidRequest({ field, reason: `must be an http or https URL (got ${url.protocol})` }))
  if (url.username || url.password)
    return Effect.fail(new InvalidRequest({ field, reason: "must not contain user info" }))
  return Effect.succeed(url.origin)
}

/** Minimal reader of the SDKs' regions.yaml: the `SMS:` list of `- id: … / endpoint: …` items. */
export const parseRegionsYaml = (text: string, service = "SMS"): ReadonlyMap<string, string> => {
  const out = new Map<string, string>()
  let inService = false
  let id: string | undefined
  let endpoint: string | undefined
  const flush = () => {
    if (id && endpoint) out.set(id, endpoint)
    id = undefined
    endpoint = undefined
  }
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, "")
    if (line.trim() === "") continue
    if (/^\S/.test(line)) {
      flush()
      inService = line.trim().replace(/:$/, "").toUpperCase() === service
      continue
    }
    if (!inService) continue
    const item = /^\s*(-\s+)?(id|endpoint)\s*:\s*["']?([^"']*)["']?\s*$/.exec(line)
    if (!item) continue
    if (item[1]) flush()
    if (item[2] === "id") id = item[3]
    else endpoint = item[3]
  }
  flush()
  return out
}

/**
 * Why no region is set, naming where to give one: `option` is the caller's own way (the library's `region` option,
 * a CLI's `--region` flag: a CLI reports this error in its own words with it); without one (a server configured by
 * its environment), the variables alone.
 */
export const regionNotSet = (option?: string): string =>
  `not set: ${option === undefined ? "set" : `pass ${option} or set`} SMS_REGION (one of ${regionIds.join(", ")}), ` +
  "or set SMS_ENDPOINT"

const envKey = (region: string) => `HUAWEICLOUD_SDK_REGION_SMS_${region.toUpperCase().replace(/-/g, "_")}`

const regionsFile = () => join(process.env.HOME || homedir(), ".huaweicloud", "regions.yaml")

export interface ResolveInput {
  readonly region?: string | undefined
  readonly endpoint?: string | undefined
}

/**
 * Explicit endpoint > env `SMS_ENDPOINT` > region (explicit, else `SMS_REGION`, else `HUAWEICLOUD_SDK_REGION`)
 * looked up in env overrides, regions.yaml, then the built-in table.
 */
export const resolve = Effect.fn("Region.resolve")(function* (input: ResolveInput = {}) {
  const env = yield* Config.all({
    endpoint: Config.option(Config.nonEmptyString("SMS_ENDPOINT")),
    region: Config.option(Config.nonEmptyString("SMS_REGION")),
    sdkRegion: Config.option(Config.nonEmptyString("HUAWEICLOUD_SDK_REGION")),
    iam: Config.option(Config.nonEmptyString("HUAWEICLOUD_SDK_IAM_ENDPOINT"))
  }).pipe(
    Effect.orElseSucceed(() => ({
      endpoint: Option.none(),
      region: Option.none(),
      sdkRegion: Option.none(),
      iam: Option.none()
    }))
  )
  const iamEndpoint = yield* Option.match(env.iam, {
    onNone: () => Effect.succeed(defaultIamEndpoint),
    onSome: (raw) => parseEndpoint(raw, "HUAWEICLOUD_SDK_IAM_ENDPOINT")
  })
  const region = input.region ?? Option.getOrUndefined(Option.orElse(env.region, () => env.sdkRegion))
  const explicit = input.endpoint ?? Option.getOrUndefined(env.endpoint)
  if (explicit !== undefined) {
    const endpoint = yield* parseEndpoint(explicit, input.endpoint !== undefined ? "endpoint" : "SMS_ENDPOINT")
    return { endpoint, region, iamEndpoint } satisfies Resolved
  }
  if (region === undefined)
    return yield* new InvalidRequest({ field: "region", reason: regionNotSet("the region option") })
  const fromEnv = yield* Config.option(Config.nonEmptyString(envKey(region))).pipe(
    Effect.orElseSucceed(() => Option.none<string>())
  )
  const fromFile = yield* Effect.tryPromise(() => readFile(regionsFile(), "utf8")).pipe(
    Effect.map((text) => Option.fromNullable(parseRegionsYaml(text).get(region))),
    Effect.orElseSucceed(() => Option.none<string>())
  )
  const candidate = Option.getOrUndefined(Option.orElse(fromEnv, () => fromFile)) ?? endpoints[region]
  if (candidate === undefined) {
    return yield* new InvalidRequest({
      field: "region",
      reason: `unknown region ${JSON.stringify(region)}: use one of ${regionIds.join(", ")}, or set SMS_ENDPOINT`
    })
  }
  const endpoint = yield* parseEndpoint(candidate, "region endpoint")
  return { endpoint, region, iamEndpoint } satisfies Resolved
})
