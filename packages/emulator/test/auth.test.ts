import { describe, expect, it } from "@effect/vitest"
import { Signer } from "@sms-consistency/sms"
import { Redacted } from "effect"
import { createHash, createHmac } from "node:crypto"
import { authenticate } from "../src/internal/auth.js"

const key = { ak: "AKTESTEXAMPLE0000000", sk: Redacted.make("SKTESTEXAMPLESECRET0000000000000000000000") }
const account = {
  identities: [{ ...key, token: Redacted.make("token"), principal: "allowed" as const }],
  domainId: "d",
  projectId: "p"
}
const date = "20240101T000000Z"

/** A V11 request signed by hand with a key derived for `info`, whatever day it names. */
const v11 = (info: string) => {
  const url = new URL("http://sms.example.com/v3/sources?limit=1")
  const headers = { host: url.host, "x-sdk-date": date }
  const { canonicalRequest, signedHeaders } = Signer.canonicalRequest({ method: "GET", url, headers })
  const stringToSign = `V11-HMAC-SHA256\n${date}\n${info}\n${createHash("sha256").update(canonicalRequest).digest("hex")}`
  const signature = createHmac("sha256", Signer.deriveKey(key, info)).update(stringToSign).digest("hex")
  return authenticate(
    {
      method: "GET",
      target: `${url.pathname}${url.search}`,
      headers: {
        ...headers,
        authorization: `V11-HMAC-SHA256 Credential=${key.ak}/${info}, SignedHeaders=${signedHeaders}, Signature=${signature}`
      },
      body: new Uint8Array(0),
      nowMillis: Date.UTC(2024, 0, 1),
      checkScope: false
    },
    account
  )
}

describe("authenticate, V11-HMAC-SHA256", () => {
  it("accepts a key derived for the request's day, and refuses one derived for another day", () => {
    expect(v11("20240101/ap-southeast-3/sms")).toEqual({ _tag: "Ok", principal: "allowed" })
    expect(v11("20231231/ap-southeast-3/sms")).toEqual({ _tag: "Refused", reason: "verify aksk signature fail" })
  })
})
