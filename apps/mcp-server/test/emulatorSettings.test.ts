import * as Emulator from "@sms-consistency/emulator/Emulator"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as ConfigProviderPathPatch from "effect/ConfigProviderPathPatch"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashSet from "effect/HashSet"
import * as Redacted from "effect/Redacted"
import { describe, expect, it } from "vitest"
import * as EmulatorSettings from "../src/internal/emulatorSettings.js"

describe("emulatorSettings, the identity", () => {
  it("checks every variable Emulator.credentialsFromEnv reads, and only those", () => {
    // A provider that has nothing and records what is asked of it: the variables the emulator reads.
    const asked: Array<string> = []
    const recording = ConfigProvider.fromFlat(
      ConfigProvider.makeFlat({
        load: (path) => {
          asked.push(path.join("."))
          return Effect.fail(ConfigError.MissingData([...path], "unset"))
        },
        enumerateChildren: () => Effect.succeed(HashSet.empty()),
        patch: ConfigProviderPathPatch.empty
      })
    )
    Effect.runSync(Effect.withConfigProvider(Emulator.credentialsFromEnv, recording))
    expect(EmulatorSettings.identity.map((i) => i.variable).sort()).toEqual([...asked].sort())
  })

  it("a value is read as the emulator reads it, secrets kept redacted; a blank one is the default", () => {
    const read = EmulatorSettings.fromEnv({
      SMS_EMULATOR_AK: "MYAK",
      SMS_EMULATOR_SK: "MYSK",
      SMS_EMULATOR_TOKEN: "",
      SMS_EMULATOR_DOMAIN_ID: " "
    })
    if (Either.isLeft(read)) throw new Error(read.left)
    const credentials = read.right.credentials ?? {}
    expect(credentials.ak).toBe("MYAK")
    expect(credentials.sk && Redacted.value(credentials.sk)).toBe("MYSK")
    expect(Object.keys(credentials).sort()).toEqual(["ak", "sk"])
  })

  it.each([
    ["SMS_EMULATOR_AK", "ab\ncd", 'SMS_EMULATOR_AK must be visible ASCII characters, no spaces (got "ab\\ncd")'],
    ["SMS_EMULATOR_SK", "x\ry", "SMS_EMULATOR_SK must be visible ASCII characters, no spaces: it has a line break"],
    [
      "SMS_EMULATOR_SK",
      "x\u0000y",
      "SMS_EMULATOR_SK must be visible ASCII characters, no spaces: it has a control character"
    ],
    ["SMS_EMULATOR_SK", "x\u00a0y", "SMS_EMULATOR_SK must be visible ASCII characters, no spaces: it has a space"],
    [
      "SMS_EMULATOR_TOKEN",
      "x\u4e2dy",
      "SMS_EMULATOR_TOKEN must be visible ASCII characters, no spaces: it has a non-ASCII character"
    ]
  ])("%s=%j: one line naming the variable", (variable, value, expected) => {
    expect(EmulatorSettings.fromEnv({ [variable]: value })).toEqual(Either.left(expected))
  })
})
