import { ParseResult } from "effect"
import { InvalidRequest } from "../SmsError.js"

const formatPath = (root: string, path: ReadonlyArray<PropertyKey>) =>
  path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : `${acc}${acc === "" ? "" : "."}${String(key)}`),
    root
  )

type Issue = ParseResult.ArrayFormatterIssue

const expectation = /^Expected (.*), actual (.*)$/s

const samePath = (a: Issue, b: Issue) => a.path.length === b.path.length && a.path.every((key, i) => key === b.path[i])

/**
 * A union's members each fail on their own (`Expected "en-us", actual "fr"`, then `Expected "zh-cn", …`): as one
 * reason, `must be "en-us" or "zh-cn" (got "fr")`. An optional field's `undefined` is left out of the choices.
 */
const choices = (issues: ReadonlyArray<Issue>): string | undefined => {
  const parts = issues.map((issue) => (issue._tag === "Type" ? expectation.exec(issue.message) : null))
  if (parts.length < 2 || parts.some((p) => p === null)) return undefined
  const [, , actual] = parts[0] as RegExpExecArray
  const options = parts.map((p) => (p as RegExpExecArray)[1] as string).filter((o) => o !== "undefined")
  if (options.length < 2) return undefined
  return `must be ${options.slice(0, -1).join(", ")} or ${options.at(-1)} (got ${actual})`
}

/** A field not in the schema (decoded with `onExcessProperty: "error"`): `is not a known field (expected …)`. */
const unexpected = (message: string): string => {
  const known = /expected: (.*)$/s.exec(message)?.[1]
  return known === undefined
    ? "is not a known field"
    : `is not a known field (expected ${known.split(" | ").join(", ")})`
}

/**
 * The first issue of a parse error, as `InvalidRequest` naming the field path (e.g. `task_info[3].task_id`) under
 * `root`; an issue with the value as a whole names `whole`.
 */
export const fromParseError = (error: ParseResult.ParseError, root = "", whole = root || "request"): InvalidRequest => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const [first] = issues
  if (!first) return new InvalidRequest({ field: whole, reason: "is invalid" })
  const field = formatPath(root, first.path) || whole
  const reason =
    first._tag === "Missing"
      ? "is required"
      : first._tag === "Unexpected"
        ? unexpected(first.message)
        : (choices(issues.filter((i) => samePath(i, first))) ?? first.message)
  return new InvalidRequest({ field, reason })
}
