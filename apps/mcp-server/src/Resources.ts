/**
 * The exported files as MCP resources. `resources/read` of the `resource_link` an export returned gives the
 * file itself (`blob`, base64; text types as `text`), so an assistant that does not share the server's disk
 * (Streamable HTTP) still gets it; `resources/list` lists the exported files, newest first.
 *
 * Only what `resources/list` can list is served: a regular file in a call's folder under the export root, judged
 * after symlinks are resolved, with no hidden part in its path (the `.partial` files of exports in progress are
 * hidden). A file over `maxReadBytes` is refused with its path.
 */
import {
  ErrorCode,
  type ListResourcesResult,
  McpError,
  type ReadResourceResult,
  type Resource
} from "@modelcontextprotocol/sdk/types.js"
import type { Dirent } from "node:fs"
import { readdir, readFile, realpath, stat } from "node:fs/promises"
import { basename, isAbsolute, join, relative, sep } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as Format from "./internal/format.js"

/** What one `resources/read` returns at most: a JSON-RPC message carries it whole, in base64. */
export const maxReadBytes = 16 * 1024 * 1024

/** What one `resources/list` lists at most (the newest). */
export const maxListed = 200

/** The MCP code for an unknown resource (specification, "Resources", error handling). */
const resourceNotFound = -32002

const notFound = (uri: string) => new McpError(resourceNotFound, `Resource not found: ${uri}`, { uri })

const entries = (directory: string): Promise<ReadonlyArray<Dirent>> =>
  readdir(directory, { withFileTypes: true }).catch(() => [])

/** Exported files: `<root>/<call folder>/<file>`, hidden (in-progress) ones left out. */
const exportedFiles = async (root: string): Promise<ReadonlyArray<string>> => {
  const calls = (await entries(root)).filter((e) => e.isDirectory() && !e.name.startsWith("."))
  const perCall = await Promise.all(
    calls.map(async (call) =>
      (await entries(join(root, call.name)))
        .filter((e) => e.isFile() && !e.name.startsWith("."))
        .map((e) => join(root, call.name, e.name))
    )
  )
  return perCall.flat()
}

/** The newest `maxListed` exported files under `root`. */
export const list = async (root: string): Promise<ListResourcesResult> => {
  const files = await Promise.all(
    (await exportedFiles(root)).map(async (path) => {
      const s = await stat(path).catch(() => undefined)
      return s === undefined ? undefined : { path, size: s.size, modified: s.mtimeMs }
    })
  )
  const resources = files
    .filter((f) => f !== undefined)
    .sort((a, b) => b.modified - a.modified)
    .slice(0, maxListed)
    .map(
      (f): Resource => ({
        uri: pathToFileURL(f.path).href,
        name: basename(f.path),
        mimeType: Format.mimeTypeOf(basename(f.path)),
        size: f.size,
        description: `Exported ${new Date(f.modified).toISOString()}`
      })
    )
  return { resources }
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
    throw new McpError(
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
