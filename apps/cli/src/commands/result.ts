/**
 * `sms-consistency result TASK_ID`: one task's consistency checks.
 * The work is in `result.run.ts`, reached through `Handlers`.
 */
import * as CliArgs from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import { Handlers } from "../internal/handlers.js"
import { connection, jsonFlag } from "../internal/common.js"

const options = {
  taskId: CliArgs.text({ name: "TASK_ID" }).pipe(CliArgs.withDescription("The migration task id.")),
  json: jsonFlag,
  connection
}

export type Args = Command.Command.ParseConfig<typeof options>

export const command = Command.make("result", options, (args) =>
  Effect.flatMap(Handlers, (handlers) => handlers.result(args))
).pipe(Command.withDescription("Show one task's consistency-check results."))
