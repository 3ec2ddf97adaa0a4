/**
 * `sms-consistency sources`: source servers (all pages), optionally only those with consistency results, or
 * matching a name. The work is in `sources.run.ts`.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { Handlers } from "../internal/handlers.js"
import { boundedText, connection, jsonFlag } from "../internal/common.js"

const options = {
  withResults: Options.boolean("with-results").pipe(
    Options.withDescription("Only source servers with consistency results (ready to export).")
  ),
  name: boundedText("name", 255).pipe(
    Options.withPseudoName("NAME"),
    Options.withDescription("Only source servers whose name matches this (the service's name filter)."),
    Options.optional
  ),
  json: jsonFlag,
  connection
}

export type Args = Command.Command.ParseConfig<typeof options>

export const command = Command.make("sources", options, (args) =>
  Effect.flatMap(Handlers, (handlers) => handlers.sources(args))
).pipe(Command.withDescription("List source servers (every page)."))
