// Runs the ecosystem's own checks against the built server in HTTP mode (builds nothing):
// the @modelcontextprotocol/conformance server scenarios (the MCP Inspector CLI is skipped: see below).
// Exits non-zero on any failure. Usage: node apps/mcp-server/scripts/conformance.mjs
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const app = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const bin = join(app, "dist", "sms-consistency-mcp.js")
const conformance = join(app, "node_modules", ".bin", "conformance")
const scenarios = ["server-initialize", "ping", "tools-list", "logging-set-level", "dns-rebinding-protection"]

if (!existsSync(bin)) {
  process.stderr.write(`${bin} is missing: run pnpm build first\n`)
  process.exit(2)
}

const env = { ...process.env, SMS_EXPORT_DIR: mkdtempSync(join(tmpdir(), "sms-mcp-conformance-")) }
delete env.SMS_MCP_TOKEN

/** Starts the server with --http --emulator on a free port; resolves with its URL. */
const startServer = () =>
  new Promise((resolveStart, reject) => {
    const child = spawn(process.execPath, [bin, "--http", "--port", "0", "--emulator"], {
      env,
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = ""
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 15_000)
    child.stderr.on("data", (chunk) => {
      stderr += chunk
      const match = /listening at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr)
      if (match) {
        clearTimeout(timer)
        resolveStart({ url: match[1], child })
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}:\n${stderr}`))
    })
  })

const run = (command, args) =>
  new Promise((resolveRun) => {
    process.stdout.write(`\n$ ${[command, ...args].map((a) => (/[\s{}"]/.test(a) ? `'${a}'` : a)).join(" ")}\n`)
    let output = ""
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] })
    child.stdout.on("data", (chunk) => {
      output += chunk
      process.stdout.write(chunk)
    })
    child.stderr.on("data", (chunk) => process.stderr.write(chunk))
    child.once("exit", (code) => resolveRun({ code: code ?? 1, output }))
  })

const { url, child } = await startServer()
process.stdout.write(`server at ${url}\n`)
const failures = []
try {
  for (const scenario of scenarios) {
    const { code, output } = await run(conformance, ["server", "--url", url, "--scenario", scenario])
    // The runner prints a summary; treat any FAILURE line or a non-zero exit as a failure.
    if (code !== 0 || /\bFAIL(URE|ED)?\b/.test(output.replace(/Failed:\s*0\b/g, "")))
      failures.push(`conformance ${scenario}`)
  }
  // The MCP Inspector CLI cannot run on this project's Node 20: its `--strict` mode is in inspector 2.x (engines
  // node >= 22.19), inspector 1.0.3 needs node >= 22.7.5, and the standalone @modelcontextprotocol/inspector-cli
  // 1.0.3 package fails outside the inspector's monorepo layout (it imports ../package.json and ../client).
  process.stdout.write(
    `\nSKIPPED MCP Inspector CLI --strict: needs Node >= 22.19 (this is ${process.version}); see the comment above.\n`
  )
} finally {
  child.kill("SIGTERM")
}

if (failures.length > 0) {
  process.stderr.write(`\nFAILED: ${failures.join(", ")}\n`)
  process.exit(1)
}
process.stdout.write(`\nAll ${scenarios.length} conformance scenarios passed.\n`)
