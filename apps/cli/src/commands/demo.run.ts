/** What `sms-consistency demo` does, loaded when it runs. */
import * as Emulator from "@sms-consistency/emulator/Emulator"
import * as BatchExport from "@sms-consistency/sms/BatchExport"
import * as Credentials from "@sms-consistency/sms/Credentials"
import * as Model from "@sms-consistency/sms/Model"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import * as Transport from "@sms-consistency/sms/Transport"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { relative, resolve } from "node:path"
import { report } from "../internal/client.js"
import { emulatorOptionMessage, Exit } from "../internal/common.js"
import { ExitCode, forError } from "../internal/exitCodes.js"
import * as Output from "../internal/output.js"
import { plural } from "../internal/render.js"
import {
  exitCodeOf,
  pasteable,
  renderSummary,
  reportFailed,
  reportInterrupted,
  summarize
} from "../internal/summary.js"
import { stdoutColor, writeError, writeOut } from "../internal/terminal.js"
import type { Args } from "./demo.js"

/**
 * The last line of a demo: how long it took and where the files are, and whether some tasks, or all, failed (the
 * exit code says it; so does this line, which a reader sees last).
 */
export const lastLine = (
  result: Pick<BatchExport.Result, "exported" | "failed">,
  took: number,
  where: string
): string => {
  const failed = result.failed.length
  if (failed === 0) return `Done in ${took} ms; the files are in ${where}/`
  if (result.exported === 0) return `Failed in ${took} ms: ${plural(failed, "task")} failed, none exported.`
  const total = result.exported + failed
  return `Done in ${took} ms with failures: ${failed} of ${plural(total, "task")} failed; the files are in ${where}/`
}

export const run = (args: Args): Effect.Effect<void, Exit> =>
  Effect.scoped(
    Effect.gen(function* () {
      const started = Date.now()
      // Where the files go, checked before the emulator starts: `--output` is always a directory here.
      yield* Output.check(args.output === "-" || args.output.endsWith("/") ? args.output : `${args.output}/`)
      const handle = yield* Emulator.start({ sources: args.sources })
      yield* writeOut(
        `Started the SMS emulator at ${handle.url} with ${plural(handle.seeded.sources.length, "seeded source server")}.`
      )
      const c = handle.credentials
      const layer = SmsClient.layerWithTransport({
        endpoint: handle.url,
        iamEndpoint: handle.url,
        credentials: new Credentials.AkSk({ ak: c.ak, sk: c.sk, domainId: c.domainId })
      }).pipe(Layer.provide(Transport.nodeHttp))
      const directory = resolve(args.output)
      const code = yield* Effect.gen(function* () {
        const client = yield* SmsClient.SmsClient
        const sources = yield* client.listAllSources({ withResults: true })
        const tasks = sources.flatMap((s) => {
          const ref = Model.sourceToTaskRef(s)
          return ref === undefined ? [] : [ref]
        })
        yield* writeOut(
          `Discovered ${plural(sources.length, "source server")} with consistency results (GET /v3/sources?is_consistency_result_exist=true).`
        )
        if (tasks.length === 0) {
          yield* writeOut("No source server has consistency results: nothing to export.")
          return ExitCode.ok
        }
        // What has finished, for export's summary if the demo is interrupted (Ctrl+C): its files are complete.
        const done: Array<BatchExport.ChunkOutcome> = []
        const result = yield* BatchExport.exportAll(tasks, {
          target: () => ({ directory }),
          onProgress: (p) => Effect.sync(() => done.push(p.outcome))
        }).pipe(
          Effect.onInterrupt(() =>
            reportInterrupted(done, tasks, client.info, { asJson: false, hasJson: false, progressShown: false })
          )
        )
        yield* writeOut(renderSummary(result, summarize(result, client.info), stdoutColor(), { hasJson: false }))
        // As `export` does: the first error and its hint on stderr, and the exit code of the failure's kind.
        const code = exitCodeOf(result)
        if (code !== ExitCode.ok) yield* reportFailed(result)
        yield* writeOut(lastLine(result, Date.now() - started, pasteable(relative(process.cwd(), directory)) || "."))
        return code
      }).pipe(Effect.provide(layer))
      if (code !== ExitCode.ok) return yield* new Exit({ code })
    })
  ).pipe(
    Effect.catchAll((e) =>
      e._tag === "Exit"
        ? Effect.fail(e)
        : e._tag === "EmulatorError"
          ? Effect.zipRight(
              writeError(emulatorOptionMessage(e.message)),
              Effect.fail(new Exit({ code: ExitCode.usage }))
            )
          : Effect.zipRight(report(e, false, "export"), Effect.fail(new Exit({ code: forError(e) })))
    )
  )
