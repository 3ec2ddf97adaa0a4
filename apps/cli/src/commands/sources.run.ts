/** What `sms-consistency sources` does, loaded when it runs. */
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { clientLayer, reported } from "../internal/client.js"
import type { Exit } from "../internal/common.js"
import { forError } from "../internal/exitCodes.js"
import { cell, json, table } from "../internal/render.js"
import { writeOut } from "../internal/terminal.js"
import type { Args } from "./sources.js"

export const run = (args: Args): Effect.Effect<void, Exit> =>
  Effect.gen(function* () {
    const client = yield* SmsClient.SmsClient
    const sources = yield* client.listAllSources({
      ...(args.withResults ? { withResults: true } : {}),
      name: Option.getOrUndefined(args.name)
    })
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
  }).pipe(Effect.provide(clientLayer(args.connection)), reported(args.json, forError, "list"))
