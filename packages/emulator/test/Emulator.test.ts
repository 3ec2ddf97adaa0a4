import { assert, describe, expect, it } from "@effect/vitest"
import { Signer } from "@sms-consistency/sms"
import { Effect, Redacted } from "effect"
import * as Http from "node:http"
import * as Zlib from "node:zlib"
import { Emulator } from "../src/index.js"
import { type Answer, exportBody, extract, plain, readZip, signed, withToken } from "./support.js"

const exportPath = "/v3/tasks/consistency-results/export"
const csvHeader = "directory,files_checked,files_different,missing_on_target,extra_on_target,checked_at"

/** Checks `answer` is the gateway's 401 (its code, its wording, the request id); returns its body. */
const expectGateway401 = (answer: Answer, label: string) => {
  assert.strictEqual(answer.status, 401, label)
  const body = answer.json()
  expect(body, label).toMatchObject({
    error_code: "APIGW.0301",
    error_msg: expect.stringMatching(/^Incorrect IAM authentication information: /),
    request_id: answer.headers.get("x-request-id")
  })
  return body
}

describe("Emulator", () => {
  it.scoped("answers GET / without auth, with a request id", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start()
      const answer = yield* plain(emulator, { path: "/" })
      assert.strictEqual(answer.status, 200)
      assert.match(answer.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/)
      expect(answer.json()).toMatchObject({ versions: [{ id: "v3", status: "CURRENT" }] })
      assert.strictEqual(emulator.url, `http://127.0.0.1:${emulator.port}`)
    })
  )

  it.scoped("exports a signed request as a ZIP holding one CSV per task", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 10 })
      const answer = yield* signed(emulator, { method: "POST", path: exportPath, body: exportBody(emulator, 5) })
      assert.strictEqual(answer.status, 200)
      assert.strictEqual(answer.headers.get("content-type"), "application/octet-stream")
      assert.match(
        answer.headers.get("content-disposition") ?? "",
        /^attachment; filename="consistency-results-\d{14}\.zip"$/
      )
      assert.deepStrictEqual([...answer.bytes.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04])
      const entries = readZip(answer.bytes)
      assert.deepStrictEqual(
        entries.map((e) => e.name),
        emulator.seeded.sources.slice(0, 5).map((s) => `${s.name}_${s.current_task?.id}.csv`)
      )
      for (const entry of entries) {
        const csv = extract(answer.bytes, entry)
        assert.strictEqual(csv.length, entry.size)
        assert.strictEqual(Zlib.crc32(csv), entry.crc)
        assert.strictEqual(csv.toString("utf8").split("\r\n")[0], csvHeader)
      }
      // A task with results has rows for a few directories.
      const index = emulator.seeded.sources.slice(0, 5).findIndex((s) => s.is_consistency_result_exist === true)
      const entry = entries[index]
      assert.isDefined(entry)
      if (entry === undefined) return
      const rows = extract(answer.bytes, entry).toString("utf8").trim().split("\r\n").slice(1)
      assert.isAtLeast(rows.length, 2)
      for (const row of rows) assert.match(row, /^[^,]+,\d+,\d+,\d+,\d+,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    })
  )

  it.scoped("gives the same bytes for the same request, and Chinese headers for X-Language: zh-cn", () =>
    Effect.gen(function* () {
      const a = yield* Emulator.start({ seed: 7 })
      const b = yield* Emulator.start({ seed: 7 })
      const first = yield* signed(a, { method: "POST", path: exportPath, body: exportBody(a, 3) })
      const second = yield* signed(b, { method: "POST", path: exportPath, body: exportBody(b, 3) })
      assert.strictEqual(first.status, 200)
      assert.isTrue(first.bytes.equals(second.bytes))
      const other = yield* Emulator.start({ seed: 8 })
      assert.notStrictEqual(other.seeded.sources[0]?.id, a.seeded.sources[0]?.id)

      const zh = yield* signed(a, {
        method: "POST",
        path: exportPath,
        headers: { "X-Language": "zh-cn" },
        body: exportBody(a, 1)
      })
      const entry = readZip(zh.bytes)[0]
      assert.isDefined(entry)
      if (entry === undefined) return
      assert.strictEqual(extract(zh.bytes, entry).toString("utf8").split("\r\n")[0]?.split(",")[0], "目录")
    })
  )

  it.scoped("refuses invalid export bodies with 400 naming the field", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 3 })
      const ref = {
        task_id: emulator.seeded.tasks[0]?.id ?? "",
        source_id: emulator.seeded.sources[0]?.id ?? "",
        source_name: emulator.seeded.sources[0]?.name ?? ""
      }
      const cases: ReadonlyArray<readonly [string, string, RegExp]> = [
        [JSON.stringify({ task_info: Array.from({ length: 201 }, () => ref) }), "SMS.9002", /task_info.*201/],
        [JSON.stringify({ task_info: [] }), "SMS.9002", /task_info/],
        [JSON.stringify({ task_info: [{ ...ref, task_id: "x".repeat(37) }] }), "SMS.9002", /task_info\[0\]\.task_id/],
        [JSON.stringify({ task_info: [{ ...ref, source_name: "y".repeat(256) }] }), "SMS.9002", /source_name/],
        [
          JSON.stringify({ task_info: [{ task_id: ref.task_id, source_id: ref.source_id }] }),
          "SMS.9002",
          /source_name/
        ],
        [JSON.stringify({ task_info: [{ ...ref, source_id: 5 }] }), "SMS.9002", /task_info\[0\]\.source_id/],
        [JSON.stringify({ task_info: "nope" }), "SMS.9002", /task_info/],
        [JSON.stringify({ tasks: [] }), "SMS.9002", /task_info/],
        ['{"task_info": [', "SMS.9001", /JSON/]
      ]
      for (const [body, code, message] of cases) {
        const answer = yield* signed(emulator, { method: "POST", path: exportPath, body })
        assert.strictEqual(answer.status, 400, body.slice(0, 60))
        const json = answer.json()
        expect(json).toMatchObject({ error_code: code })
        expect(json).toHaveProperty("error_msg", expect.stringMatching(message))
      }
    })
  )

  it.scoped("answers 404 for an unknown task or a source that is not the task's", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 3 })
      const [s0, s1] = emulator.seeded.sources
      const unknown = yield* signed(emulator, {
        method: "POST",
        path: exportPath,
        body: JSON.stringify({ task_info: [{ task_id: "no-such-task", source_id: "", source_name: "" }] })
      })
      assert.strictEqual(unknown.status, 404)
      expect(unknown.json()).toMatchObject({
        error_code: "SMS.9003",
        error_msg: expect.stringContaining("no-such-task")
      })
      const mismatched = yield* signed(emulator, {
        method: "POST",
        path: exportPath,
        body: JSON.stringify({
          task_info: [{ task_id: s0?.current_task?.id ?? "", source_id: s1?.id ?? "", source_name: s0?.name ?? "" }]
        })
      })
      assert.strictEqual(mismatched.status, 404)
      expect(mismatched.json()).toMatchObject({
        error_code: "SMS.9003",
        error_msg: `task_info[0].source_id: task ${s0?.current_task?.id} migrates the source server with id "${s0?.id}", not "${s1?.id}".`
      })
      // The right source_id and a wrong source_name: the message names source_name, not the (right) source_id.
      const misnamed = yield* signed(emulator, {
        method: "POST",
        path: exportPath,
        body: JSON.stringify({
          task_info: [
            { task_id: s1?.current_task?.id ?? "", source_id: s1?.id ?? "", source_name: s1?.name ?? "" },
            { task_id: s0?.current_task?.id ?? "", source_id: s0?.id ?? "", source_name: "zz" }
          ]
        })
      })
      assert.strictEqual(misnamed.status, 404)
      expect(misnamed.json()).toMatchObject({
        error_code: "SMS.9003",
        error_msg: `task_info[1].source_name: task ${s0?.current_task?.id} migrates the source server named "${s0?.name}", not "zz".`
      })
    })
  )

  it.scoped("answers 403 with every documented field for the denied identity", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 2 })
      const { deniedAk, deniedSk } = emulator.credentials
      const bySignature = yield* signed(
        emulator,
        { method: "POST", path: exportPath, body: exportBody(emulator, 1) },
        { key: { ak: deniedAk, sk: deniedSk } }
      )
      const byToken = yield* withToken(
        emulator,
        { method: "POST", path: exportPath, body: exportBody(emulator, 1) },
        emulator.credentials.deniedToken
      )
      for (const answer of [bySignature, byToken]) {
        assert.strictEqual(answer.status, 403)
        const body = answer.json()
        expect(body).toMatchObject({
          error_code: "SMS.9004",
          error_msg: expect.stringContaining("sms:server:getBatchConsistencyResults"),
          error_param: ["sms:server:getBatchConsistencyResults"],
          details: [{ error_code: "SMS.9004", error_msg: expect.any(String) }]
        })
        expect(body).toHaveProperty("encoded_authorization_message", expect.stringMatching(/^[A-Za-z0-9+/=]{200,}$/))
      }
      // The denied identity may still list.
      const list = yield* signed(emulator, { path: "/v3/sources" }, { key: { ak: deniedAk, sk: deniedSk } })
      assert.strictEqual(list.status, 200)
    })
  )

  it.scoped("refuses bad authentication with 401 APIGW.0301", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 2 })
      const body = exportBody(emulator, 1)
      const call = { method: "POST", path: exportPath, body }
      const stale = Signer.formatDate(new Date(Date.now() - 16 * 60 * 1000))
      const v11 = { regionId: "ap-southeast-3", service: "sms" }
      const attempts = [
        ["wrong SK", signed(emulator, call, { key: { ak: emulator.credentials.ak, sk: Redacted.make("wrong") } })],
        ["unknown AK", signed(emulator, call, { key: { ak: "UNKNOWNAK", sk: emulator.credentials.sk } })],
        [
          "tampered body",
          signed(emulator, call, {
            after: (r) => {
              r.body = body.replace("web", "wab")
            }
          })
        ],
        ["stale date", signed(emulator, call, { date: stale })],
        ["wrong token", withToken(emulator, call, Redacted.make("not-the-token"))],
        [
          "foreign X-Domain-Id",
          signed(emulator, { ...call, headers: { "X-Domain-Id": "ffffffffffffffffffffffffffffffff" } })
        ],
        [
          "foreign X-Domain-Id with a token",
          withToken(emulator, { ...call, headers: { "X-Domain-Id": "ffffffffffffffffffffffffffffffff" } })
        ],
        [
          "foreign X-Project-Id",
          signed(emulator, { ...call, headers: { "X-Project-Id": "ffffffffffffffffffffffffffffffff" } })
        ],
        [
          "unsigned security token",
          signed(emulator, call, {
            after: (r) => {
              r.headers["X-Security-Token"] = "sts-token"
            }
          })
        ],
        ["no credentials", plain(emulator, { ...call, headers: { "Content-Type": "application/json" } })],
        [
          "V11 with a wrong SK",
          signed(emulator, call, { key: { ak: emulator.credentials.ak, sk: Redacted.make("wrong") }, derived: v11 })
        ],
        [
          "V11 derived for another day",
          signed(emulator, call, {
            derived: v11,
            after: (r) => {
              r.headers.Authorization = (r.headers.Authorization ?? "").replace(
                /Credential=(\w+)\/\d{8}/,
                "Credential=$1/20000101"
              )
            }
          })
        ]
      ] as const
      for (const [label, attempt] of attempts) {
        const answer = yield* attempt
        expectGateway401(answer, label)
      }
      const staleAnswer = yield* signed(emulator, call, { date: stale })
      expect(staleAnswer.json()).toMatchObject({ error_msg: expect.stringContaining("x-sdk-date expired") })
      const wrongSk = yield* signed(emulator, call, {
        key: { ak: emulator.credentials.ak, sk: Redacted.make("wrong") }
      })
      expect(wrongSk.json()).toMatchObject({ error_msg: expect.stringContaining("verify aksk signature fail") })

      // Controls: the same calls done right are accepted.
      const good = [
        yield* signed(emulator, call),
        yield* signed(emulator, call, { date: Signer.formatDate(new Date(Date.now() - 14 * 60 * 1000)) }),
        yield* signed(emulator, { ...call, headers: { "X-Project-Id": emulator.credentials.projectId } }),
        yield* withToken(emulator, call),
        yield* signed(emulator, call, { domainHeader: false }),
        yield* signed(emulator, call, { derived: v11 })
      ]
      assert.deepStrictEqual(
        good.map((a) => a.status),
        [200, 200, 200, 200, 200, 200]
      )
    })
  )

  it.scoped("takes a security token only with the temporary AK, and the temporary AK only with its own token", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 2 })
      const call = { method: "POST", path: exportPath, body: exportBody(emulator, 1) }
      const c = emulator.credentials
      const temporary = { ak: c.temporaryAk, sk: c.temporarySk }
      const securityToken = Redacted.value(c.securityToken)
      const refused = [
        // A security token belongs to one temporary AK: with the permanent AK it is not the AK's, whatever it is.
        ["permanent AK with a security token", signed(emulator, { ...call, headers: { "X-Security-Token": "sts" } })],
        [
          "permanent AK with the temporary AK's token",
          signed(emulator, { ...call, headers: { "X-Security-Token": securityToken } })
        ],
        ["temporary AK without its token", signed(emulator, call, { key: temporary })],
        [
          "temporary AK with a wrong token",
          signed(emulator, { ...call, headers: { "X-Security-Token": `${securityToken}x` } }, { key: temporary })
        ],
        [
          "temporary AK with its token, wrong SK",
          signed(
            emulator,
            { ...call, headers: { "X-Security-Token": securityToken } },
            { key: { ak: c.temporaryAk, sk: c.sk } }
          )
        ]
      ] as const
      for (const [label, attempt] of refused) {
        const answer = yield* attempt
        const body = expectGateway401(answer, label)
        // The token is never echoed.
        assert.notInclude(JSON.stringify(body), securityToken, label)
      }
      // Done right: the temporary AK/SK with its token, signed, on SMS and on the IAM domain lookup.
      const withSts = { "X-Security-Token": securityToken }
      const good = [
        yield* signed(emulator, { ...call, headers: withSts }, { key: temporary }),
        yield* signed(emulator, { path: "/v3/sources", headers: withSts }, { key: temporary }),
        yield* signed(emulator, { path: "/v3/auth/domains", headers: withSts }, { key: temporary, domainHeader: false })
      ]
      assert.deepStrictEqual(
        good.map((a) => a.status),
        [200, 200, 200]
      )
    })
  )

  it.scoped("pages /v3/sources with count as the total and filters on results", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 45, seed: 3 })
      const all = yield* signed(emulator, { path: "/v3/sources", query: "limit=20&offset=0" })
      assert.strictEqual(all.status, 200)
      expect(all.json()).toMatchObject({ count: 45 })
      const pages: Array<string> = []
      for (const offset of [0, 20, 40]) {
        const page = yield* signed(emulator, { path: "/v3/sources", query: `limit=20&offset=${offset}` })
        const json = page.json()
        expect(json).toHaveProperty("count", 45)
        expect(json).toHaveProperty("source_servers")
        if (typeof json === "object" && json !== null && "source_servers" in json && Array.isArray(json.source_servers))
          for (const s of json.source_servers) pages.push(String(s.id))
      }
      assert.deepStrictEqual(
        pages,
        emulator.seeded.sources.map((s) => s.id)
      )
      const withResults = emulator.seeded.sources.filter((s) => s.is_consistency_result_exist === true)
      assert.isAbove(withResults.length, 20)
      assert.isBelow(withResults.length, 45)
      const filtered = yield* signed(emulator, {
        path: "/v3/sources",
        query: "is_consistency_result_exist=true&limit=0"
      })
      const filteredJson = filtered.json()
      expect(filteredJson).toMatchObject({ count: withResults.length })
      expect(filteredJson).toHaveProperty(
        "source_servers",
        withResults.map((s) => expect.objectContaining({ id: s.id, is_consistency_result_exist: true }))
      )
      const first = emulator.seeded.sources[0]
      expect(first).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        name: "web-01",
        ip: expect.any(String),
        os_type: expect.any(String),
        add_date: expect.any(Number),
        current_task: {
          id: expect.any(String),
          name: expect.any(String),
          state: expect.any(String),
          type: "MIGRATE_FILE"
        }
      })
      const byName = yield* signed(emulator, { path: "/v3/sources", query: "name=db-" })
      expect(byName.json()).toMatchObject({ count: 5 })
      const tooMany = yield* signed(emulator, { path: "/v3/sources", query: "limit=201" })
      assert.strictEqual(tooMany.status, 400)
      expect(tooMany.json()).toMatchObject({ error_code: "SMS.9002", error_msg: expect.stringContaining("limit") })
    })
  )

  it.scoped("pages /v3/tasks and filters by id, source and state", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 30 })
      const page = yield* signed(emulator, { path: "/v3/tasks", query: "limit=10&offset=25" })
      const json = page.json()
      expect(json).toMatchObject({ count: 30 })
      expect(json).toHaveProperty(
        "tasks",
        emulator.seeded.tasks.slice(25).map((t) => expect.objectContaining({ id: t.id }))
      )
      const task = emulator.seeded.tasks[4]
      expect(task).toMatchObject({
        type: "MIGRATE_FILE",
        source_server: { id: emulator.seeded.sources[4]?.id, name: emulator.seeded.sources[4]?.name },
        target_server: { id: expect.any(String) },
        create_date: expect.any(Number)
      })
      const byId = yield* signed(emulator, { path: "/v3/tasks", query: `id=${task?.id}` })
      expect(byId.json()).toMatchObject({ count: 1, tasks: [{ id: task?.id }] })
      const bySource = yield* signed(emulator, {
        path: "/v3/tasks",
        query: `source_server_id=${emulator.seeded.sources[4]?.id}`
      })
      expect(bySource.json()).toMatchObject({ count: 1, tasks: [{ id: task?.id }] })
      const state = task?.state ?? ""
      const byState = yield* signed(emulator, { path: "/v3/tasks", query: `state=${state}` })
      expect(byState.json()).toMatchObject({ count: emulator.seeded.tasks.filter((t) => t.state === state).length })
    })
  )

  it.scoped("serves per-task consistency results, empty for tasks without, 404 for unknown", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 20 })
      const withResults = emulator.seeded.sources.find((s) => s.is_consistency_result_exist === true)
      const without = emulator.seeded.sources.find((s) => s.is_consistency_result_exist === false)
      const a = yield* withToken(emulator, { path: `/v3/tasks/${withResults?.current_task?.id}/consistency-result` })
      assert.strictEqual(a.status, 200)
      expect(a.json()).toMatchObject({
        task_id: withResults?.current_task?.id,
        result_list: expect.arrayContaining([
          expect.objectContaining({
            finished_time: expect.any(String),
            check_result: expect.any(String),
            consistency_result: expect.arrayContaining([
              expect.objectContaining({ dir_check: expect.any(String), num_total_files: expect.any(Number) })
            ])
          })
        ])
      })
      const b = yield* withToken(emulator, { path: `/v3/tasks/${without?.current_task?.id}/consistency-result` })
      expect(b.json()).toStrictEqual({ task_id: without?.current_task?.id, result_list: [] })
      const c = yield* withToken(emulator, { path: "/v3/tasks/nope/consistency-result" })
      assert.strictEqual(c.status, 404)
    })
  )

  it.scoped("issues IAM tokens for a password and answers the signed domain lookup", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 1 })
      const login = (user: string, password: string) =>
        plain(emulator, {
          method: "POST",
          path: "/v3/auth/tokens",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            auth: {
              identity: {
                methods: ["password"],
                password: { user: { name: user, password, domain: { name: emulator.credentials.domainName } } }
              },
              scope: { project: { name: "ap-southeast-3" } }
            }
          })
        })
      const ok = yield* login("emulator", Emulator.iamPassword)
      assert.strictEqual(ok.status, 201)
      assert.strictEqual(ok.headers.get("x-subject-token"), Redacted.value(emulator.credentials.token))
      expect(ok.json()).toMatchObject({ token: { methods: ["password"], expires_at: expect.any(String) } })
      const denied = yield* login("emulator-denied", Emulator.iamPassword)
      assert.strictEqual(denied.headers.get("x-subject-token"), Redacted.value(emulator.credentials.deniedToken))
      const wrong = yield* login("emulator", "guess")
      assert.strictEqual(wrong.status, 401)
      assert.isNull(wrong.headers.get("x-subject-token"))

      const domains = yield* signed(emulator, { path: "/v3/auth/domains" }, { domainHeader: false })
      assert.strictEqual(domains.status, 200)
      expect(domains.json()).toMatchObject({
        domains: [{ id: emulator.credentials.domainId, name: "emulator", enabled: true }]
      })
      const unsigned = yield* plain(emulator, { path: "/v3/auth/domains" })
      assert.strictEqual(unsigned.status, 401)
    })
  )

  it.scoped("switches export modes: json, text, large (streamed, hashed)", () =>
    Effect.gen(function* () {
      const bytes = 20 * 1024 * 1024
      const emulator = yield* Emulator.start({ sources: 2, exportMode: "json", largeBodyBytes: bytes, seed: 11 })
      const call = { method: "POST", path: exportPath, body: exportBody(emulator, 2) }
      const json = yield* signed(emulator, call)
      assert.strictEqual(json.status, 200)
      assert.match(json.headers.get("content-type") ?? "", /^application\/json/)
      assert.strictEqual(json.bytes.toString("utf8"), "{ }")
      yield* emulator.setExportMode("text")
      const text = yield* signed(emulator, call)
      assert.match(text.headers.get("content-type") ?? "", /^text\/plain/)
      assert.strictEqual(text.bytes.toString("utf8"), "OK")
      yield* emulator.setExportMode("large")
      const large = yield* Effect.promise(async () => {
        const { Signer: S } = await import("@sms-consistency/sms")
        const url = `${emulator.url}${exportPath}`
        const signedHeaders = S.sign(
          { method: "POST", url, headers: { "Content-Type": "application/json" }, body: call.body },
          { ak: emulator.credentials.ak, sk: emulator.credentials.sk }
        ).headers
        delete signedHeaders.host
        const response = await fetch(url, { method: "POST", headers: signedHeaders, body: call.body })
        const hash = (await import("node:crypto")).createHash("sha256")
        let received = 0
        const reader = response.body?.getReader()
        for (;;) {
          const chunk = await reader?.read()
          if (chunk === undefined || chunk.done) break
          received += chunk.value.length
          hash.update(chunk.value)
        }
        return { response, received, sha256: hash.digest("hex") }
      })
      assert.strictEqual(large.response.status, 200)
      assert.strictEqual(large.response.headers.get("content-length"), String(bytes))
      assert.include(large.response.headers.get("content-disposition") ?? "", "consistency-results-large.bin")
      assert.strictEqual(large.received, bytes)
      assert.strictEqual(large.sha256, Emulator.largeBodySha256(bytes, 11))
      assert.notStrictEqual(large.sha256, Emulator.largeBodySha256(bytes, 12))
    })
  )

  it.scoped("seeds 1000 sources quickly with unique names and ids", () =>
    Effect.gen(function* () {
      const started = Date.now()
      const emulator = yield* Emulator.start({ sources: 1000 })
      assert.isBelow(Date.now() - started, 1000)
      assert.strictEqual(new Set(emulator.seeded.sources.map((s) => s.name)).size, 1000)
      assert.strictEqual(new Set(emulator.seeded.tasks.map((t) => t.id)).size, 1000)
      const share = emulator.seeded.sources.filter((s) => s.is_consistency_result_exist === true).length / 1000
      assert.isAbove(share, 0.72)
      assert.isBelow(share, 0.88)
    })
  )

  it.scoped("fails with PortInUse when the port is taken, and frees the port when the scope closes", () =>
    Effect.gen(function* () {
      const first = yield* Emulator.start()
      const error = yield* Effect.flip(Emulator.start({ port: first.port }))
      assert.strictEqual(error._tag, "EmulatorError")
      assert.strictEqual(error.reason, "PortInUse")
      assert.include(error.message, String(first.port))
      const bad = yield* Effect.flip(Emulator.start({ faultRate: 2 }))
      assert.strictEqual(bad.reason, "InvalidOptions")

      const port = yield* Effect.scoped(Effect.map(Emulator.start(), (e) => e.port))
      const again = yield* Emulator.start({ port })
      assert.strictEqual(again.port, port)
    })
  )

  it.scoped("records requests for 'nothing was sent' assertions", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 2 })
      assert.deepStrictEqual(emulator.requests(), [])
      yield* signed(emulator, { method: "POST", path: exportPath, query: "a=1", body: exportBody(emulator, 1) })
      yield* plain(emulator, { path: "/" })
      const log = emulator.requests()
      assert.strictEqual(log.length, 2)
      expect(log[0]).toMatchObject({ method: "POST", path: exportPath, query: "a=1", status: 200 })
      assert.strictEqual(Buffer.from(log[0]?.body ?? new Uint8Array()).toString("utf8"), exportBody(emulator, 1))
      assert.strictEqual(log[0]?.headers["x-domain-id"], emulator.credentials.domainId)
      expect(emulator.stats()).toStrictEqual({ requests: 2, faults: 0, byStatus: { "200": 2 } })
    })
  )

  it.scoped("refuses a body over the gateway's 12 MB with 413 and closes, unread; a body at the limit is read", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start()
      /** Posts `size` bytes with node:http: the answer may come before the body is all out. */
      const post = (size: number) =>
        Effect.async<{ status: number; body: string; connection: string | undefined }>((resume) => {
          const req = Http.request(`${emulator.url}${exportPath}`, {
            method: "POST",
            headers: { "content-type": "application/json", "content-length": String(size) }
          })
          req.on("response", (res) => {
            const chunks: Array<Buffer> = []
            res.on("data", (c: Buffer) => chunks.push(c))
            res.on("end", () =>
              resume(
                Effect.succeed({
                  status: res.statusCode ?? 0,
                  body: Buffer.concat(chunks).toString("utf8"),
                  connection: res.headers.connection
                })
              )
            )
          })
          // The server may close while the body is still going out.
          req.on("error", () => undefined)
          req.end(Buffer.alloc(size, 0x20))
        })
      const over = yield* post(Emulator.maxRequestBody + 1)
      assert.strictEqual(over.status, 413)
      assert.strictEqual(over.connection, "close")
      expect(JSON.parse(over.body)).toMatchObject({ error_code: "APIGW.0413", request_id: expect.any(String) })
      // At the limit the body is read, and the request goes on to auth (it carries none).
      const atLimit = yield* post(Emulator.maxRequestBody)
      assert.strictEqual(atLimit.status, 401)
      const probe = yield* plain(emulator, { path: "/" })
      assert.strictEqual(probe.status, 200)
    })
  )
})
