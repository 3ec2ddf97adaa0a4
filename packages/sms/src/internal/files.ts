/** File naming and atomic placement for exported bodies: no partial file ever stands under a final name. */
import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import type { Stats } from "node:fs"
import { link, mkdir, rename, stat, unlink } from "node:fs/promises"
import { basename, dirname, extname, join } from "node:path"
import { FileError } from "../SmsError.js"

/** What a special file is, said (`a FIFO`, `a socket`, `a character device`, `a block device`), else undefined. */
export const specialKind = (s: Stats): string | undefined =>
  s.isFIFO()
    ? "a FIFO"
    : s.isSocket()
      ? "a socket"
      : s.isCharacterDevice()
        ? "a character device"
        : s.isBlockDevice()
          ? "a block device"
          : undefined

/** The longest file name `sanitizeFileName` keeps whole (in UTF-16 code units); a longer one loses the end of its stem. */
export const maxNameLength = 200
/**
 * The most UTF-8 bytes of a file name `sanitizeFileName` keeps whole; a longer one loses the end of its stem.
 * Filesystems limit a name to 255 bytes (not characters): this leaves room for the `-N` suffix `place` may add.
 */
export const maxNameBytes = 240

/** A name's length as the filesystem counts it: UTF-8 bytes (a lone surrogate as its 3-byte replacement). */
export const byteLength = (name: string): number => Buffer.byteLength(name, "utf8")

/** Made when first needed: most names are never cut. */
let graphemes: Intl.Segmenter | undefined

/** The longest start of `text` made of whole `pieces` within `units` UTF-16 code units and `bytes` UTF-8 bytes. */
const piecesWithin = (text: string, pieces: Iterable<string>, units: number, bytes: number): string => {
  let end = 0
  let used = 0
  for (const piece of pieces) {
    const size = byteLength(piece)
    if (end + piece.length > units || used + size > bytes) break
    end += piece.length
    used += size
  }
  return text.slice(0, end)
}

/**
 * The longest start of `text` within `units` UTF-16 code units and `bytes` UTF-8 bytes, cut between what a reader
 * sees as characters (grapheme clusters: a letter keeps its combining accent, an emoji sequence stays whole), else,
 * for one cluster longer than the limits, between code points (never inside a surrogate pair or a multi-byte
 * character).
 */
const prefixWithin = (text: string, units: number, bytes: number): string => {
  graphemes ??= new Intl.Segmenter(undefined, { granularity: "grapheme" })
  const clusters = Array.from(graphemes.segment(text), (s) => s.segment)
  const whole = piecesWithin(text, clusters, units, bytes)
  return whole !== "" || text === "" ? whole : piecesWithin(text, text, units, bytes)
}
/** Characters `sanitizeFileName` replaces with `_`, besides control characters (reserved on Windows). */
export const reservedCharacters = '<>:"|?*'
/** A control character: `sanitizeFileName` replaces it with `_`. */
export const isControlCharacter = (char: string): boolean => {
  const code = char.codePointAt(0) ?? 0
  return code < 0x20 || code === 0x7f
}
/** Names that need no change: no separator, control or reserved character, no leading dot or space, no trailing space. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this pattern rules out
const plainName = /^[^./\\\s\x00-\x1f\x7f<>:"|?*][^/\\\x00-\x1f\x7f<>:"|?*]*(?<!\s)$/

/**
 * Keeps a file name safe to join under a folder: last path component only, no control or reserved
 * characters, no leading dots, bounded length. `fallback` when nothing usable is left.
 */
export const sanitizeFileName = (raw: string, fallback: string): string =>
  raw.length <= maxNameLength && plainName.test(raw) && byteLength(raw) <= maxNameBytes
    ? raw
    : sanitizeThoroughly(raw, fallback)

/** `sanitizeFileName` without its fast path for names that need no change (the reference it is tested against). */
export const sanitizeThoroughly = (raw: string, fallback: string): string => {
  const last = raw.split(/[/\\]/).pop() ?? ""
  let name = ""
  for (const char of last) name += isControlCharacter(char) || reservedCharacters.includes(char) ? "_" : char
  name = name.replace(/^[.\s]+/, "").trim()
  if (name.length > maxNameLength || byteLength(name) > maxNameBytes) {
    const ext = prefixWithin(extname(name), 16, maxNameBytes)
    name = prefixWithin(name, maxNameLength - ext.length, maxNameBytes - byteLength(ext)) + ext
  }
  return name === "" || name === "." || name === ".." ? fallback : name
}

/** `filename*=UTF-8''…` (RFC 5987) over `filename="…"` over `filename=token`. */
export const fileNameFromDisposition = (header: string | undefined): string | undefined => {
  if (!header) return undefined
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header)
  if (extended?.[2]) {
    try {
      return decodeURIComponent(extended[2].trim().replace(/^"|"$/g, ""))
    } catch {
      // fall through to the plain form
    }
  }
  const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header)
  if (quoted?.[1] !== undefined) return quoted[1].replace(/\\(.)/g, "$1")
  const token = /filename\s*=\s*([^;\s]+)/i.exec(header)
  return token?.[1]
}

const isZip = (head: Uint8Array) => head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04

/** An extension from the content type, else from the first bytes. */
export const extensionFor = (contentType: string, head: Uint8Array): string => {
  const type = contentType.toLowerCase()
  if (type.includes("spreadsheetml")) return ".xlsx"
  if (type.includes("zip") || isZip(head)) return ".zip"
  if (type.includes("csv")) return ".csv"
  if (type.startsWith("text/")) return ".txt"
  if (type.includes("json")) return ".json"
  return ".bin"
}

const timestamp = (millis: number) =>
  new Date(millis)
    .toISOString()
    .replace(/[-:T]/g, "")
    .replace(/\.\d+Z$/, "")

export const defaultFileName = (contentType: string, head: Uint8Array, millis: number) =>
  `consistency-results-${timestamp(millis)}${extensionFor(contentType, head)}`

export const temporaryPath = (directory: string, finalName: string) =>
  join(directory, `.${basename(finalName)}.${randomBytes(6).toString("hex")}.partial`)

/** Writes all of `chunk` at the handle's position: one write may take less than it is given. */
export const writeAll = async (
  handle: { readonly write: (data: Uint8Array, offset: number, length: number) => Promise<{ bytesWritten: number }> },
  chunk: Uint8Array
): Promise<void> => {
  for (let offset = 0; offset < chunk.byteLength; ) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset)
    if (bytesWritten <= 0) throw new Error("the file took none of the bytes written to it")
    offset += bytesWritten
  }
}

const fileError = (path: string) => (cause: unknown) =>
  new FileError({ path, reason: cause instanceof Error ? cause.message : String(cause) })

/**
 * `mkdir -p`, one level at a time. Node's own `recursive` loops forever where creating a folder fails with ENOENT
 * although its parent exists (procfs: `/proc/x` as root): here that is the error.
 */
export const makeDirectories = async (directory: string, mode?: number): Promise<void> => {
  try {
    await mkdir(directory, { mode })
  } catch (cause) {
    const code = errnoCode(cause)
    if (code === "EEXIST") {
      if ((await stat(directory)).isDirectory()) return
      throw cause
    }
    const parent = dirname(directory)
    if (code !== "ENOENT" || parent === directory) throw cause
    await makeDirectories(parent, mode)
    await mkdir(directory, { mode }).catch((again: unknown) => {
      // Made meanwhile by another call: as good as made here.
      if (errnoCode(again) !== "EEXIST") throw again
    })
  }
}

export const ensureDirectory = (directory: string) =>
  Effect.tryPromise({ try: () => makeDirectories(directory), catch: fileError(directory) })

export const removeQuietly = (path: string) => Effect.promise(() => unlink(path).catch(() => undefined))

/** A Node error's `code` (`"EEXIST"`, `"ENOENT"`, …), if it has one. */
export const errnoCode = (cause: unknown): unknown =>
  typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined

/**
 * The next suffix to try per target path, once the name itself is taken: chunks of one batch often get the same
 * name from the service (its timestamp has one-second resolution), and probing from 1 each time would be quadratic.
 * The name itself is always tried first (a name freed since, say a file deleted, is used again, not `-N`).
 */
const nextSuffix = new Map<string, number>()

/**
 * `name` with `-k` before its extension: `results.zip` → `results-2.zip`; a name at a length limit (UTF-16 units or
 * UTF-8 bytes) loses the end of its stem instead, so that the suffix survives `sanitizeFileName` (which would cut
 * it, and so make every suffixed name the same).
 */
export const withSuffix = (name: string, k: number): string => {
  const ext = extname(name)
  const tag = `-${k}`
  const stem = name.slice(0, name.length - ext.length)
  const kept = prefixWithin(
    stem,
    Math.max(1, maxNameLength - ext.length - tag.length),
    Math.max(1, maxNameBytes - byteLength(ext) - tag.length)
  )
  // At least the stem's first character, as ever (an extension that long leaves no room for more).
  return `${kept === "" ? ([...stem][0] ?? "") : kept}${tag}${ext}`
}

/**
 * Moves a complete temporary file to `name` in `directory`. Without `overwrite`, an existing file is
 * never replaced: `name-1.ext`, `name-2.ext`, … are tried (hard links make the check and the placement
 * one atomic step).
 */
export const place = (temporary: string, directory: string, name: string, overwrite: boolean) =>
  Effect.gen(function* () {
    if (overwrite) {
      const target = join(directory, name)
      yield* Effect.tryPromise({ try: () => rename(temporary, target), catch: fileError(target) })
      return target
    }
    const key = join(directory, name)
    const first = Math.max(1, nextSuffix.get(key) ?? 1)
    // The name, then suffixes from the remembered one on.
    for (let k = 0; k < first + 10_000; k = k === 0 ? first : k + 1) {
      const target = join(directory, k === 0 ? name : withSuffix(name, k))
      const placed = yield* Effect.tryPromise({ try: () => link(temporary, target), catch: (cause) => cause }).pipe(
        Effect.as(true),
        Effect.catchAll((cause) =>
          errnoCode(cause) === "EEXIST" ? Effect.succeed(false) : Effect.fail(fileError(target)(cause))
        )
      )
      if (placed) {
        yield* removeQuietly(temporary)
        if (nextSuffix.size > 1_000) nextSuffix.clear()
        // Placed under the name itself: it was free again, and so may the suffixes be (from 1 again).
        nextSuffix.set(key, k + 1)
        return target
      }
    }
    return yield* new FileError({ path: join(directory, name), reason: "too many files with this name" })
  })
