/** A real local HTTP server whose answers a test scripts, recording what it received. */
import { Effect, type Scope } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"

export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
  readonly body: Buffer
}

export type Handler = (req: Received, res: ServerResponse) => void

export interface TestServer {
  readonly url: string
  readonly received: Array<Received>
  /** Handlers used in order; the last one repeats. */
  readonly respond: (...handlers: Array<Handler>) => void
}

export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", "x-request-id": `req-${status}`, ...headers })
    res.end(typeof body === "string" ? body : JSON.stringify(body))
  }

export const bytes =
  (body: Uint8Array, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": String(body.byteLength),
      ...headers
    })
    res.end(body)
  }

export const start: Effect.Effect<TestServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.async<TestServer & { close: () => Promise<void> }>((resume) => {
    const received: Array<Received> = []
    let handlers: Array<Handler> = [json(200, {})]
    let next = 0
    const server = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const r = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) }
        received.push(r)
        const handler = handlers[Math.min(next++, handlers.length - 1)]
        handler?.(r, res)
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(
        Effect.succeed({
          url: `http://127.0.0.1:${port}`,
          received,
          respond: (...hs: Array<Handler>) => {
            handlers = hs
            next = 0
          },
          close: () =>
            new Promise<void>((done) => {
              server.closeAllConnections()
              server.close(() => done())
            })
        })
      )
    })
  }),
  (s) => Effect.promise(() => s.close())
)
