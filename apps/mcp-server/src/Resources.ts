/**
 * The exported files as MCP resources. `resources/read` of the `resource_link` an export returned gives the
 * file itself (`blob`, base64; text types as `text`), so an assistant that does not share the server's disk
 * (Streamable HTTP) still gets it; `resources/list` lists the exported files, newest first, in pages of
 * `maxListed` (`nextCursor`, then `cursor`).
 *
 * Only what `resources/list` can list is served: a regular file in a call's folder under the export root, judged
 * after symlinks are resolved, with no hidden part in its path (the `.partial` files of exports in progress are
 * hidden). A file over `maxReadBytes` is refused with its path.
 */
import {
  ErrorCode,
  type ListResourcesResult,
  type ReadResourceResult,
  type Resource
} from "@modelcontextprotocol/sdk/types.js"
import { type Dirent, type Stats, statSync } from "node:fs"
import { readdir, readFile, realpath, stat } from "node:fs/promises"
import { basename, isAbsolute, join, relative, sep } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as Format from "./internal/format.js"
import * as ListFile from "./internal/listFile.js"
import { RequestError } from "./internal/requestError.js"
import * as TasksFile from "./internal/tasksFile.js"
import { filesManifestName } from "./Tools.js"

/**
 * The largest file one `resources/read` returns: a JSON-RPC message carries it whole, in base64 (4 bytes for 3), and
 * the official SDK's stdio client takes a message of at most 10 MiB (`STDIO_DEFAULT_MAX_BUFFER_SIZE`): past it, it
 * closes the connection. 7 MiB is 9.3 MiB in base64, with room for the message around it.
 */
export const maxReadBytes = 7 * 1024 * 1024

/** The most one `resources/read` answer may take as JSON (a text file's escapes may make it longer than the file). */
const maxMessageBytes = 10 * 1024 * 1024 - 64 * 1024

/** What one `resources/list` lists at most: a page; `nextCursor` is there when there are more. */
export const maxListed = 200

/** The MCP code for an unknown resource (specification, "Resources", error handling). */
const resourceNotFound = -32002

const notFound = (uri: string) => new RequestError(resourceNotFound, `Resource not found: ${uri}`, { uri })

const entries = (directory: string): Promise<ReadonlyArray<Dirent>> =>
  readdir(directory, { withFileTypes: true }).catch(() => [])

/**
 * Where a page ends, and the next starts after: a file's mtime and `<call folder>/<file>`. The list is in this
 * order, newest first and then by name, which is total: a file written between two pages (a newer one) moves no
 * older file from one page to another, and the file a cursor names may be gone by the next page.
 */
interface Position {
  readonly modified: number
  readonly name: string
}

/** An exported file: `name` is `<call folder>/<file>`. */
interface Listed extends Position {
  readonly size: number
}

const isBefore = (a: Position, b: Position): boolean =>
  a.modified !== b.modified ? a.modified > b.modified : a.name < b.name

const byPosition = (a: Position, b: Position): number => (isBefore(a, b) ? -1 : isBefore(b, a) ? 1 : 0)

/** The index of the first of `files` (in `list`'s order) that comes after `at`; 0 without `at`. */
const firstAfter = (files: ReadonlyArray<Position>, at: Position | undefined): number => {
  if (at === undefined) return 0
  let low = 0
  let high = files.length
  while (low < high) {
    const middle = (low + high) >>> 1
    const file = files[middle]
    if (file !== undefined && isBefore(at, file)) high = middle
    else low = middle + 1
  }
  return low
}

/** A call folder's exported files in `list`'s order, and its mtime when they were read. */
interface Listing {
  readonly folderModified: number
  readonly files: ReadonlyArray<Listed>
  /** Its folder had not changed for `settleMs` when it was read: it may be kept (see `listings`). */
  readonly settled: boolean
}

/**
 * The listings of each export root's call folders, kept from one `resources/list` to the next, so that a page
 * stats the call folders rather than every file (50,000 files took 1–2 s a page, each page). A listing stands
 * while its folder's mtime is the one read with it: adding, removing or renaming a file changes that mtime, and
 * files are placed whole (an export writes under a hidden name and renames, `ListFile` links). Kept only when the
 * folder had not changed for `settleMs` before it was read: where mtimes are coarse (FAT's tick is 2 s) a change
 * within the tick of the reading would leave the mtime as it was. A file rewritten in place (which no export does)
 * is seen with its old size and time until its folder changes.
 */
const listings = new Map<string, ReadonlyMap<string, Listing>>()

const settleMs = 2_000

const statBatch = 128

/** A file's stat, or undefined when it is gone (or cannot be read): it is then not listed. */
const statOrUndefined = (path: string): Stats | undefined => {
  try {
    return statSync(path, { throwIfNoEntry: false })
  } catch {
    return undefined
  }
}

/** `<root>/<call>`'s listing: `kept` while its folder is unchanged, else read again; undefined when it is gone. */
const listCall = async (root: string, call: string, kept: Listing | undefined): Promise<Listing | undefined> => {
  const directory = join(root, call)
  const readAt = Date.now()
  const folder = await stat(directory).catch(() => undefined)
  if (folder === undefined) return undefined
  if (kept !== undefined && kept.folderModified === folder.mtimeMs) return kept
  const names = (await entries(directory)).filter((e) => e.isFile() && !e.name.startsWith(".")).map((e) => e.name)
  const files: Array<Listed> = []
  // Synchronous stats, a batch at a time between turns of the event loop: 50,000 files took 130 ms so, against
  // 850 ms with a promise each (the thread pool's hand-offs), and no batch holds the loop for long.
  for (let from = 0; from < names.length; from += statBatch) {
    if (from > 0) await new Promise((resolve) => setImmediate(resolve))
    for (const name of names.slice(from, from + statBatch)) {
      const s = statOrUndefined(join(directory, name))
      if (s !== undefined) files.push({ name: `${call}/${name}`, size: s.size, modified: s.mtimeMs })
    }
  }
  return { folderModified: folder.mtimeMs, files: files.sort(byPosition), settled: folder.mtimeMs < readAt - settleMs }
}

/**
 * What `nextCursor` carries, opaque to the client: base64url of the JSON `[mtime, "<call folder>/<file>"]`. A cursor
 * is checked to be one in this form and spelling (not that this server gave it: it keeps no record of them).
 */
const encodeCursor = (at: Position): string => Buffer.from(JSON.stringify([at.modified, at.name])).toString("base64url")

/** A cursor is short (a file's mtime and two names); anything longer is not one of ours. */
const maxCursorLength = 4096

const invalidCursor = (cursor: string, why: string) =>
  new RequestError(
    ErrorCode.InvalidParams,
    `Invalid cursor for resources/list: ${why}. Pass the nextCursor of an earlier resources/list result ` +
      "unchanged, or no cursor for the first page.",
    { cursor: cursor.slice(0, 100) }
  )

const decodeCursor = (cursor: string): Position => {
  if (cursor.length > maxCursorLength) throw invalidCursor(cursor, `it is over ${maxCursorLength} characters`)
  const notOurs = () => invalidCursor(cursor, "it is not a nextCursor this server returned")
  // Buffer skips what is not base64url: such a cursor fails the comparison with its re-encoding below.
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
  } catch {
    throw notOurs()
  }
  if (!Array.isArray(value) || value.length !== 2) throw notOurs()
  const [modified, name] = value as ReadonlyArray<unknown>
  if (typeof modified !== "number" || !Number.isFinite(modified) || modified < 0 || typeof name !== "string")
    throw notOurs()
  // A name `list` lists: `<call folder>/<file>`, neither part empty nor hidden (so no `.` or `..`).
  const parts = name.split("/")
  if (parts.length !== 2 || parts.some((part) => part === "" || part.startsWith("."))) throw notOurs()
  // As `encodeCursor` writes it: no other spelling of the same value (spaces, `1e3` for `1000`, escapes, other
  // base64 characters).
  const at = { modified, name }
  if (encodeCursor(at) !== cursor) throw notOurs()
  return at
}

/** What a file is: the lists an export writes beside its files say so; the exported files say when. */
const description = (file: Listed): string => {
  const name = basename(file.name)
  const when = new Date(file.modified).toISOString()
  if (ListFile.isNamed(name, TasksFile.fileName))
    return (
      `The tasks an export did not export (they failed, or it was stopped), written ${when}: pass its path as ` +
      "tasks_file to export_consistency_results to retry them"
    )
  if (ListFile.isNamed(name, filesManifestName))
    return `The list of every file an export wrote (path, size, sha256, tasks of each), written ${when}`
  return `Exported ${when}`
}

/**
 * A page of the exported files under `root`, newest first: the first `maxListed`, or those after `cursor` (a
 * `nextCursor` this returned), with `nextCursor` when more follow. A cursor it did not give is InvalidParams.
 */
export const list = async (root: string, cursor?: string): Promise<ListResourcesResult> => {
  const after = cursor === undefined ? undefined : decodeCursor(cursor)
  const kept = listings.get(root)
  const calls = (await entries(root)).filter((e) => e.isDirectory() && !e.name.startsWith("."))
  const current = await Promise.all(
    calls.map(async (e) => ({ call: e.name, listing: await listCall(root, e.name, kept?.get(e.name)) }))
  )
  // The folders gone since are dropped with the rest.
  listings.set(
    root,
    new Map(current.flatMap(({ call, listing }) => (listing?.settled ? [[call, listing] as const] : [])))
  )
  // Each folder is in order: its first files after the cursor, one more than a page, are all a page can take.
  const next = current
    .flatMap(({ listing }) => {
      const files = listing?.files ?? []
      const first = firstAfter(files, after)
      return files.slice(first, first + maxListed + 1)
    })
    .sort(byPosition)
  const page = next.slice(0, maxListed)
  const last = page.at(-1)
  const resources = page.map((f): Resource => {
    const path = join(root, f.name)
    return {
      uri: pathToFileURL(path).href,
      name: basename(path),
      mimeType: Format.mimeTypeOf(basename(path)),
      size: f.size,
      description: description(f)
    }
  })
  return next.length > page.length && last !== undefined ? { resources, nextCursor: encodeCursor(last) } : { resources }
}

/** The path `uri` names under `root` (resolved through symlinks), or a resource-not-found error. */
const pathUnder = async (root: string, uri: string): Promise<string> => {
  let path: string
  try {
    path = fileURLToPath(uri)
  } catch {
    throw notFound(uri)
  }
  const [real, realRoot] = await Promise.all([realpath(path).catch(() => undefined), realpath(root).catch(() => root)])
  if (real === undefined) throw notFound(uri)
  // Exactly what `list` can return: `<call folder>/<file>` under the root, neither of them hidden. Not a file
  // directly in the root, nor one deeper down (a root that holds other things, e.g. `~/.ssh/id_rsa` under a home).
  const inside = relative(realRoot, real)
  const parts = inside.split(sep)
  if (isAbsolute(inside) || parts.length !== 2 || parts.some((part) => part === "" || part.startsWith(".")))
    throw notFound(uri)
  return real
}

/** The file `uri` names, if it is an exported file under `root`. */
/** A file too large for one `resources/read` answer (see `maxReadBytes`), refused with its path. */
const tooLarge = (path: string, uri: string, size: number, said: string) =>
  new RequestError(
    ErrorCode.InvalidParams,
    `${basename(path)} is ${said}, over what one resources/read returns (${Format.bytes(maxReadBytes)}: a stdio ` +
      `client takes a message of at most 10 MiB); it is at ${path} on the server's machine`,
    { uri, size, maxReadBytes }
  )

export const read = async (root: string, uri: string): Promise<ReadResourceResult> => {
  const path = await pathUnder(root, uri)
  const s = await stat(path).catch(() => undefined)
  if (s === undefined || !s.isFile()) throw notFound(uri)
  if (s.size > maxReadBytes) throw tooLarge(path, uri, s.size, Format.bytes(s.size))
  const bytes = await readFile(path)
  const mimeType = Format.mimeTypeOf(basename(path))
  const text = mimeType.startsWith("text/") || mimeType === "application/json"
  const content = text
    ? { uri, mimeType, text: bytes.toString("utf8") }
    : { uri, mimeType, blob: bytes.toString("base64") }
  // A text file within the size may still be too long as JSON (each quote, line break, control character escaped).
  const messageBytes = text ? Buffer.byteLength(JSON.stringify(content.text)) : 0
  if (messageBytes > maxMessageBytes) throw tooLarge(path, uri, s.size, `${Format.bytes(messageBytes)} as JSON text`)
  return { contents: [content] }
}
