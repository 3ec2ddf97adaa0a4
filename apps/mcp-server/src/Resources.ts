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
import type { Dirent } from "node:fs"
import { readdir, readFile, realpath, stat } from "node:fs/promises"
import { basename, isAbsolute, join, relative, sep } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as Format from "./internal/format.js"
import * as ListFile from "./internal/listFile.js"
import { RequestError } from "./internal/requestError.js"
import * as TasksFile from "./internal/tasksFile.js"
import { filesManifestName } from "./Tools.js"

/** What one `resources/read` returns at most: a JSON-RPC message carries it whole, in base64. */
export const maxReadBytes = 16 * 1024 * 1024

/** What one `resources/list` lists at most: a page; `nextCursor` is there when there are more. */
export const maxListed = 200

/** The MCP code for an unknown resource (specification, "Resources", error handling). */
const resourceNotFound = -32002

const notFound = (uri: string) => new RequestError(resourceNotFound, `Resource not found: ${uri}`, { uri })

const entries = (directory: string): Promise<ReadonlyArray<Dirent>> =>
  readdir(directory, { withFileTypes: true }).catch(() => [])

/** Exported files: `<root>/<call folder>/<file>`, hidden (in-progress) ones left out; `name` is `<call folder>/<file>`. */
const exportedFiles = async (
  root: string
): Promise<ReadonlyArray<{ readonly name: string; readonly path: string }>> => {
  const calls = (await entries(root)).filter((e) => e.isDirectory() && !e.name.startsWith("."))
  const perCall = await Promise.all(
    calls.map(async (call) =>
      (await entries(join(root, call.name)))
        .filter((e) => e.isFile() && !e.name.startsWith("."))
        .map((e) => ({ name: `${call.name}/${e.name}`, path: join(root, call.name, e.name) }))
    )
  )
  return perCall.flat()
}

/**
 * Where a page ends, and the next starts after: a file's mtime and `<call folder>/<file>`. The list is in this
 * order, newest first and then by name, which is total: a file written between two pages (a newer one) moves no
 * older file from one page to another, and the file a cursor names may be gone by the next page.
 */
interface Position {
  readonly modified: number
  readonly name: string
}

interface Listed extends Position {
  readonly path: string
  readonly size: number
}

const isBefore = (a: Position, b: Position): boolean =>
  a.modified !== b.modified ? a.modified > b.modified : a.name < b.name

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
  const name = basename(file.path)
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
  const files = await Promise.all(
    (await exportedFiles(root)).map(async ({ name, path }): Promise<Listed | undefined> => {
      const s = await stat(path).catch(() => undefined)
      return s === undefined ? undefined : { name, path, size: s.size, modified: s.mtimeMs }
    })
  )
  const sorted = files
    .filter((f) => f !== undefined)
    .filter((f) => after === undefined || isBefore(after, f))
    .sort((a, b) => (isBefore(a, b) ? -1 : isBefore(b, a) ? 1 : 0))
  const page = sorted.slice(0, maxListed)
  const last = page.at(-1)
  const resources = page.map(
    (f): Resource => ({
      uri: pathToFileURL(f.path).href,
      name: basename(f.path),
      mimeType: Format.mimeTypeOf(basename(f.path)),
      size: f.size,
      description: description(f)
    })
  )
  return sorted.length > page.length && last !== undefined
    ? { resources, nextCursor: encodeCursor(last) }
    : { resources }
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
export const read = async (root: string, uri: string): Promise<ReadResourceResult> => {
  const path = await pathUnder(root, uri)
  const s = await stat(path).catch(() => undefined)
  if (s === undefined || !s.isFile()) throw notFound(uri)
  if (s.size > maxReadBytes)
    throw new RequestError(
      ErrorCode.InvalidParams,
      `${basename(path)} is ${Format.bytes(s.size)}, over the ${Format.bytes(maxReadBytes)} a resources/read ` +
        `returns; it is at ${path} on the server's machine`,
      { uri, size: s.size, maxReadBytes }
    )
  const bytes = await readFile(path)
  const mimeType = Format.mimeTypeOf(basename(path))
  const text = mimeType.startsWith("text/") || mimeType === "application/json"
  return {
    contents: [
      text ? { uri, mimeType, text: bytes.toString("utf8") } : { uri, mimeType, blob: bytes.toString("base64") }
    ]
  }
}
