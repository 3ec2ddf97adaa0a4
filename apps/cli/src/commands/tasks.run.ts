/** What `sms-consistency tasks` does, loaded when it runs. */
import * as Model from "@sms-consistency/sms/Model"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { clientLayer, reported } from "../internal/client.js"
import type { Exit } from "../internal/common.js"
import { forError } from "../internal/exitCodes.js"
import { cell, json, table } from "../internal/render.js"
import { writeOut } from "../internal/terminal.js"
import type { Args } from "./tasks.js"

const pageSize = 200

const known: ReadonlySet<string> = new Set(Model.taskStates)

export const run = (args: Args): Effect.Effect<void, Exit> =>
  Effect.gen(function* () {
    const client = yield* SmsClient.SmsClient
    // Sent as the service matches it, upper-cased without blanks around it (as the MCP server does): `sync_success`
    // finds the SYNC_SUCCESS tasks.
    const state = Model.taskStateFilter(Option.getOrUndefined(args.state))
    const name = Option.getOrUndefined(args.name)
    const tasks: Array<Model.MigrationTask> = []
    for (;;) {
      const page = yield* client.listTasks({ state, name, limit: pageSize, offset: tasks.length })
      tasks.push(...page.tasks)
      if (page.tasks.length === 0 || tasks.length >= page.count) break
    }
    // A state that finds nothing and is not one the service documents is more likely a typo than an empty account:
    // say so (on stderr, whatever the output), with the known ones. The service's list is open, so it was sent.
    if (tasks.length === 0 && state !== undefined && !known.has(state)) {
      yield* Effect.logInfo(
        `no tasks in state ${JSON.stringify(state)}; it is not a known task state: ${Model.taskStates.join(", ")}`
      )
    }
    if (args.json) return yield* writeOut(json({ count: tasks.length, tasks }))
    if (tasks.length === 0) return yield* writeOut("no tasks")
    yield* writeOut(
      table(
        ["TASK ID", "NAME", "STATE", "SOURCE ID", "SOURCE NAME"],
        tasks.map((t) => [t.id, cell(t.name), cell(t.state), cell(t.source_server?.id), cell(t.source_server?.name)])
      )
    )
  }).pipe(Effect.provide(clientLayer(args.connection)), reported(args.json, forError, "list"))
