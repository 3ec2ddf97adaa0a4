/** Spawning the built `sms-consistency` bin with a controlled environment, and a byte-level capture server. */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdtemp } from "node:fs/promises"
import * as Http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const bin = fileURLToPath(new URL("../../apps/cli/dist/sms-consistency.js", import.meta.url))

export const binBuilt = () => existsSync(bin)

export interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export const tempDir = (prefix = "sms-cli-") => mkdtemp(join(tmpdir(), prefix))

/** The parent's env without any SMS or Huawei Cloud setting, colour hints or a real HOME. */
export const cleanEnv = (home: string, extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(HUAWEICLOUD_|SMS_|CLOUD_SDK_)/.test(k) || k === "NO_COLOR" || k === "FORCE_COLOR") continue
    env[k] = v
  }
  return { ...env, HOME: home, USERPROFILE: home, ...extra }
}

export const run = (
  args: ReadonlyArray<string>,
  options: {
    readonly env: NodeJS.ProcessEnv
    readonly cwd?: string
    readonly stdin?: string
    readonly timeoutMs?: number
    /** Called with the child once spawned (to signal it, say). */
    readonly onSpawn?: (child: ChildProcess) => void
  }
): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: options.env,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d
    })
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000)
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
    // A CLI that stops reading its input early (a tasks file over its limit) closes the pipe: EPIPE here is its
    // answer, which the test checks, not a failure of the run.
    child.stdin.on("error", () => undefined)
    child.stdin.end(options.stdin ?? "")
    options.onSpawn?.(child)
  })

/** A stack frame line, as Node prints them. */
export const stackFrame = /^\s+at\s/m

export interface Captured {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  readonly rawHeaders: ReadonlyArray<string>
  readonly body: Buffer
}

export interface CaptureServer {
  readonly url: string
  readonly requests: Array<Captured>
  readonly close: () => Promise<void>
}

/** Records every request byte for byte and answers with `reply`. */
export const captureServer = (
  reply: (req: Captured) => { status: number; headers: Record<string, string>; body: Buffer }
): Promise<CaptureServer> =>
  new Promise((resolve) => {
    const requests: Array<Captured> = []
    const server = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const captured: Captured = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          rawHeaders: req.rawHeaders,
          body: Buffer.concat(chunks)
        }
        requests.push(captured)
        const r = reply(captured)
        res.writeHead(r.status, { ...r.headers, "Content-Length": String(r.body.length) })
        res.end(r.body)
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })
