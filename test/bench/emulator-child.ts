/**
 * Runs the emulator in its own process, so a benchmark's client does not share an event loop with the
 * server. Prints one JSON line `{url, ak, sk, domainId}` on stdout when ready; exits on SIGTERM or when
 * stdin closes. Usage: `node --import tsx test/bench/emulator-child.ts '<EmulatorOptions JSON>'`.
 */
import { Emulator } from "@sms-consistency/emulator"
import { Effect, Fiber, Redacted } from "effect"

const options: Emulator.EmulatorOptions = JSON.parse(process.argv[2] ?? "{}")

const fiber = Effect.runFork(
  Effect.scoped(
    Effect.gen(function* () {
      const handle = yield* Emulator.start(options)
      const c = handle.credentials
      process.stdout.write(
        `${JSON.stringify({ url: handle.url, ak: c.ak, sk: Redacted.value(c.sk), domainId: c.domainId })}\n`
      )
      return yield* Effect.never
    })
  )
)
const stop = () => Effect.runPromise(Fiber.interrupt(fiber)).then(() => process.exit(0))
process.on("SIGTERM", stop)
process.stdin.on("close", stop)
process.stdin.resume()
