import { assert, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Fiber, Redacted, Scope } from "effect"
import { Emulator } from "../src/index.js"
import { raw } from "./support.js"

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
