/**
 * `sms-consistency emulator`: the local SMS + IAM endpoint, serving until SIGINT, SIGTERM or SIGHUP.
 * The work is in `emulator.run.ts`, reached through `Handlers`.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { decimal, maxLatencyMs, maxSeed, maxSources, wholeNumber } from "../internal/common.js"
import { Handlers } from "../internal/handlers.js"

/** Set once the emulator serves: a signal is then the normal way to stop, exit 0. */
export const stopping = { graceful: false }

const options = {
  port: wholeNumber("port", 0, 65535).pipe(
    Options.withPseudoName("N"),
    Options.withDescription("Port to listen on, 0..65535 (default 0: a free one, printed on start)."),
    Options.withDefault(0)
  ),
  host: Options.text("host").pipe(
    Options.withPseudoName("ADDRESS"),
    Options.withDescription("Address to listen on (default 127.0.0.1)."),
    Options.withDefault("127.0.0.1")
  ),
  sources: wholeNumber("sources", 0, maxSources).pipe(
    Options.withPseudoName("N"),
    Options.withDescription(`Seeded source servers, one migration task each, 0 to ${maxSources} (default 25).`),
    Options.withDefault(25)
  ),
  faultRate: decimal("fault-rate", 0, 1).pipe(
    Options.withPseudoName("P"),
    Options.withDescription("Share (0..1) of API requests answered with a transient fault: 429, 500, 503 or a reset."),
    Options.withDefault(0)
  ),
  latency: wholeNumber("latency", 0, maxLatencyMs).pipe(
    Options.withPseudoName("MS"),
    Options.withDescription(`Milliseconds added before every response, 0 to ${maxLatencyMs}.`),
    Options.withDefault(0)
  ),
  seed: wholeNumber("seed", 0, maxSeed).pipe(
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

export type Args = Command.Command.ParseConfig<typeof options>

export const command = Command.make("emulator", options, (args) =>
  Effect.flatMap(Handlers, (handlers) => handlers.emulator(args))
).pipe(
  Command.withDescription(
    "Start the local SMS + IAM emulator (real HTTP, signature and token checks, seeded tasks, injectable faults) and print the environment to use it. Serves until SIGINT, SIGTERM or SIGHUP."
  )
)
