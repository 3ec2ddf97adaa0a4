/**
 * The help bundle: the same command tree without any command's work, so that `--help`, `--version` and
 * `--completions` load only @effect/cli. Built on its own (`dist/help/`): in one bundle, esbuild would put the
 * parts of effect's modules that the commands use into the chunk `--help` loads.
 */
import * as Effect from "effect/Effect"
import type { Handlers } from "./internal/handlers.js"
import { runMain } from "./internal/runMain.js"

/**
 * Runs the CLI on `argv` as `main.ts` would, as long as no command is reached, and resolves `true`. A command
 * is reached only after @effect/cli has parsed everything and printed nothing; then this resolves `false` and
 * the caller runs the whole CLI instead.
 */
export const run = (argv: ReadonlyArray<string>): Promise<boolean> => {
  let reached = false
  const handOver = Effect.sync(() => {
    reached = true
  })
  const handlers: Handlers["Type"] = {
    export: () => handOver,
    sources: () => handOver,
    tasks: () => handOver,
    result: () => handOver,
    emulator: () => handOver,
    demo: () => handOver
  }
  return runMain(argv, handlers, () => reached)
}
