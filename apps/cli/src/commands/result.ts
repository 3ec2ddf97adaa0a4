/** `sms-consistency result TASK_ID`: one task's consistency checks. */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import type * as Model from "@sms-consistency/sms/Model"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import * as Effect from "effect/Effect"
import { clientLayer, connection, jsonFlag, reported } from "../internal/common.js"
import { forError } from "../internal/exitCodes.js"
import { cell, json, table } from "../internal/render.js"
import { writeOut } from "../internal/terminal.js"

const options = {
  taskId: Args.text({ name: "TASK_ID" }).pipe(Args.withDescription("The migration task id.")),
  json: jsonFlag,
  connection
}

export const render = (result: Model.ConsistencyResult, taskId: string): string => {
  if (result.result_list.length === 0) return `task ${taskId}: no consistency results`
  const blocks: Array<string> = []
  for (const entry of result.result_list) {
    if (typeof entry === "string") {
      blocks.push(entry)
      continue
    }
    const head = `check finished ${cell(entry.finished_time)}: ${cell(entry.check_result)}`
    const dirs = entry.consistency_result ?? []
    blocks.push(
      dirs.length === 0
        ? head
        : `${head}\n${table(
            ["DIRECTORY", "FILES", "DIFFERENT", "MISSING ON TARGET", "EXTRA ON TARGET"],
            dirs.map((d) => [
              cell(d.dir_check),
              cell(d.num_total_files),
              cell(d.num_different_files),
              cell(d.num_target_miss_files),
              cell(d.num_target_more_files)
            ])
          )}`
    )
  }
  return `task ${result.task_id ?? taskId}\n\n${blocks.join("\n\n")}`
}

export const command = Command.make("result", options, (args) =>
  Effect.gen(function* () {
    const client = yield* SmsClient.SmsClient
    const result = yield* client.showConsistencyResult(args.taskId)
    yield* writeOut(args.json ? json(result) : render(result, args.taskId))
  }).pipe(Effect.provide(clientLayer(args.connection)), reported(args.json, forError))
).pipe(Command.withDescription("Show one task's consistency-check results."))
