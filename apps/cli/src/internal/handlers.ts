/**
 * What the commands do, as a service: the command definitions only parse and describe, and call these. The CLI
 * provides the real ones (`main.ts`, each loaded when it runs); the help bundle (`help.ts`) stand-ins.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Demo from "../commands/demo.js"
import type * as Emulator from "../commands/emulator.js"
import type * as Export from "../commands/export.js"
import type * as Result from "../commands/result.js"
import type * as Sources from "../commands/sources.js"
import type * as Tasks from "../commands/tasks.js"
import type { Exit } from "./common.js"

export type Handler<A> = (args: A) => Effect.Effect<void, Exit>

export class Handlers extends Context.Tag("sms-consistency/Handlers")<
  Handlers,
  {
    readonly export: Handler<Export.Args>
    readonly sources: Handler<Sources.Args>
    readonly tasks: Handler<Tasks.Args>
    readonly result: Handler<Result.Args>
    readonly emulator: Handler<Emulator.Args>
    readonly demo: Handler<Demo.Args>
  }
>() {}
