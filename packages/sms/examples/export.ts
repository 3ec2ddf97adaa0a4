/**
 * Exporting consistency results from your own Effect program. Typechecked by `pnpm test`, so it cannot rot.
 * Run against the emulator: `SMS_ENDPOINT=… HUAWEICLOUD_SDK_AK=… HUAWEICLOUD_SDK_SK=… node --import tsx examples/export.ts`
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { BatchExport, Model, SmsClient } from "@sms-consistency/sms"
import { Console, Effect, Option } from "effect"

const failWith = (message: string) =>
  Effect.zipRight(
    Console.error(message),
    Effect.sync(() => {
      process.exitCode = 1
    })
  )

const program = Effect.gen(function* () {
  const client = yield* SmsClient.SmsClient
  // Every source that has consistency results, as ready-made task_info entries.
  const sources = yield* client.listAllSources({ withResults: true })
  const tasks = sources.flatMap((s) => Option.toArray(Option.fromNullable(Model.sourceToTaskRef(s))))

  // One call for up to 200 tasks…
  const first = yield* client.exportConsistencyResultsToFile({ task_info: tasks.slice(0, 200) }, { directory: "out" })
  yield* Console.log(first._tag === "File" ? `wrote ${first.path} (${first.byteLength} bytes)` : "no file")

  // …or any number, chunked by 200, four calls at a time; every task is accounted for (a call answered 404 is
  // split until the missing tasks stand alone, so one unknown task does not fail the 199 others).
  const all = yield* BatchExport.exportAll(tasks, { concurrency: 4, target: () => ({ directory: "out" }) })
  yield* Console.log(`${all.exported} exported, ${all.failed.length} failed`)
  if (all.failed.length > 0) process.exitCode = 1
}).pipe(
  // Handled, these still fail the script: a shell or CI running it sees exit status 1.
  Effect.catchTags({
    Forbidden: (e) => failWith(`missing permission: ${e.errorParam?.join(", ") ?? e.errorMsg} [${e.requestId}]`),
    NotFound: (e) => failWith(`unknown task or source: ${e.errorMsg} [${e.requestId}]`)
  })
)

program.pipe(Effect.provide(SmsClient.layerConfig()), NodeRuntime.runMain)
