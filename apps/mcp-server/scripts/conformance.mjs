// Runs the ecosystem's own checks against the built server in HTTP mode (builds nothing):
// the @modelcontextprotocol/conformance server scenarios, and the MCP Inspector CLI listing the tools (--strict) and
// calling them, then listing the exported file as a resource and reading it back.
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
// The Inspector 2.x (the one with --strict) needs Node >= 22.19 while this project runs on Node 20: npx fetches
// that Node from the npm registry (the `node` package ships it as a registry package) and runs the CLI on it.
const inspector = [
  "-y",
  "-p",
  "node@22.19.0",
  "-p",
  "@modelcontextprotocol/inspector@2.12.0",
  "--",
  "mcp-inspector",
  "--cli"
]

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
  const inspect = async (label, args) => {
    const { code, output } = await run("npx", [...inspector, ...args])
    let result
    try {
      result = JSON.parse(output)
    } catch {
      result = undefined
    }
    if (code !== 0 || result === undefined || result.isError === true) failures.push(`inspector ${label}`)
    return result
  }
  const listed = await inspect("--strict tools/list", ["--strict", url, "--method", "tools/list"])
  if (listed?.tools?.length !== 4) failures.push("inspector tools/list: expected 4 tools")
  const sources = await inspect("tools/call list_sources_with_results", [
    url,
    "--method",
    "tools/call",
    "--tool-name",
    "list_sources_with_results",
    "--tool-arg",
    "limit=2"
  ])
  const taskInfo = sources?.structuredContent?.task_info ?? []
  if (taskInfo.length !== 2) failures.push("inspector list_sources_with_results: expected 2 task_info entries")
  const exported = await inspect("tools/call export_consistency_results", [
    url,
    "--method",
    "tools/call",
    "--tool-name",
    "export_consistency_results",
    "--tool-arg",
    `task_info=${JSON.stringify(taskInfo)}`
  ])
  if (exported?.structuredContent?.exported !== taskInfo.length)
    failures.push("inspector export_consistency_results: not every task exported")
  // The exported file, as a resource: listed, and read back whole.
  const file = exported?.structuredContent?.files?.[0]
  const resources = await inspect("resources/list", [url, "--method", "resources/list"])
  if (!resources?.resources?.some((r) => r.uri === file?.uri))
    failures.push("inspector resources/list: the exported file is not listed")
  const read = await inspect("resources/read", [url, "--method", "resources/read", "--uri", file?.uri ?? "missing"])
  const blob = read?.contents?.[0]?.blob
  if (typeof blob !== "string" || Buffer.from(blob, "base64").byteLength !== file?.byteLength)
    failures.push("inspector resources/read: not the exported file's bytes")
  await inspect("tools/call show_consistency_result", [
    url,
    "--method",
    "tools/call",
    "--tool-name",
    "show_consistency_result",
    "--tool-arg",
    `task_id=${taskInfo[0]?.task_id ?? "missing"}`
  ])
} finally {
  child.kill("SIGTERM")
}

if (failures.length > 0) {
  process.stderr.write(`\nFAILED: ${failures.join(", ")}\n`)
  process.exit(1)
}
process.stdout.write(
  `\nAll ${scenarios.length} conformance scenarios passed; the Inspector CLI --strict listed and called the tools and read an export back.\n`
)
