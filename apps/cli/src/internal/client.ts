/** The client from the connection flags, and failure reporting: loaded only when a command runs. */
import * as Region from "@sms-consistency/sms/Region"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import * as Transport from "@sms-consistency/sms/Transport"
import { hint, InvalidRequest, type Operation, type SmsError } from "@sms-consistency/sms/SmsError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { type Connection, Exit, type Failure, hintOptions } from "./common.js"
import { errorJson, json } from "./render.js"
import { writeErr, writeError, writeOut } from "./terminal.js"

export const overrides = (c: Connection): SmsClient.ConfigOverrides => ({
  region: Option.getOrUndefined(c.region),
  endpoint: Option.getOrUndefined(c.endpoint),
  // Within their ranges: the flags' parsers check them (see `common.ts`).
  timeout: Option.getOrUndefined(c.timeout),
  retries: Option.getOrUndefined(c.retries)
})

/** Bytes received between two young-generation collections (see `transport`). */
const collectEvery = 4 * 1024 * 1024

/** V8's `gc`, asked for a young-generation collection; `undefined` where V8 will not expose it. */
const youngCollection = (): (() => void) | undefined => {
  try {
    setFlagsFromString("--expose-gc")
    const gc: unknown = runInNewContext("gc")
    return typeof gc === "function" ? () => gc({ type: "minor" }) : undefined
  } catch {
    return undefined
  }
}

/**
 * node:http (its native parser keeps a short-lived process's peak memory ~50 MB below undici's WebAssembly
 * one), with a young-generation collection every 4 MiB of body received. Each socket read is a fresh buffer,
 * freed only when V8 collects the young generation, which it schedules by JavaScript heap use (a buffer takes
 * almost none of it): a 200 MB download otherwise lets some 25 MB of spent buffers pile up. A minor collection
 * costs well under a millisecond here (BENCHMARKS.md, memory).
 */
const transport: Layer.Layer<Transport.Transport> = Layer.suspend(() => {
  let collect: (() => void) | undefined | null = null
  let since = 0
  return Transport.layerNodeHttp({
    onBodyChunk: (byteLength) => {
      since += byteLength
      if (since < collectEvery) return
      since = 0
      if (collect === null) collect = youngCollection()
      collect?.()
    }
  })
})

/** The first of the environment variables `names` set to a non-empty value, as the library's `Config` reads it. */
const envSet = (...names: ReadonlyArray<string>): string | undefined =>
  names.find((name) => (process.env[name] ?? "") !== "")

/**
 * The library names a bad region or endpoint by its field (`region: unknown region …`, `endpoint: not a URL …`),
 * whichever way it was given; the CLI names where it was given: the flag (`--region`, `--endpoint`), or else the
 * environment variable it was read from (`SMS_REGION`, else `HUAWEICLOUD_SDK_REGION`). A region that is not set
 * at all keeps its field name: its reason says where to set it (see `clientLayer`).
 */
export const sourceOf = (c: Connection, field: string): string => {
  switch (field) {
    case "region":
      return Option.isSome(c.region) ? "--region" : (envSet("SMS_REGION", "HUAWEICLOUD_SDK_REGION") ?? field)
    case "endpoint":
      // The library names an endpoint from SMS_ENDPOINT by its variable already; "endpoint" is the explicit one.
      return Option.isSome(c.endpoint) ? "--endpoint" : field
    default:
      return field
  }
}

/**
 * A warning when `--region` is given and not used: `SMS_ENDPOINT` gives the endpoint (`endpoint`), which wins over
 * any region, and the client uses the region for nothing else (no signing, no look-up). Not for a region from the
 * environment (a default, not a request), nor beside `--endpoint`, whose help says it wins over `--region`.
 */
const regionUnused = (c: Connection, endpoint: string): Effect.Effect<void> =>
  Option.isSome(c.region) && Option.isNone(c.endpoint) && envSet("SMS_ENDPOINT") !== undefined
    ? Effect.logWarning(
        `--region ${c.region.value} is not used: SMS_ENDPOINT gives the endpoint (${endpoint}), which wins over any region; unset SMS_ENDPOINT for the region's`
      )
    : Effect.void

/** The client from flags and the environment; fails before any request on bad flags or missing credentials. */
export const clientLayer = (c: Connection): Layer.Layer<SmsClient.SmsClient, SmsError> =>
  SmsClient.layerConfig(overrides(c), transport).pipe(
    Layer.mapError((error) => {
      if (error._tag !== "InvalidRequest") return error
      const field = sourceOf(c, error.field)
      // Given neither by flag nor variable, a region can only be missing: the library's reason names its own
      // option (`region`), the CLI names its flag.
      if (field === "region") return new InvalidRequest({ field, reason: Region.regionNotSet("--region") })
      return field === error.field ? error : new InvalidRequest({ field, reason: error.reason })
    }),
    Layer.tap((context) => regionUnused(c, Context.get(context, SmsClient.SmsClient).info.endpoint))
  )

/**
 * `error: …` (and a hint for service failures, fit for the `operation` that failed) on stderr; in JSON mode also
 * `{"error": …}` on stdout. `context`, when given, says what was being done, before the error's own message in both
 * (`listing the source servers (--all) failed: Transport error: …`).
 */
export const report = (error: SmsError, asJson: boolean, operation: Operation, context?: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    const message = context === undefined ? error.message : `${context}: ${error.message}`
    if (asJson) yield* writeOut(json({ error: { ...errorJson(error), message } }))
    yield* writeError(message)
    const remedy = error._tag === "InvalidRequest" ? undefined : hint(error, operation, hintOptions)
    if (remedy !== undefined) yield* writeErr(`hint: ${remedy}`)
  })

/** Reports a failure of `operation` the command did not handle itself (in `context`) and turns it into `Exit`. */
export const reported =
  (asJson: boolean, codeFor: (error: SmsError) => number, operation: Operation, context?: string) =>
  <A, R>(effect: Effect.Effect<A, Failure, R>): Effect.Effect<A, Exit, R> =>
    Effect.catchAll(effect, (error) =>
      error._tag === "Exit"
        ? Effect.fail(error)
        : Effect.zipRight(report(error, asJson, operation, context), Effect.fail(new Exit({ code: codeFor(error) })))
    )
