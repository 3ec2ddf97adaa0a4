/** `sms-consistency emulator`: the local SMS + IAM endpoint, serving until SIGINT/SIGTERM. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Emulator from "@sms-consistency/emulator/Emulator"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { Exit } from "../internal/common.js"
import { ExitCode } from "../internal/exitCodes.js"
import { writeErr, writeOut } from "../internal/terminal.js"

/** Set once the emulator serves: a signal is then the normal way to stop, exit 0. */
export const stopping = { graceful: false }

const options = {
  port: Options.integer("port").pipe(
    Options.withPseudoName("N"),
    Options.withDescription("Port to listen on; 0 picks a free one."),
    Options.withDefault(0)
  ),
  host: Options.text("host").pipe(
    Options.withDescription("Address to listen on (default 127.0.0.1)."),
    Options.withDefault("127.0.0.1")
  ),
  sources: Options.integer("sources").pipe(
    Options.withPseudoName("N"),
    Options.withDescription("Seeded source servers, one migration task each (default 25)."),
    Options.withDefault(25)
  ),
  faultRate: Options.float("fault-rate").pipe(
    Options.withPseudoName("P"),
    Options.withDescription("Share (0..1) of API requests answered with a transient fault: 429, 500, 503 or a reset."),
    Options.withDefault(0)
  ),
  latency: Options.integer("latency").pipe(
    Options.withPseudoName("MS"),
    Options.withDescription("Milliseconds added before every response."),
    Options.withDefault(0)
  ),
  seed: Options.integer("seed").pipe(
    Options.withPseudoName("N"),
    Options.withDescription("Seed of the data and of the random faults."),
    Options.withDefault(1)
  ),
  exportMode: Options.choice("export-mode", ["zip", "json", "text", "large"]).pipe(
    Options.withDescription(
      "Body of a successful export: a zip of CSVs, the documented JSON { }, the text OK, or a large streamed binary."
    ),
    Options.withDefault("zip" as const)
  )
}

/** Lines a user can paste into a shell: the emulator's fixed, documented test credentials (not secrets). */
export const envLines = (handle: Emulator.EmulatorHandle): ReadonlyArray<string> => {
  const c = handle.credentials
  return [
    `export SMS_ENDPOINT=${handle.url} HUAWEICLOUD_SDK_IAM_ENDPOINT=${handle.url} HUAWEICLOUD_SDK_AK=${c.ak} HUAWEICLOUD_SDK_SK=${Redacted.value(c.sk)} HUAWEICLOUD_SDK_DOMAIN_ID=${c.domainId}`
  ]
}

export const command = Command.make("emulator", options, (args) =>
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
          "",
          "Then: sms-consistency export --all    (Ctrl+C stops the emulator)"
        ].join("\n")
      )
      stopping.graceful = true
      return yield* Effect.never
    })
  ).pipe(
    Effect.catchTag("EmulatorError", (e) =>
      Effect.zipRight(writeErr(`error: ${e.message}`), Effect.fail(new Exit({ code: ExitCode.usage })))
    )
  )
).pipe(
  Command.withDescription(
    "Start the local SMS + IAM emulator (real HTTP, signature and token checks, seeded tasks, injectable faults) and print the environment to use it. Serves until SIGINT or SIGTERM."
  )
)
