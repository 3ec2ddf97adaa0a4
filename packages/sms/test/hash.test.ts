import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as crypto from "node:crypto"
import { hmacSha256Hex, sha256Hex } from "../src/internal/hash.js"

const reference = (key: string | Uint8Array, data: string) =>
  crypto.createHmac("sha256", key).update(data).digest("hex")

/** Keys around the 64-byte block (shorter, exact, longer: hashed first), as text or bytes. */
const key = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "grapheme", minLength: 20, maxLength: 40 }),
  fc.uint8Array({ maxLength: 100 }),
  fc.constantFrom("", "k".repeat(63), "k".repeat(64), "k".repeat(65), "é".repeat(32), "\ud800")
)

/** Messages around the room reserved after the pad (768 bytes, at most 3 per UTF-16 unit). */
const message = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: "grapheme", maxLength: 300 }),
  fc.string({ minLength: 250, maxLength: 2000 }),
  fc.constantFrom("", "€".repeat(256), "€".repeat(257), "\udfff", "😀".repeat(200))
)

describe("hmacSha256Hex", () => {
  it("equals node:crypto's createHmac (10,000 keys and messages)", () => {
    fc.assert(
      fc.property(key, message, (k, m) => {
        expect(hmacSha256Hex(k, m)).toBe(reference(k, m))
      }),
      { numRuns: 10_000 }
    )
  })

  it("gives each key its own MAC when keys alternate (the last key's pads are cached)", () => {
    for (let i = 0; i < 50; i++) {
      const k = i % 2 === 0 ? "first-secret-key" : "second-secret-key"
      const m = `SDK-HMAC-SHA256\n20261125T10${String(i).padStart(4, "0")}Z\n${"a".repeat(64)}`
      expect(hmacSha256Hex(k, m)).toBe(reference(k, m))
    }
  })

  it("matches RFC 4231 test case 2", () => {
    expect(hmacSha256Hex("Jefe", "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )
  })
})

describe("sha256Hex", () => {
  it("equals createHash for text and bytes", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 })), (d) => {
        expect(sha256Hex(d)).toBe(crypto.createHash("sha256").update(d).digest("hex"))
      }),
      { numRuns: 2_000 }
    )
  })
})
