import { describe, expect, it } from "@effect/vitest"
import * as files from "../src/internal/files.js"

describe("files.writeAll", () => {
  it("keeps writing until the file has taken every byte", async () => {
    const taken: Array<number> = []
    // A file that takes at most 3 bytes a write.
    const handle = {
      write: async (data: Uint8Array, offset: number, length: number) => {
        const n = Math.min(3, length)
        taken.push(...data.subarray(offset, offset + n))
        return { bytesWritten: n }
      }
    }
    const chunk = Uint8Array.from({ length: 10 }, (_, i) => i)
    await files.writeAll(handle, chunk)
    expect(taken).toEqual([...chunk])
  })

  it("fails rather than spin when the file takes nothing", async () => {
    const handle = { write: async () => ({ bytesWritten: 0 }) }
    await expect(files.writeAll(handle, new Uint8Array(4))).rejects.toThrow(/took none/)
  })
})
