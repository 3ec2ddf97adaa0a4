/** What every command that talks to the service shares: connection flags, the client layer, failure reporting. */
import * as Options from "@effect/cli/Options"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import { hint, InvalidRequest, type SmsError } from "@sms-consistency/sms/SmsError"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { errorJson, json } from "./render.js"
import { red, stderrColor, writeErr, writeOut } from "./terminal.js"

/** The command already reported what happened; exit with `code`. */
export class Exit extends Data.TaggedError("Exit")<{ readonly code: number }> {}

export type Failure = SmsError | Exit

export const jsonFlag = Options.boolean("json").pipe(
  Options.withDescription("Print one JSON document on stdout instead of text.")
)

export const connection = Options.all({
  region: Options.text("region").pipe(
    Options.withPseudoName("ID"),
    Options.withDescription(
      "Region id, e.g. ap-southeast-3, cn-north-4, my-kualalumpur-1, ru-moscow-1 (default: env SMS_REGION, then HUAWEICLOUD_SDK_REGION)."
    ),
    Options.optional
  ),
  endpoint: Options.text("endpoint").pipe(
    Options.withPseudoName("URL"),
    Options.withDescription("SMS endpoint URL; wins over --region (default: env SMS_ENDPOINT)."),
    Options.optional
  ),
  timeout: Options.text("timeout").pipe(
    Options.withPseudoName("DURATION"),
    Options.withDescription("Per-attempt timeout: seconds, or with a unit (500ms, 30s, 2m). Default 30s."),
    Options.optional
  ),
  retries: Options.integer("retries").pipe(
    Options.withPseudoName("N"),
    Options.withDescription("Retries of transient failures (429, 5xx, network, timeout) per call. Default 3."),
    Options.optional
  )
})

export interface Connection {
  readonly region: Option.Option<string>
  readonly endpoint: Option.Option<string>
  readonly timeout: Option.Option<string>
  readonly retries: Option.Option<number>
}

export const credentialsHelp =
  "Credentials, as the Huawei Cloud SDKs read them: SMS_AUTH_TOKEN (an IAM token); or HUAWEICLOUD_SDK_AK + " +
  "HUAWEICLOUD_SDK_SK (or CLOUD_SDK_AK + CLOUD_SDK_SK), optionally HUAWEICLOUD_SDK_SECURITY_TOKEN, " +
  "HUAWEICLOUD_SDK_DOMAIN_ID or HUAWEICLOUD_SDK_PROJECT_ID, HUAWEICLOUD_SDK_IAM_ENDPOINT; or ak/sk under [basic] in " +
  "~/.huaweicloud/credentials (HUAWEICLOUD_SDK_CREDENTIALS_FILE). Region and endpoint: --region/--endpoint, env " +
  "SMS_REGION, SMS_ENDPOINT, HUAWEICLOUD_SDK_REGION, HUAWEICLOUD_SDK_REGION_SMS_<REGION>, ~/.huaweicloud/regions.yaml. " +
  "Secrets are never printed."

/** `30` (seconds), `500ms`, `30s`, `2m`. */
export const parseDuration = (raw: string): Option.Option<Duration.Duration> => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/i.exec(raw)
  if (!match) return Option.none()
  const value = Number(match[1])
  const unit = (match[2] ?? "s").toLowerCase()
  const ms = unit === "ms" ? value : unit === "m" ? value * 60_000 : value * 1000
  return ms > 0 && Number.isFinite(ms) ? Option.some(Duration.millis(ms)) : Option.none()
}

export const overrides = (c: Connection): Effect.Effect<SmsClient.ConfigOverrides, InvalidRequest> =>
  Effect.gen(function* () {
    let timeout: Duration.Duration | undefined
    if (Option.isSome(c.timeout)) {
      const parsed = parseDuration(c.timeout.value)
      if (Option.isNone(parsed))
        return yield* new InvalidRequest({
          field: "--timeout",
          reason: `expected seconds or a duration like 500ms, 30s, 2m (got ${JSON.stringify(c.timeout.value)})`
        })
      timeout = parsed.value
    }
    const retries = Option.getOrUndefined(c.retries)
    if (retries !== undefined && (retries < 0 || retries > 10))
      return yield* new InvalidRequest({ field: "--retries", reason: `must be between 0 and 10 (got ${retries})` })
    return {
      region: Option.getOrUndefined(c.region),
      endpoint: Option.getOrUndefined(c.endpoint),
      timeout,
      retries
    }
  })

/** The client from flags and the environment; fails before any request on bad flags or missing credentials. */
export const clientLayer = (c: Connection): Layer.Layer<SmsClient.SmsClient, SmsError> =>
  Layer.unwrapEffect(Effect.map(overrides(c), (o) => SmsClient.layerConfig(o)))

/** `error: …` (and a hint for service failures) on stderr; in JSON mode also `{"error": …}` on stdout. */
export const report = (error: SmsError, asJson: boolean): Effect.Effect<void> =>
  Effect.gen(function* () {
    if (asJson) yield* writeOut(json({ error: errorJson(error) }))
    yield* writeErr(`${red("error:", stderrColor())} ${error.message}`)
    const remedy = error._tag === "InvalidRequest" ? undefined : hint(error)
    if (remedy !== undefined) yield* writeErr(`hint: ${remedy}`)
  })

/** Reports a failure the command did not handle itself and turns it into `Exit`. */
export const reported =
  (asJson: boolean, codeFor: (error: SmsError) => number) =>
  <A, R>(effect: Effect.Effect<A, Failure, R>): Effect.Effect<A, Exit, R> =>
    Effect.catchAll(effect, (error) =>
      error._tag === "Exit"
        ? Effect.fail(error)
        : Effect.zipRight(report(error, asJson), Effect.fail(new Exit({ code: codeFor(error) })))
    )
