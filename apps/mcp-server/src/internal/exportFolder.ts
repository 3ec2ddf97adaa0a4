/**
 * The export folder (`SMS_EXPORT_DIR`) checked: at start, a warning; before an export, a refusal that nothing can
 * fix but the user who configured the server, said before anything is sent to the service.
 */
import { specialKind } from "@sms-consistency/sms/internal/files"
import * as Effect from "effect/Effect"
import { constants } from "node:fs"
import type { Stats } from "node:fs"
import { access, lstat, stat } from "node:fs/promises"
import { dirname } from "node:path"

const whatItIs = (s: Stats): string | undefined => (s.isFile() ? "a file" : specialKind(s))

/**
 * Why files cannot be written into `directory` (made if missing, as an export does), if they cannot: it, or its
 * nearest existing ancestor, is not a folder (a link to one counts as one), or cannot be written to. Makes nothing.
 * Paths are quoted (JSON), so that the reason stays on one line whatever the folder's name.
 */
export const unusable = (directory: string): Effect.Effect<string | undefined> =>
  Effect.promise(async () => {
    for (let path = directory; ; path = dirname(path)) {
      const shown = JSON.stringify(path)
      const target = await stat(path).catch(() => undefined)
      if (target?.isDirectory())
        return access(path, constants.W_OK | constants.X_OK).then(
          () => undefined,
          () => `${shown} is a folder this server cannot write to`
        )
      if (target !== undefined) {
        const kind = whatItIs(target)
        return kind === undefined ? `${shown} is not a folder` : `${shown} is ${kind}, not a folder`
      }
      // Nothing there to follow: a link to nothing stands in the way (mkdir fails on it), else go up.
      const own = await lstat(path).catch(() => undefined)
      if (own?.isSymbolicLink()) return `${shown} is a symbolic link to nothing`
      if (dirname(path) === path) return `${shown} does not exist`
    }
  })
