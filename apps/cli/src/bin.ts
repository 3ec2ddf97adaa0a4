/**
 * Entry of the bundled bin. `--help`, `--version` and `--completions` go to the help bundle (`help.ts`,
 * built into `dist/help/`), which holds the command tree without any command's work; everything else, and
 * anything the help bundle hands back, to the whole CLI (`main.ts`).
 */
import { informational } from "./internal/route.js"

interface HelpBundle {
  readonly run: (argv: ReadonlyArray<string>) => Promise<boolean>
}

const isHelpBundle = (module: unknown): module is HelpBundle =>
  typeof module === "object" && module !== null && "run" in module && typeof module.run === "function"

/** The help bundle, or `undefined` when it is not there (a bundle built from `bin.ts` alone, or the sources). */
const helpBundle = async (): Promise<HelpBundle | undefined> => {
  const url = new URL("./help/help.js", import.meta.url).href
  try {
    const module: unknown = await import(url)
    return isHelpBundle(module) ? module : undefined
  } catch {
    return undefined
  }
}

const help = informational(process.argv.slice(2)) ? await helpBundle() : undefined
if (help === undefined || !(await help.run(process.argv))) await import("./main.js")
