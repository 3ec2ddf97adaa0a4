/** What `sms-consistency emulator` does, loaded when it runs. */
import * as Emulator from "@sms-consistency/emulator/Emulator"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { emulatorOptionMessage, Exit } from "../internal/common.js"
import { ExitCode } from "../internal/exitCodes.js"
import { writeError, writeOut } from "../internal/terminal.js"
import { type Args, stopping } from "./emulator.js"

/** Lines a user can paste into a shell: the emulator's fixed, documented test credentials (not secrets). */
export const envLines = (handle: Emulator.EmulatorHandle): ReadonlyArray<string> => {
  const c = handle.credentials
  return [
    `export SMS_ENDPOINT=${handle.url} HUAWEICLOUD_SDK_IAM_ENDPOINT=${handle.url} HUAWEICLOUD_SDK_AK=${c.ak} HUAWEICLOUD_SDK_SK=${Redacted.value(c.sk)} HUAWEICLOUD_SDK_DOMAIN_ID=${c.domainId}`
  ]
}

/**
 * Why the emulator did not start, in the CLI's terms: a port in use named by its flag, with what to do instead;
 * a bad option by its flag (see `emulatorOptionMessage`).
 */
const startError = (error: Emulator.EmulatorError, args: Args): string =>
  error.reason === "PortInUse"
    ? `--port ${args.port}: address already in use on ${args.host} (another process listens on it); choose another port, or 0 for any free one`
    : error.reason === "ListenFailed"
      ? `--host ${args.host}: ${error.message}; give an address of this machine (127.0.0.1, ::1, 0.0.0.0)`
      : emulatorOptionMessage(error.message)

export const run = (args: Args): Effect.Effect<void, Exit> =>
  Effect.scoped(
    Effect.gen(function* () {
      const handle = yield* Emulator.start({
        host: args.host,
        port: args.port,
        sources: args.sources,
        faultRate: args.faultRate,
        latencyMs: args.latency,
        seed: args.seed,
        exportMode: args.exportMode
      })
      const c = handle.credentials
      const withResults = handle.seeded.sources.filter((s) => s.is_consistency_result_exist).length
      yield* writeOut(
        [
          `SMS emulator listening on ${handle.url}`,
          `  ${args.sources} source servers (${withResults} with consistency results), seed ${args.seed}, export mode ${args.exportMode}` +
            (args.faultRate > 0 ? `, fault rate ${args.faultRate}` : "") +
            (args.latency > 0 ? `, latency ${args.latency} ms` : ""),
          "",
          "Point sms-consistency at it (test credentials of the emulator, not secrets):",
          ...envLines(handle),
          "",
          `Token auth instead: export SMS_ENDPOINT=${handle.url} SMS_AUTH_TOKEN=${Redacted.value(c.token)}`,
          `An identity denied the export (403): HUAWEICLOUD_SDK_AK=${c.deniedAk} HUAWEICLOUD_SDK_SK=${Redacted.value(c.deniedSk)}`,
          `Temporary credentials (AK/SK + security token): HUAWEICLOUD_SDK_AK=${c.temporaryAk} HUAWEICLOUD_SDK_SK=${Redacted.value(c.temporarySk)} HUAWEICLOUD_SDK_SECURITY_TOKEN=${Redacted.value(c.securityToken)}`,
          "",
          "Then: sms-consistency export --all    (Ctrl+C stops the emulator)"
        ].join("\n")
      )
      stopping.graceful = true
      return yield* Effect.never
    })
  ).pipe(
    Effect.catchTag("EmulatorError", (e) =>
      Effect.zipRight(writeError(startError(e, args)), Effect.fail(new Exit({ code: ExitCode.usage })))
    )
  )
