/**
 * Conformance: our pure SDK-HMAC-SHA256 signer (`packages/sms/src/Signer.ts`) against the cloud's official Node
 * signer (`AKSKSigner` of `@huaweicloud/huaweicloud-sdk-core@3.1.211`) on generated requests.
 *
 * The official signer reads `{ endpoint: base + path, method, headers, queryParams, data }`, hashes
 * `JSON.stringify(data)`, reads a caller-set date only under the exact key `X-Sdk-Date` and the payload override only
 * under the exact key `X-Sdk-Content-Sha256`, and returns the headers to send (the caller's, `host`, `Authorization`).
 * Our signer gets the same request as an absolute URL, the same headers and the exact body string.
 *
 * Input classes left out of generation, each a documented divergence of the Node signer (reference API.md §3),
 * pinned by the explicit cases at the bottom so that a change on either side shows up:
 * - paths hold only unreserved characters (`A-Za-z0-9-_.~`): the Node signer encodes the already-encoded
 *   `url.parse(...).pathname`, so a space or non-ASCII character in a path is encoded twice (API.md §3 step 3).
 *   `.` and `..` segments are left out too: WHATWG URL (ours, and what HTTP clients send) removes them, `url.parse`
 *   keeps them, so the Node signer signs a path that never goes on the wire.
 * - header names hold only `A-Za-z0-9-`: the Node signer orders the header block with `localeCompare` (which puts
 *   `_` and `~` before `-`, digits and letters) but the SignedHeaders list by code units; API.md §3 step 5 prescribes
 *   byte order and notes that locale order agrees only for real header names.
 * - header values carry no leading/trailing whitespace: API.md §3 step 5 trims values (as Go does, and as HTTP
 *   parsers strip them on the wire); the Node signer does not trim.
 * - loopback ports exclude the scheme's default port: API.md §3 step 2 drops it (as WHATWG URL and HTTP clients do
 *   in `Host`); the Node signer's `url.parse` keeps it.
 * - no `multipart/form-data` content type: the Node signer leaves a lowercase `content-type` holding it unsigned
 *   (its boundary is added later); SMS sends JSON only (API.md §1).
 */
import { AKSKSigner } from "@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js"
import { BasicCredentials } from "@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js"
import * as Signer from "@sms-consistency/sms/Signer"
import { Redacted } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"

// ---------------------------------------------------------------------------------------------------------------
// The case model

type QueryValue = string | Array<string>

interface Case {
  readonly ak: string
  readonly sk: string
  readonly method: "GET" | "POST" | "PUT" | "DELETE"
  readonly endpoint: string
  readonly path: string
  /** Unique keys; an array is a repeated key (possibly with no value at all). */
  readonly query: ReadonlyArray<readonly [string, QueryValue]>
  /** How our URL's query string is written: both must parse back to the same pairs. */
  readonly queryStyle: "form" | "component"
  readonly headers: Readonly<Record<string, string>>
  readonly data: unknown
}

interface Outcome {
  readonly official: Record<string, unknown>
  readonly ours: Signer.SignedHeaders
  readonly url: string
}

/** The (key, value) pairs the official signer sees in `queryParams`, in insertion order. */
const queryPairs = (query: Case["query"]): Array<readonly [string, string]> =>
  query.flatMap(([key, value]) =>
    Array.isArray(value) ? value.map((v) => [key, v] as const) : [[key, value] as const]
  )

const serializeQuery = (pairs: ReadonlyArray<readonly [string, string]>, style: Case["queryStyle"]): string => {
  if (pairs.length === 0) return ""
  if (style === "form") {
    const params = new URLSearchParams()
    for (const [k, v] of pairs) params.append(k, v)
    return `?${params.toString()}`
  }
  return `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")}`
}

const signBoth = (c: Case): Outcome => {
  const pairs = queryPairs(c.query)
  const url = `${c.endpoint}${c.path}${serializeQuery(pairs, c.queryStyle)}`
  const body = c.data === undefined ? undefined : JSON.stringify(c.data)
  const ours = Signer.sign({ method: c.method, url, headers: c.headers, body }, { ak: c.ak, sk: Redacted.make(c.sk) })
  // The official signer sorts array values in place: hand it copies.
  const queryParams = Object.fromEntries(c.query.map(([k, v]) => [k, Array.isArray(v) ? [...v] : v]))
  const credentials = new BasicCredentials().withAk(c.ak).withSk(c.sk)
  const official = AKSKSigner.sign(
    { endpoint: `${c.endpoint}${c.path}`, method: c.method, headers: { ...c.headers }, queryParams, data: c.data },
    credentials
  ) as Record<string, unknown>
  return { official, ours, url }
}

const describeCase = (c: Case, o: Outcome): string =>
  JSON.stringify({ ...c, url: o.url, canonicalRequest: o.ours.canonicalRequest }, null, 2)

// ---------------------------------------------------------------------------------------------------------------
// Generators

/** API.md §2. */
const smsEndpoints = [
  "https://sms.cn-north-4.myhuaweicloud.com",
  "https://sms.ap-southeast-3.myhuaweicloud.com",
  "https://sms.my-kualalumpur-1.myhuaweicloud.com",
  "https://sms-api.ru-moscow-1.myhuaweicloud.com"
] as const

const endpointArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...smsEndpoints) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom("http", "https"),
        fc.constantFrom("127.0.0.1", "localhost", "[::1]"),
        fc.integer({ min: 1, max: 65535 })
      )
      // Default ports are a documented divergence (see the header comment).
      .filter(([scheme, , port]) => port !== (scheme === "http" ? 80 : 443))
      .map(([scheme, host, port]) => `${scheme}://${host}:${port}`)
  }
)

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const unreservedChars = [...`${alnum}-_.~`]
const hexChars = [..."0123456789abcdef"]

const stringOver = (chars: ReadonlyArray<string>, minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...chars), minLength, maxLength })

const hex = (length: number) => stringOver(hexChars, length, length)

/** Path segments over unreserved characters only, never `.`/`..` (see the header comment). */
const segmentArb = stringOver(unreservedChars, 1, 16).filter((s) => s !== "." && s !== "..")

const uuidArb = fc.uuid()

const pathArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc.constantFrom("/v3/tasks/consistency-results/export", "/v3/tasks", "/v3/sources", "/v3/auth/domains", "/"),
      uuidArb.map((id) => `/v3/tasks/${id}/consistency-result`),
      fc.array(segmentArb, { minLength: 1, maxLength: 5 }).map((segments) => `/${segments.join("/")}`),
      // Empty segments (`//`) are kept by both URL parsers.
      fc
        .array(fc.oneof(segmentArb, fc.constant("")), { minLength: 1, maxLength: 4 })
        .map((s) => `/v3/${s.join("/")}`)
    ),
    fc.boolean()
  )
  .map(([path, trailingSlash]) => (trailingSlash && !path.endsWith("/") ? `${path}/` : path))

/** Reserved characters, spaces, non-ASCII (CJK, emoji, accents, combining marks), and any code point at all. */
const textChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...unreservedChars) },
  { weight: 3, arbitrary: fc.constantFrom(..."&=+/?#%* ;:,!$'()[]@<>\"\\`^{}|") },
  { weight: 2, arbitrary: fc.constantFrom("中", "文", "任", "务", "源", "é", "ü", "ñ", "ç", "Å", "e\u0301", "ß") },
  { weight: 1, arbitrary: fc.constantFrom("😀", "🚀", "👍🏽", "🇨🇳", "𝄞") },
  { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) }
)

const textArb = (maxLength: number) => fc.string({ unit: textChar, maxLength })

const queryValueArb: fc.Arbitrary<QueryValue> = fc.oneof(
  { weight: 4, arbitrary: textArb(12) },
  // Repeated key: several values, possibly equal, possibly none.
  { weight: 2, arbitrary: fc.array(fc.oneof(textArb(8), fc.constantFrom("", "a", "a b")), { maxLength: 4 }) }
)

const queryArb = fc.uniqueArray(
  fc.tuple(fc.oneof(textArb(10), fc.constantFrom("limit", "offset", "")), queryValueArb),
  {
    maxLength: 6,
    selector: ([key]) => key
  }
)

/** Header values: inner spaces and any non-control text, no leading/trailing whitespace (see the header comment). */
const headerValueArb = fc
  .string({ unit: fc.oneof(textChar, fc.constant(" ")), maxLength: 24 })
  .map((v) => v.replace(/\p{Cc}/gu, "").trim())

const customHeadersArb = fc
  .uniqueArray(fc.tuple(stringOver([...`${alnum}-`], 1, 12), headerValueArb), {
    maxLength: 4,
    selector: ([name]) => name.toLowerCase()
  })
  .map((entries) => entries.map(([name, value]) => [`X-Custom-${name}`, value] as const))

const casing = (name: string) => fc.constantFrom(name, name.toLowerCase(), name.toUpperCase())

type HeaderEntry = readonly [string, string]

/** Present in `present` out of four cases. */
const optionalHeader = (
  name: fc.Arbitrary<string>,
  value: fc.Arbitrary<string>,
  present = 2
): fc.Arbitrary<HeaderEntry | undefined> =>
  fc.oneof(
    { weight: present, arbitrary: fc.tuple(name, value) },
    { weight: 4 - present, arbitrary: fc.constant(undefined) }
  )

const sdkDateArb = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true })
  .map((d) => Signer.formatDate(new Date(Math.floor(d.getTime() / 1000) * 1000)))

const headersArb: fc.Arbitrary<Record<string, string>> = fc
  .tuple(
    optionalHeader(
      casing("Content-Type"),
      fc.constantFrom(
        "application/json",
        "application/json;charset=UTF-8",
        "application/json; charset=utf-8",
        "text/plain",
        "application/octet-stream",
        "application/x-www-form-urlencoded"
      )
    ),
    optionalHeader(casing("X-Language"), fc.constantFrom("en-us", "zh-cn")),
    optionalHeader(fc.constantFrom("X-Domain-Id", "X-Project-Id", "x-domain-id", "x-project-id"), hex(32)),
    optionalHeader(fc.constant("X-Security-Token"), stringOver([...`${alnum}/+=`], 1, 160)),
    // Exact key, as the official signer reads it.
    optionalHeader(fc.constant(Signer.ContentSha256Header), fc.constant("UNSIGNED-PAYLOAD"), 1),
    optionalHeader(casing("Accept"), fc.constantFrom("*/*", "application/json")),
    customHeadersArb,
    sdkDateArb
  )
  .map(([contentType, language, scope, token, contentSha, accept, custom, date]) => {
    const entries = [contentType, language, scope, token, contentSha, accept, ...custom].filter(
      (e): e is HeaderEntry => e !== undefined
    )
    // Exact key, as the official signer reads it.
    return Object.fromEntries([...entries, [Signer.DateHeader, date]])
  })

const bodyText = fc.oneof(textArb(20), fc.constantFrom("", '"', "\\", '\\"', "\n\t", "web 01", "\u2028"))

const taskArb = fc.record({ task_id: fc.oneof(uuidArb, textArb(36)), source_id: bodyText, source_name: bodyText })

const dataArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.record({ task_info: fc.array(taskArb, { maxLength: 5 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ task_info: fc.array(bodyText, { maxLength: 4 }), note: bodyText, n: fc.integer() })
  }
)

const caseArb: fc.Arbitrary<Case> = fc.record({
  ak: stringOver([..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"], 20, 20),
  sk: stringOver([...alnum], 40, 40),
  method: fc.constantFrom("GET", "POST", "PUT", "DELETE"),
  endpoint: endpointArb,
  path: pathArb,
  query: queryArb,
  queryStyle: fc.constantFrom("form", "component"),
  headers: headersArb,
  data: dataArb
})

// ---------------------------------------------------------------------------------------------------------------
// Properties

const agrees = (c: Case): void => {
  const o = signBoth(c)
  const context = describeCase(c, o)
  expect(o.ours.authorization, context).toBe(o.official.Authorization)
  expect(o.ours.headers.host, context).toBe(o.official.host)
  // Same headers to send, too: the caller's, X-Sdk-Date, host and Authorization.
  expect(o.ours.headers, context).toEqual(o.official)
}

describe("SDK-HMAC-SHA256 signer vs the official Node signer (@huaweicloud/huaweicloud-sdk-core 3.1.211)", () => {
  it("agrees on 600 generated requests (fixed seed)", () => {
    let runs = 0
    const seen = new Map<string, number>()
    const tally = (label: string, hit: boolean) => {
      if (hit) seen.set(label, (seen.get(label) ?? 0) + 1)
    }
    fc.assert(
      fc.property(caseArb, (c) => {
        runs++
        agrees(c)
        const pairs = queryPairs(c.query)
        const names = Object.keys(c.headers)
        const values = [...pairs.flat(), ...Object.values(c.headers)]
        tally("loopback", !smsEndpoints.some((e) => e === c.endpoint))
        tally(
          "repeated key",
          c.query.some(([, v]) => Array.isArray(v) && v.length > 1)
        )
        tally(
          "reserved char",
          values.some((v) => /[&=+/?#%* ]/.test(v))
        )
        tally(
          "non-ASCII",
          values.some((v) => /\P{ASCII}/u.test(v))
        )
        tally(
          "empty query value",
          pairs.some(([, v]) => v === "")
        )
        tally(
          "custom header",
          names.some((n) => n.startsWith("X-Custom-"))
        )
        tally("security token", names.includes("X-Security-Token"))
        tally("UNSIGNED-PAYLOAD", names.includes(Signer.ContentSha256Header))
        tally("hashed body", c.data !== undefined && !names.includes(Signer.ContentSha256Header))
        tally("no body", c.data === undefined)
      }),
      { numRuns: 600, seed: 20240101 }
    )
    expect(runs).toBeGreaterThanOrEqual(500)
    // The generator really reaches every input class (at least 5% of the runs each).
    for (const label of [
      "loopback",
      "repeated key",
      "reserved char",
      "non-ASCII",
      "empty query value",
      "custom header",
      "security token",
      "UNSIGNED-PAYLOAD",
      "hashed body",
      "no body"
    ]) {
      expect(seen.get(label) ?? 0, label).toBeGreaterThanOrEqual(30)
    }
    console.info(`signer conformance: ${runs} runs, classes ${JSON.stringify(Object.fromEntries(seen))}`)
  })

  it("agrees on 300 generated requests (random seed, logged on failure)", () => {
    const fromEnv = Number(process.env.SIGNER_CONFORMANCE_SEED)
    const seed = Number.isInteger(fromEnv) && process.env.SIGNER_CONFORMANCE_SEED ? fromEnv : Date.now() | 0
    let runs = 0
    try {
      fc.assert(
        fc.property(caseArb, (c) => {
          runs++
          agrees(c)
        }),
        { numRuns: 300, seed }
      )
    } catch (error) {
      console.error(`signer conformance failed; replay with SIGNER_CONFORMANCE_SEED=${seed}`)
      throw error
    }
    expect(runs).toBeGreaterThanOrEqual(300)
  })

  it("agrees on the API.md §3 vector V1 (sanity check of the harness)", () => {
    const o = signBoth({
      ak: "AKTESTEXAMPLE0000000",
      sk: "SKTESTEXAMPLESECRET0000000000000000000000",
      method: "POST",
      endpoint: "https://sms.ap-southeast-3.myhuaweicloud.com",
      path: "/v3/tasks/consistency-results/export",
      query: [],
      queryStyle: "form",
      headers: {
        "content-type": "application/json",
        "X-Language": "en-us",
        "X-Domain-Id": "0123456789abcdef0123456789abcdef",
        "X-Sdk-Date": "20240101T000000Z"
      },
      data: { task_info: [{ task_id: "t-1", source_id: "s-1", source_name: "web 01" }] }
    })
    const expected =
      "SDK-HMAC-SHA256 Access=AKTESTEXAMPLE0000000, SignedHeaders=content-type;host;x-domain-id;x-language;x-sdk-date, " +
      "Signature=dc99cc76187eabb2d06b24befdd823f4333e38871a56997159fa3b3d7b911dc7"
    expect(o.official.Authorization).toBe(expected)
    expect(o.ours.authorization).toBe(expected)
  })
})

describe("documented divergences of the official Node signer (excluded from generation above)", () => {
  const base: Case = {
    ak: "AKTESTEXAMPLE0000000",
    sk: "SKTESTEXAMPLESECRET0000000000000000000000",
    method: "GET",
    endpoint: "https://sms.ap-southeast-3.myhuaweicloud.com",
    path: "/v3/tasks",
    query: [],
    queryStyle: "form",
    headers: { "X-Sdk-Date": "20240101T000000Z" },
    data: undefined
  }

  it("a space in a path is encoded twice by the Node signer, once by ours (API.md §3 step 3)", () => {
    const o = signBoth({ ...base, path: "/v3/web%2001" })
    expect(o.ours.canonicalRequest.split("\n")[1]).toBe("/v3/web%2001/")
    expect(o.ours.authorization).not.toBe(o.official.Authorization)
  })

  it("header names with `_` are ordered by locale in the Node signer's block, by bytes in ours (API.md §3 step 5)", () => {
    const o = signBoth({ ...base, headers: { ...base.headers, "X-Custom-a_b": "1", "X-Custom-a1b": "2" } })
    expect(o.ours.signedHeaders).toBe("host;x-custom-a1b;x-custom-a_b;x-sdk-date")
    expect(o.ours.authorization).not.toBe(o.official.Authorization)
  })

  it("header values are trimmed by ours, not by the Node signer (API.md §3 step 5)", () => {
    const o = signBoth({ ...base, headers: { ...base.headers, "X-Custom-Pad": " padded " } })
    expect(o.ours.canonicalRequest).toContain("\nx-custom-pad:padded\n")
    expect(o.ours.authorization).not.toBe(o.official.Authorization)
  })

  it("an explicit default port is dropped from host by ours, kept by the Node signer (API.md §3 step 2)", () => {
    const o = signBoth({ ...base, endpoint: "http://127.0.0.1:80" })
    expect(o.ours.headers.host).toBe("127.0.0.1")
    expect(o.official.host).toBe("127.0.0.1:80")
  })

  it("dot segments are removed by WHATWG URL (ours), signed as-is by the Node signer's url.parse", () => {
    const o = signBoth({ ...base, path: "/v3/x/../tasks" })
    expect(o.ours.canonicalRequest.split("\n")[1]).toBe("/v3/tasks/")
    expect(o.ours.authorization).not.toBe(o.official.Authorization)
  })
})
