/**
 * Task input: `--task TASK_ID,SOURCE_ID,SOURCE_NAME`, a JSON file (`{"task_info": [...]}` or a bare array)
 * or a CSV file with a header row. The parsers are pure and return `Either`, each failure an
 * `InvalidRequest` naming where the bad input is (`--task #2`, `tasks.csv line 4`, `tasks.json task_info[3]`)
 * and what is wrong, so nothing is ever sent for bad input.
 */
import * as Model from "@sms-consistency/sms/Model"
import { InvalidRequest } from "@sms-consistency/sms/SmsError"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

export type TaskRef = Model.TaskRef

const fail = (field: string, reason: string) => Either.left(new InvalidRequest({ field, reason }))

const decodeTask = Schema.decodeUnknownEither(Model.TaskRef, { errors: "first" })

/** Checks one task against the service's limits, naming `origin` and the field in the message. */
export const validateTask = (origin: string, task: unknown): Either.Either<TaskRef, InvalidRequest> =>
  Either.mapLeft(decodeTask(task), (error) => {
    const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
    const field = issue?.path.map(String).join(".") ?? ""
    const reason = issue === undefined ? "is invalid" : issue._tag === "Missing" ? "is required" : issue.message
    return new InvalidRequest({ field: origin, reason: field === "" ? reason : `${field} ${reason}` })
  })

/**
 * Splits one line of comma-separated fields: `"…"` quotes a field (a doubled `""` is a literal quote);
 * unquoted fields are trimmed, quoted ones kept exactly. Returns the fields, or a reason.
 */
export const splitFields = (line: string): Either.Either<ReadonlyArray<string>, string> => {
  const fields: Array<string> = []
  let field = ""
  let quoted = false
  let wasQuoted = false
  for (let i = 0; i < line.length; i++) {
    const char = line[i]
    if (quoted) {
      if (char === '"') {
        if (line[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else field += char
      continue
    }
    if (char === '"') {
      if (field.trim() !== "" || wasQuoted) return Either.left(`unexpected quote in field ${fields.length + 1}`)
      field = ""
      quoted = true
      wasQuoted = true
    } else if (char === ",") {
      fields.push(wasQuoted ? field : field.trim())
      field = ""
      wasQuoted = false
    } else if (wasQuoted) {
      if (char !== " " && char !== "\t")
        return Either.left(`text after the closing quote in field ${fields.length + 1}`)
    } else field += char
  }
  if (quoted) return Either.left(`unterminated quote in field ${fields.length + 1}`)
  fields.push(wasQuoted ? field : field.trim())
  return Either.right(fields)
}

/** One `--task` value; `index` is 1-based. The third field (the name) may contain spaces. */
export const parseTaskSpec = (spec: string, index: number): Either.Either<TaskRef, InvalidRequest> => {
  const origin = `--task #${index}`
  return Either.flatMap(
    Either.mapLeft(splitFields(spec), (reason) => new InvalidRequest({ field: origin, reason })),
    (fields) =>
      fields.length !== 3
        ? fail(
            origin,
            `expected TASK_ID,SOURCE_ID,SOURCE_NAME (3 fields, got ${fields.length})` +
              (fields.length > 3
                ? `; put a name that holds a comma in double quotes: '${fields[0]},${fields[1]},"${fields.slice(2).join(", ")}"'`
                : "")
          )
        : validateTask(origin, { task_id: fields[0], source_id: fields[1], source_name: fields[2] })
  )
}

/** Every `--task` value, or the first error. */
export const parseTaskSpecs = (specs: ReadonlyArray<string>): Either.Either<ReadonlyArray<TaskRef>, InvalidRequest> =>
  Either.all(specs.map((spec, i) => parseTaskSpec(spec, i + 1)))

/** A CSV syntax error: the line it is on (1-based) and what is wrong. */
export interface CsvError {
  readonly line: number
  readonly reason: string
}

/**
 * Reads RFC 4180-style records: quoted fields may hold commas, quotes (`""`) and line breaks; CRLF, LF or CR;
 * a leading UTF-8 BOM is ignored. Calls `onRecord` with each record, in order, and the line it starts on
 * (1-based); `onRecord` returning false stops the reading. Returns the first syntax error, if any (the records
 * before it were read).
 */
export const readCsvRecords = (
  text: string,
  onRecord: (line: number, fields: Array<string>) => boolean
): CsvError | undefined => {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const end = source.length
  let line = 1
  let i = 0
  // Fields are sliced out of the text, not built a character at a time: `field += char` made a chain of one
  // string per character (~1 KB a task, most of a 64 MiB file's memory, and most of its parsing time in GC).
  while (i < end) {
    const start = line
    const fields: Array<string> = []
    let blank = true
    for (;;) {
      let field: string
      if (source.charCodeAt(i) === 34 /* " */) {
        blank = false
        let parts = ""
        let from = i + 1
        for (;;) {
          const quote = source.indexOf('"', from)
          if (quote < 0) return { line: start, reason: "unterminated quoted field" }
          // Only the field's own characters: `indexOf("\n")` would search on to the next LF, to the end of a text
          // with CR line ends, for every quoted field (47 s for 100,000 rows).
          // A line break is LF, CRLF (counted at its LF) or a CR alone, as between records.
          for (let k = from; k < quote; k++) {
            const c = source.charCodeAt(k)
            if (c === 10 || (c === 13 && source.charCodeAt(k + 1) !== 10)) line++
          }
          if (source.charCodeAt(quote + 1) === 34) {
            parts += source.slice(from, quote + 1)
            from = quote + 2
            continue
          }
          field = parts + source.slice(from, quote)
          i = quote + 1
          break
        }
        const next = source.charCodeAt(i)
        if (i < end && next !== 44 /* , */ && next !== 10 && next !== 13)
          return { line, reason: `text after the closing quote in field ${fields.length + 1}` }
      } else {
        let j = i
        for (; j < end; j++) {
          const c = source.charCodeAt(j)
          if (c === 44 || c === 10 || c === 13) break
          if (c === 34) return { line, reason: `unexpected quote in field ${fields.length + 1}` }
        }
        field = source.slice(i, j)
        if (field !== "") blank = false
        i = j
      }
      fields.push(field)
      if (i < end && source.charCodeAt(i) === 44) {
        blank = false
        i++
        continue
      }
      break
    }
    // The record's end: CRLF, LF or CR, or the text's. A blank line is no record.
    const lineEnd = source.charCodeAt(i)
    if (lineEnd === 13) i += source.charCodeAt(i + 1) === 10 ? 2 : 1
    else if (lineEnd === 10) i++
    if (!blank && !onRecord(start, fields)) return undefined
    line++
  }
  return undefined
}

const csvColumns = ["task_id", "source_id", "source_name"] as const

/**
 * The most tasks a tasks file may hold: 5,000 calls. Far more than an account migrates, and what a 64 MiB file
 * of short rows could otherwise turn into (6 million tasks, 3 GB of memory before the first call).
 */
export const maxTasks = 1_000_000

const tooMany = (label: string) =>
  new InvalidRequest({
    field: label,
    reason: `holds more than ${maxTasks.toLocaleString("en-US")} tasks, the most one export takes from a file; split it`
  })

/** The text tables `sources` and `tasks` print (their header's first cell, and the command's name). */
const textTables = [
  { first: "SOURCE ID", command: "sources" },
  { first: "TASK ID", command: "tasks" }
] as const

/**
 * What is wrong with a header that does not name the columns, when it is a known mistake: the names separated by
 * `;` or a tab (a spreadsheet saved with another separator), or the text table `sources` or `tasks` prints (saved
 * to a file instead of their --json output).
 */
const headerMistake = (fields: ReadonlyArray<string>): string | undefined => {
  const line = fields.join(",")
  for (const [separator, said] of [
    [";", '";"'],
    ["\t", "tabs"]
  ] as const) {
    // Quoted or not (a spreadsheet may quote every header cell).
    const names = line.split(separator).map((f) =>
      f
        .trim()
        .replace(/^"(.*)"$/, "$1")
        .toLowerCase()
    )
    if (csvColumns.every((column) => names.includes(column)))
      return `the columns must be separated by commas, not ${said} (save the file as CSV with commas, or change the separator)`
  }
  const cells = line.trim().split(/\s{2,}/)
  const table = textTables.find((t) => cells[0] === t.first)
  if (table !== undefined && cells.includes("SOURCE ID") && cells.includes("TASK ID"))
    return (
      `is the table \`${table.command}\` prints, not CSV: save the output of \`${table.command} --json\` instead ` +
      "(--tasks-file reads it)"
    )
  return undefined
}

/** CSV with a header row naming `task_id,source_id,source_name` (any order; other columns ignored). */
export const parseTasksCsv = (text: string, label: string): Either.Either<ReadonlyArray<TaskRef>, InvalidRequest> => {
  let width = -1
  let positions: ReadonlyArray<number> = []
  let refused: InvalidRequest | undefined
  const tasks: Array<TaskRef> = []
  const refuse = (error: InvalidRequest) => {
    refused = error
    return false
  }
  // Row by row as they are read: no array of every record's fields is held besides the tasks.
  const syntax = readCsvRecords(text, (line, fields) => {
    if (width < 0) {
      const names = fields.map((f) => f.trim().toLowerCase())
      for (const column of csvColumns) {
        if (!names.includes(column))
          return refuse(
            new InvalidRequest({
              field: `${label} line ${line}`,
              reason:
                headerMistake(fields) ??
                `header must name the columns task_id,source_id,source_name (missing ${column})`
            })
          )
      }
      width = fields.length
      positions = csvColumns.map((column) => names.indexOf(column))
      return true
    }
    if (fields.length !== width)
      return refuse(
        new InvalidRequest({
          field: `${label} line ${line}`,
          reason: `expected ${width} fields like the header (got ${fields.length})`
        })
      )
    if (tasks.length === maxTasks) return refuse(tooMany(label))
    const [t = 0, s = 0, n = 0] = positions
    const given = { task_id: fields[t]?.trim(), source_id: fields[s]?.trim(), source_name: fields[n] }
    const plain = Model.plainTaskRef(given)
    if (plain !== undefined) return tasks.push(plain) > 0
    const checked = validateTask(`${label} line ${line}`, given)
    if (Either.isLeft(checked)) return refuse(checked.left)
    return tasks.push(checked.right) > 0
  })
  if (syntax !== undefined) {
    // A header that cannot be read as CSV (`"task_id";"source_id";…`: text after a closing quote) may be a known
    // mistake: said as such rather than as the syntax error it makes.
    const firstLine = width < 0 ? (text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/, 1)[0] ?? "") : ""
    const mistake = width < 0 && syntax.line === 1 ? headerMistake([firstLine]) : undefined
    return fail(`${label} line ${syntax.line}`, mistake ?? syntax.reason)
  }
  if (refused !== undefined) return Either.left(refused)
  if (width < 0) return fail(label, "is empty (expected a header row task_id,source_id,source_name)")
  return Either.right(tasks)
}

/** Tasks read from a file, and a note on what was left out of it (said on stderr), if anything. */
export interface TasksInput {
  readonly tasks: ReadonlyArray<TaskRef>
  readonly note?: string | undefined
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** A listing printed by `sources --json` or `tasks --json`: where its entries are, and each entry's task. */
interface Listing {
  readonly root: "source_servers" | "tasks"
  readonly noun: string
  readonly printedBy: string
  /** The entry's `{task_id, source_id, source_name}` (validated after), or why it cannot be exported. */
  readonly taskOf: (entry: Readonly<Record<string, unknown>>) => { readonly task: unknown } | { readonly skip: string }
}

const idOf = (value: unknown) => (isRecord(value) && value.id !== null && value.id !== "" ? value.id : undefined)

const sourcesListing: Listing = {
  root: "source_servers",
  noun: "source server",
  printedBy: "sources --json",
  taskOf: (source) => {
    if (source.is_consistency_result_exist === false) return { skip: "without consistency results" }
    const task = idOf(source.current_task)
    if (task === undefined) return { skip: "without a current migration task" }
    return { task: { task_id: task, source_id: source.id, source_name: source.name } }
  }
}

const tasksListing: Listing = {
  root: "tasks",
  noun: "migration task",
  printedBy: "tasks --json",
  taskOf: (task) => {
    // {"tasks": [{task_id, source_id, source_name}]}: a task_info list under another name.
    if ("task_id" in task) return { task }
    const source = task.source_server
    if (idOf(source) === undefined || !isRecord(source)) return { skip: "without a source server" }
    return { task: { task_id: task.id, source_id: source.id, source_name: source.name } }
  }
}

/**
 * The output of `sources --json` or `tasks --json` (or the service's own `GET /v3/sources` or `GET /v3/tasks`
 * body): each entry's task. Entries that cannot be exported (a source without results or a current task, a task
 * without a source server) are left out, with a note; if none is left, that is the error.
 */
const fromListing = (
  listing: Listing,
  list: ReadonlyArray<unknown>,
  label: string
): Either.Either<TasksInput, InvalidRequest> => {
  const tasks: Array<TaskRef> = []
  const skipped = new Map<string, number>()
  for (const [i, entry] of list.entries()) {
    const origin = `${label} ${listing.root}[${i}]`
    if (!isRecord(entry)) return fail(origin, `must be a ${listing.noun} object (as \`${listing.printedBy}\` prints)`)
    const found = listing.taskOf(entry)
    if ("skip" in found) {
      skipped.set(found.skip, (skipped.get(found.skip) ?? 0) + 1)
      continue
    }
    const ref = validateTask(origin, found.task)
    if (Either.isLeft(ref)) return Either.left(ref.left)
    tasks.push(ref.right)
  }
  const leftOut = [...skipped].map(([why, n]) => `${n} ${why}`).join(", ")
  if (tasks.length === 0 && list.length > 0)
    return fail(label, `holds no ${listing.noun} that can be exported (${list.length} listed: ${leftOut})`)
  const note =
    skipped.size === 0
      ? undefined
      : `${label}: left out ${list.length - tasks.length} of ${list.length} ${listing.noun}s (${leftOut})`
  return Either.right({ tasks, note })
}

/** `line 3, column 1` of the 0-based `offset` in `text`. */
const lineAndColumn = (text: string, offset: number): string => {
  let line = 1
  let lineStart = 0
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++
    lineStart = i + 1
  }
  return `line ${line}, column ${offset - lineStart + 1}`
}

const isDigit = (char: string | undefined) => char !== undefined && char >= "0" && char <= "9"
const isHex = (char: string | undefined) => char !== undefined && /^[0-9a-fA-F]$/.test(char)

/**
 * Where `text` (which JSON.parse refused) first breaks the JSON grammar, said without quoting it but for the one
 * character found there: `unexpected token "]" at line 3, column 1`, or `unexpected end at line 4, column 1`.
 * Undefined if no mistake is found (JSON.parse refused it for another reason). Iterative: deep nesting is no
 * recursion.
 */
export const jsonSyntaxError = (text: string): string | undefined => {
  const n = text.length
  let i = 0
  const stack: Array<"[" | "{"> = []
  const skipBlanks = () => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++
  }
  const digits = (): boolean => {
    if (!isDigit(text[i])) return false
    while (isDigit(text[i])) i++
    return true
  }
  const string = (): boolean => {
    i++
    while (i < n) {
      const char = text[i] ?? ""
      if (char === '"') {
        i++
        return true
      }
      if (char < " ") return false
      if (char !== "\\") i++
      else if ('"\\/bfnrt'.includes(text[i + 1] ?? "x")) i += 2
      else if (text[i + 1] !== "u") {
        i++
        return false
      } else {
        i += 2
        for (let k = 0; k < 4; k++, i++) if (!isHex(text[i])) return false
      }
    }
    return false
  }
  const scalar = (): boolean => {
    const char = text[i]
    if (char === '"') return string()
    if (char === "-" || isDigit(char)) {
      if (char === "-") i++
      if (text[i] === "0") i++
      else if (!digits()) return false
      if (text[i] === ".") {
        i++
        if (!digits()) return false
      }
      if (text[i] === "e" || text[i] === "E") {
        i++
        if (text[i] === "+" || text[i] === "-") i++
        if (!digits()) return false
      }
      return true
    }
    for (const literal of ["true", "false", "null"])
      if (literal[0] === char) {
        for (const expected of literal) {
          if (text[i] !== expected) return false
          i++
        }
        return true
      }
    return false
  }
  let state: "value" | "after" | "key" = "value"
  for (;;) {
    skipBlanks()
    if (state === "key") {
      if (text[i] !== '"' || !string()) break
      skipBlanks()
      if (text[i] !== ":") break
      i++
      state = "value"
    } else if (state === "value") {
      const char = text[i]
      if (char === "[" || char === "{") {
        i++
        skipBlanks()
        if (text[i] === (char === "[" ? "]" : "}")) {
          i++
          state = "after"
        } else {
          stack.push(char)
          state = char === "[" ? "value" : "key"
        }
      } else if (scalar()) state = "after"
      else break
    } else {
      const open = stack.at(-1)
      if (open === undefined) {
        if (i >= n) return undefined
        break
      }
      const char = text[i]
      if (char === ",") {
        i++
        state = open === "[" ? "value" : "key"
      } else if (char === (open === "[" ? "]" : "}")) {
        i++
        stack.pop()
      } else break
    }
  }
  if (i >= n) return `unexpected end at ${lineAndColumn(text, n)}`
  const found = String.fromCodePoint(text.codePointAt(i) ?? 0)
  return `unexpected token ${JSON.stringify(found)} at ${lineAndColumn(text, i)}`
}

/**
 * JSON: `{"task_info": [...]}` or a bare array of `{task_id, source_id, source_name}`; the `--json` output of an
 * earlier export (its failed tasks); or the output of `sources --json` or `tasks --json` (see `fromListing`).
 */
export const parseTasksJsonInput = (text: string, label: string): Either.Either<TasksInput, InvalidRequest> => {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (source.trim() === "") return fail(label, 'is empty (expected {"task_info": [...]} or an array of tasks)')
  let json: unknown
  try {
    json = JSON.parse(source)
  } catch {
    // Not V8's message: it quotes the text around the mistake, over several lines, and the file may be one
    // given by mistake (a credentials file, its secret key in it).
    const error = jsonSyntaxError(source)
    return fail(label, `is not valid JSON${error === undefined ? "" : ` (${error})`}`)
  }
  if (isRecord(json) && json.task_info === undefined)
    for (const listing of [sourcesListing, tasksListing]) {
      const list = json[listing.root]
      if (Array.isArray(list)) return fromListing(listing, list, label)
    }
  // `--json` documents that hold no tasks to resume from: say what they are, and what to give instead.
  if (isRecord(json) && json.task_info === undefined && !("failed" in json)) {
    if (json.dryRun === true)
      return fail(
        label,
        "is the --json output of export --dry-run, which counts the tasks but does not list them; " +
          "give the tasks that dry run was given (its --tasks-file, --task or --all) instead"
      )
    if (isRecord(json.error)) {
      const tag = typeof json.error.tag === "string" ? ` (${json.error.tag})` : ""
      return fail(
        label,
        `is the --json output of a command that failed before exporting anything${tag}, which lists no tasks; ` +
          "give the tasks that command was given (its --tasks-file, --task or --all) instead"
      )
    }
  }
  // The `--json` output of an earlier export: its failed (or, interrupted, unfinished) tasks, to try again.
  const earlier = isRecord(json) && json.task_info === undefined && "exported" in json && Array.isArray(json.failed)
  const list = Array.isArray(json) ? json : isRecord(json) ? (earlier ? json.failed : json.task_info) : undefined
  const root = Array.isArray(json) ? "" : earlier ? "failed" : "task_info"
  if (!Array.isArray(list))
    return fail(
      label,
      'expected {"task_info": [...]}, an array of tasks, or the --json output of export, sources or tasks'
    )
  if (earlier && list.length === 0) return fail(label, "is the output of an export that left no task failed")
  if (list.length > maxTasks) return Either.left(tooMany(label))
  const plain = Model.plainTaskRefs(list)
  if (plain !== undefined) return Either.right({ tasks: plain })
  return Either.map(
    Either.all(list.map((task, i) => validateTask(`${label} ${root}[${i}]`, task))),
    (tasks): TasksInput => ({ tasks })
  )
}

/** The tasks of `parseTasksJsonInput`. */
export const parseTasksJson = (text: string, label: string): Either.Either<ReadonlyArray<TaskRef>, InvalidRequest> =>
  Either.map(parseTasksJsonInput(text, label), (input) => input.tasks)

const startsLikeJson = (text: string) => /^\uFEFF?\s*[[{]/.test(text)

/** A first line that names the CSV columns (whatever separates them), or is the text table `sources` or `tasks` prints. */
const looksLikeCsv = (text: string) => {
  const first = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r?\n|\r/, 1)[0] ?? ""
  const lower = first.toLowerCase()
  return csvColumns.every((column) => lower.includes(column)) || headerMistake([first]) !== undefined
}

/**
 * UTF-16 text (what Excel's "Unicode Text" saves), read as the UTF-8 it is not: its byte order mark (`FF FE` or
 * `FE FF`) became two replacement characters, and each ASCII character carries a NUL byte, before or after it.
 */
const isUtf16 = (text: string) => {
  const sample = text.slice(0, 512)
  if (sample.startsWith("\uFFFD\uFFFD") && sample.includes("\u0000")) return true
  let even = 0
  let odd = 0
  for (let i = 0; i < sample.length; i++) if (sample[i] === "\u0000") i % 2 === 0 ? even++ : odd++
  return (
    sample.length >= 4 && Math.max(even, odd) >= sample.length / 4 && Math.min(even, odd) <= Math.max(even, odd) / 8
  )
}

const asCsv = (text: string, label: string, note?: string) =>
  Either.map(parseTasksCsv(text, label), (tasks): TasksInput => (note === undefined ? { tasks } : { tasks, note }))

/**
 * JSON when the text starts with `{` or `[` (after a BOM and blanks), else CSV; a file named `*.json` is JSON
 * too, unless its first line is a CSV header (read as CSV then, as a `*.csv` holding JSON is read as JSON). UTF-16
 * text is refused, said so.
 */
export const parseTasksInput = (text: string, label: string): Either.Either<TasksInput, InvalidRequest> => {
  if (isUtf16(text))
    return fail(label, 'is UTF-16 text (as Excel\'s "Unicode Text" saves it); save it as UTF-8 (in Excel: CSV UTF-8)')
  if (startsLikeJson(text)) return parseTasksJsonInput(text, label)
  if (!/\.json$/i.test(label)) return asCsv(text, label)
  if (looksLikeCsv(text))
    return asCsv(text, label, `${label}: read as CSV (named .json, but its first line is a CSV header)`)
  return parseTasksJsonInput(text, label)
}

/** The tasks of `parseTasksInput`. */
export const parseTasksFile = (text: string, label: string): Either.Either<ReadonlyArray<TaskRef>, InvalidRequest> =>
  Either.map(parseTasksInput(text, label), (input) => input.tasks)
