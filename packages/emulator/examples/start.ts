/**
 * The emulator in your own Effect program, as packages/emulator/README.md shows it (word for word from the first
 * import: test/readme.test.ts checks it). Typechecked by `pnpm test`, so it cannot rot.
 * Run: `node --import tsx examples/start.ts` (starts, scripts two faults, stops).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Emulator } from "@sms-consistency/emulator"
import { Effect } from "effect"

const program = Effect.scoped(
  Effect.gen(function* () {
    const emulator = yield* Emulator.start({ sources: 100, seed: 1 }) // 127.0.0.1, random port
    // emulator.url, emulator.credentials, emulator.seeded, emulator.requests(), emulator.stats()
    yield* emulator.script([{ _tag: "Status", status: 503 }, { _tag: "ResetBeforeBody" }])
  })
) // closing the scope closes the server and drops open connections

NodeRuntime.runMain(program)
