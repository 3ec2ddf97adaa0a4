/** What a route answers, before faults and latency are applied and it is written to the socket. */
export type Body =
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array }
  | { readonly _tag: "Large"; readonly bytes: number; readonly seed: number }

export interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Body
}

export const jsonContentType = "application/json;charset=UTF-8"

export const bytes = (status: number, data: Uint8Array, headers: Readonly<Record<string, string>>): Reply => ({
  status,
  headers,
  body: { _tag: "Bytes", bytes: data }
})

export const json = (status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): Reply =>
  bytes(status, Buffer.from(JSON.stringify(value), "utf8"), { "Content-Type": jsonContentType, ...headers })

export const bodyLength = (body: Body): number => (body._tag === "Bytes" ? body.bytes.length : body.bytes)
