/**
 * SDK-HMAC-SHA256 request signing (and V11-HMAC-SHA256 derived keys), byte-identical with the cloud's
 * official signer (`../shared/reference/API.md` §3). Pure: no I/O, no clock unless the caller omits a date.
 */
import { Redacted } from "effect"
import * as crypto from "node:crypto"
import { hmacSha256Hex, sha256Hex } from "./internal/hash.js"

export const Algorithm = "SDK-HMAC-SHA256"
export const DerivedAlgorithm = "V11-HMAC-SHA256"
export const EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
export const DateHeader = "X-Sdk-Date"
export const ContentSha256Header = "X-Sdk-Content-Sha256"

export interface SigningKey {
  readonly ak: string
  readonly sk: Redacted.Redacted<string>
}

export interface SignableRequest {
  readonly method: string
  /** Absolute URL (scheme, host[:port], path, query). */
  readonly url: string | URL
  /** Headers as they will be sent; every one of them is signed. */
  readonly headers: Readonly<Record<string, string>>
  /** The exact body bytes (or UTF-8 text) sent. */
  readonly body?: Uint8Array | string | undefined
}

export interface DerivedKeyOptions {
  readonly regionId: string
  readonly service: string
}

export interface SignOptions {
  /** `YYYYMMDDTHHMMSSZ`; defaults to a caller-set `X-Sdk-Date` header, else now. */
  readonly date?: string
  /** Sign with a V11 derived key instead of the SK itself. */
  readonly derived?: DerivedKeyOptions
  /** Add and sign `host` (default true; the Go SDK's unit vectors sign without it). */
  readonly includeHost?: boolean
}

export interface SignedHeaders {
  /** The headers to send: the caller's, plus `X-Sdk-Date`, `host` and `Authorization`. */
  readonly headers: Record<string, string>
  readonly authorization: string
  readonly signedHeaders: string
  readonly canonicalRequest: string
  readonly stringToSign: string
}

/** `YYYYMMDDTHHMMSSZ` in UTC. */
export const formatDate = (date: Date): string => {
  const iso = date.toISOString() // YYYY-MM-DDTHH:MM:SS.sssZ
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`
}

let lastSecond = Number.NaN
let lastFormatted = ""

/** `formatDate` of epoch milliseconds, remembered for the second: requests signed in a burst share it. */
export const formatEpochMillis = (millis: number): string => {
  const second = Math.floor(millis / 1000)
  if (second !== lastSecond) {
    lastFormatted = formatDate(new Date(second * 1000))
    lastSecond = second
  }
  return lastFormatted
}

const allUnreserved = /^[A-Za-z0-9\-_.~]*$/
/** What `encodeURIComponent` keeps that RFC 3986 encodes. */
const subDelims = /[!'()*]/g
const hexOf = (char: string) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`

/** RFC 3986 percent-encoding over UTF-8 bytes: keeps `A-Z a-z 0-9 - _ . ~`, uppercase hex. */
export const percentEncode = (value: string): string => {
  if (allUnreserved.test(value)) return value
  try {
    return encodeURIComponent(value).replace(subDelims, hexOf)
  } catch {
    // A lone surrogate: encode its UTF-8 replacement, as Buffer.from does.
    let out = ""
    for (const byte of Buffer.from(value, "utf8")) {
      const char = String.fromCharCode(byte)
      out += byte < 0x80 && allUnreserved.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
    }
    return out
  }
}

const safeDecode = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

const plainPath = /^[A-Za-z0-9\-_.~/]*$/

/** Each decoded path segment encoded once, joined by `/`, with a trailing `/` (signature only). */
export const canonicalUri = (pathname: string): string => {
  if (plainPath.test(pathname)) return pathname.endsWith("/") ? pathname : `${pathname}/`
  const encoded = pathname
    .split("/")
    .map((segment) => percentEncode(safeDecode(segment)))
    .join("/")
  return encoded.endsWith("/") ? encoded : `${encoded}/`
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Keys sorted (raw, before encoding, as both official signers do); a repeated key gives one pair per
 * value, values sorted raw too; then each key and value is encoded.
 */
export const canonicalQuery = (params: Iterable<readonly [string, string]>): string => {
  const grouped = new Map<string, Array<string>>()
  for (const [key, value] of params) {
    const values = grouped.get(key)
    if (values) values.push(value)
    else grouped.set(key, [value])
  }
  return [...grouped.keys()]
    .sort(byteOrder)
    .flatMap((k) => (grouped.get(k) ?? []).sort(byteOrder).map((v) => `${percentEncode(k)}=${percentEncode(v)}`))
    .join("&")
}

/**
 * Lowercase, sorted `name:value\n` lines and the `;`-joined names. Names that lowercase alike keep their
 * order (a stable sort). A request has a handful of headers: they are sorted by insertion, in place, which
 * allocates nothing (`Array.prototype.sort` copies into a work area on every call).
 */
export const canonicalHeaders = (headers: Readonly<Record<string, string>>) => {
  const names: Array<string> = []
  const values: Array<string> = []
  for (const name in headers) {
    names.push(name.toLowerCase())
    values.push((headers[name] ?? "").trim())
  }
  if (names.length <= 32) {
    for (let i = 1; i < names.length; i++) {
      const name = names[i] as string
      const value = values[i] as string
      let j = i
      for (; j > 0 && (names[j - 1] as string) > name; j--) {
        names[j] = names[j - 1] as string
        values[j] = values[j - 1] as string
      }
      names[j] = name
      values[j] = value
    }
  } else {
    const order = names.map((_, i) => i).sort((a, b) => byteOrder(names[a] as string, names[b] as string) || a - b)
    const sortedNames = order.map((i) => names[i] as string)
    const sortedValues = order.map((i) => values[i] as string)
    names.splice(0, names.length, ...sortedNames)
    values.splice(0, values.length, ...sortedValues)
  }
  let block = ""
  let signedHeaders = ""
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string
    block += `${name}:${values[i]}\n`
    signedHeaders += i === 0 ? name : `;${name}`
  }
  return { block, signedHeaders }
}

const findHeader = (headers: Readonly<Record<string, string>>, name: string): string | undefined => {
  const lower = name.toLowerCase()
  for (const key in headers) if (key.length === lower.length && key.toLowerCase() === lower) return headers[key]
  return undefined
}

/** `host[:port]` as in the URL; default ports dropped (the URL parser already does). */
export const hostOf = (url: URL): string => url.host

export const payloadHash = (headers: Readonly<Record<string, string>>, body: Uint8Array | string | undefined) =>
  findHeader(headers, ContentSha256Header) ??
  (body === undefined || body.length === 0 ? EmptyPayloadHash : sha256Hex(body))

export const canonicalRequest = (
  request: SignableRequest & { readonly url: URL }
): {
  readonly canonicalRequest: string
  readonly signedHeaders: string
} => {
  const { block, signedHeaders } = canonicalHeaders(request.headers)
  const method = request.method.toUpperCase()
  const uri = canonicalUri(request.url.pathname)
  const query = request.url.search === "" ? "" : canonicalQuery(request.url.searchParams)
  const payload = payloadHash(request.headers, request.body)
  return { canonicalRequest: `${method}\n${uri}\n${query}\n${block}\n${signedHeaders}\n${payload}`, signedHeaders }
}

/** V11: hex(HKDF-SHA256(ikm = SK, salt = AK, info, 32 bytes)), used as a string key. */
export const deriveKey = (key: SigningKey, info: string): string =>
  Buffer.from(crypto.hkdfSync("sha256", Redacted.value(key.sk), key.ak, info, 32)).toString("hex")

/**
 * Signs a request: returns the headers to send (the caller's plus `X-Sdk-Date`, `host` and
 * `Authorization`). Auth headers (`X-Domain-Id`/`X-Project-Id`, `X-Security-Token`) must already be in
 * `request.headers`, since everything present is signed.
 */
export const sign = (request: SignableRequest, key: SigningKey, options: SignOptions = {}): SignedHeaders => {
  const url = typeof request.url === "string" ? new URL(request.url) : request.url
  // One pass over the caller's headers: copy them, and note the date and host they already carry.
  const headers: Record<string, string> = {}
  let existingDate: string | undefined
  let hasHost = false
  for (const name in request.headers) {
    const value = request.headers[name] ?? ""
    const lower = name.toLowerCase()
    if (lower === "x-sdk-date") {
      existingDate ??= value
      // An explicit date replaces any the caller set, whatever its case.
      if (options.date !== undefined) continue
    } else if (lower === "host") {
      hasHost = true
    }
    headers[name] = value
  }
  const date = options.date ?? existingDate ?? formatEpochMillis(Date.now())
  if (existingDate === undefined || options.date !== undefined) headers[DateHeader] = date
  if (options.includeHost !== false && !hasHost) headers.host = hostOf(url)
  const { canonicalRequest: cr, signedHeaders } = canonicalRequest({ ...request, url, headers })
  const crHash = sha256Hex(cr)
  let stringToSign: string
  let authorization: string
  if (options.derived) {
    const info = `${date.slice(0, 8)}/${options.derived.regionId}/${options.derived.service}`
    stringToSign = `${DerivedAlgorithm}\n${date}\n${info}\n${crHash}`
    const signature = hmacSha256Hex(deriveKey(key, info), stringToSign)
    authorization = `${DerivedAlgorithm} Credential=${key.ak}/${info}, SignedHeaders=${signedHeaders}, Signature=${signature}`
  } else {
    stringToSign = `${Algorithm}\n${date}\n${crHash}`
    const signature = hmacSha256Hex(Redacted.value(key.sk), stringToSign)
    authorization = `${Algorithm} Access=${key.ak}, SignedHeaders=${signedHeaders}, Signature=${signature}`
  }
  headers.Authorization = authorization
  return { headers, authorization, signedHeaders, canonicalRequest: cr, stringToSign }
}

/** The `Authorization` header of one request signed by a `prepare`d signer: its body and its date. */
export type PreparedSigner = (body: Uint8Array | string | undefined, date: string) => string

/**
 * A signer for a run of requests that differ only in their body and `X-Sdk-Date` (one method, URL and set of
 * headers): what depends on neither (the canonical URI, query and headers, the signed-header list) is worked out
 * once, and the canonical request up to its payload hash once a second. A request then costs its hashes and
 * little else: the string work and garbage of `sign` are most of a small export's own CPU time, which a request
 * loop pays several times over (BENCHMARKS.md). The `Authorization` it gives is `sign`'s for the same request
 * with `{ date }` (`derived` keys excepted: `sign` them), and so is held to it by the tests.
 */
export const prepare = (
  request: Omit<SignableRequest, "body">,
  key: SigningKey,
  options: Pick<SignOptions, "includeHost"> = {}
): PreparedSigner => {
  const url = typeof request.url === "string" ? new URL(request.url) : request.url
  // The headers as `sign` sends them with a given date, that date standing in as a marker found once.
  const marker = "\u0000date\u0000"
  const headers: Record<string, string> = {}
  let hasHost = false
  for (const name in request.headers) {
    const lower = name.toLowerCase()
    if (lower === "x-sdk-date") continue
    if (lower === "host") hasHost = true
    headers[name] = request.headers[name] ?? ""
  }
  headers[DateHeader] = marker
  if (options.includeHost !== false && !hasHost) headers.host = hostOf(url)
  // The canonical request ends with the payload's hash: a fixed one (an X-Sdk-Content-Sha256 header), else the
  // body's, here the empty body's.
  const fixedPayload = payloadHash(headers, undefined)
  const { canonicalRequest: template, signedHeaders } = canonicalRequest({ method: request.method, url, headers })
  const head = template.slice(0, template.length - fixedPayload.length)
  const at = head.indexOf(marker)
  // A marker that is not there once (a header value holding it): each request signed in full.
  if (!template.endsWith(fixedPayload) || at < 0 || head.indexOf(marker, at + 1) >= 0)
    return (body, date) => sign({ ...request, url, body }, key, { ...options, date }).authorization
  const start = head.slice(0, at)
  const end = head.slice(at + marker.length)
  const bodyHashed = findHeader(headers, ContentSha256Header) === undefined
  const authorizationPrefix = `${Algorithm} Access=${key.ak}, SignedHeaders=${signedHeaders}, Signature=`
  let lastDate: string | undefined
  let lastHead = ""
  return (body, date) => {
    if (date !== lastDate) {
      // As a header value, trimmed (see `canonicalHeaders`).
      lastHead = start + date.trim() + end
      lastDate = date
    }
    const payload = !bodyHashed
      ? fixedPayload
      : body === undefined || body.length === 0
        ? EmptyPayloadHash
        : sha256Hex(body)
    const crHash = sha256Hex(lastHead + payload)
    return authorizationPrefix + hmacSha256Hex(Redacted.value(key.sk), `${Algorithm}\n${date}\n${crHash}`)
  }
}

export interface ParsedAuthorization {
  readonly algorithm: typeof Algorithm | typeof DerivedAlgorithm
  readonly access: string
  /** V11 only: `YYYYMMDD/<regionId>/<service>`, what the key was derived for. */
  readonly info?: string | undefined
  readonly signedHeaders: ReadonlyArray<string>
  readonly signature: string
}

const sdkAuthorization = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/
const derivedAuthorization =
  /^V11-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8}\/[^/,\s]+\/[^/,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/

/**
 * Parses an `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…` header, or a
 * `V11-HMAC-SHA256 Credential=<AK>/<info>, SignedHeaders=…, Signature=…` one (for verifiers).
 */
export const parseAuthorization = (header: string): ParsedAuthorization | undefined => {
  const trimmed = header.trim()
  const sdk = sdkAuthorization.exec(trimmed)
  if (sdk) {
    const [, access = "", signed = "", signature = ""] = sdk
    return { algorithm: Algorithm, access, signedHeaders: signed.split(";"), signature }
  }
  const derived = derivedAuthorization.exec(trimmed)
  if (!derived) return undefined
  const [, access = "", info = "", signed = "", signature = ""] = derived
  return { algorithm: DerivedAlgorithm, access, info, signedHeaders: signed.split(";"), signature }
}
