/**
 * `sms-consistency sources`: source servers (all pages), optionally only those with consistency results. The work
 * is in `sources.run.ts`.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { Handlers } from "../internal/handlers.js"
import { connection, jsonFlag } from "../internal/common.js"

const options = {
  withResults: Options.boolean("with-results").pipe(
    Options.withDescription("Only source servers with consistency results (ready to export).")
  ),
  json: jsonFlag,
  connection
}

export type Args = Command.Command.ParseConfig<typeof options>

export const command = Command.make("sources", options, (args) =>
  Effect.flatMap(Handlers, (handlers) => handlers.sources(args))
).pipe(Command.withDescription("List source servers (every page)."))
