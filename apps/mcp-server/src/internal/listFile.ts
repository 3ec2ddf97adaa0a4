/**
 * A complete list an export writes into its call's folder, beside the exported files, so that a result can carry
 * a sample only without losing anything: `failed-tasks.json` (every failed task), `files.json` (every file).
 * `resources/read` serves it as it serves the exported files (`<call folder>/<file>`, no hidden part).
 */
import * as SmsError from "@sms-consistency/sms/SmsError"
import { errnoCode, withSuffix } from "@sms-consistency/sms/internal/files"
import * as Effect from "effect/Effect"
import { writeFile } from "node:fs/promises"
import { join } from "node:path"

/** `{"<key>": [...]}`, one entry a line: readable, and about as small as compact JSON. */
const render = (key: string, entries: ReadonlyArray<unknown>): string =>
  `{${JSON.stringify(key)}: [\n${entries.map((entry) => JSON.stringify(entry)).join(",\n")}\n]}\n`

/**
 * Writes `{"<key>": entries}` into `directory` (which exists) as `fileName`, never over a file already there (the
 * service names its own files): `name.json`, else `name-1.json`, … Owner-only, as the exports it sits beside.
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
      for (let n = 0; ; n++) {
        const path = join(directory, n === 0 ? fileName : withSuffix(fileName, n))
        try {
          await writeFile(path, body, { flag: "wx", mode: 0o600 })
          return { path, byteLength: body.byteLength }
        } catch (cause) {
          if (errnoCode(cause) !== "EEXIST" || n >= 99) throw cause
        }
      }
    },
    catch: (cause) =>
      new SmsError.FileError({
        path: join(directory, fileName),
        reason: cause instanceof Error ? cause.message : String(cause)
      })
  })
