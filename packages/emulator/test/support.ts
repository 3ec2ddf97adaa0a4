/** Test clients: plain fetch signed with the core signer, a raw node:http client, and a tiny ZIP reader. */
import { Signer } from "@sms-consistency/sms"
import { Effect, Redacted } from "effect"
import * as Http from "node:http"
import * as Zlib from "node:zlib"
import type { Emulator } from "../src/index.js"

export interface Call {
  readonly method?: string
  readonly path: string
  readonly query?: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string | Uint8Array
}

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly bytes: Buffer
  readonly json: () => unknown
}

const answer = async (response: Response): Promise<Answer> => {
  const bytes = Buffer.from(await response.arrayBuffer())
  return { status: response.status, headers: response.headers, bytes, json: () => JSON.parse(bytes.toString("utf8")) }
}

const urlOf = (handle: Emulator.EmulatorHandle, call: Call) =>
  `${handle.url}${call.path}${call.query ? `?${call.query}` : ""}`

/** Sends a request signed with `key` (default: the emulator's allowed identity) and `X-Domain-Id`. */
export const signed = (
  handle: Emulator.EmulatorHandle,
  call: Call,
  options: {
    readonly key?: Signer.SigningKey
    readonly date?: string
    readonly domainHeader?: boolean
    /** Sign with a V11 derived key. */
    readonly derived?: Signer.DerivedKeyOptions
    /** Changes the request after signing (to tamper with it). */
    readonly after?: (request: { headers: Record<string, string>; body: string | Uint8Array | undefined }) => void
  } = {}
) =>
  Effect.promise(async () => {
    const method = call.method ?? "GET"
    const headers: Record<string, string> = {
      ...(call.body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...(options.domainHeader === false ? {} : { "X-Domain-Id": handle.credentials.domainId }),
      ...call.headers
    }
    const key = options.key ?? { ak: handle.credentials.ak, sk: handle.credentials.sk }
    const result = Signer.sign({ method, url: urlOf(handle, call), headers, body: call.body }, key, {
      ...(options.date !== undefined ? { date: options.date } : {}),
      ...(options.derived !== undefined ? { derived: options.derived } : {})
    })
    const request = { headers: { ...result.headers }, body: call.body }
    options.after?.(request)
    // fetch sets Host itself (the same value the signer used); it refuses to take one from us.
    delete request.headers.host
    return answer(
      await fetch(urlOf(handle, call), {
        method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {})
      })
    )
  })

/** Sends a request as given (no signing). */
export const plain = (handle: Emulator.EmulatorHandle, call: Call) =>
  Effect.promise(async () =>
    answer(
      await fetch(urlOf(handle, call), {
        method: call.method ?? "GET",
        headers: { ...call.headers },
        ...(call.body !== undefined ? { body: call.body } : {})
      })
    )
  )

export const withToken = (handle: Emulator.EmulatorHandle, call: Call, token?: Redacted.Redacted<string>) =>
  plain(handle, {
    ...call,
    headers: {
      "X-Auth-Token": Redacted.value(token ?? handle.credentials.token),
      "X-Domain-Id": handle.credentials.domainId,
      ...(call.body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...call.headers
    }
  })

/** The export body for the first `n` seeded sources. */
export const exportBody = (handle: Emulator.EmulatorHandle, n: number) =>
  JSON.stringify({
    task_info: handle.seeded.sources.slice(0, n).map((source) => ({
      task_id: source.current_task?.id ?? "",
      source_id: source.id,
      source_name: source.name
    }))
  })

export interface RawResult {
  readonly status?: number
  readonly headers?: Http.IncomingHttpHeaders
  readonly received: number
  readonly body: Buffer
  /** The transport error, if the exchange broke. */
  readonly error?: string
  readonly headersAtMs?: number
  readonly endAtMs: number
}

/** A node:http request that reports exactly how far the exchange got (headers, bytes, error code). */
export const raw = (handle: Emulator.EmulatorHandle, call: Call & { readonly token?: boolean }) =>
  Effect.async<RawResult>((resume) => {
    const started = Date.now()
    const chunks: Array<Buffer> = []
    let status: number | undefined
    let headers: Http.IncomingHttpHeaders | undefined
    let headersAtMs: number | undefined
    let done = false
    const finish = (error?: string) => {
      if (done) return
      done = true
      const body = Buffer.concat(chunks)
      resume(
        Effect.succeed({
          ...(status !== undefined ? { status } : {}),
          ...(headers !== undefined ? { headers } : {}),
          ...(headersAtMs !== undefined ? { headersAtMs } : {}),
          ...(error !== undefined ? { error } : {}),
          received: body.length,
          body,
          endAtMs: Date.now() - started
        })
      )
    }
    const request = Http.request(
      urlOf(handle, call),
      {
        method: call.method ?? "GET",
        agent: false,
        headers: {
          ...(call.token === false ? {} : { "X-Auth-Token": Redacted.value(handle.credentials.token) }),
          ...call.headers
        }
      },
      (response) => {
        status = response.statusCode
        headers = response.headers
        headersAtMs = Date.now() - started
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () => finish())
        response.on("error", (error: NodeJS.ErrnoException) => finish(error.code ?? error.message))
        response.on("aborted", () => finish("aborted"))
      }
    )
    request.on("error", (error: NodeJS.ErrnoException) => finish(error.code ?? error.message))
    request.end(call.body)
  })

export interface ZipEntry {
  readonly name: string
  readonly method: number
  readonly crc: number
  readonly compressedSize: number
  readonly size: number
  readonly offset: number
}

/** Reads the end record and central directory, independently of the writer. */
export const readZip = (zip: Buffer): ReadonlyArray<ZipEntry> => {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  if (end < 0) return []
  const count = zip.readUInt16LE(end + 10)
  let at = zip.readUInt32LE(end + 16)
  const entries: Array<ZipEntry> = []
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) break
    const nameLength = zip.readUInt16LE(at + 28)
    const extra = zip.readUInt16LE(at + 30)
    const comment = zip.readUInt16LE(at + 32)
    entries.push({
      method: zip.readUInt16LE(at + 10),
      crc: zip.readUInt32LE(at + 16),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      offset: zip.readUInt32LE(at + 42),
      name: zip.subarray(at + 46, at + 46 + nameLength).toString("utf8")
    })
    at += 46 + nameLength + extra + comment
  }
  return entries
}

/** The uncompressed bytes of one entry, via its local header. */
export const extract = (zip: Buffer, entry: ZipEntry): Buffer => {
  const at = entry.offset
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28)
  const data = zip.subarray(start, start + entry.compressedSize)
  return entry.method === 8 ? Zlib.inflateRawSync(data) : Buffer.from(data)
}
