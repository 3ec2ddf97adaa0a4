/**
 * Secrets: the emulator runs with known AK/SK/token values; the CLI, the MCP server (stdio) and the core are
 * driven through every error path (bad input, missing or partial credentials, 401 wrong SK / wrong token /
 * wrong credentials file, 403 denied identity, 404, 5xx, timeout, connection refused, IAM look-up failure,
 * `--log-level debug`, MCP logging at debug). Everything they produce is collected — stdout, stderr, tool
 * results (the whole JSON), log notifications, thrown errors (message, JSON, inspect, pretty cause) and the
 * bytes of every file written — and no secret, nor its base64/base64url, may appear in any of it.
 */
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Emulator from "@sms-consistency/emulator/Emulator"
import * as Credentials from "@sms-consistency/sms/Credentials"
import * as SmsClient from "@sms-consistency/sms/SmsClient"
import { Cause, Duration, Effect, Exit, Redacted, Scope } from "effect"
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { inspect } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cleanEnv, run, stackFrame, tempDir } from "../cli/support.js"
import { assertBuilt, call, connectStdio, cleanEnv as mcpEnv } from "../mcp/support.js"

const secret = {
  ak: "AKRELIABILITY0000042",
  sk: "SKRELIABILITYSECRETVALUE0000000000000042",
  token: "tok-reliability-SECRET-token-0000000042",
  securityToken: "sts-reliability-SECRET-security-token-42",
  temporaryAk: "AKRELIABILITYTEMP042",
  temporarySk: "SKRELIABILITYTEMPSECRET00000000000000042",
  deniedAk: "AKRELIABILITYDENIED1",
  deniedSk: "SKRELIABILITYDENIEDSECRET000000000000042",
  deniedToken: "tok-reliability-DENIED-token-000000042",
  wrongSk: "SKRELIABILITYWRONGSECRET0000000000000042",
  wrongToken: "tok-reliability-WRONG-token-0000000042"
} as const

/** Every secret, and its base64 and base64url forms (and the AK:SK pair's, as a Basic header would carry it). */
const needles: ReadonlyArray<readonly [string, string]> = [
  ...Object.entries(secret),
  ["ak:sk", `${secret.ak}:${secret.sk}`]
].flatMap(([name, value]) => {
  const forms: Array<readonly [string, string]> = [
    [name, value],
    [`${name} base64`, Buffer.from(value).toString("base64")],
    [`${name} base64url`, Buffer.from(value).toString("base64url")]
  ]
  return name === "ak:sk" ? forms.slice(1) : forms
})

/** Everything the tests collected, by where it came from. */
const collected: Array<readonly [string, string]> = []
const collect = (where: string, text: string) => collected.push([where, text])

let scope: Scope.CloseableScope
let emu: Emulator.EmulatorHandle
let home: string
let exportRoot: string

const taskOf = (i: number) => {
  const s = emu.seeded.sources[i]
  if (s?.current_task?.id === undefined) throw new Error(`no seeded source ${i}`)
  return { task_id: s.current_task.id, source_id: s.id, source_name: s.name }
}
const taskSpec = (i: number) => {
  const t = taskOf(i)
  return `${t.task_id},${t.source_id},"${t.source_name}"`
}

beforeAll(async () => {
  assertBuilt()
  home = await tempDir("sms-secrets-home-")
  exportRoot = await tempDir("sms-secrets-out-")
  scope = Effect.runSync(Scope.make())
  emu = await Effect.runPromise(
    Scope.extend(
      Emulator.start({
        sources: 20,
        credentials: {
          ak: secret.ak,
          sk: Redacted.make(secret.sk),
          token: Redacted.make(secret.token),
          deniedAk: secret.deniedAk,
          deniedSk: Redacted.make(secret.deniedSk),
          deniedToken: Redacted.make(secret.deniedToken),
          temporaryAk: secret.temporaryAk,
          temporarySk: Redacted.make(secret.temporarySk),
          securityToken: Redacted.make(secret.securityToken)
        }
      }),
      scope
    )
  )
})

afterAll(async () => {
  if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
  for (const dir of [home, exportRoot]) if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

const akSkEnv = (ak: string, sk: string, extra: Record<string, string> = {}) => ({
  SMS_ENDPOINT: emu.url,
  HUAWEICLOUD_SDK_IAM_ENDPOINT: emu.url,
  HUAWEICLOUD_SDK_AK: ak,
  HUAWEICLOUD_SDK_SK: sk,
  HUAWEICLOUD_SDK_DOMAIN_ID: emu.credentials.domainId,
  ...extra
})

/** The bytes of every file under `dir`, recursively, as latin1 text (so any byte sequence can be searched). */
const filesUnder = async (dir: string): Promise<ReadonlyArray<readonly [string, string]>> => {
  const out: Array<readonly [string, string]> = []
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d).catch(() => [])) {
      const path = join(d, name)
      if ((await stat(path)).isDirectory()) await walk(path)
      else out.push([path, (await readFile(path)).toString("latin1")])
    }
  }
  await walk(dir)
  return out
}

interface CliCase {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly env: Record<string, string>
  readonly codes: ReadonlyArray<number>
  readonly before?: () => Promise<void>
}

describe("CLI error paths", () => {
  const out = () => join(exportRoot, "cli")
  const exportArgs = (i = 0, extra: ReadonlyArray<string> = [], retries = 0) => [
    "export",
    "--task",
    taskSpec(i),
    "--output",
    `${out()}/`,
    "--retries",
    String(retries),
    ...extra
  ]
  const cases = (): ReadonlyArray<CliCase> => [
    {
      name: "invalid --task",
      args: ["export", "--task", "only-one-field"],
      env: akSkEnv(secret.ak, secret.sk),
      codes: [2]
    },
    {
      name: "invalid --task, JSON, debug",
      args: ["export", "--task", `${"x".repeat(37)},s,n`, "--json", "--log-level", "debug"],
      env: akSkEnv(secret.ak, secret.sk),
      codes: [2]
    },
    {
      name: "invalid --timeout",
      args: [...exportArgs(), "--timeout", "soon"],
      env: akSkEnv(secret.ak, secret.sk),
      codes: [2]
    },
    { name: "missing credentials", args: exportArgs(), env: { SMS_ENDPOINT: emu.url }, codes: [3] },
    {
      name: "partial credentials: SK and security token without AK",
      args: [...exportArgs(), "--log-level", "debug"],
      env: {
        SMS_ENDPOINT: emu.url,
        HUAWEICLOUD_SDK_SK: secret.sk,
        HUAWEICLOUD_SDK_SECURITY_TOKEN: secret.securityToken
      },
      codes: [3]
    },
    { name: "401 wrong SK", args: exportArgs(), env: akSkEnv(secret.ak, secret.wrongSk), codes: [3] },
    {
      name: "401 wrong SK, debug, JSON",
      args: [...exportArgs(0, ["--json"]), "--log-level", "debug"],
      env: akSkEnv(secret.ak, secret.wrongSk),
      codes: [3]
    },
    {
      name: "401 wrong token, debug",
      args: [...exportArgs(), "--log-level", "debug"],
      env: { SMS_ENDPOINT: emu.url, SMS_AUTH_TOKEN: secret.wrongToken },
      codes: [3]
    },
    {
      name: "401 on the IAM domain look-up (no domain id), debug",
      args: [...exportArgs(), "--log-level", "debug"],
      env: {
        SMS_ENDPOINT: emu.url,
        HUAWEICLOUD_SDK_IAM_ENDPOINT: emu.url,
        HUAWEICLOUD_SDK_AK: secret.ak,
        HUAWEICLOUD_SDK_SK: secret.wrongSk
      },
      codes: [3]
    },
    {
      name: "401 from a wrong credentials file",
      args: exportArgs(),
      env: { SMS_ENDPOINT: emu.url, HUAWEICLOUD_SDK_DOMAIN_ID: emu.credentials.domainId },
      codes: [3],
      before: async () => {
        await mkdir(join(home, ".huaweicloud"), { recursive: true })
        await writeFile(
          join(home, ".huaweicloud", "credentials"),
          `[basic]\nak = ${secret.ak}\nsk = ${secret.wrongSk}\nsecurity_token = ${secret.securityToken}\n`
        )
      }
    },
    {
      name: "401 sources --all with a wrong SK",
      args: ["sources", "--log-level", "debug"],
      env: akSkEnv(secret.ak, secret.wrongSk),
      codes: [3]
    },
    { name: "401 tasks", args: ["tasks"], env: akSkEnv(secret.ak, secret.wrongSk), codes: [3] },
    { name: "401 result", args: ["result", taskOf(0).task_id], env: akSkEnv(secret.ak, secret.wrongSk), codes: [3] },
    { name: "403 denied identity", args: exportArgs(), env: akSkEnv(secret.deniedAk, secret.deniedSk), codes: [3] },
    {
      name: "403 denied token, debug, JSON",
      args: [...exportArgs(1, ["--json"]), "--log-level", "debug"],
      env: { SMS_ENDPOINT: emu.url, SMS_AUTH_TOKEN: secret.deniedToken },
      codes: [3]
    },
    {
      name: "404 unknown task, with a security token, debug",
      args: ["export", "--task", "no-such-task,,", "--output", `${out()}/`, "--log-level", "debug"],
      env: akSkEnv(secret.temporaryAk, secret.temporarySk, { HUAWEICLOUD_SDK_SECURITY_TOKEN: secret.securityToken }),
      codes: [4]
    },
    {
      name: "5xx after retries, debug",
      args: [...exportArgs(2, ["--json"], 1), "--log-level", "debug"],
      env: akSkEnv(secret.ak, secret.sk),
      codes: [5],
      before: () =>
        Effect.runPromise(
          emu.script([
            { _tag: "Status", status: 503 },
            { _tag: "Status", status: 500 }
          ])
        )
    },
    {
      name: "timeout",
      args: [...exportArgs(3), "--timeout", "150ms"],
      env: { SMS_ENDPOINT: emu.url, SMS_AUTH_TOKEN: secret.token },
      codes: [5],
      before: () => Effect.runPromise(emu.script([{ _tag: "SlowBody", delayMs: 600 }]))
    },
    {
      name: "connection refused, debug",
      args: [...exportArgs(), "--log-level", "debug"],
      env: { ...akSkEnv(secret.ak, secret.sk), SMS_ENDPOINT: "http://127.0.0.1:9" },
      codes: [5]
    },
    {
      name: "success with a security token, debug (the control: files are written and searched)",
      args: [...exportArgs(4), "--log-level", "debug"],
      env: akSkEnv(secret.temporaryAk, secret.temporarySk, { HUAWEICLOUD_SDK_SECURITY_TOKEN: secret.securityToken }),
      codes: [0]
    }
  ]

  it("every error path exits with its documented code; output is collected", async () => {
    const seen: Array<string> = []
    for (const c of cases()) {
      await c.before?.()
      const r = await run(c.args, { env: cleanEnv(home, c.env), timeoutMs: 30_000 })
      collect(`cli ${c.name} stdout`, r.stdout)
      collect(`cli ${c.name} stderr`, r.stderr)
      expect(r.stderr, c.name).not.toMatch(stackFrame)
      expect(c.codes, `${c.name}: exit ${r.code}\n${r.stderr}`).toContain(r.code)
      seen.push(c.name)
    }
    expect(seen.length).toBe(cases().length)
    // The success case wrote a file: the files below are really searched.
    const files = await filesUnder(out())
    expect(files.length).toBeGreaterThan(0)
    // HOME too (the official SDK writes ~/.huaweicloud/application_id), except the credentials file planted above.
    const planted = join(home, ".huaweicloud", "credentials")
    for (const [path, text] of [...files, ...(await filesUnder(home))])
      if (path !== planted) collect(`file ${path}`, text)
  })
})

describe("MCP server (stdio) error paths", () => {
  interface McpCase {
    readonly name: string
    readonly env: Record<string, string>
    readonly calls: ReadonlyArray<readonly [string, Record<string, unknown>]>
    readonly before?: () => Promise<void>
  }
  const valid = () => ({ task_info: [taskOf(5)] })
  const cases = (): ReadonlyArray<McpCase> => [
    {
      name: "wrong SK",
      env: akSkEnv(secret.temporaryAk, secret.wrongSk, { HUAWEICLOUD_SDK_SECURITY_TOKEN: secret.securityToken }),
      calls: [
        ["export_consistency_results", valid()],
        ["list_sources_with_results", {}],
        ["list_migration_tasks", { limit: 1 }],
        ["show_consistency_result", { task_id: taskOf(0).task_id }]
      ]
    },
    {
      name: "wrong token",
      env: { SMS_ENDPOINT: emu.url, SMS_AUTH_TOKEN: secret.wrongToken },
      calls: [["export_consistency_results", valid()]]
    },
    {
      name: "denied identity",
      env: akSkEnv(secret.deniedAk, secret.deniedSk),
      calls: [["export_consistency_results", valid()]]
    },
    {
      name: "partial credentials (SK only)",
      env: { SMS_ENDPOINT: emu.url, HUAWEICLOUD_SDK_SK: secret.sk },
      calls: [["export_consistency_results", valid()]]
    },
    {
      name: "valid identity with a security token: invalid args, 404, 5xx, success",
      env: akSkEnv(secret.temporaryAk, secret.temporarySk, { HUAWEICLOUD_SDK_SECURITY_TOKEN: secret.securityToken }),
      calls: [
        ["export_consistency_results", { task_info: [{ task_id: 7 }] }],
        ["export_consistency_results", { task_info: [{ task_id: "no-such-task", source_id: "", source_name: "" }] }],
        ["show_consistency_result", { task_id: "no-such-task" }],
        ["list_migration_tasks", { limit: 1 }],
        ["export_consistency_results", valid()]
      ],
      before: () => Effect.runPromise(emu.script([{ _tag: "Status", status: 500 }]))
    },
    {
      name: "connection refused",
      env: { ...akSkEnv(secret.ak, secret.sk), SMS_ENDPOINT: "http://127.0.0.1:9" },
      calls: [["export_consistency_results", valid()]]
    }
  ]

  it("tool results, log notifications at debug and stderr are collected; the failures are isError results", async () => {
    let results = 0
    let errors = 0
    for (const c of cases()) {
      const env = mcpEnv({ ...c.env, HOME: home, SMS_EXPORT_DIR: join(exportRoot, "mcp") })
      const server = await connectStdio([], env)
      const logs: Array<string> = []
      server.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        logs.push(JSON.stringify(n))
      })
      try {
        await server.client.setLoggingLevel("debug")
        await c.before?.()
        for (const [tool, args] of c.calls) {
          const result = await call(server.client, tool, args)
          results++
          if (result.isError === true) errors++
          collect(`mcp ${c.name} ${tool} result`, JSON.stringify(result))
          if (process.env.DEBUG_SECRETS)
            process.stderr.write(`${c.name} ${tool}: ${JSON.stringify(result).slice(0, 400)}\n`)
        }
      } finally {
        await server.close()
      }
      collect(`mcp ${c.name} logs`, logs.join("\n"))
      collect(`mcp ${c.name} stderr`, server.stderr())
    }
    expect(results).toBe(cases().reduce((n, c) => n + c.calls.length, 0))
    // All but the last case's two successes (list_migration_tasks, export) are failures.
    expect(errors).toBe(results - 2)
    const files = await filesUnder(join(exportRoot, "mcp"))
    expect(files.length).toBeGreaterThan(0)
    for (const [path, text] of files) collect(`file ${path}`, text)
  })
})

describe("core: thrown and failed values", () => {
  const errorPaths: ReadonlyArray<readonly [string, Credentials.Credentials, ReadonlyArray<Emulator.ScriptedFault>]> = [
    ["wrong SK", new Credentials.AkSk({ ak: secret.ak, sk: Redacted.make(secret.wrongSk), domainId: "d" }), []],
    ["wrong token", new Credentials.Token({ token: Redacted.make(secret.wrongToken) }), []],
    ["denied", new Credentials.AkSk({ ak: secret.deniedAk, sk: Redacted.make(secret.deniedSk) }), []],
    [
      "temporary credentials, wrong SK",
      new Credentials.AkSk({
        ak: secret.temporaryAk,
        sk: Redacted.make(secret.wrongSk),
        securityToken: Redacted.make(secret.securityToken)
      }),
      []
    ],
    ["5xx", new Credentials.Token({ token: Redacted.make(secret.token) }), [{ _tag: "Status", status: 502 }]],
    ["reset", new Credentials.Token({ token: Redacted.make(secret.token) }), [{ _tag: "ResetBeforeBody" }]],
    ["timeout", new Credentials.Token({ token: Redacted.make(secret.token) }), [{ _tag: "SlowBody", delayMs: 500 }]]
  ]

  it("every error's message, JSON, inspect() and pretty cause are collected", async () => {
    let failures = 0
    for (const [name, credentials, faults] of errorPaths) {
      await Effect.runPromise(emu.script(faults))
      const layer = SmsClient.layer({
        endpoint: emu.url,
        iamEndpoint: emu.url,
        credentials,
        retries: 0,
        timeout: Duration.millis(200)
      })
      const exit = await Effect.runPromiseExit(
        Effect.flatMap(SmsClient.SmsClient, (c) => c.exportConsistencyResults({ task_info: [taskOf(6)] })).pipe(
          Effect.provide(layer)
        )
      )
      if (Exit.isSuccess(exit)) throw new Error(`${name}: expected a failure`)
      failures++
      const pretty = Cause.pretty(exit.cause)
      collect(`core ${name} pretty`, pretty)
      collect(`core ${name} inspect`, inspect(exit.cause, { depth: 10 }))
      collect(`core ${name} json`, JSON.stringify(exit.cause))
      // The caller's own credentials value holds the AK in the clear (an identifier); SK and tokens are Redacted.
      collect(
        `core ${name} credentials object`,
        `${String(credentials)} ${inspect(credentials, { depth: 10 })} ${JSON.stringify(credentials)}`
      )
      // A rejected runPromise throws: its message and stack too.
      await Effect.runPromise(emu.script(faults))
      const thrown = await Effect.runPromise(
        Effect.flatMap(SmsClient.SmsClient, (c) => c.exportConsistencyResults({ task_info: [taskOf(6)] })).pipe(
          Effect.provide(layer)
        )
      ).then(
        () => "",
        (e: unknown) => (e instanceof Error ? `${e.message}\n${e.stack ?? ""}\n${inspect(e)}` : inspect(e))
      )
      collect(`core ${name} thrown`, thrown)
      expect(thrown.length).toBeGreaterThan(0)
    }
    expect(failures).toBe(errorPaths.length)
  })
})

describe("the verdict", () => {
  it("no secret, nor its base64 or base64url, appears in anything collected", () => {
    // Enough was collected to mean something: the three surfaces, files included.
    const sources = new Set(collected.map(([where]) => where.split(" ")[0]))
    expect([...sources].sort()).toEqual(["cli", "core", "file", "mcp"])
    expect(collected.length).toBeGreaterThan(60)
    const leaks: Array<string> = []
    for (const [where, text] of collected)
      for (const [name, needle] of needles)
        if (
          text.includes(needle) &&
          !(where.endsWith("credentials object") && /^(ak|deniedAk|temporaryAk)\b/.test(name))
        )
          leaks.push(`${name} in ${where}`)
    expect(leaks).toEqual([])
    process.stderr.write(
      `secrets: ${collected.length} outputs (${collected.reduce((n, [, t]) => n + t.length, 0)} characters) searched for ${needles.length} needles\n`
    )
  })

  it("the search itself can fail: a planted secret is found", () => {
    const planted = [`x ${Buffer.from(secret.sk).toString("base64")} y`]
    expect(planted.some((t) => needles.some(([, n]) => t.includes(n)))).toBe(true)
  })
})
