import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync } from "node:fs"
import { mkdtemp, readdir, stat, unlink, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
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

describe("files.makeDirectories", () => {
  it("makes every missing level (with the mode), accepts an existing folder, refuses a file in the way", async () => {
    const root = await mkdtemp(join(tmpdir(), "sms-mkdir-"))
    const deep = join(root, "a", "b", "c")
    await files.makeDirectories(deep, 0o700)
    expect((await stat(deep)).isDirectory()).toBe(true)
    expect((await stat(join(root, "a"))).mode & 0o777).toBe(0o700 & ~process.umask())
    await files.makeDirectories(deep)
    await writeFile(join(root, "file"), "x")
    await expect(files.makeDirectories(join(root, "file"))).rejects.toMatchObject({ code: "EEXIST" })
    await expect(files.makeDirectories(join(root, "file", "sub"))).rejects.toMatchObject({ code: "ENOTDIR" })
  })

  // Node's `mkdir(…, { recursive: true })` never returns here when run as root: ENOENT for /proc/x, EEXIST for /proc.
  it.runIf(existsSync("/proc/self"))(
    "fails, rather than loop, where a folder cannot be made in an existing parent",
    async () => {
      await expect(files.makeDirectories("/proc/sms-no-such/x")).rejects.toHaveProperty("code")
    }
  )
})

describe("files.place", () => {
  it.live("tries the wanted name first, also once it is free again; the others follow on without a gap", () =>
    Effect.gen(function* () {
      const directory = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "sms-place-")))
      const placeOne = Effect.gen(function* () {
        const temporary = files.temporaryPath(directory, "report.zip")
        yield* Effect.promise(() => writeFile(temporary, "x"))
        return (yield* files.place(temporary, directory, "report.zip", false)).slice(directory.length + 1)
      })
      const removeAll = Effect.promise(async () => {
        for (const name of await readdir(directory)) await unlink(join(directory, name))
      })
      expect(yield* Effect.all([placeOne, placeOne, placeOne])).toEqual(["report.zip", "report-1.zip", "report-2.zip"])
      yield* removeAll
      expect(yield* Effect.all([placeOne, placeOne])).toEqual(["report.zip", "report-1.zip"])
      // Only the wanted name freed: it is taken again; the next continues after the suffixes still there.
      yield* Effect.promise(() => unlink(join(directory, "report.zip")))
      expect(yield* Effect.all([placeOne, placeOne])).toEqual(["report.zip", "report-2.zip"])
      expect((yield* Effect.promise(() => readdir(directory))).sort()).toEqual([
        "report-1.zip",
        "report-2.zip",
        "report.zip"
      ])
    })
  )
})

describe("files.sanitizeFileName", () => {
  const bytes = (name: string) => Buffer.byteLength(name, "utf8")

  it("keeps a name within 240 bytes of UTF-8 as well as 200 UTF-16 units, cut on a character, its extension kept", () => {
    // 94 units, 274 bytes: cut to whole characters within 240 bytes.
    expect(files.sanitizeFileName(`${"名".repeat(90)}.zip`, "f")).toBe(`${"名".repeat(78)}.zip`)
    // Four-byte characters (two units each) are never cut in half.
    const emoji = files.sanitizeFileName(`${"😀".repeat(70)}.zip`, "f")
    expect(emoji).toBe(`${"😀".repeat(59)}.zip`)
    expect(bytes(emoji)).toBeLessThanOrEqual(240)
    // A mix: never a lone surrogate, never over either limit.
    const mixed = files.sanitizeFileName(`${"a😀名é".repeat(40)}.csv`, "f")
    expect(mixed.endsWith(".csv")).toBe(true)
    expect(mixed).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/)
    expect(bytes(mixed)).toBeLessThanOrEqual(240)
    expect(mixed.length).toBeLessThanOrEqual(200)
    // A letter keeps its combining accent (e + U+0301, 3 bytes): the cut falls between letters, not within one.
    const accented = files.sanitizeFileName(`${"e\u0301".repeat(100)}.zip`, "f")
    expect(accented).toBe(`${"e\u0301".repeat(78)}.zip`)
    // One cluster longer than the limits (a letter under 300 accents) is cut between code points all the same.
    expect(bytes(files.sanitizeFileName(`e${"\u0301".repeat(300)}.zip`, "f"))).toBeLessThanOrEqual(240)
    // Within both limits: unchanged.
    expect(files.sanitizeFileName(`${"名".repeat(78)}.zip`, "f")).toBe(`${"名".repeat(78)}.zip`)
    expect(files.sanitizeFileName(`${"n".repeat(196)}.zip`, "f")).toBe(`${"n".repeat(196)}.zip`)
    expect(files.maxNameBytes).toBe(240)
  })

  it("a suffix added to a name at the byte limit survives, and leaves it under the filesystem's 255 bytes", () => {
    const name = files.sanitizeFileName(`${"名".repeat(90)}.zip`, "f")
    for (const k of [1, 12, 10_000]) {
      const suffixed = files.withSuffix(name, k)
      expect(suffixed.endsWith(`-${k}.zip`)).toBe(true)
      expect(bytes(suffixed)).toBeLessThanOrEqual(240)
      expect(files.sanitizeFileName(suffixed, "f")).toBe(suffixed)
    }
  })
})
