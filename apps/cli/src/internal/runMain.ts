/** Runs the CLI to its exit code: no stack traces ever; stdout and stderr flushed before the process exits. */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { interruptedCode, main } from "../Cli.js"
import { ExitCode } from "./exitCodes.js"
import type { Handlers } from "./handlers.js"
import { guardStdio, stdoutState } from "./terminal.js"

/**
 * Calls back once everything written to stdout and stderr so far has been handed to the OS. Writes to a pipe
 * are asynchronous in Node, and exiting first would cut a large `--json` document short.
 */
const flushed = (done: () => void) =>
  process.stdout.write("", () => {
    // A failed write's 'error' event comes a tick after its callback: let it land in `stdoutState` first.
    setImmediate(() => process.stderr.write("", done))
  })

/** Set once SIGHUP has interrupted the CLI (see `onHangup`). */
let hungUp = false

/**
 * SIGHUP (the terminal or the ssh session closed) interrupts the CLI as SIGINT and SIGTERM do (NodeRuntime
 * listens to those two only): an export removes its unfinished files and reports what it did, and the exit code
 * is 130. Left to Node, SIGHUP ends the process at once, leaving hidden `.export.*.partial` files behind.
 */
const onHangup = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) => {
    const hangup = () => {
      hungUp = true
      fiber.unsafeInterruptAsFork(fiber.id())
    }
    process.once("SIGHUP", hangup)
    return Effect.ensuring(
      effect,
      Effect.sync(() => process.removeListener("SIGHUP", hangup))
    )
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
): Promise<boolean> => {
  guardStdio()
  return new Promise((resolve) =>
    NodeRuntime.runMain(onHangup(main(argv, handlers)), {
      disableErrorReporting: true,
      disablePrettyLogger: true,
      teardown: (exit, onExit) => {
        if (Exit.isSuccess(exit) && handedOver()) return resolve(false)
        const result = Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : interruptedCode()
        process.exitCode = result
        flushed(() => {
          // Results that did not reach stdout (other than to a reader that left) are not a success: exit 1 then,
          // as coreutils do on a write error.
          const failed = stdoutState.failed
          if (failed !== undefined && !process.stderr.destroyed)
            process.stderr.write(`error: cannot write to stdout: ${failed}\n`)
          const code = result === ExitCode.ok && failed !== undefined ? ExitCode.partial : result
          process.exitCode = code
          onExit(code)
          // NodeRuntime exits by itself after its own signals, or on a code other than 0; after SIGHUP, here.
          if (hungUp) process.exit(code)
          resolve(true)
        })
      }
    })
  )
}
