/** The emulator accepts what the cloud's official Node signer produces (not only our own signer). */
import { assert, describe, expect, it } from "@effect/vitest"
import { AKSKSigner } from "@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js"
import { BasicCredentials } from "@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js"
import { Effect, Redacted } from "effect"
import { Emulator } from "../src/index.js"

const officialFetch = (
  emulator: Emulator.EmulatorHandle,
  request: {
    readonly method: string
    readonly path: string
    readonly queryParams?: Readonly<Record<string, string>>
    readonly data?: unknown
    readonly sk?: string
  }
) =>
  Effect.promise(async () => {
    const credentials = new BasicCredentials()
      .withAk(emulator.credentials.ak)
      .withSk(request.sk ?? Redacted.value(emulator.credentials.sk))
    const headers: Record<string, string> = { "X-Domain-Id": emulator.credentials.domainId }
    if (request.data !== undefined) headers["content-type"] = "application/json"
    const signedHeaders: Record<string, string> = {}
    const result = AKSKSigner.sign(
      {
        endpoint: `${emulator.url}${request.path}`,
        method: request.method,
        headers,
        queryParams: request.queryParams ?? {},
        data: request.data
      },
      credentials
    )
    for (const [name, value] of Object.entries(result)) {
      // fetch sets Host itself, to the value the signer took from the endpoint.
      if (typeof value === "string" && name.toLowerCase() !== "host") signedHeaders[name] = value
    }
    const query = new URLSearchParams(request.queryParams ?? {}).toString()
    const response = await fetch(`${emulator.url}${request.path}${query ? `?${query}` : ""}`, {
      method: request.method,
      headers: signedHeaders,
      ...(request.data !== undefined ? { body: JSON.stringify(request.data) } : {})
    })
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()) }
  })

describe("official signer", () => {
  it.scoped("a request signed by AKSKSigner.sign is accepted", () =>
    Effect.gen(function* () {
      const emulator = yield* Emulator.start({ sources: 3 })
      const source = emulator.seeded.sources[0]
      const data = {
        task_info: [{ task_id: source?.current_task?.id, source_id: source?.id, source_name: source?.name }]
      }
      const exported = yield* officialFetch(emulator, {
        method: "POST",
        path: "/v3/tasks/consistency-results/export",
        data
      })
      assert.strictEqual(exported.status, 200)
      assert.deepStrictEqual([...exported.body.subarray(0, 2)], [0x50, 0x4b])

      const listed = yield* officialFetch(emulator, {
        method: "GET",
        path: "/v3/sources",
        queryParams: { limit: "2", name: "web", is_consistency_result_exist: "true" }
      })
      assert.strictEqual(listed.status, 200)
      expect(JSON.parse(listed.body.toString("utf8"))).toHaveProperty("count")

      const wrong = yield* officialFetch(emulator, { method: "GET", path: "/v3/sources", sk: "not-the-sk" })
      assert.strictEqual(wrong.status, 401)
    })
  )
})
