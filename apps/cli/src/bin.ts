/** Entry of the bundled bin: no stack traces ever; the exit code is the command's. */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Exit from "effect/Exit"
import { interruptedCode, main } from "./Cli.js"

NodeRuntime.runMain(main(process.argv), {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => {
    const code = Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : interruptedCode()
    process.exitCode = code
    onExit(code)
  }
})
