import { assert, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import { mkdtemp, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Credentials from "../src/Credentials.js"
import * as Region from "../src/Region.js"
import * as SmsError from "../src/SmsError.js"

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

/** Points the credentials file at a fresh, empty folder so the machine's own is never read. */
const noFile = { HUAWEICLOUD_SDK_CREDENTIALS_FILE: "/nonexistent/credentials" }

describe("Credentials.load", () => {
  it.effect("prefers SMS_AUTH_TOKEN", () =>
    Effect.gen(function* () {
      const c = yield* Credentials.load.pipe(
        withEnv({ ...noFile, SMS_AUTH_TOKEN: "tok", HUAWEICLOUD_SDK_AK: "ak", HUAWEICLOUD_SDK_SK: "sk" })
      )
      assert(c._tag === "Token")
      expect(Redacted.value(c.token)).toBe("tok")
      expect(Credentials.describe(c)).toBe("IAM token")
    })
  )

  it.effect("reads HUAWEICLOUD_SDK_* with security token and ids, falling back to CLOUD_SDK_AK/SK", () =>
    Effect.gen(function* () {
      const a = yield* Credentials.load.pipe(
        withEnv({
          ...noFile,
          HUAWEICLOUD_SDK_AK: "AKIAFULLACCESSKEY123",
          HUAWEICLOUD_SDK_SK: "sk",
          HUAWEICLOUD_SDK_SECURITY_TOKEN: "sts",
          HUAWEICLOUD_SDK_PROJECT_ID: "proj"
        })
      )
      assert(a._tag === "AkSk")
      expect(a.projectId).toBe("proj")
      expect(a.securityToken && Redacted.value(a.securityToken)).toBe("sts")
      expect(Credentials.describe(a)).toBe("AK AKIA…Y123 (project proj, temporary)")
      const b = yield* Credentials.load.pipe(withEnv({ ...noFile, CLOUD_SDK_AK: "ak2", CLOUD_SDK_SK: "sk2" }))
      assert(b._tag === "AkSk")
      expect(b.ak).toBe("ak2")
      expect(Redacted.value(b.sk)).toBe("sk2")
    })
  )

  it.effect("fails clearly on nothing, or on half a pair", () =>
    Effect.gen(function* () {
      const none = yield* Effect.flip(Credentials.load.pipe(withEnv(noFile)))
      expect(none._tag).toBe("MissingCredentials")
      expect(none.message).toContain("SMS_AUTH_TOKEN")
      expect(none.message).toContain("HUAWEICLOUD_SDK_AK")
      const half = yield* Effect.flip(Credentials.load.pipe(withEnv({ ...noFile, HUAWEICLOUD_SDK_AK: "ak" })))
      expect(half.message).toBe("HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not")
      // The variable that is set is named, whichever of the two families it is from.
      const other = yield* Effect.flip(Credentials.load.pipe(withEnv({ ...noFile, CLOUD_SDK_SK: "sk" })))
      expect(other.message).toBe("CLOUD_SDK_SK is set but CLOUD_SDK_AK is not")
    })
  )

  it.effect("a value a header cannot carry (a trailing \\r, a control character, past ASCII) is named, not shown", () =>
    Effect.gen(function* () {
      const pair = { HUAWEICLOUD_SDK_AK: "AKIAFULLACCESSKEY123", HUAWEICLOUD_SDK_SK: "secret-sk" }
      const cases = [
        [{ SMS_AUTH_TOKEN: "secret-token\r" }, "SMS_AUTH_TOKEN contains a line break"],
        [{ ...pair, HUAWEICLOUD_SDK_SK: "secret-sk\r" }, "HUAWEICLOUD_SDK_SK contains a line break"],
        [{ CLOUD_SDK_AK: "AK\u0007", CLOUD_SDK_SK: "secret-sk" }, "CLOUD_SDK_AK contains a control character"],
        [{ ...pair, HUAWEICLOUD_SDK_DOMAIN_ID: "dömain" }, "HUAWEICLOUD_SDK_DOMAIN_ID contains a character past ASCII"],
        [{ ...pair, HUAWEICLOUD_SDK_SECURITY_TOKEN: "secret-sts\n" }, "HUAWEICLOUD_SDK_SECURITY_TOKEN contains a line"]
      ] as const
      for (const [env, message] of cases) {
        const error = yield* Effect.flip(Credentials.load.pipe(withEnv({ ...noFile, ...env })))
        expect(error._tag).toBe("MissingCredentials")
        expect(error.message).toContain(message)
        expect(error.message).not.toMatch(/secret/)
        // What to do is to fix that value, not to set credentials (they are set).
        expect(SmsError.hint(error)).toMatch(/^Set [A-Z_]+ again without it/)
      }
    })
  )

  it.live("reads the SDK's INI file; env ids override the file's", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "sms-cred-")))
      const file = join(dir, "credentials")
      yield* Effect.promise(() =>
        writeFile(file, "# comment\n[basic]\nak = FILEAK000000\nsk = FILESK\ndomain_id = file-domain\n")
      )
      const c = yield* Credentials.load.pipe(
        withEnv({ HUAWEICLOUD_SDK_CREDENTIALS_FILE: file, HUAWEICLOUD_SDK_DOMAIN_ID: "env-domain" })
      )
      assert(c._tag === "AkSk")
      expect(c.ak).toBe("FILEAK000000")
      expect(Redacted.value(c.sk)).toBe("FILESK")
      expect(c.domainId).toBe("env-domain")
    })
  )

  it.live("an SK past ASCII is kept, from the environment or the file: it is an HMAC key, never a header", () =>
    Effect.gen(function* () {
      const sk = "SKé-ünïcode-секрет"
      const env = yield* Credentials.load.pipe(
        withEnv({ ...noFile, HUAWEICLOUD_SDK_AK: "AKIAFULLACCESSKEY123", HUAWEICLOUD_SDK_SK: sk })
      )
      assert(env._tag === "AkSk")
      expect(Redacted.value(env.sk)).toBe(sk)
      const file = join(yield* Effect.promise(() => mkdtemp(join(tmpdir(), "sms-cred-"))), "credentials")
      yield* Effect.promise(() => writeFile(file, `[basic]\nak = FILEAK000000\nsk = ${sk}\n`))
      const fromFile = yield* Credentials.load.pipe(withEnv({ HUAWEICLOUD_SDK_CREDENTIALS_FILE: file }))
      assert(fromFile._tag === "AkSk")
      expect(Redacted.value(fromFile.sk)).toBe(sk)
    })
  )

  it.live("without credentials, says what the file lacks: no file, half a pair (which half, where), no pair", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "sms-cred-")))
      const reasonFor = (file: string, text?: string) =>
        Effect.gen(function* () {
          if (text !== undefined) yield* Effect.promise(() => writeFile(file, text))
          const e = yield* Effect.flip(Credentials.load.pipe(withEnv({ HUAWEICLOUD_SDK_CREDENTIALS_FILE: file })))
          return e.reason
        })
      const lead = "No credentials found: none in SMS_AUTH_TOKEN, HUAWEICLOUD_SDK_AK/SK or CLOUD_SDK_AK/SK, and "
      const file = join(dir, "credentials")
      expect(yield* reasonFor(file)).toBe(`${lead}there is no ${file}`)
      expect(yield* reasonFor(file, "[basic]\nak = FILEAK\n")).toBe(`${lead}${file} has ak but no sk in [basic]`)
      expect(yield* reasonFor(file, "sk = SECRET-VALUE\n")).toBe(`${lead}${file} has sk but no ak before any section`)
      expect(yield* reasonFor(file, "[other]\nak=a\nsk=s\n")).toBe(
        `${lead}${file} has no ak/sk in a [basic], [global], [default] section`
      )
      // A folder where the file should be: read fails with its code.
      expect(yield* reasonFor(dir)).toBe(`${lead}${dir} could not be read (EISDIR)`)
    })
  )

  it("parses [global] sections and security tokens", () => {
    const c = Credentials.parseIni("[global]\nak=a\nsk=s\nsecurity_token=t\nproject_id=p\n")
    assert(Option.isSome(c))
    expect(c.value.projectId).toBe("p")
    expect(Option.isNone(Credentials.parseIni("[basic]\nak=a\n"))).toBe(true)
  })
})

describe("Region.resolve", () => {
  it.effect("maps the four regions and the legacy one, ru-moscow-1 with sms-api.", () =>
    Effect.gen(function* () {
      const r = yield* Region.resolve({ region: "ru-moscow-1" }).pipe(withEnv({}))
      expect(r.endpoint).toBe("https://sms-api.ru-moscow-1.myhuaweicloud.com")
      const legacy = yield* Region.resolve().pipe(withEnv({ SMS_REGION: "ap-southeast-1" }))
      expect(legacy.endpoint).toBe("https://sms.ap-southeast-1.myhuaweicloud.com")
      expect(legacy.iamEndpoint).toBe("https://iam.myhuaweicloud.com")
    })
  )

  it.effect("an explicit endpoint wins, loopback included; the per-region env override applies", () =>
    Effect.gen(function* () {
      const e = yield* Region.resolve({ region: "cn-north-4" }).pipe(
        withEnv({
          SMS_ENDPOINT: "http://127.0.0.1:8080/ignored/path",
          HUAWEICLOUD_SDK_IAM_ENDPOINT: "http://127.0.0.1:9"
        })
      )
      expect(e).toEqual({ endpoint: "http://127.0.0.1:8080", region: "cn-north-4", iamEndpoint: "http://127.0.0.1:9" })
      const o = yield* Region.resolve({ region: "cn-north-4" }).pipe(
        withEnv({ HUAWEICLOUD_SDK_REGION_SMS_CN_NORTH_4: "https://sms.internal.example:8443" })
      )
      expect(o.endpoint).toBe("https://sms.internal.example:8443")
    })
  )

  it.effect("names the field when the region is missing or unknown, or the endpoint is not http(s)", () =>
    Effect.gen(function* () {
      const missing = yield* Effect.flip(Region.resolve().pipe(withEnv({})))
      // A library has no --region: its option is named (the CLI names its flag, see apps/cli's sourceOf).
      expect(missing.message).toMatch(
        /^region: not set: pass the region option or set SMS_REGION \(one of cn-north-4, /
      )
      expect(missing.message).toMatch(/or set SMS_ENDPOINT$/)
      const unknown = yield* Effect.flip(Region.resolve({ region: "mars-1" }).pipe(withEnv({})))
      expect(unknown.message).toMatch(/^region: unknown region "mars-1"/)
      const ftp = yield* Effect.flip(Region.resolve({ endpoint: "ftp://x" }).pipe(withEnv({})))
      expect(ftp.message).toBe("endpoint: must be an http or https URL (got ftp:)")
    })
  )

  it("reads the SDKs' regions.yaml", () => {
    const map = Region.parseRegionsYaml(
      "ECS:\n  - id: cn-north-4\n    endpoint: https://ecs.example\nSMS:\n  - id: cn-north-4\n    endpoint: https://sms.example\n  - id: x-1\n    endpoint: 'https://x.example'\n"
    )
    expect([...map.entries()]).toEqual([
      ["cn-north-4", "https://sms.example"],
      ["x-1", "https://x.example"]
    ])
  })
})
