/**
 * The API gateway's authentication, as the emulator enforces it: `X-Auth-Token`, or an SDK-HMAC-SHA256 (or
 * V11-HMAC-SHA256 derived-key) signature recomputed with the core signer over exactly the headers the client
 * listed, the received path and query, and the raw received body bytes; a temporary AK only with its own signed
 * `X-Security-Token`, and a security token with no other AK.
 */
import { Signer } from "@sms-consistency/sms"
import { Redacted } from "effect"
import * as Crypto from "node:crypto"

export type Principal = "allowed" | "denied"

export interface Identity {
  readonly ak: string
  readonly sk: Redacted.Redacted<string>
  /** The identity's `X-Auth-Token`; temporary credentials have none. */
  readonly token?: Redacted.Redacted<string>
  /** Temporary credentials: the `X-Security-Token` that must come, signed, with this AK. */
  readonly securityToken?: Redacted.Redacted<string>
  readonly principal: Principal
}

export interface Account {
  readonly identities: ReadonlyArray<Identity>
  readonly domainId: string
  readonly projectId: string
}

export interface AuthRequest {
  readonly method: string
  /** The request target exactly as received (path and query). */
  readonly target: string
  /** Lowercase names; repeated headers joined as Node joins them. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
  readonly nowMillis: number
  /** SMS paths check `X-Domain-Id` / `X-Project-Id` against the account; the IAM domain lookup does not. */
  readonly checkScope: boolean
}

export type AuthResult =
  | { readonly _tag: "Ok"; readonly principal: Principal }
  | { readonly _tag: "Refused"; readonly reason: string }

/** The gateway tolerates this much clock skew on `X-Sdk-Date`. */
export const maxSkewMillis = 15 * 60 * 1000

// The gateway's own wording: it does not say which part of a signature was wrong.
export const signatureFail = "verify aksk signature fail"
/** The gateway's wording for a token it cannot read (unknown, expired or mangled). */
export const tokenFail = "decrypt token fail"
// The emulator's own wording (no source gives the gateway's); it never repeats the token.
const securityTokenFail = "the X-Security-Token is not this AK's"

const refuse = (reason: string): AuthResult => ({ _tag: "Refused", reason })

const safeEqual = (a: string, b: string): boolean => {
  const left = Buffer.from(a, "utf8")
  const right = Buffer.from(b, "utf8")
  // Lengths are public (signatures are 64 hex digits); the contents are compared in constant time.
  return left.length === right.length && Crypto.timingSafeEqual(left, right)
}

const parseSdkDate = (value: string): number | undefined => {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  if (!match) return undefined
  const [, y, mo, d, h, mi, s] = match.map(Number)
  if (y === undefined || mo === undefined || d === undefined || h === undefined || mi === undefined || s === undefined)
    return undefined
  const millis = Date.UTC(y, mo - 1, d, h, mi, s)
  return Number.isNaN(millis) ? undefined : millis
}

const checkScope = (request: AuthRequest, account: Account): string | undefined => {
  if (!request.checkScope) return undefined
  const domainId = request.headers["x-domain-id"]
  const projectId = request.headers["x-project-id"]
  if (domainId !== undefined && domainId !== account.domainId) return "the domain id does not match the credential"
  if (projectId !== undefined && projectId !== account.projectId) return "the project id does not match the credential"
  return undefined
}

const verifyToken = (token: string, request: AuthRequest, account: Account): AuthResult => {
  const identity = account.identities.find((id) => id.token !== undefined && safeEqual(Redacted.value(id.token), token))
  if (identity === undefined) return refuse(tokenFail)
  const scope = checkScope(request, account)
  return scope === undefined ? { _tag: "Ok", principal: identity.principal } : refuse(scope)
}

const verifySignature = (authorization: string, request: AuthRequest, account: Account): AuthResult => {
  const parsed = Signer.parseAuthorization(authorization)
  if (parsed === undefined) return refuse(signatureFail)
  const identity = account.identities.find((id) => id.ak === parsed.access)
  if (identity === undefined) return refuse(signatureFail)
  const date = request.headers["x-sdk-date"]
  if (date === undefined || !parsed.signedHeaders.includes("x-sdk-date")) return refuse(signatureFail)
  const dateMillis = parseSdkDate(date)
  if (dateMillis === undefined) return refuse("x-sdk-date is invalid")
  if (Math.abs(request.nowMillis - dateMillis) > maxSkewMillis) return refuse("x-sdk-date expired")
  // A temporary credential's token must be covered by the signature, or it could be swapped in transit.
  const securityToken = request.headers["x-security-token"]
  if (securityToken !== undefined && !parsed.signedHeaders.includes("x-security-token")) return refuse(signatureFail)
  // A security token names its temporary AK: it is worth nothing with any other AK, and that AK nothing without it.
  if (identity.securityToken === undefined) {
    if (securityToken !== undefined) return refuse(securityTokenFail)
  } else if (securityToken === undefined) return refuse("no X-Security-Token with a temporary AK")
  else if (!safeEqual(Redacted.value(identity.securityToken), securityToken)) return refuse(securityTokenFail)
  const signed: Record<string, string> = {}
  for (const name of parsed.signedHeaders) {
    const value = request.headers[name]
    if (value === undefined) return refuse(signatureFail)
    signed[name] = value
  }
  const host = request.headers.host ?? "localhost"
  let url: URL
  try {
    url = new URL(request.target, `http://${host}`)
  } catch {
    return refuse(signatureFail)
  }
  // V11 (`Credential=<AK>/<YYYYMMDD>/<regionId>/<service>`): the key is derived again for the request's own day
  // (`X-Sdk-Date`), and a credential must name that day.
  const [day, regionId, service] = parsed.info?.split("/") ?? []
  if (day !== undefined && day !== date.slice(0, 8)) return refuse(signatureFail)
  // The core signer recomputes the canonical request over exactly what was received and signed.
  const expected = Signer.sign(
    { method: request.method, url, headers: signed, body: request.body },
    { ak: identity.ak, sk: identity.sk },
    regionId !== undefined && service !== undefined
      ? { includeHost: false, derived: { regionId, service } }
      : { includeHost: false }
  )
  const expectedSignature = Signer.parseAuthorization(expected.authorization)?.signature ?? ""
  if (!safeEqual(expectedSignature, parsed.signature)) return refuse(signatureFail)
  const scope = checkScope(request, account)
  return scope === undefined ? { _tag: "Ok", principal: identity.principal } : refuse(scope)
}

export const authenticate = (request: AuthRequest, account: Account): AuthResult => {
  const token = request.headers["x-auth-token"]
  if (token !== undefined) return verifyToken(token, request, account)
  const authorization = request.headers.authorization
  if (authorization !== undefined) return verifySignature(authorization, request, account)
  return refuse("no X-Auth-Token or Authorization header")
}
