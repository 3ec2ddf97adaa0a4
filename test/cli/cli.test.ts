/**
 * End-to-end: the built bin (`pnpm build` first) spawned against the in-process emulator and a byte-level
 * capture server. Every case checks the exit code, that stderr holds no stack trace, and where it matters
 * that nothing was sent.
 */
import * as Emulator from "@sms-consistency/emulator/Emulator"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { createHash, createHmac } from "node:crypto"
import { closeSync, existsSync, openSync } from "node:fs"
import { lstat, mkdir, readdir, readFile, stat, symlink, truncate, writeFile } from "node:fs/promises"
import { createServer, type Socket } from "node:net"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest"
import { bin, binBuilt, captureServer, cleanEnv, run, stackFrame, tempDir } from "./support.js"

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex")

let scope: Scope.CloseableScope
let emu: Emulator.EmulatorHandle
let home: string

const envFor = (extra: Record<string, string> = {}) => {
  const c = emu.credentials
  return cleanEnv(home, {
    SMS_ENDPOINT: emu.url,
    HUAWEICLOUD_SDK_IAM_ENDPOINT: emu.url,
    HUAWEICLOUD_SDK_AK: c.ak,
    HUAWEICLOUD_SDK_SK: Redacted.value(c.sk),
    HUAWEICLOUD_SDK_DOMAIN_ID: c.domainId,
    ...extra
  })
}

const taskOf = (i: number) => {
  const s = emu.seeded.sources[i]
  if (s?.current_task?.id === undefined) throw new Error(`no seeded source ${i}`)
  return { task_id: s.current_task.id, source_id: s.id, source_name: s.name }
}

/** Sends `signal` to the CLI once a `.zip` is in `directory` (the first call's file placed, the next in flight). */
const signalWhenWritten = (directory: string, signal: NodeJS.Signals) => (child: ChildProcess) => {
  const poll = setInterval(async () => {
    const names = await readdir(directory)
    if (!names.some((n) => n.endsWith(".zip"))) return
    clearInterval(poll)
    child.kill(signal)
  }, 25)
  child.on("close", () => clearInterval(poll))
}

const exportsSent = () => emu.requests().filter((r) => r.path === "/v3/tasks/consistency-results/export").length
const requestCount = () => emu.stats().requests

/** Runs the bin and checks what holds for every run: no stack trace anywhere, no secret anywhere. */
const cli = async (args: ReadonlyArray<string>, options: Parameters<typeof run>[1]) => {
  const r = await run(args, options)
  for (const text of [r.stdout, r.stderr]) {
    expect(text).not.toMatch(stackFrame)
    if (emu !== undefined && !args.includes("emulator")) {
      expect(text).not.toContain(Redacted.value(emu.credentials.sk))
      expect(text).not.toContain(Redacted.value(emu.credentials.token))
    }
  }
  return r
}

beforeAll(async () => {
  if (!binBuilt()) throw new Error("build the bin first: pnpm build (or apps/cli: pnpm bundle)")
  home = await tempDir("sms-cli-home-")
  scope = Effect.runSync(Scope.make())
  emu = await Effect.runPromise(Scope.extend(Emulator.start({ sources: 450 }), scope))
})

afterAll(async () => {
  if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
})

describe("help, version, completions, colour", () => {
  it("--help lists the commands, the credential env names and the exit codes, without ANSI when piped", async () => {
    const r = await cli(["--help"], { env: cleanEnv(home) })
    expect(r.code).toBe(0)
    for (const word of ["export", "sources", "tasks", "result", "emulator", "demo"]) expect(r.stdout).toContain(word)
    for (const name of ["SMS_AUTH_TOKEN", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "SMS_REGION", "SMS_ENDPOINT"])
      expect(r.stdout).toContain(name)
    expect(r.stdout).toMatch(/3 authentication or permission/)
    expect(r.stdout).not.toContain("\u001b[")
  })

  it("export --help documents the tasks, --output, --json and the environment", async () => {
    const r = await cli(["export", "--help"], { env: cleanEnv(home, { NO_COLOR: "1" }) })
    expect(r.code).toBe(0)
    for (const flag of ["--task", "--tasks-file", "--all", "--output", "--force", "--language", "--json", "--region"])
      expect(r.stdout).toContain(flag)
    expect(r.stdout).toContain('"failed"')
    expect(r.stdout).toContain("HUAWEICLOUD_SDK_DOMAIN_ID")
    expect(r.stdout).not.toContain("\u001b[")
    // Each option opens with its own description, not @effect/cli's generic words for its value type.
    expect(r.stdout).toContain("--concurrency N\n\n  Parallel calls")
    expect(r.stdout).not.toMatch(/A user-defined piece of text|A true or false value|An integer/)
    expect(r.stdout).toContain("One of the following: en-us, zh-cn")
    // The program named once on top, and in the usage line as it is typed; --task shown as optional there.
    expect(r.stdout.startsWith("sms-consistency 0.1.0\n\nUSAGE\n\n$ sms-consistency export [--task TASK_ID,")).toBe(
      true
    )
  })

  it("--version prints 0.1.0; --completions bash prints a script", async () => {
    const v = await cli(["--version"], { env: cleanEnv(home) })
    expect(v.code).toBe(0)
    expect(v.stdout).toBe("0.1.0\n")
    const c = await cli(["--completions", "bash"], { env: cleanEnv(home) })
    expect(c.code).toBe(0)
    expect(c.stdout).toContain("sms-consistency")
    expect(c.stdout).toContain("complete")
  })
  it.each([
    { args: ["export", "--help", "--log-level", "loud"], help: "export" },
    { args: ["export", "--log-level", "loud", "--help"], help: "export" },
    { args: ["export", "-h", "--log-level", "loud"], help: "export" },
    { args: ["export", "--log-level=loud", "--help"], help: "export" },
    { args: ["--help", "--log-level", "loud"], help: "root" },
    { args: ["export", "--version", "--completions", "ksh"], help: "version" },
    { args: ["--version", "--log-level", "loud"], help: "version" }
  ])("help asked for wins over a bad value of a built-in flag: $args", async ({ args, help }) => {
    const r = await cli(args, { env: cleanEnv(home, { NO_COLOR: "1" }) })
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    if (help === "version") expect(r.stdout).toBe("0.1.0\n")
    else
      expect(
        r.stdout.startsWith(
          `sms-consistency 0.1.0\n\nUSAGE\n\n$ sms-consistency${help === "export" ? " export " : "\n"}`
        )
      ).toBe(true)
  })
})

describe("export against a capture server", () => {
  it("sends one signed request with the exact body and writes the response bytes losslessly", async () => {
    // Every byte value, invalid UTF-8 included: a text decode anywhere would change the hash.
    const body = Buffer.concat([Buffer.from("PK\u0003\u0004"), Buffer.from(Array.from({ length: 256 }, (_, i) => i))])
    const server = await captureServer(() => ({
      status: 200,
      headers: {
        "Content-Type": "application/octet-stream",
        "Content-Disposition": 'attachment; filename="results-capture.zip"',
        "X-Request-Id": "req-capture-1"
      },
      body
    }))
    const cwd = await tempDir()
    const ak = "AKTESTEXAMPLE0000000"
    const sk = "SKTESTEXAMPLESECRET0000000000000000000000"
    try {
      const r = await cli(
        ["export", "--task", "t-1,s-1,web 01", "--task", 't-2,s-2,"db, primary"', "--language", "en-us", "--json"],
        {
          cwd,
          env: cleanEnv(home, {
            SMS_ENDPOINT: server.url,
            HUAWEICLOUD_SDK_AK: ak,
            HUAWEICLOUD_SDK_SK: sk,
            HUAWEICLOUD_SDK_DOMAIN_ID: "0123456789abcdef0123456789abcdef"
          })
        }
      )
      expect(r.stderr).toBe("")
      expect(r.code).toBe(0)
      expect(server.requests).toHaveLength(1)
      const req = server.requests[0]
      if (req === undefined) throw new Error("no request")
      expect(req.method).toBe("POST")
      expect(req.url).toBe("/v3/tasks/consistency-results/export")
      expect(req.body.toString("utf8")).toBe(
        '{"task_info":[{"task_id":"t-1","source_id":"s-1","source_name":"web 01"},{"task_id":"t-2","source_id":"s-2","source_name":"db, primary"}]}'
      )
      expect(req.headers["x-language"]).toBe("en-us")
      expect(req.headers["x-domain-id"]).toBe("0123456789abcdef0123456789abcdef")
      // Recompute the signature independently over what arrived.
      const auth = /^SDK-HMAC-SHA256 Access=(\S+), SignedHeaders=(\S+), Signature=([0-9a-f]{64})$/.exec(
        String(req.headers.authorization)
      )
      expect(auth?.[1]).toBe(ak)
      const signed = (auth?.[2] ?? "").split(";")
      expect(signed).toEqual(
        expect.arrayContaining(["content-type", "host", "x-domain-id", "x-language", "x-sdk-date"])
      )
      const canonical = [
        "POST",
        "/v3/tasks/consistency-results/export/",
        "",
        ...signed.map((h) => `${h}:${String(req.headers[h]).trim()}`),
        "",
        signed.join(";"),
        sha256(req.body)
      ].join("\n")
      const toSign = `SDK-HMAC-SHA256\n${String(req.headers["x-sdk-date"])}\n${sha256(canonical)}`
      expect(auth?.[3]).toBe(createHmac("sha256", sk).update(toSign).digest("hex"))
      // One JSON document on stdout, and the file is the body, byte for byte.
      const doc = JSON.parse(r.stdout)
      expect(doc.exported).toBe(2)
      expect(doc.failed).toEqual([])
      expect(doc.files).toHaveLength(1)
      expect(doc.files[0].path).toBe(join(cwd, "results-capture.zip"))
      expect(doc.files[0]).toMatchObject({ bytes: body.length, sha256: sha256(body), tasks: 2 })
      expect(Buffer.compare(await readFile(join(cwd, "results-capture.zip")), body)).toBe(0)
    } finally {
      await server.close()
    }
  })

  it("sends an IAM token as X-Auth-Token, unsigned, and never prints it", async () => {
    const server = await captureServer(() => ({
      status: 200,
      headers: { "Content-Type": "application/zip" },
      body: Buffer.from("PK\u0003\u0004zip")
    }))
    const cwd = await tempDir()
    try {
      const token = "MIIToken-secret-value-0123456789"
      const r = await cli(["export", "--task", "t-1,s-1,web", "--log-level", "debug"], {
        cwd,
        env: cleanEnv(home, { SMS_ENDPOINT: server.url, SMS_AUTH_TOKEN: token })
      })
      expect(r.code).toBe(0)
      expect(server.requests[0]?.headers["x-auth-token"]).toBe(token)
      expect(server.requests[0]?.headers.authorization).toBeUndefined()
      expect(r.stdout + r.stderr).not.toContain(token)
      expect(r.stdout).toContain("IAM token")
      expect((await readdir(cwd)).filter((f) => f.endsWith(".zip"))).toHaveLength(1)
    } finally {
      await server.close()
    }
  })
})

describe("export against the emulator", () => {
  it("450 tasks → 3 calls and 3 files; --output FILE becomes -part-1..3", async () => {
    const cwd = await tempDir()
    const tasks = Array.from({ length: 450 }, (_, i) => taskOf(i))
    await writeFile(join(cwd, "tasks.json"), JSON.stringify({ task_info: tasks }))
    const before = exportsSent()
    const r = await cli(["export", "--tasks-file", "tasks.json", "--output", "out/results.zip", "--json"], {
      cwd,
      env: envFor()
    })
    expect(r.code).toBe(0)
    expect(exportsSent() - before).toBe(3)
    const doc = JSON.parse(r.stdout)
    expect(doc.exported).toBe(450)
    expect(doc.files.map((f: { tasks: number }) => f.tasks)).toEqual([200, 200, 50])
    expect(doc.files.map((f: { path: string }) => f.path)).toEqual([
      join(cwd, "out", "results-part-1.zip"),
      join(cwd, "out", "results-part-2.zip"),
      join(cwd, "out", "results-part-3.zip")
    ])
    for (const f of doc.files) {
      const bytes = await readFile(f.path)
      expect(bytes.length).toBe(f.bytes)
      expect(sha256(bytes)).toBe(f.sha256)
      expect(bytes.subarray(0, 4).toString("latin1")).toBe("PK\u0003\u0004")
    }
    // A second run without --force refuses before sending anything.
    const again = await cli(["export", "--tasks-file", "tasks.json", "--output", "out/results.zip"], {
      cwd,
      env: envFor()
    })
    expect(again.code).toBe(2)
    expect(again.stderr).toContain("results-part-1.zip already exists")
    expect(again.stderr).toContain("--force")
    expect(exportsSent() - before).toBe(3)
  })

  it("--output FILE with an odd but legal name is written under exactly that name, and no other", async () => {
    const cwd = await tempDir()
    for (const name of ["ü名 $x.zip", "a b;c (1).zip", `${"n".repeat(196)}.zip`]) {
      const r = await cli(
        ["export", "--task", Object.values(taskOf(0)).join(","), "--output", `out/${name}`, "--json"],
        {
          cwd,
          env: envFor()
        }
      )
      expect(r.code).toBe(0)
      expect(JSON.parse(r.stdout).files.map((f: { path: string }) => f.path)).toEqual([join(cwd, "out", name)])
    }
    expect((await readdir(join(cwd, "out"))).sort()).toEqual(
      ["ü名 $x.zip", "a b;c (1).zip", `${"n".repeat(196)}.zip`].sort()
    )
  })

  it("a CSV --tasks-file named .json is read as CSV, said on stderr", async () => {
    const cwd = await tempDir()
    const [a, b] = [taskOf(0), taskOf(1)]
    const csv = ["task_id,source_id,source_name", ...[a, b].map((t) => Object.values(t).join(","))].join("\n")
    await writeFile(join(cwd, "tasks.json"), csv)
    const before = exportsSent()
    const r = await cli(["export", "--tasks-file", "tasks.json", "--dry-run", "--json"], { cwd, env: envFor() })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, tasks: 2, calls: 1 })
    expect(r.stderr).toContain("tasks.json: read as CSV (named .json, but its first line is a CSV header)")
    expect(exportsSent()).toBe(before)
  })

  it("--all discovers every source with results (all pages) and writes into a directory, existing or new", async () => {
    const cwd = await tempDir()
    await mkdir(join(cwd, "into"))
    const withResults = emu.seeded.sources.filter((s) => s.is_consistency_result_exist).length
    const r = await cli(["export", "--all", "--output", "into"], { cwd, env: envFor() })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`Exported ${withResults} tasks in ${Math.ceil(withResults / 200)} files`)
    expect(r.stdout).toContain("AK EMUL…0000")
    const files = await readdir(join(cwd, "into"))
    expect(files.filter((f) => f.endsWith(".zip"))).toHaveLength(Math.ceil(withResults / 200))
    // A new path without an extension is a folder too (not files named exports-part-1, …).
    const made = await cli(["export", "--all", "--output", "exports", "--json"], { cwd, env: envFor() })
    expect(made.code).toBe(0)
    const written = await readdir(join(cwd, "exports"))
    expect(written.filter((f) => f.endsWith(".zip"))).toHaveLength(Math.ceil(withResults / 200))
  })

  it("a domain id not given: the summary and --json name the one looked up; a look-up IAM refuses says why, no domain id advice", async () => {
    const cwd = await tempDir()
    const spec = `${taskOf(0).task_id},${taskOf(0).source_id},${taskOf(0).source_name}`
    const env = envFor({ HUAWEICLOUD_SDK_DOMAIN_ID: "" })
    const identity = `AK EMUL…0000 (domain ${emu.credentials.domainId}, looked up)`
    const text = await cli(["export", "--task", spec], { cwd, env })
    expect(text.code).toBe(0)
    expect(text.stdout).toContain(`from ${emu.url} as ${identity}\n`)
    const doc = await cli(["export", "--task", spec, "--output", "j", "--json"], { cwd, env })
    expect(doc.code).toBe(0)
    expect(JSON.parse(doc.stdout).identity).toBe(identity)
    // A wrong SK: IAM answers the look-up 401, which a domain id given would not fix (the service checks the same).
    const refused = await cli(["export", "--task", spec, "--output", "k"], {
      cwd,
      env: { ...env, HUAWEICLOUD_SDK_SK: "WRONG-SK-0000000000000000000000" }
    })
    expect(refused.code).toBe(3)
    const [warning] = refused.stderr.split("\n")
    expect(warning).toMatch(
      new RegExp(
        `^\\[warn\\] looking up the account's domain id at ${emu.url}/v3/auth/domains failed: IAM refused the ` +
          "credentials: Unauthorized \\(HTTP 401\\) — APIGW\\.0301: .*\\[request id [^\\]]+\\]$"
      )
    )
    expect(refused.stderr).not.toContain("HUAWEICLOUD_SDK_DOMAIN_ID")
    expect(refused.stderr).toContain("\nerror: 1 task not exported: Unauthorized (HTTP 401)")
  })

  it("sources --json or tasks --json | export --tasks-file -: their tasks; servers without results left out, said so", async () => {
    const cwd = await tempDir()
    const listed = await cli(["sources", "--json"], { cwd, env: envFor() })
    expect(listed.code).toBe(0)
    const all = emu.seeded.sources.length
    const withResults = emu.seeded.sources.filter((s) => s.is_consistency_result_exist && s.current_task).length
    expect(withResults).toBeLessThan(all)
    const r = await cli(["export", "--tasks-file", "-", "--json"], { cwd, env: envFor(), stdin: listed.stdout })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ exported: withResults, failed: [] })
    expect(r.stderr).toContain(`stdin: left out ${all - withResults} of ${all} source servers (`)
    // tasks --json too: every task with its source server (the emulator exports a task whatever its results).
    const tasks = await cli(["tasks", "--json"], { cwd, env: envFor() })
    expect(tasks.code).toBe(0)
    const count = JSON.parse(tasks.stdout).tasks.length
    const t = await cli(["export", "--tasks-file", "-", "--json"], { cwd, env: envFor(), stdin: tasks.stdout })
    expect(t.code).toBe(0)
    expect(JSON.parse(t.stdout)).toMatchObject({ exported: count, failed: [] })
  })

  it("--dry-run says what would be exported and where, as whom; sends no export and writes nothing", async () => {
    const cwd = await tempDir()
    const before = exportsSent()
    const withResults = emu.seeded.sources.filter((s) => s.is_consistency_result_exist).length
    const r = await cli(["export", "--all", "--dry-run", "--output", "into/", "--json"], { cwd, env: envFor() })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({
      dryRun: true,
      tasks: withResults,
      calls: Math.ceil(withResults / 200),
      duplicates: 0,
      directory: join(cwd, "into"),
      endpoint: emu.url,
      identity: expect.stringContaining("AK EMUL…0000")
    })
    const [a, b] = [taskOf(1), taskOf(2)]
    const spec = (t: typeof a) => `${t.task_id},${t.source_id},${t.source_name}`
    const text = await cli(
      ["export", "--task", spec(a), "--task", spec(b), "--task", spec(a), "--dry-run", "--output", "r.zip"],
      { cwd, env: envFor() }
    )
    expect(text.code).toBe(0)
    expect(text.stdout).toContain("Would export 2 tasks in 1 call from")
    expect(text.stdout).toContain("(1 duplicate skipped)\n  into r.zip\nNothing was exported (--dry-run).")
    expect(exportsSent()).toBe(before)
    expect(await readdir(cwd)).toEqual([])
  })

  it('number flags take blanks around the value, as --timeout does: --retries " 3", --concurrency "2 "', async () => {
    const cwd = await tempDir()
    const before = exportsSent()
    const t = taskOf(3)
    const r = await cli(
      [
        "export",
        "--task",
        `${t.task_id},${t.source_id},${t.source_name}`,
        "--dry-run",
        "--timeout",
        " 30",
        "--retries",
        " 3",
        "--concurrency",
        "2 ",
        "--output",
        "r.zip"
      ],
      { cwd, env: envFor() }
    )
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Would export 1 task in 1 call from")
    // The range is still checked on the value; blanks within it are still refused.
    const over = await cli(["export", "--all", "--retries", " 11"], { cwd, env: envFor() })
    expect(over.code).toBe(2)
    expect(over.stderr).toBe("error: --retries: must be between 0 and 10 (got 11)\n")
    const within = await cli(["export", "--all", "--retries", "1 0"], { cwd, env: envFor() })
    expect(within.code).toBe(2)
    expect(within.stderr).toBe('error: --retries: expected a whole number (got "1 0")\n')
    // demo's and the emulator's number flags too (nothing seeded: nothing to export).
    const demo = await cli(["demo", "--sources", " 0 "], { cwd, env: cleanEnv(home) })
    expect(demo.code).toBe(0)
    expect(demo.stdout).toContain("with 0 seeded source servers")
    expect(exportsSent()).toBe(before)
    expect(await readdir(cwd)).toEqual([])
  })

  it("--all --name exports only the servers whose name matches; --name without --all is refused", async () => {
    const cwd = await tempDir()
    const matching = emu.seeded.sources.filter((s) => s.is_consistency_result_exist && s.name.includes("db"))
    expect(matching.length).toBeGreaterThan(0)
    const r = await cli(["export", "--all", "--name", "db", "--json"], { cwd, env: envFor() })
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.exported).toBe(matching.length)
    expect(r.stderr).toContain(
      `discovered ${matching.length} source servers with consistency results whose name matches "db"`
    )
    const refused = await cli(["export", "--name", "db"], { cwd, env: envFor() })
    expect(refused.code).toBe(2)
    expect(refused.stderr.trim()).toBe("error: --name: selects among the servers of --all: add --all")
    const none = await cli(["export", "--all", "--name", "no-such-server"], { cwd, env: envFor() })
    expect(none.code).toBe(0)
    expect(none.stderr).toContain('no source server whose name matches "no-such-server" has consistency results')
    // --dry-run --json keeps its own shape when there is nothing to export.
    const dry = await cli(["export", "--all", "--name", "no-such-server", "--dry-run", "--json"], {
      cwd,
      env: envFor()
    })
    expect(dry.code).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, tasks: 0, calls: 0, duplicates: 0 })
  })

  it("exit 1: a 404 call is split until the missing task stands alone; every other task is written", async () => {
    const cwd = await tempDir()
    const tasks = Array.from({ length: 250 }, (_, i) => taskOf(i))
    const missing = { task_id: "00000000-0000-0000-0000-000000000000", source_id: "nope", source_name: "nope" }
    tasks[220] = missing
    const csv = ["task_id,source_id,source_name", ...tasks.map((t) => `${t.task_id},${t.source_id},${t.source_name}`)]
    await writeFile(join(cwd, "tasks.csv"), csv.join("\r\n"))
    const before = exportsSent()
    const r = await cli(
      ["export", "--tasks-file", "tasks.csv", "--output", "results.zip", "--json", "--concurrency", "1"],
      { cwd, env: envFor() }
    )
    expect(r.code).toBe(1)
    const doc = JSON.parse(r.stdout)
    expect(doc.exported).toBe(249)
    expect(doc.failed).toHaveLength(1)
    expect(doc.failed[0]).toMatchObject(missing)
    expect(doc.failed[0].error).toMatchObject({ tag: "NotFound", status: 404, errorCode: "SMS.9003" })
    expect(doc.failed[0].error.message).toContain(missing.task_id)
    expect(typeof doc.failed[0].error.requestId).toBe("string")
    // The second chunk (tasks 201–250, the missing one 21st) halves until task 21 stands alone: 13 calls for it,
    // 14 with the first chunk's.
    expect(exportsSent() - before).toBe(14)
    const pieces = ["1-13", "14-19", "20-20", "22-22", "23-25", "26-50"]
    expect(doc.files.map((f: { path: string; tasks: number }) => [f.path, f.tasks])).toEqual([
      [join(cwd, "results-part-1.zip"), 200],
      ...pieces.map((p) => {
        const [from, to] = p.split("-").map(Number)
        return [join(cwd, `results-part-2-tasks-${p}.zip`), (to ?? 0) - (from ?? 0) + 1]
      })
    ])
    for (const f of doc.files) expect((await stat(f.path)).size).toBe(f.bytes)
    expect(r.stderr).toContain("error: 1 task not exported")
  })

  it("run again without --force, an export that split a call into pieces refuses, as for the file itself", async () => {
    const cwd = await tempDir()
    const tasks = [taskOf(0), { task_id: "00000000-0000-0000-0000-000000000000", source_id: "x", source_name: "x" }]
    await writeFile(join(cwd, "tasks.csv"), ["task_id,source_id,source_name", ...tasks.map(Object.values)].join("\n"))
    const args = ["export", "--tasks-file", "tasks.csv", "--output", "res.zip", "--json"]
    const first = await cli(args, { cwd, env: envFor() })
    expect(first.code).toBe(1)
    expect(await readdir(cwd)).toContain("res-tasks-1-1.zip")
    const before = exportsSent()
    // res.zip itself was never written: a piece's name is what is taken.
    const again = await cli(args, { cwd, env: envFor() })
    expect(again.code).toBe(2)
    expect(again.stderr).toBe(
      `error: --output: ${join(cwd, "res-tasks-1-1.zip")} already exists (use --force to overwrite it)\n`
    )
    expect(exportsSent()).toBe(before)
    // With --force the piece is replaced, not put beside under another name.
    const forced = await cli([...args, "--force"], { cwd, env: envFor() })
    expect(forced.code).toBe(1)
    expect((await readdir(cwd)).filter((n) => n.startsWith("res")).sort()).toEqual(["res-tasks-1-1.zip"])
  })

  /**
   * `export --concurrency 1 --json` of the first 250 tasks (and `extra` rows) of an emulator of `sources` answering in
   * 1.2 s, sent `signal` once the first call's file is in place (the second call is then in flight).
   */
  const exportSignalled = async (
    sources: number,
    signal: NodeJS.Signals,
    extra: (tasks: ReadonlyArray<string>) => ReadonlyArray<string> = () => [],
    asJson = true
  ) => {
    const slow = await Effect.runPromise(Scope.extend(Emulator.start({ sources, latencyMs: 1200 }), scope))
    const cwd = await tempDir()
    const tasks = slow.seeded.sources.flatMap((s) =>
      s.current_task?.id === undefined ? [] : [`${s.current_task.id},${s.id},${s.name}`]
    )
    const rows = ["task_id,source_id,source_name", ...tasks.slice(0, 250), ...extra(tasks)]
    await writeFile(join(cwd, "tasks.csv"), rows.join("\n"))
    const out = join(cwd, "out")
    await mkdir(out)
    const args = ["export", "--tasks-file", "tasks.csv", "--output", "out", "--concurrency", "1"]
    const r = await cli(asJson ? [...args, "--json"] : args, {
      cwd,
      env: envFor({ SMS_ENDPOINT: slow.url }),
      onSpawn: signalWhenWritten(out, signal)
    })
    return { slow, cwd, out, tasks, r }
  }

  it("Ctrl+C mid-export: exit 130; the finished file is kept and listed, every other task reported not exported", async () => {
    // 250 tasks and a duplicate, signalled once the first call's file is in place.
    const { slow, cwd, out, tasks, r } = await exportSignalled(450, "SIGINT", (t) => [t[7] ?? ""])
    expect(r.code).toBe(130)
    const doc = JSON.parse(r.stdout)
    expect(doc.interrupted).toBe(true)
    expect(doc.exported).toBe(200)
    expect(doc.duplicates).toBe(1)
    expect(doc.files).toHaveLength(1)
    expect(doc.files[0].tasks).toBe(200)
    expect(sha256(await readFile(doc.files[0].path))).toBe(doc.files[0].sha256)
    // Nothing else left behind (the second call's unfinished file is removed).
    expect(await readdir(out)).toEqual([doc.files[0].path.split("/").at(-1)])
    expect(doc.failed).toHaveLength(50)
    expect(new Set(doc.failed.map((f: { error: { tag: string } }) => f.error.tag))).toEqual(new Set(["Interrupted"]))
    expect(doc.failed.map((f: { task_id: string }) => f.task_id)).toEqual(
      tasks.slice(200, 250).map((t) => t.split(",")[0])
    )
    expect(r.stderr).toContain("interrupted: 200 tasks exported, 0 failed, 50 not done")
    // The output given back as --tasks-file finishes the job: the 50 tasks, and only those.
    await writeFile(join(cwd, "last.json"), r.stdout)
    const before = slow.requests().length
    const rest = await cli(["export", "--tasks-file", "last.json", "--output", "out", "--json"], {
      cwd,
      env: envFor({ SMS_ENDPOINT: slow.url })
    })
    expect(rest.code).toBe(0)
    expect(JSON.parse(rest.stdout)).toMatchObject({ exported: 50, failed: [], files: [{ tasks: 50 }] })
    const sent = slow.requests().slice(before)
    expect(sent.map((q) => q.path)).toEqual(["/v3/tasks/consistency-results/export"])
  })

  it("Ctrl+C mid-export without --json: the summary says how to make an export resumable, not that --json lists them", async () => {
    const { r } = await exportSignalled(300, "SIGINT", undefined, false)
    expect(r.code).toBe(130)
    const lines = r.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^Exported 200 tasks in 1 file from /)
    expect(lines.at(-1)).toBe(
      "Interrupted: 50 tasks not exported; to resume an interrupted export, run it with --json > out.json, then " +
        "export --tasks-file out.json"
    )
    expect(r.stderr).toContain("interrupted: 200 tasks exported, 0 failed, 50 not done")
  })

  it("SIGHUP (the terminal closed) mid-export: as Ctrl+C, the unfinished file removed and the summary printed", async () => {
    const { out, r } = await exportSignalled(300, "SIGHUP")
    expect(r.signal).toBeNull()
    expect(r.code).toBe(130)
    const doc = JSON.parse(r.stdout)
    expect(doc).toMatchObject({ interrupted: true, exported: 200, files: [{ tasks: 200 }] })
    expect(doc.failed).toHaveLength(50)
    // No hidden `.….partial` file left behind: only the finished file.
    expect(await readdir(out)).toEqual([doc.files[0].path.split("/").at(-1)])
    expect(r.stderr).toContain("interrupted: 200 tasks exported, 0 failed, 50 not done")
  })

  it("Ctrl+C before any export call (discovery, a listing): exit 130, a line on stderr, one JSON document", async () => {
    const slow = await Effect.runPromise(Scope.extend(Emulator.start({ sources: 30, latencyMs: 5000 }), scope))
    // Signalled once the CLI's first call has reached the emulator, which answers it 5 s later.
    const interruptOnCall = (child: ChildProcess) => {
      const seen = slow.requests().length
      const poll = setInterval(() => {
        if (slow.requests().length === seen) return
        clearInterval(poll)
        child.kill("SIGINT")
      }, 25)
      child.on("close", () => clearInterval(poll))
    }
    const nothingWritten = "interrupted before any export call; nothing was written"
    const nothingListed = "interrupted before the listing was complete; nothing was listed"
    const cases: ReadonlyArray<[args: ReadonlyArray<string>, message: string, asJson: boolean]> = [
      [["export", "--all", "--output", "out", "--json"], nothingWritten, true],
      [["export", "--all", "--output", "out"], nothingWritten, false],
      [["sources", "--json"], nothingListed, true],
      [["tasks"], nothingListed, false]
    ]
    for (const [args, message, asJson] of cases) {
      const cwd = await tempDir()
      const r = await cli(args, { cwd, env: envFor({ SMS_ENDPOINT: slow.url }), onSpawn: interruptOnCall })
      expect(r.code, args.join(" ")).toBe(130)
      expect(r.stderr).toBe(`${message}\n`)
      if (asJson) expect(JSON.parse(r.stdout)).toEqual({ error: { tag: "Interrupted", message } })
      else expect(r.stdout).toBe("")
      expect(await readdir(cwd)).toEqual([])
    }
  })

  it("--task=VALUE and -o=PATH work as --task VALUE and -o PATH", async () => {
    const cwd = await tempDir()
    const spec = (t: ReturnType<typeof taskOf>) => `${t.task_id},${t.source_id},${t.source_name}`
    const r = await cli(["export", `--task=${spec(taskOf(3))}`, "--task", spec(taskOf(4)), "-o=r.zip", "--json"], {
      cwd,
      env: envFor()
    })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({
      exported: 2,
      failed: [],
      files: [{ path: join(cwd, "r.zip"), tasks: 2 }]
    })
  })

  it("a leading ~ in --output and --tasks-file is the home directory, as the shell makes it; ~user is refused", async () => {
    const cwd = await tempDir()
    const own = await tempDir("sms-cli-tilde-home-")
    const env = { ...envFor(), HOME: own }
    const t = taskOf(5)
    await writeFile(join(own, "t.csv"), `task_id,source_id,source_name\n${t.task_id},${t.source_id},${t.source_name}\n`)
    // Joined to the flag (`--output=~/x`) or quoted, the `~` reaches the CLI as it was typed.
    const r = await cli(["export", "--tasks-file", "~/t.csv", "--output=~/x", "--json"], { cwd, env })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ exported: 1, failed: [] })
    expect(await readdir(join(own, "x"))).toHaveLength(1)
    const d = await cli(["demo", "--sources", "3", "-o", "~/demo"], { cwd, env })
    expect(d.code).toBe(0)
    expect((await readdir(join(own, "demo"))).length).toBeGreaterThan(0)
    // Another user's home is not guessed at: refused, not made a folder named `~bob`.
    const before = requestCount()
    const u = await cli(["export", "--task", "t1,s1,web", "--output", "~bob/x"], { cwd, env })
    expect(u.code).toBe(2)
    expect(u.stderr).toBe(
      'error: --output: "~bob/x": ~bob (another user\'s home) is not expanded, only ~ and ~/ are; give the full path, or ./~bob/x for a folder named ~bob\n'
    )
    expect(requestCount()).toBe(before)
    expect(await readdir(cwd)).toEqual([])
  })

  it("a folder literally named ~ (-o ./~) is shown as ./~/…: pasted back, ~/… would be the home directory", async () => {
    const cwd = await tempDir()
    const r = await cli(["export", "--all", "-o", "./~"], { cwd, env: envFor() })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^ *\.\/~\/consistency-results-\S+\.zip /m)
    expect(r.stdout).not.toMatch(/(^|\s)~\//)
    const dry = await cli(["export", "--all", "--dry-run", "-o", "./~/"], { cwd, env: envFor() })
    expect(dry.stdout).toContain("into ./~/ (files named by the service)")
    const d = await cli(["demo", "--sources", "3", "-o", "./~"], { cwd, env: envFor() })
    expect(d.code).toBe(0)
    expect(d.stdout).toMatch(/the files are in \.\/~\/$/m)
    expect(d.stdout).not.toMatch(/(^|\s)~\//)
  })

  it("exit 3: the identity is denied (403); the error names the permission and the request id", async () => {
    const cwd = await tempDir()
    const c = emu.credentials
    const r = await cli(["export", "--task", Object.values(taskOf(0)).join(",")], {
      cwd,
      env: envFor({ HUAWEICLOUD_SDK_AK: c.deniedAk, HUAWEICLOUD_SDK_SK: Redacted.value(c.deniedSk) })
    })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain("Forbidden (HTTP 403)")
    expect(r.stderr).toContain("sms:server:getBatchConsistencyResults")
    expect(r.stderr).toMatch(/request id [0-9a-f-]{36}/)
    expect(r.stdout + r.stderr).not.toContain(Redacted.value(c.deniedSk))
    expect(await readdir(cwd)).toEqual([])
  })

  it("exit 3: a wrong SK stops the export at the first 401; the calls not made are said once, not listed", async () => {
    const cwd = await tempDir()
    const rows = Array.from({ length: 450 }, (_, i) => `t-${i},s-${i},web`)
    await writeFile(join(cwd, "tasks.csv"), ["task_id,source_id,source_name", ...rows].join("\n"))
    const before = exportsSent()
    const r = await cli(["export", "--tasks-file", "tasks.csv", "--concurrency", "1", "--retries", "0"], {
      cwd,
      env: envFor({ HUAWEICLOUD_SDK_SK: "WRONGSK0000000000000000000000000000000000" })
    })
    expect(r.code).toBe(3)
    expect(exportsSent() - before).toBe(1)
    expect(r.stdout + r.stderr).toContain("Failed 450 tasks (1 call; 2 more calls not sent):")
    expect(r.stdout + r.stderr).toContain("250 tasks not sent: the export stopped at the first such failure")
    expect((r.stdout + r.stderr).match(/\(call \d+\)/g)).toEqual(["(call 1)"])
  })

  it("exit 4: result of an unknown task", async () => {
    const r = await cli(["result", "00000000-0000-0000-0000-000000000000"], { env: envFor() })
    expect(r.code).toBe(4)
    expect(r.stderr).toContain("Not found (HTTP 404)")
  })

  it("exit 5: a closed port with --retries 0", async () => {
    const closed = await captureServer(() => ({ status: 200, headers: {}, body: Buffer.alloc(0) }))
    const url = closed.url
    await closed.close()
    const r = await cli(["export", "--task", "t-1,s-1,web", "--endpoint", url, "--retries", "0", "--json"], {
      cwd: await tempDir(),
      env: envFor()
    })
    expect(r.code).toBe(5)
    expect(r.stderr).toContain("error:")
    expect(JSON.parse(r.stdout).failed[0].error.tag).toBe("TransportError")
  })

  // util-linux `script` gives the CLI a terminal for stdin.
  it.skipIf(spawnSync("script", ["--version"]).status !== 0)(
    "--tasks-file - at a terminal says what it waits for; Ctrl+D ends the input",
    async () => {
      const cwd = await tempDir()
      const t = taskOf(1)
      const command = [process.execPath, bin, "export", "--tasks-file", "-", "--json"].map((a) => `'${a}'`).join(" ")
      const child = spawn("script", ["-qec", command, "/dev/null"], { cwd, env: envFor() })
      let out = ""
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        out += d
      })
      const exited = new Promise<number | null>((done) => child.once("exit", done))
      await vi.waitFor(() => expect(out).toContain("reading tasks from stdin"), { timeout: 10_000 })
      child.stdin.write(`task_id,source_id,source_name\n${t.task_id},${t.source_id},${t.source_name}\n\x04`)
      expect(await exited).toBe(0)
      expect(out).toContain('"exported": 1')
    }
  )

  it("reads CSV from stdin (BOM, CRLF, quoted fields, header in any order) and retries a 503", async () => {
    const cwd = await tempDir()
    const [a, b] = [taskOf(1), taskOf(2)]
    const csv = `\uFEFFsource_name,task_id,source_id\r\n"${a.source_name}",${a.task_id},${a.source_id}\r\n${b.source_name},${b.task_id},${b.source_id}\r\n`
    await Effect.runPromise(emu.script([{ _tag: "Status", status: 503 }]))
    const r = await cli(["export", "--tasks-file", "-", "--log-level", "debug"], { cwd, env: envFor(), stdin: csv })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Exported 2 tasks in 1 file")
    expect(r.stderr).toContain("retry 1/3")
  })

  it("a timeout's hint names --timeout with the value waited (and the default), in an export and a listing", async () => {
    // A service that accepts connections and never answers.
    const sockets = new Set<Socket>()
    const silent = createServer((socket) => sockets.add(socket))
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    onTestFinished(() => {
      for (const socket of sockets) socket.destroy()
      silent.close()
    })
    const address = silent.address()
    const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
    const cwd = await tempDir()
    const exported = await cli(["export", "--task", "t-1,s-1,web", "--timeout", "200ms", "--retries", "0"], {
      cwd,
      env: envFor({ SMS_ENDPOINT: url })
    })
    expect(exported.code).toBe(5)
    expect(exported.stderr).toBe(
      "error: 1 task not exported: Timed out after 200 ms\n" +
        "hint: The service did not answer within --timeout 200ms: try a longer one (default 30s), or retry later.\n"
    )
    const listed = await cli(["tasks", "--timeout", "0.5", "--retries", "0"], {
      cwd,
      env: envFor({ SMS_ENDPOINT: url })
    })
    expect(listed.code).toBe(5)
    expect(listed.stderr).toBe(
      "error: Timed out after 500 ms\n" +
        "hint: The service did not answer within --timeout 500ms: try a longer one (default 30s), or retry later.\n"
    )
  })

  it("--all whose listing fails: the error says the listing failed, with a listing's hint and exit code, in --json too", async () => {
    const cwd = await tempDir()
    const reset = { _tag: "ResetBeforeBody" } as const
    const failing = "listing the source servers \\(--all\\) failed: Transport error: ECONNRESET"
    await Effect.runPromise(emu.script([reset, reset]))
    const text = await cli(["export", "--all", "--retries", "1"], { cwd, env: envFor() })
    expect(text.code).toBe(5)
    expect(text.stdout).toBe("")
    const [error, hint] = text.stderr.split("\n")
    expect(error).toMatch(new RegExp(`^error: ${failing}\\b`))
    expect(hint).toBe("hint: A network or service problem; retrying later usually helps.")
    await Effect.runPromise(emu.script([reset, reset]))
    const doc = await cli(["export", "--all", "--retries", "1", "--json"], { cwd, env: envFor() })
    expect(doc.code).toBe(5)
    const { error: json } = JSON.parse(doc.stdout)
    expect(json.tag).toBe("TransportError")
    expect(json.message).toMatch(new RegExp(`^${failing}\\b`))
    expect(doc.stderr.split("\n")[0]).toBe(`error: ${json.message}`)
    expect(await readdir(cwd)).toEqual([])
  })
})

describe("bad input: one line on stderr, exit 2, nothing sent", () => {
  const cases: ReadonlyArray<{
    readonly name: string
    readonly args: ReadonlyArray<string>
    readonly files?: Record<string, string | Uint8Array>
    readonly expected: RegExp
  }> = [
    {
      name: "malformed --task",
      args: ["export", "--task", "a,b,c", "--task", "t1,s1"],
      expected: /--task #2: expected TASK_ID,SOURCE_ID,SOURCE_NAME \(3 fields, got 2\)/
    },
    {
      name: "over-long task_id",
      args: ["export", "--task", `${"x".repeat(40)},s1,web`],
      expected: /--task #1: task_id must be at most 36 characters \(got 40\)/
    },
    {
      name: "unterminated quote",
      args: ["export", "--task", 't1,s1,"web'],
      expected: /--task #1: unterminated quote/
    },
    { name: "no tasks", args: ["export"], expected: /tasks: none given/ },
    {
      name: "empty task list in a file",
      args: ["export", "--tasks-file", "empty.json"],
      files: { "empty.json": '{"task_info": []}' },
      expected: /empty\.json: holds no tasks/
    },
    {
      // Named as given: its base name alone would say `null: is empty`.
      name: "an empty --tasks-file named by its path",
      args: ["export", "--tasks-file", "/dev/null"],
      expected: /^error: \/dev\/null: is empty \(expected a header row task_id,source_id,source_name\)$/
    },
    {
      name: "a --tasks-file in a folder: the messages name it with its folder",
      args: ["export", "--tasks-file", "lists/none.json"],
      files: { "lists/none.json": "[]" },
      expected: /^error: lists\/none\.json: holds no tasks$/
    },
    {
      // One line, and nothing of the file's content (V8's message quotes it, over several lines).
      name: "a --tasks-file that is not valid JSON: where, in one line",
      args: ["export", "--tasks-file", "t.json"],
      files: { "t.json": '[\n {"task_id": "a", "source_id": "b", "source_name": "c"},\n]\n' },
      expected: /^error: t\.json: is not valid JSON \(unexpected token "\]" at line 3, column 1\)$/
    },
    {
      name: "a blank .json --tasks-file",
      args: ["export", "--tasks-file", "blank.json"],
      files: { "blank.json": " \n" },
      expected: /^error: blank\.json: is empty \(expected \{"task_info": \[\.\.\.\]\} or an array of tasks\)$/
    },
    {
      name: "a --tasks-file under a file: the path named once",
      args: ["export", "--tasks-file", "blocker/t.json"],
      files: { blocker: "x" },
      expected: /^error: --tasks-file: cannot read blocker\/t\.json: part of its path is not a directory$/
    },
    {
      name: "unreadable file",
      args: ["export", "--tasks-file", "missing.csv"],
      expected: /--tasks-file: cannot read missing\.csv: no such file/
    },
    {
      name: "bad CSV",
      args: ["export", "--tasks-file", "bad.csv"],
      files: { "bad.csv": 'task_id,source_id,source_name\nt1,s1,web\nt2,"s2,db\n' },
      expected: /bad\.csv line 3: unterminated quoted field/
    },
    {
      name: "CSV without the header",
      args: ["export", "--tasks-file", "nohead.csv"],
      files: { "nohead.csv": "t1,s1,web\n" },
      expected: /nohead\.csv line 1: header must name the columns task_id,source_id,source_name/
    },
    {
      // What Excel's "Unicode Text" saves: tab-separated, UTF-16 LE with a byte order mark.
      name: "a UTF-16 --tasks-file",
      args: ["export", "--tasks-file", "tasks.txt"],
      files: {
        "tasks.txt": Buffer.concat([
          Buffer.from([0xff, 0xfe]),
          Buffer.from("task_id\tsource_id\tsource_name\r\nt1\ts1\tweb\r\n", "utf16le")
        ])
      },
      expected:
        /^error: tasks\.txt: is UTF-16 text \(as Excel's "Unicode Text" saves it\); save it as UTF-8 \(in Excel: CSV UTF-8\)$/
    },
    {
      name: "a CSV --tasks-file separated by semicolons",
      args: ["export", "--tasks-file", "semi.csv"],
      files: { "semi.csv": "task_id;source_id;source_name\nt1;s1;web\n" },
      expected:
        /^error: semi\.csv line 1: the columns must be separated by commas, not ";" \(save the file as CSV with commas, or change the separator\)$/
    },
    {
      name: "the table sources prints, saved as a --tasks-file",
      args: ["export", "--tasks-file", "servers.txt"],
      files: {
        "servers.txt":
          "SOURCE ID  NAME    IP        STATE     TASK ID  TASK STATE    RESULTS\ns1         web-01  10.0.0.1  finished  t1       SYNC_SUCCESS  yes\n"
      },
      expected:
        /^error: servers\.txt line 1: is the table `sources` prints, not CSV: save the output of `sources --json` instead \(--tasks-file reads it\)$/
    },
    {
      // Read as CSV (not as JSON, which would say `unexpected token "a"`): its mistakes are a CSV's.
      name: "a CSV --tasks-file named .json",
      args: ["export", "--tasks-file", "tasks.json"],
      files: { "tasks.json": "task_id,source_id,source_name\nt1,s1\n" },
      expected: /^error: tasks\.json line 2: expected 3 fields like the header \(got 2\)$/
    },
    {
      name: "the --json output of a failed export as a --tasks-file",
      args: ["export", "--tasks-file", "last.json"],
      files: { "last.json": '{\n  "error": {\n    "tag": "AuthError",\n    "message": "no credentials"\n  }\n}\n' },
      expected:
        /^error: last\.json: is the --json output of a command that failed before exporting anything \(AuthError\), which lists no tasks; give the tasks that command was given \(its --tasks-file, --task or --all\) instead$/
    },
    {
      name: "the --json output of a dry run as a --tasks-file",
      args: ["export", "--tasks-file", "plan.json"],
      files: { "plan.json": '{"dryRun": true, "tasks": 2, "calls": 1, "duplicates": 0, "directory": "/x"}' },
      expected:
        /^error: plan\.json: is the --json output of export --dry-run, which counts the tasks but does not list them; give the tasks that dry run was given \(its --tasks-file, --task or --all\) instead$/
    },
    {
      name: "over-long name in JSON",
      args: ["export", "--tasks-file", "long.json"],
      files: { "long.json": JSON.stringify([{ task_id: "t", source_id: "s", source_name: "n".repeat(256) }]) },
      expected: /long\.json \[0\]: source_name must be at most 255 characters \(got 256\)/
    },
    {
      name: "existing --output file without --force",
      args: ["export", "--task", "t1,s1,web", "--output", "taken.zip"],
      files: { "taken.zip": "x" },
      expected: /--output: .*taken\.zip already exists \(use --force to overwrite it\)/
    },
    {
      // The core would write colon/a_b-1.zip (or, with --force, replace the unrelated a_b.zip).
      name: "an --output file name with a character the core replaces, even with --force",
      args: ["export", "--task", "t1,s1,web", "--output", "colon/a:b.zip", "--force"],
      files: { "colon/a_b.zip": "precious" },
      expected:
        /^error: --output: the file name "a:b\.zip" may not contain ":" \(nor < > " \| \? \* \\ or control characters\); choose another name$/
    },
    {
      name: "an --output file name with several such characters, a backslash among them",
      args: ["export", "--task", "t1,s1,web", "--output", "a|b\\c?.zip"],
      expected:
        /^error: --output: the file name "a\|b\\\\c\?\.zip" may not contain "\|", "\\" or "\?" \(nor < > : " \* or control characters\); choose another name$/
    },
    {
      name: "an --output file name with a control character",
      args: ["export", "--task", "t1,s1,web", "--output", "a\tb.zip"],
      expected:
        /^error: --output: the file name "a\\tb\.zip" may not contain the control character U\+0009 \(nor < > : " \| \? \* \\\); choose another name$/
    },
    {
      // The core would write dot/results.zip.
      name: "an --output file name with a leading dot",
      args: ["export", "--task", "t1,s1,web", "--output", "dot/.results.zip"],
      expected: /^error: --output: the file name "\.results\.zip" may not start with a dot; choose another name$/
    },
    {
      name: "an --output file name with a leading space",
      args: ["export", "--task", "t1,s1,web", "--output", " results.zip"],
      expected: /^error: --output: the file name " results\.zip" may not start with a space; choose another name$/
    },
    {
      name: "an --output file name with a trailing space",
      args: ["export", "--task", "t1,s1,web", "--output", "results.zip "],
      expected: /^error: --output: the file name "results\.zip " may not end with a space; choose another name$/
    },
    {
      name: "an --output file name over 200 characters",
      args: ["export", "--task", "t1,s1,web", "--output", `${"n".repeat(197)}.zip`],
      expected:
        /^error: --output: the file name "n{197}\.zip" is 201 characters long, over the limit of 200; choose a shorter name$/
    },
    {
      // 94 characters, but 274 bytes: filesystems count bytes (255 at most; 240 leaves room for a `-N` suffix).
      name: "an --output file name over 240 bytes in UTF-8",
      args: ["export", "--task", "t1,s1,web", "--output", `${"名".repeat(90)}.zip`],
      expected:
        /^error: --output: the file name "名{90}\.zip" is 274 bytes long in UTF-8, over the limit of 240; choose a shorter name$/
    },
    {
      name: "an --output file name whose derived names would be over 240 bytes in UTF-8",
      args: ["export", "--task", "t1,s1,web", "--task", "t2,s2,db", "--output", `${"名".repeat(77)}.zip`],
      expected:
        /^error: --output: the file name "名{77}\.zip" is too long for the names the export derives from it: with "-tasks-2-2" added \(the name for a piece of the call, split to isolate missing tasks\) it would be 245 bytes long in UTF-8, over the limit of 240; choose a shorter name$/
    },
    {
      name: "an --output file name checked before the discovery of --all",
      args: ["export", "--all", "--output", "a:b.zip"],
      expected: /^error: --output: the file name "a:b\.zip" may not contain ":"/
    },
    {
      // 196 characters; a piece of the call, were it split to isolate a missing task, would add -tasks-2-2.
      name: "an --output file name too long for the names derived from it",
      args: ["export", "--task", "t1,s1,web", "--task", "t2,s2,db", "--output", `${"n".repeat(192)}.zip`],
      expected:
        /^error: --output: the file name "n{192}\.zip" is too long for the names the export derives from it: with "-tasks-2-2" added \(the name for a piece of the call, split to isolate missing tasks\) it would be 206 characters long, over the limit of 200; choose a shorter name$/
    },
    {
      name: "an --output under a file",
      args: ["export", "--task", "t1,s1,web", "--output", "blocker/sub/"],
      files: { blocker: "x" },
      expected: /^error: --output: cannot write into \/.*\/blocker\/sub: \/.*\/blocker is not a directory$/
    },
    {
      name: "demo --output under a file: refused before the emulator starts",
      args: ["demo", "--output", "blocker/results"],
      files: { blocker: "x" },
      expected: /^error: --output: cannot write into \/.*\/blocker\/results: \/.*\/blocker is not a directory$/
    },
    {
      name: "an --output under a file, with --all: refused before the discovery",
      args: ["export", "--all", "--output", "blocker/x.zip"],
      files: { blocker: "x" },
      expected: /^error: --output: cannot write into \/.*\/blocker: \/.*\/blocker is not a directory$/
    },
    { name: "bad --concurrency", args: ["export", "--all", "--concurrency", "0"], expected: /--concurrency: must be/ },
    {
      name: "over-long tasks --name",
      args: ["tasks", "--name", "n".repeat(256)],
      expected: /^error: --name: must be at most 255 characters \(got 256\)$/
    },
    { name: "bad --timeout", args: ["export", "--all", "--timeout", "soon"], expected: /--timeout: expected seconds/ },
    {
      name: "unknown flag",
      args: ["export", "--all", "--bogus"],
      expected: /^error: --bogus: unknown option; see sms-consistency export --help$/
    },
    {
      name: "unknown command",
      args: ["exprot", "--all"],
      expected:
        /^error: "exprot": unknown command \(did you mean export\?\); use one of export, sources, tasks, result, emulator, demo$/
    },
    {
      name: "--output - (stdout)",
      args: ["export", "--all", "--output", "-"],
      expected:
        /^error: --output: cannot be stdout \(-\): an export is one file per 200 tasks, or more; give a file or a folder$/
    },
    {
      name: "demo --output - (stdout)",
      args: ["demo", "--output", "-"],
      expected: /^error: --output: cannot be stdout \(-\)/
    },
    {
      // stdin is a pipe here: the wizard's prompts would wait forever.
      name: "--wizard without a terminal",
      args: ["--wizard"],
      expected:
        /^error: --wizard: asks its questions on a terminal, and stdin is not one; give the command line instead$/
    },
    {
      name: "missing argument",
      args: ["result"],
      expected: /^error: TASK_ID: missing; see sms-consistency result --help$/
    },
    {
      name: "non-numeric --concurrency",
      args: ["export", "--all", "--concurrency", "abc"],
      expected: /^error: --concurrency: expected a whole number \(got "abc"\)$/
    },
    {
      name: "fractional --retries",
      args: ["export", "--all", "--retries", "1.5"],
      expected: /^error: --retries: expected a whole number \(got "1\.5"\)$/
    },
    {
      name: "emulator --fault-rate too large to hold: out of range, not 'not a number'",
      args: ["emulator", "--fault-rate", "1e999"],
      expected: /^error: --fault-rate: must be between 0 and 1 \(got 1e999\)$/
    },
    {
      name: "non-numeric emulator --fault-rate",
      args: ["emulator", "--fault-rate", "often"],
      expected: /^error: --fault-rate: expected a number \(got "often"\)$/
    },
    {
      // Several bad values: the first on the line alone, as for two unknown flags, not each glued to the next.
      name: "two bad number values: the first on the line only",
      args: ["emulator", "--port", "x", "--fault-rate", "x"],
      expected: /^error: --port: expected a whole number \(got "x"\)$/
    },
    {
      // @effect/cli checks them in the order the command declares them: --port before --fault-rate.
      name: "two bad number values: the first on the line, whatever the order the command declares them in",
      args: ["emulator", "--fault-rate=often", "--port=x", "--sources", "-1"],
      expected: /^error: --fault-rate: expected a number \(got "often"\)$/
    },
    {
      name: "export with two bad number values",
      args: ["export", "--all", "--retries", "x", "--concurrency", "y"],
      expected: /^error: --retries: expected a whole number \(got "x"\)$/
    },
    {
      // --timeout is read as the line is parsed, as the number flags are: the first on the line is reported.
      name: "a bad --timeout, then a bad number value: --timeout, the first on the line",
      args: ["export", "--all", "--timeout", "x", "--retries", "y"],
      expected: /^error: --timeout: expected seconds or a duration like 500ms, 30s, 2m \(got "x"\)$/
    },
    {
      name: "a --timeout out of range, then a number value out of range: --timeout, the first on the line",
      args: ["export", "--all", "--timeout", "1ms", "--concurrency", "0"],
      expected: /^error: --timeout: must be at least 100ms \(got "1ms"\)$/
    },
    {
      name: "a bad number value, then a bad --timeout: the number, the first on the line",
      args: ["export", "--all", "--retries", "y", "--timeout", "x"],
      expected: /^error: --retries: expected a whole number \(got "y"\)$/
    },
    {
      name: "--language not among its choices",
      args: ["export", "--all", "--language", "fr"],
      expected: /^error: --language: expected one of en-us, zh-cn \(got "fr"\)$/
    },
    {
      name: "--log-level not among its choices, after the command's flags",
      args: ["export", "--all", "--log-level", "loud"],
      expected: /^error: --log-level: expected one of all, trace, .*, none \(got "loud"\)$/
    },
    {
      name: "a flag last on the line, without its value",
      args: ["export", "--all", "--output"],
      expected: /^error: --output: missing its value \(PATH\)$/
    },
    {
      name: "a repeated flag whose value would be the next flag",
      args: ["export", "--task", "--all"],
      expected: /^error: --task: missing its value \(TASK_ID,SOURCE_ID,SOURCE_NAME\)$/
    },
    {
      name: "a flag given an empty value",
      args: ["export", "--all", "--tasks-file="],
      expected: /^error: --tasks-file: missing its value \(FILE\)$/
    },
    {
      name: "negative emulator --latency",
      args: ["emulator", "--latency", "-1"],
      expected: /^error: --latency: must be between 0 and 60000 \(got -1\)$/
    },
    {
      // Past a minute every request would hang (2^31-1 ms and up: Node's timer fires at once).
      name: "emulator --latency beyond a minute",
      args: ["emulator", "--latency", "60001"],
      expected: /^error: --latency: must be between 0 and 60000 \(got 60001\)$/
    },
    {
      name: "emulator --port out of range",
      args: ["emulator", "--port", "70000"],
      expected: /^error: --port: must be between 0 and 65535 \(got 70000\)$/
    },
    {
      name: "emulator --sources beyond what fits in memory",
      args: ["emulator", "--sources", "99999999999"],
      expected: /^error: --sources: must be between 0 and 100000 \(got 99999999999\)$/
    },
    {
      name: "demo --sources beyond the limit: refused before the emulator starts",
      args: ["demo", "--sources", "100001"],
      expected: /^error: --sources: must be between 0 and 100000 \(got 100001\)$/
    },
    {
      // Whole, but past the safe integers: out of range like any number over the limit, not "not a whole number".
      name: "--retries far over its limit",
      args: ["export", "--all", "--retries", "99999999999999999999"],
      expected: /^error: --retries: must be between 0 and 10 \(got 99999999999999999999\)$/
    },
    {
      name: "--concurrency far over its limit",
      args: ["export", "--all", "--concurrency", "99999999999999999999"],
      expected: /^error: --concurrency: must be between 1 and 16 \(got 99999999999999999999\)$/
    },
    {
      name: "emulator --port far out of range",
      args: ["emulator", "--port", "99999999999999999999"],
      expected: /^error: --port: must be between 0 and 65535 \(got 99999999999999999999\)$/
    },
    {
      name: "demo --sources far over its limit",
      args: ["demo", "--sources", "99999999999999999999"],
      expected: /^error: --sources: must be between 0 and 100000 \(got 99999999999999999999\)$/
    },
    {
      name: "emulator --seed past the safe integers",
      args: ["emulator", "--seed", "-99999999999999999999"],
      expected: /^error: --seed: must be between 0 and 4294967295 \(got -99999999999999999999\)$/
    },
    {
      name: "emulator --seed past the emulator's 32 bits",
      args: ["emulator", "--seed", "4294967296"],
      expected: /^error: --seed: must be between 0 and 4294967295 \(got 4294967296\)$/
    },
    {
      name: "emulator --latency past the safe integers",
      args: ["emulator", "--latency", "99999999999999999999"],
      expected: /^error: --latency: must be between 0 and 60000 \(got 99999999999999999999\)$/
    },
    {
      name: "--timeout beyond 24 h (Node would fire its timer at once)",
      args: ["export", "--task", "t1,s1,web", "--timeout", "2147484"],
      expected: /^error: --timeout: must be at most 24h \(got "2147484"\)$/
    },
    {
      name: "--timeout below 100 ms",
      args: ["export", "--task", "t1,s1,web", "--timeout", "50ms"],
      expected: /^error: --timeout: must be at least 100ms \(got "50ms"\)$/
    },
    {
      name: "a flag given twice",
      args: ["export", "--task", "t1,s1,web", "--force", "--force"],
      expected: /^error: --force: given more than once$/
    },
    {
      name: "a flag given twice under its two names",
      args: ["export", "--task", "t1,s1,web", "-o", "a.zip", "--output=b.zip"],
      expected: /^error: --output: given more than once \(as -o and --output\)$/
    },
    {
      name: "an option the program does not take",
      args: ["-v"],
      expected: /^error: -v: unknown option; see sms-consistency --help$/
    },
    {
      name: "an option the program does not take, before the command",
      args: ["--foo", "export", "--all"],
      expected: /^error: --foo: unknown option; see sms-consistency --help$/
    },
    {
      // A stray word, with or without `--` before it: what the command takes is said.
      name: "a word export does not take",
      args: ["export", "--all", "foo"],
      expected: /^error: unexpected argument "foo": export takes no arguments; see sms-consistency export --help$/
    },
    {
      name: "a second argument to result",
      args: ["result", "t1", "extra"],
      expected:
        /^error: unexpected argument "extra": result takes one argument \(TASK_ID\); see sms-consistency result --help$/
    },
    {
      name: "a word after --, the same word a flag's value before it",
      args: ["export", "--all", "--name", "foo", "--", "foo"],
      expected: /^error: unexpected argument "foo": export takes no arguments; see sms-consistency export --help$/
    },
    {
      name: "an option-like word after --, the same word a flag's value before it",
      args: ["export", "--all", "--name", "--bogus", "--", "--bogus"],
      expected:
        /^error: unexpected argument "--bogus": export takes no arguments, and after -- nothing is read as an option; see sms-consistency export --help$/
    },
    {
      // After `--`, everything is an argument: `--all` there is not an option at all, known or unknown.
      name: "an option after --: an argument the command does not take",
      args: ["export", "--", "--all"],
      expected:
        /^error: unexpected argument "--all": export takes no arguments, and after -- nothing is read as an option; see sms-consistency export --help$/
    },
    {
      // Nor are the built-ins: no help is printed, and `--json` there asks for no JSON document.
      name: "--help or --json after --: arguments, not the built-in or the command's option",
      args: ["sources", "--", "--help"],
      expected:
        /^error: unexpected argument "--help": sources takes no arguments, and after -- nothing is read as an option; see sms-consistency sources --help$/
    },
    {
      name: "an option after -- and the one argument result takes",
      args: ["result", "t1", "--", "--json"],
      expected:
        /^error: unexpected argument "--json": result takes one argument \(TASK_ID\), and after -- nothing is read as an option; see sms-consistency result --help$/
    },
    {
      // `--` before the command: what follows is no command, but an argument the program does not take.
      name: "-- before the command",
      args: ["--", "export", "--all"],
      expected:
        /^error: unexpected argument "export": sms-consistency takes a command and no arguments, and after -- nothing is read as a command; see sms-consistency --help$/
    },
    {
      // A second `--` is an argument like any other, which export does not take.
      name: "a second -- after the command's",
      args: ["export", "--all", "--", "--"],
      expected:
        /^error: unexpected argument "--": export takes no arguments, and after -- nothing is read as an option; see sms-consistency export --help$/
    },
    {
      name: "a second -- after the one argument result takes",
      args: ["result", "t1", "--", "--"],
      expected:
        /^error: unexpected argument "--": result takes one argument \(TASK_ID\), and after -- nothing is read as an option; see sms-consistency result --help$/
    },
    {
      // Names are matched as typed: @effect/cli's default would take --DRY-RUN for --dry-run past the checks
      // before it, which know only --dry-run (and run a real export where a dry run was asked for).
      name: "a flag in upper case: an unknown option, its lower-case name suggested",
      args: ["export", "--all", "--DRY-RUN"],
      expected: /^error: --DRY-RUN: unknown option \(did you mean --dry-run\?\); see sms-consistency export --help$/
    },
    {
      name: "a flag with a value, in upper case",
      args: ["tasks", "--STATE", "READY"],
      expected: /^error: --STATE: unknown option \(did you mean --state\?\); see sms-consistency tasks --help$/
    },
    {
      // Blank, it would filter nothing: every task listed as if --state had not been given.
      name: "a blank --state",
      args: ["tasks", "--state", "  "],
      expected: /^error: --state: must not be blank \(a task state, e\.g\. SYNC_SUCCESS\)$/
    },
    {
      name: "a flag in mixed case",
      args: ["sources", "--Json"],
      expected: /^error: --Json: unknown option \(did you mean --json\?\); see sms-consistency sources --help$/
    },
    {
      name: "a command in mixed case",
      args: ["Export", "--", "--all"],
      expected:
        /^error: "Export": unknown command \(did you mean export\?\); use one of export, sources, tasks, result, emulator, demo$/
    },
    {
      // An option-like word is no argument before `--`, whatever the command takes: not a task id to send.
      name: "an unknown option where result takes its TASK_ID",
      args: ["result", "--bogus"],
      expected: /^error: --bogus: unknown option; see sms-consistency result --help$/
    },
    {
      name: "an unknown short option where result takes its TASK_ID",
      args: ["result", "-x"],
      expected: /^error: -x: unknown option; see sms-consistency result --help$/
    },
    {
      name: "a misspelt option before result's TASK_ID: the option blamed, not the id",
      args: ["result", "--jsn", "t1"],
      expected: /^error: --jsn: unknown option \(did you mean --json\?\); see sms-consistency result --help$/
    },
    {
      name: "an unknown option after a flag's value that looks like an option",
      args: ["export", "--all", "--name", "--x", "--bogus"],
      expected: /^error: --bogus: unknown option; see sms-consistency export --help$/
    },
    {
      // Not `unexpected argument "maybe"`; and, not a true value, it asks for no JSON document.
      name: "a boolean flag given a value that is neither true nor false",
      args: ["export", "--all", "--json=maybe"],
      expected: /^error: --json: expected true or false \(got "maybe"\)$/
    },
    {
      name: "a boolean flag given false in upper case (values are matched as typed)",
      args: ["export", "--all", "--dry-run=FALSE"],
      expected: /^error: --dry-run: expected true or false \(got "FALSE"\)$/
    },
    {
      // demo has no --json: the mistake is said on stderr only, with no JSON document.
      name: "demo --json",
      args: ["demo", "--json"],
      expected: /^error: --json: unknown option; see sms-consistency demo --help$/
    }
  ]

  for (const c of cases) {
    it(c.name, async () => {
      const cwd = await tempDir()
      for (const [name, text] of Object.entries(c.files ?? {})) {
        await mkdir(dirname(join(cwd, name)), { recursive: true })
        await writeFile(join(cwd, name), text)
      }
      const before = requestCount()
      const r = await cli(c.args, { cwd, env: envFor() })
      expect(r.code).toBe(2)
      expect(r.stderr.trim()).toMatch(c.expected)
      expect(r.stderr.trim().split("\n")).toHaveLength(1)
      expect(r.stdout).toBe("")
      expect(requestCount()).toBe(before)
    })
  }

  it("--output that is not a regular file (a FIFO, a device, a dangling link): refused even with --force", async () => {
    const cwd = await tempDir()
    await symlink("nowhere.zip", join(cwd, "dangling.zip"))
    const fifo = spawnSync("mkfifo", [join(cwd, "fifo.zip")]).status === 0
    const outputs: ReadonlyArray<[string, string]> = [
      ["dangling.zip", `${join(cwd, "dangling.zip")} is not a regular file (a dangling symbolic link)`],
      ["/dev/null", "/dev/null is not a regular file (a character device)"],
      ...(fifo ? [["fifo.zip", `${join(cwd, "fifo.zip")} is not a regular file (a FIFO)`] as [string, string]] : [])
    ]
    const before = requestCount()
    for (const [output, reason] of outputs) {
      const r = await cli(["export", "--task", Object.values(taskOf(0)).join(","), "-o", output, "--force"], {
        cwd,
        env: envFor()
      })
      expect(r.code).toBe(2)
      expect(r.stderr).toBe(`error: --output: ${reason}\n`)
    }
    // With --all, before the discovery.
    const all = await cli(["export", "--all", "-o", "dangling.zip", "--force", "--json"], { cwd, env: envFor() })
    expect(all.code).toBe(2)
    expect(JSON.parse(all.stdout).error.message).toMatch(/dangling\.zip is not a regular file/)
    expect(requestCount()).toBe(before)
    if (fifo) expect((await lstat(join(cwd, "fifo.zip"))).isFIFO()).toBe(true)
    expect((await lstat(join(cwd, "dangling.zip"))).isSymbolicLink()).toBe(true)
  })

  it("a --tasks-file over 64 MiB (a file, a device, stdin): refused in one line naming it, not read until memory runs out", async () => {
    const cwd = await tempDir()
    // Sparse: its size is looked at before anything is read.
    await writeFile(join(cwd, "big.csv"), "")
    await truncate(join(cwd, "big.csv"), 64 * 1024 * 1024 + 1)
    const before = requestCount()
    for (const [path, label] of [
      ["big.csv", "big.csv"],
      ["/dev/zero", "/dev/zero"]
    ]) {
      const r = await cli(["export", "--tasks-file", path ?? ""], { cwd, env: envFor() })
      expect(r.code).toBe(2)
      expect(r.stderr).toBe(`error: --tasks-file: ${label} is larger than 64 MiB, the most a tasks file may hold\n`)
    }
    const stdin = await cli(["export", "--tasks-file", "-"], {
      cwd,
      env: envFor(),
      stdin: "x".repeat(65 * 1024 * 1024)
    })
    expect(stdin.code).toBe(2)
    expect(stdin.stderr).toBe("error: --tasks-file: stdin is larger than 64 MiB, the most a tasks file may hold\n")
    expect(requestCount()).toBe(before)
  })

  it.each([
    { args: ["tasks", "--endpoint", "notaurl"], env: {}, expected: 'error: --endpoint: not a URL: "notaurl"' },
    {
      args: ["sources", "--endpoint=ftp://x"],
      env: {},
      expected: "error: --endpoint: must be an http or https URL (got ftp:)"
    },
    { args: ["tasks"], env: { SMS_ENDPOINT: "notaurl" }, expected: 'error: SMS_ENDPOINT: not a URL: "notaurl"' },
    // No region anywhere: the CLI's own way to give one is named (the library names its option).
    {
      args: ["tasks"],
      env: {},
      expected: "error: region: not set: pass --region or set SMS_REGION (one of cn-north-4, "
    },
    {
      args: ["tasks", "--region", "nowhere-1"],
      env: {},
      expected: 'error: --region: unknown region "nowhere-1": use one of '
    },
    {
      args: ["export", "--all"],
      env: { SMS_REGION: "nowhere-2" },
      expected: 'error: SMS_REGION: unknown region "nowhere-2": '
    },
    {
      args: ["tasks"],
      env: { HUAWEICLOUD_SDK_REGION: "nowhere-3" },
      expected: 'error: HUAWEICLOUD_SDK_REGION: unknown region "nowhere-3": '
    },
    // The flag wins over the variable, and is named.
    {
      args: ["tasks", "--region", "nowhere-1"],
      env: { SMS_REGION: "cn-north-4" },
      expected: "error: --region: unknown region "
    }
  ])("a bad region or endpoint is named where it was given: $args $env", async ({ args, env, expected }) => {
    const before = requestCount()
    const r = await cli(args, { cwd: await tempDir(), env: cleanEnv(home, { SMS_AUTH_TOKEN: "token", ...env }) })
    expect(r.code).toBe(2)
    expect(r.stderr.startsWith(expected)).toBe(true)
    expect(r.stderr.split("\n")).toHaveLength(2)
    expect(requestCount()).toBe(before)
  })

  it("no credentials: exit 3, nothing sent", async () => {
    const before = requestCount()
    const r = await cli(["export", "--task", "t1,s1,web"], {
      cwd: await tempDir(),
      env: cleanEnv(home, { SMS_ENDPOINT: emu.url })
    })
    expect(r.code).toBe(3)
    // What was looked at (the file by its path), then the remedy, each said once.
    expect(r.stderr).toContain(`No credentials found: none in SMS_AUTH_TOKEN`)
    expect(r.stderr).toContain(join(home, ".huaweicloud", "credentials"))
    expect(r.stderr).toMatch(/\nhint: Set SMS_AUTH_TOKEN, or both HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK/)
    expect(r.stderr.match(/Set SMS_AUTH_TOKEN/g)).toHaveLength(1)
    expect(requestCount()).toBe(before)
  })

  it("--json with a usage error (a bad flag value, an unknown flag): stdout is one JSON error document too", async () => {
    const bad = await cli(["export", "--all", "--concurrency", "abc", "--json"], {
      cwd: await tempDir(),
      env: envFor()
    })
    expect(bad.code).toBe(2)
    expect(JSON.parse(bad.stdout)).toEqual({
      error: { tag: "UsageError", message: '--concurrency: expected a whole number (got "abc")' }
    })
    const unknown = await cli(["export", "--all", "--bogus", "--json"], { cwd: await tempDir(), env: envFor() })
    expect(unknown.code).toBe(2)
    expect(JSON.parse(unknown.stdout).error).toEqual({
      tag: "UsageError",
      message: "--bogus: unknown option; see sms-consistency export --help"
    })
    // Two bad values: the document has the first on the line, as stderr does.
    const two = await cli(["export", "--all", "--json", "--retries", "x", "--concurrency", "y"], {
      cwd: await tempDir(),
      env: envFor()
    })
    expect(two.code).toBe(2)
    expect(JSON.parse(two.stdout).error.message).toBe('--retries: expected a whole number (got "x")')
    expect(two.stderr).toBe('error: --retries: expected a whole number (got "x")\n')
    // A flag without its value is caught before @effect/cli parses the line, and reported the same way.
    const missing = await cli(["export", "--all", "--json", "--concurrency"], { cwd: await tempDir(), env: envFor() })
    expect(missing.code).toBe(2)
    expect(JSON.parse(missing.stdout).error).toEqual({
      tag: "UsageError",
      message: "--concurrency: missing its value (N)"
    })
    expect(missing.stderr).toBe("error: --concurrency: missing its value (N)\n")
    // Without --json, stdout stays empty.
    const plain = await cli(["export", "--all", "--bogus"], { cwd: await tempDir(), env: envFor() })
    expect(plain.stdout).toBe("")
  })

  it("--json turned off (--json false, --json no, --json=0, --json=off): a usage error on stderr only", async () => {
    for (const json of [["--json", "false"], ["--json", "no"], ["--json=0"], ["--json=off"]]) {
      const r = await cli(["export", ...json, "--bogus"], { cwd: await tempDir(), env: envFor() })
      expect(r.code, json.join(" ")).toBe(2)
      expect(r.stderr).toBe("error: --bogus: unknown option; see sms-consistency export --help\n")
      expect(r.stdout, json.join(" ")).toBe("")
    }
    // Turned on by a true value, as by --json alone.
    const on = await cli(["export", "--json=yes", "--bogus"], { cwd: await tempDir(), env: envFor() })
    expect(JSON.parse(on.stdout).error.tag).toBe("UsageError")
  })

  it("--json with bad input: stdout is one JSON error document", async () => {
    const r = await cli(["export", "--task", "t1", "--json"], { cwd: await tempDir(), env: envFor() })
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout)).toEqual({
      error: { tag: "InvalidRequest", message: "--task #1: expected TASK_ID,SOURCE_ID,SOURCE_NAME (3 fields, got 1)" }
    })
  })
})

describe("discovery commands", () => {
  it("sources --with-results --json and tasks --json list every page", async () => {
    const s = await cli(["sources", "--with-results", "--json"], { env: envFor() })
    expect(s.code).toBe(0)
    const sources = JSON.parse(s.stdout)
    expect(sources.count).toBe(emu.seeded.sources.filter((x) => x.is_consistency_result_exist).length)
    const t = await cli(["tasks", "--json"], { env: envFor() })
    expect(t.code).toBe(0)
    expect(JSON.parse(t.stdout).count).toBe(450)
  })

  it("sources --json | head: a reader that leaves early ends the CLI quietly, exit 0", async () => {
    const child = spawn(process.execPath, [bin, "sources", "--json"], {
      env: envFor(),
      stdio: ["ignore", "pipe", "pipe"]
    })
    let err = ""
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d
    })
    // As `head` does: read the first bytes, and close the pipe while the CLI still writes (the document is ~200 KB).
    child.stdout.once("data", () => child.stdout.destroy())
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)))
    expect(err).toBe("")
    expect(code).toBe(0)
  })

  it.skipIf(!existsSync("/dev/full"))(
    "stdout on a full disk (> /dev/full): the error said, exit 1, not a silent 0",
    async () => {
      const full = openSync("/dev/full", "w")
      try {
        // Not spawnSync: the emulator answers from this process.
        const child = spawn(process.execPath, [bin, "sources", "--json"], {
          env: envFor(),
          stdio: ["ignore", full, "pipe"]
        })
        let err = ""
        child.stderr?.setEncoding("utf8").on("data", (d: string) => {
          err += d
        })
        const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)))
        expect(err).toContain("error: cannot write to stdout: ENOSPC")
        expect(code).toBe(1)
      } finally {
        closeSync(full)
      }
    }
  )

  it("a closed stderr (2>&-, a log reader gone) loses the messages, not the result or the exit code", async () => {
    const child = spawn(process.execPath, [bin, "export", "--task", "t1", "--json"], {
      env: envFor(),
      stdio: ["ignore", "pipe", "pipe"]
    })
    child.stderr.destroy()
    let out = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d
    })
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)))
    expect(code).toBe(2)
    expect(JSON.parse(out).error.tag).toBe("InvalidRequest")
  })

  it("tasks --state and result as tables; a state in any case, upper-cased; an unknown state said so; the domain id is looked up when not given", async () => {
    const t = await cli(["tasks", "--state", "MIGRATE_SUCCESS"], { env: envFor({ HUAWEICLOUD_SDK_DOMAIN_ID: "" }) })
    expect(t.code).toBe(0)
    expect(t.stdout.split("\n")[0]).toMatch(/^TASK ID\s+NAME\s+STATE/)
    expect(t.stdout).not.toContain("SYNC_SUCCESS")
    // The service matches states as given, upper case: a state in lower case, or with blanks around it, is sent
    // upper-cased without them (as the MCP server's list_migration_tasks does), and finds the same tasks.
    const upper = await cli(["tasks", "--state", "MIGRATE_SUCCESS", "--json"], { env: envFor() })
    const expected: { count: number } = JSON.parse(upper.stdout)
    expect(expected.count).toBeGreaterThan(0)
    for (const state of ["migrate_success", "MIGRATE_SUCCESS ", " Migrate_Success"]) {
      const other = await cli(["tasks", "--state", state, "--json"], { env: envFor() })
      expect(other.code).toBe(0)
      expect(JSON.parse(other.stdout)).toEqual(expected)
      expect(other.stderr).toBe("")
    }
    // A state that is none, in any case: said so, with the known ones, as it was sent.
    for (const state of ["bogus", "BOGUS"]) {
      const unknown = await cli(["tasks", "--state", state], { env: envFor() })
      expect(unknown.code).toBe(0)
      expect(unknown.stdout).toBe("no tasks\n")
      expect(unknown.stderr).toBe(
        '[info] no tasks in state "BOGUS"; it is not a known task state: READY, RUNNING, SYNCING, MIGRATE_SUCCESS, ' +
          "MIGRATE_FAIL, SYNC_SUCCESS, SYNC_FAIL, ABORTING, ABORT, DELETING, SYNC_F_ROLLBACKING, SYNC_F_ROLLBACK_SUCCESS\n"
      )
    }
    const withResult = emu.seeded.sources.find((x) => x.is_consistency_result_exist)
    const r = await cli(["result", withResult?.current_task?.id ?? ""], { env: envFor() })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/DIRECTORY\s+FILES\s+DIFFERENT/)
  })

  it("--region where SMS_ENDPOINT gives the endpoint: a warning that it is not used; none for SMS_REGION, nor beside --endpoint", async () => {
    const r = await cli(["sources", "--region", "cn-north-4", "--json"], { env: envFor() })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).count).toBe(450)
    expect(r.stderr).toBe(
      `[warn] --region cn-north-4 is not used: SMS_ENDPOINT gives the endpoint (${emu.url}), which wins over any region; unset SMS_ENDPOINT for the region's\n`
    )
    // A region from the environment is a default, not a request; --endpoint's help says it wins over --region.
    const fromEnv = await cli(["sources", "--json"], { env: envFor({ SMS_REGION: "cn-north-4" }) })
    expect(fromEnv.code).toBe(0)
    expect(fromEnv.stderr).toBe("")
    const both = await cli(["sources", "--region", "cn-north-4", "--endpoint", emu.url, "--json"], { env: envFor() })
    expect(both.code).toBe(0)
    expect(both.stderr).toBe("")
  })

  it("sources and tasks --name: the service's name filter, every page", async () => {
    const s = await cli(["sources", "--name", "web", "--json"], { env: envFor() })
    expect(s.code).toBe(0)
    const sources: { count: number; source_servers: ReadonlyArray<{ name: string }> } = JSON.parse(s.stdout)
    expect(sources.count).toBe(emu.seeded.sources.filter((x) => x.name.includes("web")).length)
    expect(sources.count).toBeGreaterThan(0)
    expect(sources.source_servers.every((x) => x.name.includes("web"))).toBe(true)
    const t = await cli(["tasks", "--name", "db", "--json"], { env: envFor() })
    expect(t.code).toBe(0)
    const tasks: { count: number; tasks: ReadonlyArray<{ name: string }> } = JSON.parse(t.stdout)
    expect(tasks.count).toBeGreaterThan(0)
    expect(tasks.tasks.every((x) => x.name.includes("db"))).toBe(true)
    expect(tasks.count).toBeLessThan(emu.seeded.sources.length)
  })

  it("a failure's hint fits the call that failed: a listing, one result, or the discovery of export --all", async () => {
    const denied = {
      _tag: "Status",
      status: 403,
      body: '{"error_code":"SMS.9004","error_msg":"Permission denied."}',
      contentType: "application/json"
    } as const
    const readAccess = "hint: The identity lacks SMS read access; ask an administrator to grant it."
    await Effect.runPromise(emu.script([denied]))
    const s = await cli(["sources"], { env: envFor() })
    expect(s.code).toBe(3)
    expect(s.stderr).toContain(readAccess)
    const r = await cli(["result", "00000000-0000-4000-8000-000000000404"], { env: envFor() })
    expect(r.code).toBe(4)
    expect(r.stderr).toContain("hint: Check the task_id (list migration tasks to find it).")
    await Effect.runPromise(emu.script([denied]))
    const e = await cli(["export", "--all"], { cwd: await tempDir(), env: envFor() })
    expect(e.code).toBe(3)
    expect(e.stderr).toContain(readAccess)
    expect(e.stderr).not.toContain("getBatchConsistencyResults")
  })
})

describe("wizard", () => {
  // util-linux `script` gives the CLI a terminal: the wizard asks its questions only on one.
  const hasScript = spawnSync("script", ["--version"]).status === 0

  /**
   * Runs `--wizard` on a terminal, its stderr into a file (the terminal mixes it with stdout), and types `key` at
   * its first question, in raw mode: a key the wizard reads, not a signal nor the end of a pipe.
   */
  const wizardQuitBy = async (key: string) => {
    const stderrFile = join(await tempDir(), "stderr")
    const command = `${[process.execPath, bin, "--wizard"].map((a) => `'${a}'`).join(" ")} 2>'${stderrFile}'`
    // -e: script exits with the CLI's code.
    const child = spawn("script", ["-qec", command, "/dev/null"], { env: envFor({ TERM: "dumb" }) })
    let out = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d
    })
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      out += d
    })
    const exited = new Promise<number | null>((done) => child.once("exit", done))
    await vi.waitFor(() => expect(out).toContain("Select which command"), { timeout: 10_000 })
    const requestsBefore = requestCount()
    child.stdin.write(key)
    const code = await exited
    const stderr = await readFile(stderrFile, "utf8")
    for (const text of [out, stderr]) expect(text).not.toMatch(stackFrame)
    return { code, out, stderr, requests: requestCount() - requestsBefore }
  }

  it.skipIf(!hasScript)("Ctrl+C at one of its questions: exit 130, as Ctrl+C anywhere else, and no stack", async () => {
    const r = await wizardQuitBy("\x03")
    expect(r.code).toBe(130)
    expect(r.out).not.toMatch(/error/i)
    expect(r.stderr).toBe("")
  })

  it.skipIf(!hasScript)(
    "Ctrl+D (the end of input) at one of its questions: exit 2 and one error line on stderr; nothing sent",
    async () => {
      const r = await wizardQuitBy("\x04")
      // It exited 0 with nothing on stderr, as if the wizard had done what it was asked.
      expect(r.stderr).toMatch(/^error: the input ended at a wizard question; nothing was sent\n$/)
      expect(r.code).toBe(2)
      expect(r.out).not.toContain("input ended")
      expect(r.requests).toBe(0)
    }
  )
})

describe("emulator and demo", () => {
  it("demo where every task fails: the last line says so, and the exit code and the error are export's", async () => {
    const cwd = await tempDir()
    // A folder name over NAME_MAX passes the check of --output (nothing there; its parent writable) and then
    // cannot be made: every export call fails.
    const r = await cli(["demo", "--sources", "3", "--output", `${"x".repeat(300)}/`], { cwd, env: cleanEnv(home) })
    // A file error, when every task failed: exit 2, as export's (1 only when some tasks were exported).
    expect(r.code).toBe(2)
    expect(r.stdout).not.toContain("Done in")
    expect(r.stdout.trimEnd().split("\n").at(-1)).toMatch(/^Failed in \d+ ms: \d+ tasks? failed, none exported\.$/)
    const [error, hint, ...more] = r.stderr.trimEnd().split("\n")
    expect(error).toMatch(/^error: \d+ tasks? not exported: .*ENAMETOOLONG/)
    expect(hint).toMatch(/^hint: Check that the destination folder can be created/)
    expect(more).toEqual([])
    expect(await readdir(cwd)).toEqual([])
  })

  it("Ctrl+C mid-demo: exit 130 and export's summary of what was done: the files finished, the tasks not exported", async () => {
    const cwd = await tempDir()
    const out = join(cwd, "out")
    await mkdir(out)
    const r = await cli(["demo", "--sources", "20000", "--output", "out"], {
      cwd,
      env: cleanEnv(home),
      onSpawn: signalWhenWritten(out, "SIGINT")
    })
    expect(r.code).toBe(130)
    const discovered = Number(/Discovered (\d+) source servers/.exec(r.stdout)?.[1])
    const [, exported, files] = /^Exported (\d+) tasks? in (\d+) files? from /m.exec(r.stdout) ?? []
    const [, left] = /^Interrupted: (\d+) tasks? not exported/m.exec(r.stdout) ?? []
    expect(Number(files)).toBeGreaterThan(0)
    expect(Number(exported) + Number(left)).toBe(discovered)
    expect((await readdir(out)).filter((f) => f.endsWith(".zip"))).toHaveLength(Number(files))
    expect(r.stdout).not.toContain("Done in")
    // demo has no --json to list the tasks left.
    expect(r.stdout).not.toContain("--json")
    expect(r.stderr).toBe(`interrupted: ${exported} tasks exported, 0 failed, ${left} not done\n`)
  })

  it("Ctrl+C before the demo's export started: exit 130, one line on stderr that says so, no file", async () => {
    const cwd = await tempDir()
    // SIGINT as its discovery's first request is sent, which is then held: the export cannot have started.
    const hold = fileURLToPath(new URL("./hold-first-connection.cjs", import.meta.url))
    const r = await cli(["demo", "--sources", "3", "--output", "out"], {
      cwd,
      env: cleanEnv(home, { NODE_OPTIONS: `--require "${hold}"` }),
      timeoutMs: 10_000
    })
    expect(r.stdout).toContain("Started the SMS emulator")
    expect(r.stdout).not.toContain("Discovered")
    // It said a bare "interrupted".
    expect(r.stderr).toBe("interrupted before the export started; nothing was written\n")
    expect(r.code).toBe(130)
    expect(await readdir(cwd)).toEqual([])
  })

  it("demo from an empty directory exports the seeded results into ./consistency-results/", async () => {
    const cwd = await tempDir()
    const r = await cli(["demo"], { cwd, env: cleanEnv(home) })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Started the SMS emulator")
    expect(r.stdout).toMatch(/Discovered \d+ source servers with consistency results/)
    const files = await readdir(join(cwd, "consistency-results"))
    expect(files.filter((f) => f.endsWith(".zip"))).toHaveLength(1)
  })

  it("emulator --port taken by another process: exit 2, one line naming --port and what to do instead", async () => {
    const taken = createServer()
    await new Promise<void>((listening) => taken.listen(0, "127.0.0.1", listening))
    const address = taken.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    try {
      const r = await cli(["emulator", "--port", String(port)], { env: cleanEnv(home) })
      expect(r.code).toBe(2)
      expect(r.stderr).toBe(
        `error: --port ${port}: address already in use on 127.0.0.1 (another process listens on it); choose another port, or 0 for any free one\n`
      )
      expect(r.stdout).toBe("")
    } finally {
      await new Promise((closed) => taken.close(closed))
    }
  })

  it("emulator --host it cannot listen on: exit 2, one line naming --host", async () => {
    const r = await cli(["emulator", "--host", "203.0.113.7"], { env: cleanEnv(home) })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(
      /^error: --host 203\.0\.113\.7: cannot listen on 203\.0\.113\.7:0: .+; give an address of this machine/
    )
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stdout).toBe("")
  })

  it("emulator prints the environment to paste and stops with exit 0 on SIGTERM", async () => {
    const { spawn } = await import("node:child_process")
    const { bin } = await import("./support.js")
    const child = spawn(process.execPath, [bin, "emulator", "--port", "0", "--sources", "3"], {
      env: cleanEnv(home),
      stdio: ["ignore", "pipe", "pipe"]
    })
    // A failed expectation must not leave the emulator serving (after the SIGTERM below, this does nothing).
    onTestFinished(() => {
      child.kill("SIGKILL")
    })
    let out = ""
    let err = ""
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d
    })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}${err}`)), 10_000)
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        out += d
        if (out.includes("Ctrl+C")) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    const line = out.split("\n").find((l) => l.startsWith("export SMS_ENDPOINT="))
    expect(line).toMatch(
      /^export SMS_ENDPOINT=http:\/\/127\.0\.0\.1:\d+ HUAWEICLOUD_SDK_IAM_ENDPOINT=\S+ HUAWEICLOUD_SDK_AK=\S+ HUAWEICLOUD_SDK_SK=\S+ HUAWEICLOUD_SDK_DOMAIN_ID=\S+$/
    )
    const env = Object.fromEntries(
      (line ?? "")
        .replace(/^export /, "")
        .split(" ")
        .map((kv) => kv.split("=", 2))
    )
    const s = await cli(["sources", "--json"], { env: cleanEnv(home, env) })
    expect(s.code).toBe(0)
    expect(JSON.parse(s.stdout).count).toBe(3)
    // The temporary credentials printed work as given, and only with their security token.
    const temporary = out.split("\n").find((l) => l.startsWith("Temporary credentials"))
    expect(temporary).toMatch(
      /^Temporary credentials \(AK\/SK \+ security token\): HUAWEICLOUD_SDK_AK=\S+ HUAWEICLOUD_SDK_SK=\S+ HUAWEICLOUD_SDK_SECURITY_TOKEN=\S+$/
    )
    const temporaryEnv = {
      ...env,
      ...Object.fromEntries(
        (temporary ?? "")
          .replace(/^[^:]+: /, "")
          .split(" ")
          .map((kv) => kv.split("=", 2))
      )
    }
    const t = await cli(["sources", "--json"], { env: cleanEnv(home, temporaryEnv) })
    expect(t.code).toBe(0)
    expect(JSON.parse(t.stdout).count).toBe(3)
    const { HUAWEICLOUD_SDK_SECURITY_TOKEN: _, ...withoutToken } = temporaryEnv
    const u = await cli(["sources"], { env: cleanEnv(home, withoutToken) })
    expect(u.code).toBe(3)
    expect(u.stderr).toContain("APIGW.0301")
    const code = await new Promise<number | null>((resolve) => {
      child.on("close", (c) => resolve(c))
      child.kill("SIGTERM")
    })
    expect(code).toBe(0)
    expect(err).not.toMatch(/^\s+at\s/m)
  })
})
