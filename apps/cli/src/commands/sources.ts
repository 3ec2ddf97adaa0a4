/** `sms-consistency sources`: source servers (all pages), optionally only those with consistency results. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import * as Effect from "effect/Effect"
import { clientLayer, connection, jsonFlag, reported } from "../internal/common.js"
import { forError } from "../internal/exitCodes.js"
import { cell, json, table } from "../internal/render.js"
import { writeOut } from "../internal/terminal.js"

const options = {
  withResults: Options.boolean("with-results").pipe(
    Options.withDescription("Only source servers with consistency results (ready to export).")
  ),
  json: jsonFlag,
  connection
}

export const command = Command.make("sources", options, (args) =>
  Effect.gen(function* () {
    const client = yield* SmsClient.SmsClient
    const sources = yield* client.listAllSources(args.withResults ? { withResults: true } : {})
    if (args.json) return yield* writeOut(json({ count: sources.length, source_servers: sources }))
    if (sources.length === 0) return yield* writeOut("no source servers")
    yield* writeOut(
      table(
        ["SOURCE ID", "NAME", "IP", "STATE", "TASK ID", "TASK STATE", "RESULTS"],
        sources.map((s) => [
          s.id,
          s.name,
          cell(s.ip),
          cell(s.state),
          cell(s.current_task?.id),
          cell(s.current_task?.state),
          s.is_consistency_result_exist ? "yes" : "no"
        ])
      )
    )
  }).pipe(Effect.provide(clientLayer(args.connection)), reported(args.json, forError))
).pipe(Command.withDescription("List source servers (every page)."))
