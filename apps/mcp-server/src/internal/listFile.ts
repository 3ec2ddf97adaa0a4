/**
 * A complete list an export writes into its call's folder, beside the exported files, so that a result can carry
 * a sample only without losing anything: `failed-tasks.json` (every failed task), `files.json` (every file).
 * `resources/read` serves it as it serves the exported files (`<call folder>/<file>`, no hidden part).
 */
import * as SmsError from "@sms-consistency/sms/SmsError"
import { errnoCode, temporaryPath, withSuffix } from "@sms-consistency/sms/internal/files"
import * as Effect from "effect/Effect"
import { link, unlink, writeFile } from "node:fs/promises"
import { extname, join } from "node:path"

/** The last `-N` a list's name takes (`isNamed` knows no other). */
const maxSuffix = 99

/** Whether `name` is one `write` gives a list it names `fileName`: `name.json`, or `name-1.json` … `name-99.json`. */
export const isNamed = (name: string, fileName: string): boolean => {
  if (name === fileName) return true
  const ext = extname(fileName)
  const stem = `${fileName.slice(0, fileName.length - ext.length)}-`
  if (!name.startsWith(stem) || !name.endsWith(ext)) return false
  const suffix = name.slice(stem.length, name.length - ext.length)
  return /^[1-9][0-9]*$/.test(suffix) && Number(suffix) <= maxSuffix
}

/** `{"<key>": [...]}`, one entry a line: readable, and about as small as compact JSON. */
const render = (key: string, entries: ReadonlyArray<unknown>): string =>
  `{${JSON.stringify(key)}: [\n${entries.map((entry) => JSON.stringify(entry)).join(",\n")}\n]}\n`

/**
 * Writes `{"<key>": entries}` into `directory` (which exists) as `fileName`, never over a file already there (the
 * service names its own files): `name.json`, else `name-1.json`, … `name-99.json`. The list is written whole under
 * a hidden temporary name first (as the core writes an export, `temporaryPath`) and then linked under its name, so
 * that no reader (`resources/list`, `resources/read`, a `tasks_file`) ever sees it half-written, and a write that
 * fails (the disk full) leaves nothing behind. Not `files.place`: its names go past `-99`. Owner-only (0600),
 * which the exported files beside it are not (0644 by the usual umask: the core writes them with the default
 * mode); what keeps those from other users is the call's folder, owner-only (0700) as the server makes it.
 */
export const write = (
  directory: string,
  fileName: string,
  key: string,
  entries: ReadonlyArray<unknown>
): Effect.Effect<{ readonly path: string; readonly byteLength: number }, SmsError.FileError> =>
  Effect.tryPromise({
    try: async () => {
      const body = Buffer.from(render(key, entries), "utf8")
      const temporary = temporaryPath(directory, fileName)
      try {
        await writeFile(temporary, body, { flag: "wx", mode: 0o600 })
        for (let n = 0; ; n++) {
          const path = join(directory, n === 0 ? fileName : withSuffix(fileName, n))
          try {
            // A hard link: the check that the name is free and the placing are one step.
            await link(temporary, path)
            return { path, byteLength: body.byteLength }
          } catch (cause) {
            if (errnoCode(cause) !== "EEXIST") throw cause
            if (n >= maxSuffix)
              throw new Error(`${fileName} and its names up to ${withSuffix(fileName, maxSuffix)} are all taken`)
          }
        }
      } finally {
        await unlink(temporary).catch(() => undefined)
      }
    },
    catch: (cause) =>
      new SmsError.FileError({
        path: join(directory, fileName),
        reason: cause instanceof Error ? cause.message : String(cause)
      })
  })
