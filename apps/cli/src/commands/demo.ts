/**
 * `sms-consistency demo`: the README's first command. Starts the emulator in-process on a free port,
 * discovers the seeded sources with results, exports them all into `./consistency-results/`. No credentials.
 * The work is in `demo.run.ts`, reached through `Handlers`.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { maxSources, pathText, wholeNumber } from "../internal/common.js"
import { Handlers } from "../internal/handlers.js"

const options = {
  output: pathText("output").pipe(
    Options.withAlias("o"),
    Options.withPseudoName("DIR"),
    Options.withDescription("Directory for the exported files (created). Default ./consistency-results"),
    Options.withDefault("consistency-results")
  ),
  sources: wholeNumber("sources", 0, maxSources).pipe(
    Options.withPseudoName("N"),
    Options.withDescription(`Source servers the emulator seeds, 0 to ${maxSources} (default 25).`),
    Options.withDefault(25)
  )
}

export type Args = Command.Command.ParseConfig<typeof options>

export const command = Command.make("demo", options, (args) =>
  Effect.flatMap(Handlers, (handlers) => handlers.demo(args))
).pipe(
  Command.withDescription(
    "Run the whole workflow against an in-process emulator: start it on a free port, discover the seeded sources with consistency results, export them all into ./consistency-results/. No credentials needed."
  )
)
