/** Entry of the bundled bin: no stack traces ever; the exit code is the command's. */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Exit from "effect/Exit"
import { interruptedCode, main } from "./Cli.js"

/**
 * Calls back once everything written to stdout and stderr so far has been handed to the OS. Writes to a pipe
 * are asynchronous in Node, and exiting first would cut a large `--json` document short.
 */
const flushed = (done: () => void) =>
  process.stdout.write("", () => {
    process.stderr.write("", done)
  })

NodeRuntime.runMain(main(process.argv), {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => {
    const code = Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : interruptedCode()
    process.exitCode = code
    flushed(() => onExit(code))
  }
})
