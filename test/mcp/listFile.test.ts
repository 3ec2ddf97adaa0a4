/**
 * The lists an export writes beside its files (`failed-tasks.json`, `files.json`), in-process: placed whole under
 * a free name, never over a file already there, and nothing left behind when that fails.
 */
import { Effect, Exit } from "effect"
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import * as ListFile from "../../apps/mcp-server/src/internal/listFile.js"
import { tempDir } from "./support.js"

describe("ListFile.write", () => {
  it("takes the first free name, owner-only, and leaves no temporary beside it", async () => {
    const directory = tempDir("list")
    writeFileSync(join(directory, "failed-tasks.json"), "taken")
    const written = await Effect.runPromise(ListFile.write(directory, "failed-tasks.json", "task_info", [{ a: 1 }]))
    expect(written.path).toBe(join(directory, "failed-tasks-1.json"))
    expect(JSON.parse(readFileSync(written.path, "utf8"))).toEqual({ task_info: [{ a: 1 }] })
    expect(statSync(written.path).mode & 0o777).toBe(0o600)
    expect(readdirSync(directory).sort()).toEqual(["failed-tasks-1.json", "failed-tasks.json"])
  })

  it("every name up to -99 taken: fails, saying so, and leaves the folder as it was (no temporary)", async () => {
    const directory = tempDir("list-full")
    const taken = ["files.json", ...Array.from({ length: 99 }, (_, i) => `files-${i + 1}.json`)]
    for (const name of taken) writeFileSync(join(directory, name), "taken")
    const exit = await Effect.runPromiseExit(ListFile.write(directory, "files.json", "files", [{ a: 1 }]))
    expect(exit).toMatchObject({
      _tag: "Failure",
      cause: { error: { _tag: "FileError", reason: "files.json and its names up to files-99.json are all taken" } }
    })
    expect(Exit.isFailure(exit)).toBe(true)
    expect(readdirSync(directory).sort()).toEqual([...taken].sort())
    for (const name of taken) expect(readFileSync(join(directory, name), "utf8")).toBe("taken")
  })
})
