/** What `sms-consistency result` does, loaded when it runs. */
import type * as Model from "@sms-consistency/sms/Model"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import * as Effect from "effect/Effect"
import { clientLayer, reported } from "../internal/client.js"
import type { Exit } from "../internal/common.js"
import { forError } from "../internal/exitCodes.js"
import { cell, json, table } from "../internal/render.js"
import { writeOut } from "../internal/terminal.js"
import type { Args } from "./result.js"

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

export const run = (args: Args): Effect.Effect<void, Exit> =>
  Effect.gen(function* () {
    const client = yield* SmsClient.SmsClient
    const result = yield* client.showConsistencyResult(args.taskId)
    yield* writeOut(args.json ? json(result) : render(result, args.taskId))
  }).pipe(Effect.provide(clientLayer(args.connection)), reported(args.json, forError, "show"))
