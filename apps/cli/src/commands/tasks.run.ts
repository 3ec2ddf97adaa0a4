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

/**
 * What is wrong with `state`, when it is not a known task state: blanks around it or lower case (`ready`, `READY `:
 * the states are upper case, without blanks), or not one at all (the known ones listed). Undefined for a known state.
 */
export const unknownState = (state: string): string | undefined => {
  if (known.has(state)) return undefined
  const meant = state.trim().toUpperCase()
  if (!known.has(meant)) return `it is not a known task state: ${Model.taskStates.join(", ")}`
  return meant === state.trim()
    ? `task states have no blanks around them: ${meant}`
    : `task states are upper case, e.g. ${meant}`
}

export const run = (args: Args): Effect.Effect<void, Exit> =>
  Effect.gen(function* () {
    const client = yield* SmsClient.SmsClient
    const state = Option.getOrUndefined(args.state)
    const name = Option.getOrUndefined(args.name)
    const tasks: Array<Model.MigrationTask> = []
    for (;;) {
      const page = yield* client.listTasks({ state, name, limit: pageSize, offset: tasks.length })
      tasks.push(...page.tasks)
      if (page.tasks.length === 0 || tasks.length >= page.count) break
    }
    // The service matches states as given; the documented ones are upper case. A state that finds nothing and is
    // not one of them is more likely a typo than an empty account: say so (on stderr, whatever the output).
    if (tasks.length === 0 && state !== undefined) {
      const note = unknownState(state)
      if (note !== undefined) yield* Effect.logInfo(`no tasks in state ${JSON.stringify(state)}; ${note}`)
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
