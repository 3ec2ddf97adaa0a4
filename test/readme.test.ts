/**
 * The READMEs show what the code is: the library example is `packages/sms/examples/export.ts` word for word, the
 * emulator's `packages/emulator/examples/start.ts` (both typechecked), and `export --help` is the built bin's, in
 * full in apps/cli/README.md and condensed in README.md, and the shells of `--completions` are the ones it lists.
 * An edit to one without the other fails here.
 */
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"
import { builtIns } from "../apps/cli/src/internal/usage.js"
import { bin, binBuilt, cleanEnv } from "./cli/support.js"

const read = (path: string) => readFileSync(fileURLToPath(new URL(`../${path}`, import.meta.url)), "utf8")

/** The fenced blocks of a Markdown text in `language`. */
const blocks = (markdown: string, language: string) =>
  [...markdown.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => (m[1] ?? "").trimEnd())

/** A typechecked example file from its first import: what a README shows of it. */
const fromFirstImport = (path: string) => {
  const example = read(path)
  return example.slice(example.search(/^import /m)).trimEnd()
}

it("README.md shows packages/sms/examples/export.ts as it is, from its first import", () => {
  expect(blocks(read("README.md"), "ts")).toContain(fromFirstImport("packages/sms/examples/export.ts"))
})

it("packages/emulator/README.md shows packages/emulator/examples/start.ts as it is, from its first import", () => {
  expect(blocks(read("packages/emulator/README.md"), "ts")).toContain(
    fromFirstImport("packages/emulator/examples/start.ts")
  )
})

const exportHelp = (): string => {
  if (!binBuilt()) throw new Error("build the bin first: pnpm build")
  const r = spawnSync(process.execPath, [bin, "export", "--help"], {
    env: cleanEnv(tmpdir(), { NO_COLOR: "1" }),
    encoding: "utf8"
  })
  expect(r.status).toBe(0)
  return r.stdout.trimEnd()
}

/** The option names of a help line such as `(-h, --help)` or `--log-level all | …`. */
const builtInNames = new Set(builtIns.flatMap((flag) => flag.names))
const isBuiltIn = (header: string) => builtInNames.has(header.split(/[\s,()]+/).find((t) => t !== "") ?? "")

/**
 * README.md's condensed form: no blank lines among the options, nor the "This setting is optional.", "One of the
 * following" and "This option may be repeated" lines, nor the built-in options' descriptions.
 */
const condensed = (help: string): string => {
  const [head = "", rest = ""] = help.split("\nOPTIONS\n\n")
  const [options = "", tail = ""] = rest.split("\n\nENVIRONMENT\n")
  let current = ""
  const kept = options.split("\n").filter((line) => {
    if (line.trim() === "") return false
    if (!line.startsWith("  ")) {
      current = line
      return true
    }
    const text = line.trim()
    if (/^(This setting is optional\.|One of the following|This option may be repeated)/.test(text)) return false
    return !isBuiltIn(current)
  })
  return `${head}\nOPTIONS\n\n${kept.join("\n")}\n\nENVIRONMENT\n${tail}`
}

it("apps/cli/README.md shows export --help as the bin prints it; README.md, condensed", () => {
  const help = exportHelp()
  expect(help.startsWith("sms-consistency 0.1.0\n")).toBe(true)
  expect(blocks(read("apps/cli/README.md"), "console")).toContain(`$ sms-consistency export --help\n${help}`)
  expect(blocks(read("README.md"), "text")).toContain(condensed(help))
})

it("apps/cli/README.md names the shells --completions takes, as export --help lists them", () => {
  const listed = /^--completions (.+)$/m.exec(exportHelp())?.[1]?.split(" | ")
  expect(listed?.length).toBeGreaterThan(0)
  const named = [...read("apps/cli/README.md").matchAll(/`--completions ([a-z|]+)`/g)].map((m) => m[1]?.split("|"))
  expect(named.length).toBeGreaterThan(0)
  for (const shells of named) expect([...(shells ?? [])].sort()).toEqual([...(listed ?? [])].sort())
})
