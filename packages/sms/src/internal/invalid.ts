import { ParseResult } from "effect"
import { InvalidRequest } from "../SmsError.js"

const formatPath = (root: string, path: ReadonlyArray<PropertyKey>) =>
  path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : `${acc}${acc === "" ? "" : "."}${String(key)}`),
    root
  )

/**
 * The first issue of a parse error, as `InvalidRequest` naming the field path (e.g. `task_info[3].task_id`) under
 * `root`; an issue with the value as a whole names `whole`.
 */
export const fromParseError = (error: ParseResult.ParseError, root = "", whole = root || "request"): InvalidRequest => {
  const [first] = ParseResult.ArrayFormatter.formatErrorSync(error)
  if (!first) return new InvalidRequest({ field: whole, reason: "is invalid" })
  const field = formatPath(root, first.path) || whole
  const reason = first._tag === "Missing" ? "is required" : first.message
  return new InvalidRequest({ field, reason })
}
