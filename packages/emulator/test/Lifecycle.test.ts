import { assert, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Exit, Fiber, Redacted, Scope } from "effect"
import { Emulator } from "../src/index.js"
import { exportBody, raw } from "./support.js"

describe("Emulator lifecycle and configuration", () => {
  it.live("closing the scope ends open connections at once", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const emulator = yield* Emulator.start({ sources: 1 }).pipe(Scope.extend(scope))
      yield* emulator.script([{ _tag: "SlowBody", delayMs: 20_000 }])
      const pending = yield* Effect.fork(raw(emulator, { path: "/v3/sources" }))
      yield* Effect.sleep("100 millis")
      const started = Date.now()
      yield* Scope.close(scope, Exit.void)
      const result = yield* Fiber.join(pending)
      assert.isBelow(Date.now() - started, 1000)
      assert.strictEqual(result.status, 200)
      assert.isDefined(result.error)
    })
  )

  it.effect("reads options and credentials from the environment, secrets redacted", () =>
    Effect.gen(function* () {
      const options = yield* Effect.withConfigProvider(
        Emulator.optionsFromEnv,
        ConfigProvider.fromMap(
          new Map([
            ["SMS_EMULATOR_AK", "ENVAK"],
            ["SMS_EMULATOR_SK", "ENVSK"],
            ["SMS_EMULATOR_TOKEN", "env-token"],
            ["SMS_EMULATOR_DOMAIN_ID", "0".repeat(32)],
            ["SMS_EMULATOR_PROJECT_ID", "1".repeat(32)],
            ["SMS_EMULATOR_PORT", "18080"],
            ["SMS_EMULATOR_SOURCES", "7"],
            ["SMS_EMULATOR_EXPORT_MODE", "text"]
          ])
        )
      )
      expect(options).toMatchObject({ port: 18080, sources: 7, exportMode: "text" })
      assert.strictEqual(options.credentials?.ak, "ENVAK")
      assert.isTrue(options.credentials?.sk !== undefined && Redacted.isRedacted(options.credentials.sk))
      assert.strictEqual(options.credentials?.sk && Redacted.value(options.credentials.sk), "ENVSK")
      assert.notInclude(JSON.stringify(options), "ENVSK")
      assert.notInclude(JSON.stringify(options), "env-token")
      assert.strictEqual(options.credentials?.domainId, "0".repeat(32))
      assert.isUndefined(options.seed)

      const none = yield* Effect.withConfigProvider(Emulator.optionsFromEnv, ConfigProvider.fromMap(new Map()))
      assert.deepStrictEqual(none, { credentials: {} })
    })
  )

  it.scoped("refuses a bad exportMode or latencyMs with one line naming the option and what it accepts", () =>
    Effect.gen(function* () {
      const mode = (value: string) => value as Emulator.ExportMode
      const cases: ReadonlyArray<readonly [Emulator.EmulatorOptions, string]> = [
        [{ exportMode: mode("xml") }, 'exportMode must be one of zip, json, text, large (got "xml")'],
        [{ latencyMs: Number.POSITIVE_INFINITY }, "latencyMs must be 0..60000 (got Infinity)"],
        [{ latencyMs: 60_001 }, "latencyMs must be 0..60000 (got 60001)"],
        [{ latencyMs: -1 }, "latencyMs must be 0..60000 (got -1)"],
        [{ latencyMs: Number.NaN }, "latencyMs must be 0..60000 (got NaN)"],
        [{ seed: Number.NaN }, "seed must be a whole number 0..4294967295 (got NaN)"],
        [{ seed: 1.5 }, "seed must be a whole number 0..4294967295 (got 1.5)"],
        [{ seed: -1 }, "seed must be a whole number 0..4294967295 (got -1)"],
        [{ seed: 2 ** 32 + 1 }, "seed must be a whole number 0..4294967295 (got 4294967297)"]
      ]
      // "accepted" rather than the handle as a failure: the message compared is all a failure shows.
      const refusal = <A, R>(effect: Effect.Effect<A, Emulator.EmulatorError, R>) =>
        Effect.map(Effect.either(effect), (result) =>
          Either.isLeft(result) ? `${result.left.reason}: ${result.left.message}` : "accepted"
        )
      for (const [options, message] of cases)
        assert.strictEqual(yield* refusal(Emulator.start({ sources: 1, ...options })), `InvalidOptions: ${message}`)
      // The largest latency accepted; the setter refuses a bad mode and keeps the one it had.
      const emulator = yield* Emulator.start({ sources: 1, latencyMs: 60_000 })
      assert.strictEqual(
        yield* refusal(emulator.setExportMode(mode("bogus"))),
        'InvalidOptions: exportMode must be one of zip, json, text, large (got "bogus")'
      )
      const quick = yield* Emulator.start({ sources: 1, exportMode: "text" })
      yield* Effect.either(quick.setExportMode(mode("bogus")))
      const answer = yield* raw(quick, {
        method: "POST",
        path: "/v3/tasks/consistency-results/export",
        headers: { "Content-Type": "application/json" },
        body: exportBody(quick, 1)
      })
      assert.strictEqual(answer.status, 200)
      assert.strictEqual(answer.body.toString("utf8"), "OK")
    })
  )

  it.scoped("overrides credentials per field, keeping the documented defaults for the rest", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 1, credentials: { ak: "CUSTOMAK" } })
      assert.strictEqual(emulator.credentials.ak, "CUSTOMAK")
      assert.strictEqual(emulator.credentials.domainId, Emulator.defaultCredentials.domainId)
      assert.match(emulator.credentials.domainId, /^[0-9a-f]{32}$/)
      assert.match(emulator.credentials.projectId, /^[0-9a-f]{32}$/)
      assert.strictEqual(Redacted.value(Emulator.defaultCredentials.sk).length, 40)
    })
  )
})
