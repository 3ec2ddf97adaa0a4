import { describe, expect, it } from "@effect/vitest"
import * as SmsError from "../src/SmsError.js"

describe("hint", () => {
  it("fits the operation that failed", () => {
    const notFound = new SmsError.NotFound({ status: 404, errorCode: "SMS.9003" })
    expect(SmsError.hint(notFound)).toMatch(/source_id\/source_name belong to that task/)
    expect(SmsError.hint(notFound, "show")).toBe("Check the task_id (list migration tasks to find it).")
    expect(SmsError.hint(notFound, "list")).toMatch(/^Check the endpoint and region/)
    // Not the service's 404 (no SMS.* code): the endpoint, whatever the operation.
    for (const errorCode of [undefined, "APIGW.0101"])
      for (const operation of ["export", "show", "list"] as const)
        expect(SmsError.hint(new SmsError.NotFound({ status: 404, errorCode }), operation)).toMatch(
          /^The endpoint answered 404 without an SMS error code.*check the endpoint and region\.$/
        )
    const forbidden = new SmsError.Forbidden({ status: 403 })
    expect(SmsError.hint(forbidden)).toBe(
      "The identity lacks the IAM permission sms:server:getBatchConsistencyResults; ask an administrator to grant it."
    )
    expect(SmsError.hint(forbidden, "list")).toBe(
      "The identity lacks SMS read access; ask an administrator to grant it."
    )
  })

  it("names the permission the service names, whatever the operation", () => {
    const forbidden = new SmsError.Forbidden({ status: 403, errorParam: ["sms:server:list", "sms:task:list"] })
    for (const operation of ["export", "list", "show"] as const)
      expect(SmsError.hint(forbidden, operation)).toBe(
        "The identity lacks the IAM permission sms:server:list, sms:task:list; ask an administrator to grant it."
      )
  })

  it("says what to check for a host that does not resolve, refuses, or has an untrusted certificate", () => {
    const transport = (reason: string) => SmsError.hint(new SmsError.TransportError({ reason }))
    expect(transport("ENOTFOUND: getaddrinfo ENOTFOUND sms.invalid")).toMatch(/^The host name in the error does not/)
    expect(transport("EAI_AGAIN: getaddrinfo EAI_AGAIN sms.example")).toMatch(/does not resolve/)
    expect(transport("ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1")).toMatch(/^Nothing accepts connections/)
    for (const code of ["SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "CERT_HAS_EXPIRED"])
      expect(transport(`${code}: certificate problem`)).toMatch(/NODE_EXTRA_CA_CERTS/)
    // Anything else may pass: a reset, a closed socket, a reason without a code.
    for (const reason of ["ECONNRESET: socket hang up", "other side closed", "EPIPE: write EPIPE"])
      expect(transport(reason)).toBe("A network or service problem; retrying later usually helps.")
    expect(SmsError.hint(new SmsError.Timeout({ timeoutMs: 1 }))).toMatch(/retrying later/)
  })

  it("a timeout's hint names the caller's timeout setting with the value waited, and the default if it differs", () => {
    const cli: SmsError.HintOptions = { timeoutSetting: (value) => `--timeout ${value}` }
    const timeout = (timeoutMs: number) => SmsError.hint(new SmsError.Timeout({ timeoutMs }), "list", cli)
    expect(timeout(200)).toBe(
      "The service did not answer within --timeout 200ms: try a longer one (default 30s), or retry later."
    )
    expect(timeout(90_000)).toMatch(/within --timeout 90s: try a longer one \(default 30s\)/)
    expect(timeout(120_000)).toMatch(/within --timeout 2m:/)
    expect(timeout(1500)).toMatch(/within --timeout 1500ms:/)
    // 30s, whether given or left to the default: not called "the default", which the user may have set.
    expect(timeout(30_000)).toBe("The service did not answer within --timeout 30s: try a longer one, or retry later.")
    // Without the setting's name: the network hint, as before.
    expect(SmsError.hint(new SmsError.Timeout({ timeoutMs: 200 }))).toBe(
      "A network or service problem; retrying later usually helps."
    )
  })

  it("says what to check for a file that could not be written", () => {
    expect(SmsError.hint(new SmsError.FileError({ path: "/x", reason: "ENOSPC" }))).toMatch(/written to/)
  })
})

describe("message", () => {
  it("is one line: the server's text has its runs of line breaks, tabs and control characters made one space", () => {
    const bad = new SmsError.BadRequest({
      status: 400,
      errorCode: "SMS.\t0201\n",
      errorMsg: "line1\nline2\r\nline3\u0000\u0085 \t end ",
      requestId: "r\r\n1"
    })
    expect(bad.message).toBe("Bad request (HTTP 400) — SMS. 0201: line1 line2 line3 end [request id r 1]")
    // The fields keep what the wire gave.
    expect(bad.errorMsg).toBe("line1\nline2\r\nline3\u0000\u0085 \t end ")
    const forbidden = new SmsError.Forbidden({ status: 403, errorMsg: "no\nway", errorParam: ["a\nb", "c"] })
    expect(forbidden.message).toBe("Forbidden (HTTP 403) — no way (a b, c)")
    expect(SmsError.hint(forbidden)).toBe(
      "The identity lacks the IAM permission a b, c; ask an administrator to grant it."
    )
    for (const error of [bad, forbidden, new SmsError.DecodeError({ errorMsg: "x\ny", reason: "r" })])
      expect(error.message).not.toMatch(/[\r\n]/)
  })
})
