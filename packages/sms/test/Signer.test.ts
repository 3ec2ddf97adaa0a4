import { describe, expect, it } from "@effect/vitest"
import { Redacted } from "effect"
import * as fc from "fast-check"
import { readFileSync } from "node:fs"
import { createHash } from "node:crypto"
import * as Signer from "../src/Signer.js"

const key: Signer.SigningKey = {
  ak: "AKTESTEXAMPLE0000000",
  sk: Redacted.make("SKTESTEXAMPLESECRET0000000000000000000000")
}
const endpoint = "https://sms.ap-southeast-3.myhuaweicloud.com"
const domain = "0123456789abcdef0123456789abcdef"
const v1Body = '{"task_info":[{"task_id":"t-1","source_id":"s-1","source_name":"web 01"}]}'
const v1Headers = {
  "content-type": "application/json",
  "X-Language": "en-us",
  "X-Domain-Id": domain,
  "X-Sdk-Date": "20240101T000000Z"
}
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex")
const signatureOf = (auth: string) => auth.split("Signature=")[1]

describe("Signer: API.md vectors", () => {
  it("V1 export", () => {
    expect(sha256(v1Body)).toBe("8fb212be4477a2cbfead2f7d331c88c2490f321962ca0a98b5a0b37cffd6dc60")
    const signed = Signer.sign(
      { method: "POST", url: `${endpoint}/v3/tasks/consistency-results/export`, headers: v1Headers, body: v1Body },
      key
    )
    expect(signed.signedHeaders).toBe("content-type;host;x-domain-id;x-language;x-sdk-date")
    expect(sha256(signed.canonicalRequest)).toBe("14030e6c7c3b37749a5ce272ea475d83291e5951a4b672ade52e6328a27eaf56")
    expect(signed.authorization).toBe(
      "SDK-HMAC-SHA256 Access=AKTESTEXAMPLE0000000, SignedHeaders=content-type;host;x-domain-id;x-language;x-sdk-date, Signature=dc99cc76187eabb2d06b24befdd823f4333e38871a56997159fa3b3d7b911dc7"
    )
    expect(signed.headers.host).toBe("sms.ap-southeast-3.myhuaweicloud.com")
  })

  it("V1 + security token", () => {
    const signed = Signer.sign(
      {
        method: "POST",
        url: `${endpoint}/v3/tasks/consistency-results/export`,
        headers: { ...v1Headers, "X-Security-Token": "STSTOKENEXAMPLE" },
        body: new TextEncoder().encode(v1Body)
      },
      key
    )
    expect(signed.signedHeaders).toBe("content-type;host;x-domain-id;x-language;x-sdk-date;x-security-token")
    expect(signatureOf(signed.authorization)).toBe("7e31576bb845a26081e57b1227a0fb9e7d439c41345c749cbd5a29c8385238da")
  })

  it("V2 list tasks with a query needing encoding", () => {
    const url = new URL(`${endpoint}/v3/tasks`)
    for (const [k, v] of [
      ["state", "finished"],
      ["limit", "10"],
      ["offset", "0"],
      ["name", "web 01*"]
    ] as const)
      url.searchParams.append(k, v)
    const signed = Signer.sign(
      {
        method: "GET",
        url,
        headers: { "content-type": "application/json", "X-Domain-Id": domain, "X-Sdk-Date": "20240101T000000Z" }
      },
      key
    )
    expect(signed.canonicalRequest.split("\n")[2]).toBe("limit=10&name=web%2001%2A&offset=0&state=finished")
    expect(signed.signedHeaders).toBe("content-type;host;x-domain-id;x-sdk-date")
    expect(signatureOf(signed.authorization)).toBe("9c48a7f511ccd128056526c4e9c3cc8a96ace4cabb9aa9cbc9046886692e98b2")
  })

  it("V4 UNSIGNED-PAYLOAD", () => {
    const signed = Signer.sign(
      {
        method: "POST",
        url: `${endpoint}/v3/tasks/consistency-results/export`,
        headers: {
          "content-type": "application/json;charset=UTF-8",
          "X-Domain-Id": domain,
          "X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD",
          "X-Sdk-Date": "20240101T000000Z"
        },
        body: '{"task_info":[]}'
      },
      key
    )
    expect(signed.signedHeaders).toBe("content-type;host;x-domain-id;x-sdk-content-sha256;x-sdk-date")
    expect(signed.canonicalRequest.split("\n").at(-1)).toBe("UNSIGNED-PAYLOAD")
    expect(signatureOf(signed.authorization)).toBe("1db671ef97fef8e787937259fa57fc0c14040f52eb29dd610e378f1ceacee6df")
  })

  const goKey: Signer.SigningKey = { ak: "AccessKey", sk: Redacted.make("SecretKey") }
  const goHeaders = { "X-Sdk-Date": "20060102T150405Z" }

  it("Go SDK GET vector (no host signed)", () => {
    const signed = Signer.sign(
      { method: "GET", url: "https://example.huaweicloud.com/path?limit=1", headers: goHeaders },
      goKey,
      { includeHost: false }
    )
    expect(signed.signedHeaders).toBe("x-sdk-date")
    expect(signatureOf(signed.authorization)).toBe("5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624")
  })

  it("Go SDK POST vector with a trailing-newline body", () => {
    const signed = Signer.sign(
      {
        method: "POST",
        url: "https://example.huaweicloud.com/path?key=value",
        headers: goHeaders,
        body: '{"Name":"test","Id":1}\n'
      },
      goKey,
      { includeHost: false }
    )
    expect(signatureOf(signed.authorization)).toBe("cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59")
  })

  it("V11 derived key", () => {
    const info = "20060102/test-region-1/demo"
    expect(Signer.deriveKey(goKey, info)).toBe("fded840bf50eb1da840c631cec6649d58c4df22167c366bce4534ec85997f429")
    const signed = Signer.sign(
      { method: "GET", url: "https://example.huaweicloud.com/path?limit=1", headers: goHeaders },
      goKey,
      { includeHost: false, derived: { regionId: "test-region-1", service: "demo" } }
    )
    expect(signed.authorization).toBe(
      `V11-HMAC-SHA256 Credential=AccessKey/${info}, SignedHeaders=x-sdk-date, Signature=8fd3610508884bb19718317797c7378716a94bc740d97502e569322e366341cc`
    )
    // A verifier reads it back: the AK, what the key was derived for, the signed headers, the signature.
    expect(Signer.parseAuthorization(signed.authorization)).toEqual({
      algorithm: "V11-HMAC-SHA256",
      access: "AccessKey",
      info,
      signedHeaders: ["x-sdk-date"],
      signature: "8fd3610508884bb19718317797c7378716a94bc740d97502e569322e366341cc"
    })
    expect(
      Signer.parseAuthorization(`V11-HMAC-SHA256 Credential=AccessKey/2006/x, SignedHeaders=a, Signature=ab`)
    ).toBe(undefined)
  })
})

interface VectorCase {
  readonly name: string
  readonly method: string
  readonly endpoint: string
  readonly path: string
  readonly query: ReadonlyArray<readonly [string, string]>
  readonly headers: Record<string, string>
  readonly body: string
  readonly expected: { readonly host: string; readonly authorization: string }
}
const vectors: { ak: string; sk: string; cases: ReadonlyArray<VectorCase> } = JSON.parse(
  readFileSync(new URL("../../../../shared/reference/signer-vectors.json", import.meta.url), "utf8")
)

describe("Signer: the official signer's 72 vectors", () => {
  it("has 72 cases", () => expect(vectors.cases.length).toBe(72))
  const vkey: Signer.SigningKey = { ak: vectors.ak, sk: Redacted.make(vectors.sk) }
  for (const c of vectors.cases) {
    it(c.name, () => {
      const url = new URL(c.endpoint + c.path)
      for (const [k, v] of c.query) url.searchParams.append(k, v)
      const signed = Signer.sign({ method: c.method, url, headers: c.headers, body: c.body }, vkey)
      expect(signed.headers.host).toBe(c.expected.host)
      expect(signed.authorization).toBe(c.expected.authorization)
      // A prepared signer, given the same date, signs alike.
      const date = Object.entries(c.headers).find(([name]) => name.toLowerCase() === "x-sdk-date")?.[1] ?? ""
      const prepared = Signer.prepare({ method: c.method, url, headers: c.headers }, vkey)
      expect(prepared(c.body, date)).toBe(c.expected.authorization)
    })
  }
})

describe("Signer.prepare", () => {
  it("signs as sign does, request after request (2,000 header sets, each with several bodies and dates)", () => {
    const name = fc.oneof(
      fc.constantFrom(
        "X-Sdk-Date",
        "x-sdk-date",
        "X-SDK-DATE",
        "Host",
        "host",
        "X-Sdk-Content-Sha256",
        "x-sdk-content-sha256",
        "Content-Type",
        "X-Domain-Id"
      ),
      fc.string({ minLength: 1, maxLength: 10 })
    )
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("  padded  ", "", "UNSIGNED-PAYLOAD"))
    const body = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }))
    const date = fc.oneof(
      fc.constantFrom("20240101T000000Z", "20240101T000001Z", " 20261130T235959Z "),
      fc.string({ maxLength: 16 })
    )
    const url = fc.constantFrom(
      `${endpoint}/v3/tasks/consistency-results/export`,
      `${endpoint}/v3/sources?limit=10&name=web%2001*&offset=0`,
      "http://127.0.0.1:8080/a%20b/c/",
      `${endpoint}/`
    )
    fc.assert(
      fc.property(
        fc.constantFrom("GET", "post", "POST"),
        url,
        fc.dictionary(name, value, { maxKeys: 8 }),
        fc.boolean(),
        fc.array(fc.tuple(body, date), { minLength: 1, maxLength: 4 }),
        (method, href, headers, includeHost, requests) => {
          const prepared = Signer.prepare({ method, url: href, headers }, key, { includeHost })
          for (const [b, d] of requests)
            expect(prepared(b, d)).toBe(
              Signer.sign({ method, url: href, headers, body: b }, key, { date: d, includeHost }).authorization
            )
        }
      ),
      { numRuns: 2_000 }
    )
  })
  it("signs in full when a header value holds its date marker", () => {
    const headers = { "x-odd": "\u0000date\u0000" }
    const prepared = Signer.prepare({ method: "GET", url: `${endpoint}/`, headers }, key)
    expect(prepared(undefined, "20240101T000000Z")).toBe(
      Signer.sign({ method: "GET", url: `${endpoint}/`, headers }, key, { date: "20240101T000000Z" }).authorization
    )
  })
})

describe("Signer: pieces", () => {
  it("encodes path segments once and appends a slash", () => {
    expect(Signer.canonicalUri("/v3/tasks")).toBe("/v3/tasks/")
    expect(Signer.canonicalUri("/a%20b/c")).toBe("/a%20b/c/")
    expect(Signer.canonicalUri("/")).toBe("/")
  })
  it("sorts repeated query keys and their values", () => {
    expect(
      Signer.canonicalQuery([
        ["b", "2"],
        ["a", "z"],
        ["a", "y"],
        ["ü", "é"]
      ])
    ).toBe("a=y&a=z&b=2&%C3%BC=%C3%A9")
  })
  it("parses its own Authorization header", () => {
    const signed = Signer.sign({ method: "GET", url: `${endpoint}/`, headers: {} }, key, { date: "20240101T000000Z" })
    const parsed = Signer.parseAuthorization(signed.authorization)
    expect(parsed?.access).toBe(key.ak)
    expect(parsed?.signedHeaders).toEqual(["host", "x-sdk-date"])
    expect(Signer.parseAuthorization("Bearer x")).toBeUndefined()
  })
  it("sorts canonical headers stably by lowercase name, few or many (5,000 header sets)", () => {
    // The plain definition: a stable sort of (lowercase name, trimmed value) pairs.
    const reference = (headers: Record<string, string>) => {
      const entries = Object.keys(headers).map((name) => [name.toLowerCase(), (headers[name] ?? "").trim()] as const)
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      return {
        block: entries.map(([n, v]) => `${n}:${v}\n`).join(""),
        signedHeaders: entries.map(([n]) => n).join(";")
      }
    }
    const name = fc.oneof(
      fc.constantFrom("X-Sdk-Date", "x-sdk-date", "Content-Type", "content-type", "Host", "X-A", "x-a", "x_b", "x~c"),
      fc.string({ minLength: 1, maxLength: 12 })
    )
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("  padded  ", "\tv\t", ""))
    fc.assert(
      fc.property(fc.dictionary(name, value, { maxKeys: 60 }), (headers) => {
        expect(Signer.canonicalHeaders(headers)).toEqual(reference(headers))
      }),
      { numRuns: 5_000 }
    )
    // Past 32 headers the sort changes strategy: the same answer, names that lowercase alike in their order.
    for (const count of [31, 32, 33, 34, 40]) {
      const many: Record<string, string> = { "X-Dup": "first", "x-dup": "second" }
      for (let i = count - 2; i > 0; i--) many[`H-${String(i).padStart(2, "0")}`] = ` ${i} `
      many["X-DUP"] = "third"
      expect(Signer.canonicalHeaders(many)).toEqual(reference(many))
      expect(Signer.canonicalHeaders(many).block).toContain("x-dup:first\nx-dup:second\nx-dup:third\n")
    }
  })
  it("formats epoch milliseconds as formatDate does, the remembered second included (10,000 instants)", () => {
    expect(Signer.formatEpochMillis(Date.UTC(2026, 10, 25, 9, 8, 7, 999))).toBe("20261125T090807Z")
    // Within the remembered second, then the next one, then back: each must be its own.
    expect(Signer.formatEpochMillis(Date.UTC(2026, 10, 25, 9, 8, 7, 0))).toBe("20261125T090807Z")
    expect(Signer.formatEpochMillis(Date.UTC(2026, 10, 25, 9, 8, 8, 0))).toBe("20261125T090808Z")
    expect(Signer.formatEpochMillis(Date.UTC(2026, 10, 25, 9, 8, 7, 500))).toBe("20261125T090807Z")
    expect(Signer.formatEpochMillis(-1)).toBe("19691231T235959Z")
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), fc.integer({ min: 0, max: 3000 })),
        (millis) => {
          expect(Signer.formatEpochMillis(millis)).toBe(Signer.formatDate(new Date(millis)))
        }
      ),
      { numRuns: 10_000 }
    )
  })
})

describe("Signer: percentEncode", () => {
  /** The plain definition: each UTF-8 byte of each character, unreserved ones kept, the rest %XX. */
  const reference = (value: string): string => {
    let out = ""
    for (const char of value) {
      if (/^[A-Za-z0-9\-_.~]$/.test(char)) out += char
      else for (const byte of Buffer.from(char, "utf8")) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
    }
    return out
  }

  it("agrees with the byte-by-byte definition on 10,000 strings (reserved, non-ASCII, lone surrogates)", () => {
    const unit = fc.oneof(
      fc.constantFrom("a", "Z", "9", "-", "_", ".", "~", " ", "!", "'", "(", ")", "*", "%", "/", "?", "&", "=", "+"),
      fc.constantFrom("é", "结", "😀", "\ud800", "\udfff", "\u0000", "\u007f"),
      fc.string({ unit: "binary", maxLength: 1 })
    )
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (value) => {
        expect(Signer.percentEncode(value)).toBe(reference(value))
      }),
      { numRuns: 10_000, seed: 42 }
    )
  })
})
