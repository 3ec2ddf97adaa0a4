/** Runs the CLI to its exit code: no stack traces ever; stdout and stderr flushed before the process exits. */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Exit from "effect/Exit"
import { interruptedCode, main } from "../Cli.js"
import type { Handlers } from "./handlers.js"

/**
 * Calls back once everything written to stdout and stderr so far has been handed to the OS. Writes to a pipe
 * are asynchronous in Node, and exiting first would cut a large `--json` document short.
 */
const flushed = (done: () => void) =>
  process.stdout.write("", () => {
    process.stderr.write("", done)
  })

/**
 * Runs `main` on `argv` with `handlers` and exits with its code: resolves `true` once the code is set and
 * stdout and stderr are flushed (the process then exits, or has exited). With `handedOver` true once `main` is
 * done (the help bundle reached a command), nothing is flushed or exited and it resolves `false`.
 */
export const runMain = (
  argv: ReadonlyArray<string>,
  handlers: Handlers["Type"],
  handedOver: () => boolean = () => false
): Promise<boolean> =>
  new Promise((resolve) =>
    NodeRuntime.runMain(main(argv, handlers), {
      disableErrorReporting: true,
      disablePrettyLogger: true,
      teardown: (exit, onExit) => {
        if (Exit.isSuccess(exit) && handedOver()) return resolve(false)
        const code = Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : interruptedCode()
        process.exitCode = code
        flushed(() => {
          onExit(code)
          resolve(true)
        })
      }
    })
  )
