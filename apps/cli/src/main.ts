/** The whole CLI: each command's work is loaded when it runs. */
import * as Effect from "effect/Effect"
import type { Exit } from "./internal/common.js"
import type { Handler, Handlers } from "./internal/handlers.js"
import { runMain } from "./internal/runMain.js"

const lazy =
  <A>(load: () => Promise<{ readonly run: Handler<A> }>): Handler<A> =>
  (args: A): Effect.Effect<void, Exit> =>
    Effect.flatMap(Effect.promise(load), (m) => m.run(args))

export const handlers: Handlers["Type"] = {
  export: lazy(() => import("./commands/export.run.js")),
  sources: lazy(() => import("./commands/sources.run.js")),
  tasks: lazy(() => import("./commands/tasks.run.js")),
  result: lazy(() => import("./commands/result.run.js")),
  emulator: lazy(() => import("./commands/emulator.run.js")),
  demo: lazy(() => import("./commands/demo.run.js"))
}

// Not awaited: a command module may import from this module's chunk, which must not wait for it to load.
void runMain(process.argv, handlers)
