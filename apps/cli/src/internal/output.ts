/** Where exported files go (`--output`), decided and checked before anything is sent. */
import type { Piece } from "@sms-consistency/sms/BatchExport"
import {
  byteLength,
  isControlCharacter,
  maxNameBytes,
  maxNameLength,
  reservedCharacters,
  sanitizeFileName,
  specialKind
} from "@sms-consistency/sms/internal/files"
import * as Model from "@sms-consistency/sms/Model"
import type { FileTarget } from "@sms-consistency/sms/SmsClient"
import { InvalidRequest } from "@sms-consistency/sms/SmsError"
import * as Effect from "effect/Effect"
import { constants } from "node:fs"
import type { Stats } from "node:fs"
import { access, lstat, readdir, stat } from "node:fs/promises"
import { basename, dirname, extname, join, resolve, sep } from "node:path"

export type Plan =
  /** Files go inside `directory`, named by the service, made unique unless `overwrite`. */
  | { readonly _tag: "Directory"; readonly directory: string; readonly overwrite: boolean }
  /** Exactly these paths, one per chunk. */
  | { readonly _tag: "Files"; readonly paths: ReadonlyArray<string>; readonly overwrite: boolean }

/** `name.zip` → `name-<suffix>.zip`. */
const suffixed = (path: string, suffix: string): string => {
  const ext = extname(basename(path))
  return `${path.slice(0, path.length - ext.length)}-${suffix}${ext}`
}

/** `name.zip` → `name-part-3.zip` (the part number is 1-based). */
export const partName = (path: string, part: number): string => suffixed(path, `part-${part}`)

/** `name.zip` → `name-tasks-1-100.zip`: a piece of a chunk split to isolate missing tasks (1-based, inclusive). */
export const pieceName = (path: string, piece: Piece): string =>
  suffixed(path, `tasks-${piece.offset + 1}-${piece.offset + piece.size}`)

/** `":"`, or `the control character U+0009`. */
const shown = (char: string): string =>
  isControlCharacter(char)
    ? `the control character U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`
    : `"${char}"`

/** `a`, `a or b`, `a, b or c`. */
const either = (items: ReadonlyArray<string>): string =>
  items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`

/** `a space`, or `whitespace (U+3000)`. */
const space = (char: string): string =>
  char === " " ? "a space" : `whitespace (U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")})`

/**
 * How a name is over the sanitiser's length limits, if it is: `204 characters long, over the limit of 200`, or
 * `274 bytes long in UTF-8, over the limit of 240` (filesystems count bytes).
 */
const overLong = (name: string): string | undefined => {
  if (name.length > maxNameLength) return `${name.length} characters long, over the limit of ${maxNameLength}`
  const bytes = byteLength(name)
  return bytes > maxNameBytes ? `${bytes} bytes long in UTF-8, over the limit of ${maxNameBytes}` : undefined
}

/**
 * Why the core would write a file asked for as `name` under another name, or undefined if it would not: it runs
 * every name through `sanitizeFileName` (and then makes the changed name unique), which would silently put the file
 * elsewhere than the path given, or with --force replace an unrelated file. Whether it would is the sanitiser's own
 * answer; this only says why, from its rules.
 */
export const nameProblem = (name: string): string | undefined => {
  if (sanitizeFileName(name, "") === name) return undefined
  const quoted = JSON.stringify(name)
  // A backslash is a path separator to the sanitiser (the name would lose what is before it).
  const forbidden = (c: string) => c === "\\" || reservedCharacters.includes(c) || isControlCharacter(c)
  const found = [...new Set([...name].filter(forbidden))]
  if (found.length > 0) {
    const others = [...reservedCharacters, "\\"].filter((c) => !found.includes(c))
    const controls = found.some(isControlCharacter) ? "" : "control characters"
    const nor = [others.join(" "), controls].filter((part) => part !== "").join(" or ")
    return `the file name ${quoted} may not contain ${either(found.map(shown))}${nor === "" ? "" : ` (nor ${nor})`}; choose another name`
  }
  const first = name[0] ?? ""
  if (first === ".") return `the file name ${quoted} may not start with a dot; choose another name`
  if (/\s/.test(first)) return `the file name ${quoted} may not start with ${space(first)}; choose another name`
  const last = name[name.length - 1] ?? ""
  if (/\s/.test(last)) return `the file name ${quoted} may not end with ${space(last)}; choose another name`
  const long = overLong(name)
  if (long !== undefined) return `the file name ${quoted} is ${long}; choose a shorter name`
  return `the file name ${quoted} would be written as ${JSON.stringify(sanitizeFileName(name, ""))}; choose another name`
}

/** What is at a path: a directory (a link to one included), a regular file, nothing, or something else, said. */
type Kind = "directory" | "file" | "missing" | { readonly other: string }

const otherKind = (s: Stats): string => specialKind(s) ?? "not a file or a directory"

/**
 * The kind of `path`, its last component not followed unless it links to a directory: the export replaces a file
 * by renaming onto it, which would replace a link (not write through it), a FIFO or a device with a regular file.
 * A dangling link would pass a `stat` as missing, and then every chunk fail with ENOENT.
 */
const kindOf = (path: string): Effect.Effect<Kind> =>
  Effect.promise(async (): Promise<Kind> => {
    const own = await lstat(path).catch(() => undefined)
    if (own === undefined) return "missing"
    if (own.isDirectory()) return "directory"
    if (own.isFile()) return "file"
    if (!own.isSymbolicLink()) return { other: otherKind(own) }
    const target = await stat(path).catch(() => undefined)
    if (target === undefined) return { other: "a dangling symbolic link" }
    return target.isDirectory() ? "directory" : { other: "a symbolic link" }
  })

const notRegular = (path: string, kind: { readonly other: string }) =>
  new InvalidRequest({ field: "--output", reason: `${path} is not a regular file (${kind.other})` })

/**
 * Why files cannot be written into `directory` (made if missing, as the export does), if they cannot: its
 * nearest existing ancestor is a file, or cannot be written to.
 */
const unwritable = (directory: string): Effect.Effect<string | undefined> =>
  Effect.gen(function* () {
    for (let path = directory; ; path = dirname(path)) {
      const kind = yield* kindOf(path)
      if (kind === "file" || typeof kind === "object") return `${path} is not a directory`
      if (kind === "directory")
        return yield* Effect.promise(() =>
          access(path, constants.W_OK | constants.X_OK).then(
            () => undefined,
            () => `${path} is not writable`
          )
        )
      if (dirname(path) === path) return `${path} does not exist`
    }
  })

/**
 * `--output` resolved: the path, what is there, and the directory the files go into, checked (it can be made,
 * and written to). An existing directory, a path ending in `/`, or a new path without an extension (`exports`:
 * a folder, not a file to be named `exports-part-1`, …) is that directory; anything else is a file in its parent.
 */
const resolveOutput = (output: string | undefined, cwd: string) =>
  Effect.gen(function* () {
    const raw = output ?? "."
    // `-` is stdout by convention elsewhere; here it would silently become a folder named `-`.
    if (raw === "-")
      return yield* new InvalidRequest({
        field: "--output",
        reason: "cannot be stdout (-): an export is one file per 200 tasks, or more; give a file or a folder"
      })
    const path = resolve(cwd, raw)
    const kind = yield* kindOf(path)
    const isDirectory =
      kind === "directory" ||
      raw.endsWith("/") ||
      raw.endsWith(sep) ||
      (kind === "missing" && extname(basename(path)) === "")
    const directory = isDirectory ? path : dirname(path)
    const problem = isDirectory ? undefined : nameProblem(basename(path))
    if (problem !== undefined) return yield* new InvalidRequest({ field: "--output", reason: problem })
    // Not even --force replaces what is not a regular file (see `kindOf`).
    if (!isDirectory && typeof kind === "object") return yield* notRegular(path, kind)
    const cannot = yield* unwritable(directory)
    if (cannot !== undefined)
      return yield* new InvalidRequest({ field: "--output", reason: `cannot write into ${directory}: ${cannot}` })
    return { path, kind, directory }
  })

/** Fails if files could not be written where `--output` says (before the tasks, and so the chunks, are known). */
export const check = (output: string | undefined, cwd: string = process.cwd()): Effect.Effect<void, InvalidRequest> =>
  Effect.asVoid(resolveOutput(output, cwd))

/** The number of tasks of call `i` (0-based) of an export of `tasks` tasks. */
const callSize = (i: number, tasks: number): number =>
  Math.min(Model.Limits.tasksPerCall, tasks - i * Model.Limits.tasksPerCall)

/**
 * Why a name the export derives from a file `--output` (`-part-N` for a call of several, `-tasks-A-B` for a piece of
 * a call split to isolate missing tasks) would be cut by the core's sanitiser, if one would: the longest for each
 * call, whose pieces are numbered up to its size, is checked.
 */
const derivedTooLong = (path: string, paths: ReadonlyArray<string>, tasks: number): string | undefined => {
  const given = basename(path)
  const stem = given.slice(0, given.length - extname(given).length)
  for (const [i, part] of paths.entries()) {
    const size = callSize(i, tasks)
    // A call of one task is never split.
    const longest = size >= 2 ? pieceName(part, { offset: size - 1, size: 1 }) : part
    const name = basename(longest)
    const problem = nameProblem(name)
    if (problem === undefined) continue
    const long = overLong(name)
    // Only its length can be wrong (the name given passed, and what is added is plain), but say whatever it is.
    if (long === undefined) return problem
    const added = name.slice(stem.length, name.length - extname(name).length)
    const call = paths.length > 1 ? `call ${i + 1} of ${paths.length}` : "the call"
    const what =
      longest === part ? `the name for ${call}` : `the name for a piece of ${call}, split to isolate missing tasks`
    return (
      `the file name ${JSON.stringify(given)} is too long for the names the export derives from it: with ` +
      `"${added}" added (${what}) it would be ${long}; choose a shorter name`
    )
  }
  return undefined
}

/**
 * The files already in the output's folder under names the export could derive for pieces of its calls
 * (`<name>-tasks-A-B<ext>` for a call's file `<name><ext>`, 1 ≤ A ≤ B ≤ the call's size), first piece first: which
 * pieces there will be depends on which tasks turn out missing, so any of them could be written.
 */
const piecesThere = (directory: string, paths: ReadonlyArray<string>, tasks: number): Effect.Effect<Array<string>> =>
  Effect.promise(async () => {
    // A call of one task is never split.
    if (!paths.some((_, i) => callSize(i, tasks) >= 2)) return []
    const names = await readdir(directory).catch(() => [])
    const found: Array<{ readonly path: string; readonly order: ReadonlyArray<number> }> = []
    for (const [i, part] of paths.entries()) {
      const size = callSize(i, tasks)
      const given = basename(part)
      const ext = extname(given)
      const prefix = `${given.slice(0, given.length - ext.length)}-tasks-`
      for (const name of names) {
        if (!name.startsWith(prefix) || !name.endsWith(ext)) continue
        const range = /^([1-9]\d*)-([1-9]\d*)$/.exec(name.slice(prefix.length, name.length - ext.length))
        const [from, to] = [Number(range?.[1]), Number(range?.[2])]
        if (range !== null && from <= to && to <= size)
          found.push({ path: join(directory, name), order: [i, from, to] })
      }
    }
    const byOrder = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number =>
      a.reduce((sign, x, k) => sign || x - (b[k] ?? 0), 0)
    return found.sort((a, b) => byOrder(a.order, b.order)).map((f) => f.path)
  })

/**
 * An existing directory (or a path ending in `/`, or a new one without an extension) receives the files; anything
 * else is the file path (with `-part-N` before the extension for several chunks). An existing file is an error
 * unless `force` (one under a name a piece of a call could be written under too), and so is a directory that cannot
 * be made or written to.
 */
export const plan = (
  output: string | undefined,
  chunks: number,
  force: boolean,
  cwd: string = process.cwd(),
  tasks: number = chunks * Model.Limits.tasksPerCall
): Effect.Effect<Plan, InvalidRequest> =>
  Effect.gen(function* () {
    const { path, kind, directory } = yield* resolveOutput(output, cwd)
    if (directory === path) return { _tag: "Directory", directory: path, overwrite: force } satisfies Plan
    const paths = chunks <= 1 ? [path] : Array.from({ length: chunks }, (_, i) => partName(path, i + 1))
    const tooLong = derivedTooLong(path, paths, tasks)
    if (tooLong !== undefined) return yield* new InvalidRequest({ field: "--output", reason: tooLong })
    // A call's file, and any piece of a call (see `piecesThere`: the file itself is then never written).
    for (const p of [...paths, ...(yield* piecesThere(directory, paths, tasks))]) {
      const k = p === path ? kind : yield* kindOf(p)
      if (typeof k === "object") return yield* notRegular(p, k)
      if (k !== "missing" && !force)
        return yield* new InvalidRequest({
          field: "--output",
          reason: `${p} already exists (use --force to overwrite it)`
        })
    }
    return { _tag: "Files", paths, overwrite: force } satisfies Plan
  })

/** The core's `FileTarget` for one chunk (0-based) of a plan, or for a piece of it. */
export const targetFor = (p: Plan, chunk: number, piece?: Piece): FileTarget => {
  if (p._tag === "Directory") return { directory: p.directory, overwrite: p.overwrite }
  const chunkPath = p.paths[chunk] ?? partName(p.paths[0] ?? "consistency-results", chunk + 1)
  const path = piece ? pieceName(chunkPath, piece) : chunkPath
  const name = basename(path)
  return { directory: dirname(path), name: () => name, overwrite: p.overwrite }
}
