/**
 * What a stopped or cancelled export's answer says it kept (`Server.keptIn`), in-process: the exported files,
 * counted apart from the lists written beside them.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { keptIn } from "../../apps/mcp-server/src/Server.js"
import { tempDir } from "./support.js"

describe("keptIn", () => {
  it("counts the exported files only: not files.json (past 20 files), nor failed-tasks.json, nor a temporary", async () => {
    const directory = tempDir("kept")
    for (let i = 0; i < 21; i++) writeFileSync(join(directory, `consistency-results-${i}.zip`), "PK")
    for (const name of ["files.json", "failed-tasks.json", ".files.json.0123456789ab.partial"])
      writeFileSync(join(directory, name), "{}")
    expect(await keptIn(directory)).toBe(
      ` Kept what was already written (21 files) in ${directory}; the tasks not exported are listed in ` +
        `${join(directory, "failed-tasks.json")}: pass it as tasks_file to retry them.`
    )
  })

  it("the manifest under a -N name (files-1.json) is not counted either", async () => {
    const directory = tempDir("kept-list")
    writeFileSync(join(directory, "files-1.json"), "{}")
    writeFileSync(join(directory, "consistency-results.zip"), "PK")
    expect(await keptIn(directory)).toBe(` Kept what was already written (1 file) in ${directory}.`)
  })

  it("no folder: nothing to say", async () => {
    expect(await keptIn(join(tempDir("kept-none"), "never-made"))).toBe("")
  })
})
