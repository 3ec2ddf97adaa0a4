/**
 * `sms-consistency tasks`: migration tasks (all pages), optionally in one state or matching a name.
 * The work is in `tasks.run.ts`, reached through `Handlers`.
 */
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { Handlers } from "../internal/handlers.js"
import { boundedText, connection, jsonFlag } from "../internal/common.js"

const options = {
  state: boundedText("state", 64).pipe(
    // A blank state would be no filter at all: every task listed, as if --state had not been given.
    Options.mapTryCatch(
      (state) => {
        if (state.trim() === "") throw new Error("blank")
        return state
      },
      () => HelpDoc.p("--state: must not be blank (a task state, e.g. SYNC_SUCCESS)")
    ),
    Options.withPseudoName("S"),
    Options.withDescription(
      "Only tasks in this state (any case: sent upper-cased): READY, RUNNING, SYNCING, MIGRATE_SUCCESS, MIGRATE_FAIL, SYNC_SUCCESS, SYNC_FAIL, ABORTING, ABORT, …"
    ),
    Options.optional
  ),
  name: boundedText("name", 255).pipe(
    Options.withPseudoName("NAME"),
    Options.withDescription("Only tasks whose name matches this (the service's name filter)."),
    Options.optional
  ),
  json: jsonFlag,
  connection
}

export type Args = Command.Command.ParseConfig<typeof options>

export const command = Command.make("tasks", options, (args) =>
  Effect.flatMap(Handlers, (handlers) => handlers.tasks(args))
).pipe(Command.withDescription("List migration tasks (every page)."))
