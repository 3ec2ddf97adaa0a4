import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import { spawnSync } from "node:child_process"
import { chmod, mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { hoistBuiltIns } from "../src/Cli.js"
import { parseDuration } from "@sms-consistency/sms/internal/duration"
import { sanitizeFileName } from "@sms-consistency/sms/internal/files"
import { expandHome, parseTimeout } from "../src/internal/common.js"
import * as Output from "../src/internal/output.js"
import { partName } from "../src/internal/output.js"
import * as Tasks from "../src/internal/tasks.js"
import { tidyHelp } from "../src/internal/terminal.js"

const message = <A>(e: Either.Either<A, { readonly message: string }>) =>
  Either.isLeft(e) ? e.left.message : `ok: ${JSON.stringify(e.right)}`

describe("parseTaskSpec", () => {
  it("splits three fields, keeps spaces in the name, honours quotes", () => {
    expect(Tasks.parseTaskSpec("t1,s1,web 01", 1)).toEqual(
      Either.right({ task_id: "t1", source_id: "s1", source_name: "web 01" })
    )
    expect(Tasks.parseTaskSpec(' t1 , s1 ,"db, ""primary"""', 1)).toEqual(
      Either.right({ task_id: "t1", source_id: "s1", source_name: 'db, "primary"' })
    )
    expect(Tasks.parseTaskSpec("t1,,", 1)).toEqual(Either.right({ task_id: "t1", source_id: "", source_name: "" }))
  })

  it("names the flag occurrence, the field and the limit", () => {
    expect(message(Tasks.parseTaskSpec("t1,s1", 2))).toBe(
      "--task #2: expected TASK_ID,SOURCE_ID,SOURCE_NAME (3 fields, got 2)"
    )
    expect(message(Tasks.parseTaskSpec("t1,s1,web, prod", 1))).toBe(
      "--task #1: expected TASK_ID,SOURCE_ID,SOURCE_NAME (3 fields, got 4); " +
        `put a name that holds a comma in double quotes: 't1,s1,"web, prod"'`
    )
    expect(message(Tasks.parseTaskSpec(`${"x".repeat(37)},s,n`, 3))).toBe(
      "--task #3: task_id must be at most 36 characters (got 37)"
    )
    expect(message(Tasks.parseTaskSpec(",s,n", 1))).toBe("--task #1: task_id must not be empty")
    expect(message(Tasks.parseTaskSpec('t,"s,n', 1))).toBe("--task #1: unterminated quote in field 2")
    expect(message(Tasks.parseTaskSpec('t,"s"x,n', 1))).toBe("--task #1: text after the closing quote in field 2")
  })
})

describe("parseTasksCsv", () => {
  it("reads a header in any order, BOM, CRLF, quoted fields with commas, quotes and line breaks", () => {
    const text = '\uFEFFsource_name,extra,task_id,source_id\r\n"web, ""01""",x,t1,s1\r\n\r\n"two\nlines",y,t2,s2\r\n'
    expect(Tasks.parseTasksCsv(text, "tasks.csv")).toEqual(
      Either.right([
        { task_id: "t1", source_id: "s1", source_name: 'web, "01"' },
        { task_id: "t2", source_id: "s2", source_name: "two\nlines" }
      ])
    )
  })

  it("names the file and line", () => {
    expect(message(Tasks.parseTasksCsv("task_id,source_id,source_name\nt1,s1\n", "a.csv"))).toBe(
      "a.csv line 2: expected 3 fields like the header (got 2)"
    )
    expect(message(Tasks.parseTasksCsv("task_id,source_id\n", "a.csv"))).toContain("missing source_name")
    expect(message(Tasks.parseTasksCsv("", "a.csv"))).toContain("a.csv: is empty")
    expect(message(Tasks.parseTasksCsv(`task_id,source_id,source_name\nt,s,n\n${"x".repeat(40)},s,n\n`, "a.csv"))).toBe(
      "a.csv line 3: task_id must be at most 36 characters (got 40)"
    )
    expect(message(Tasks.parseTasksCsv('task_id,source_id,source_name\nt,"s,n\n', "a.csv"))).toBe(
      "a.csv line 2: unterminated quoted field"
    )
  })
})

describe("readCsvRecords", () => {
  /** Every record read, with the line it starts on, or the first syntax error. */
  const parseCsvRecords = (text: string) => {
    const records: Array<{ line: number; fields: Array<string> }> = []
    const error = Tasks.readCsvRecords(text, (line, fields) => records.push({ line, fields }) > 0)
    return error === undefined ? Either.right(records) : Either.left(error)
  }

  // The parser as it was, a character at a time (plainly RFC 4180, but slow and memory-hungry on big files): the
  // one that slices fields out of the text must read every text alike, errors and their lines included.
  const referenceCsvRecords = (
    text: string
  ): Either.Either<
    ReadonlyArray<{ readonly line: number; readonly fields: ReadonlyArray<string> }>,
    { line: number; reason: string }
  > => {
    const records: Array<{ line: number; fields: Array<string> }> = []
    const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
    let fields: Array<string> = []
    let field = ""
    let line = 1
    let start = 1
    let quoted = false
    let afterQuote = false
    let atStart = true
    const endRecord = () => {
      fields.push(field)
      // A blank line is no record.
      if (!(fields.length === 1 && fields[0] === "" && !afterQuote)) records.push({ line: start, fields })
      fields = []
      field = ""
      afterQuote = false
      atStart = true
    }
    for (let i = 0; i < source.length; i++) {
      const char = source[i]
      if (quoted) {
        if (char === '"') {
          if (source[i + 1] === '"') {
            field += '"'
            i++
          } else {
            quoted = false
            afterQuote = true
          }
        } else {
          // (Changed since: a CR alone inside quotes is a line break too, as between records.)
          if (char === "\n" || (char === "\r" && source[i + 1] !== "\n")) line++
          field += char
        }
        continue
      }
      if (char === "\r" && source[i + 1] === "\n") continue
      if (char === "\n" || char === "\r") {
        endRecord()
        line++
        start = line
        continue
      }
      if (atStart) {
        start = line
        atStart = false
      }
      if (char === '"') {
        if (field !== "" || afterQuote)
          return Either.left({ line, reason: `unexpected quote in field ${fields.length + 1}` })
        quoted = true
      } else if (char === ",") {
        fields.push(field)
        field = ""
        afterQuote = false
      } else if (afterQuote) {
        return Either.left({ line, reason: `text after the closing quote in field ${fields.length + 1}` })
      } else field += char
    }
    if (quoted) return Either.left({ line: start, reason: "unterminated quoted field" })
    if (!atStart || field !== "" || fields.length > 0) endRecord()
    return Either.right(records)
  }

  it("counts a line break inside quotes as between records: LF, CRLF or a CR alone (a file with CR line ends)", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const text = ["task_id,source_id,source_name", '"a', 'b",s,n', "d"].join(eol)
      expect(message(Tasks.parseTasksCsv(text, "t.csv"))).toBe(
        "t.csv line 4: expected 3 fields like the header (got 1)"
      )
    }
  })

  it("reads any text as the character-at-a-time parser does: records, lines, errors", () => {
    const text = fc
      .array(fc.constantFrom("a", "b", " ", ",", '"', "\r", "\n", "\uFEFF", "é"), { maxLength: 40 })
      .map((chars) => chars.join(""))
    fc.assert(
      fc.property(text, (t) => {
        expect(parseCsvRecords(t)).toEqual(referenceCsvRecords(t))
      }),
      { numRuns: 20_000 }
    )
  })
})

describe("a tasks file's size in tasks", () => {
  it(`holds at most maxTasks (${Tasks.maxTasks}) tasks, as CSV or JSON: one line saying so, and the limit`, () => {
    const rows = (n: number) => `task_id,source_id,source_name\n${"t,s,n\n".repeat(n)}`
    const refusal = "big: holds more than 1,000,000 tasks, the most one export takes from a file; split it"
    expect(message(Tasks.parseTasksInput(rows(Tasks.maxTasks + 1), "big"))).toBe(refusal)
    expect(message(Tasks.parseTasksInput(`[${"0,".repeat(Tasks.maxTasks)}0]`, "big"))).toBe(refusal)
    const most = Tasks.parseTasksInput(rows(Tasks.maxTasks), "big")
    expect(Either.isRight(most) && most.right.tasks.length).toBe(Tasks.maxTasks)
  })
})

describe("parseTasksFile", () => {
  it("reads JSON objects and bare arrays, and CSV otherwise", () => {
    const task = { task_id: "t", source_id: "s", source_name: "n" }
    expect(Tasks.parseTasksFile(JSON.stringify({ task_info: [task] }), "f")).toEqual(Either.right([task]))
    expect(Tasks.parseTasksFile(` \n${JSON.stringify([task])}`, "f")).toEqual(Either.right([task]))
    expect(Tasks.parseTasksFile("task_id,source_id,source_name\nt,s,n", "f")).toEqual(Either.right([task]))
    expect(message(Tasks.parseTasksFile("{nope", "f.json"))).toMatch(/^f\.json: is not valid JSON/)
    // A .json file is JSON whatever it starts with: its error is not about a CSV header.
    expect(message(Tasks.parseTasksFile("garbage{", "F.JSON"))).toMatch(/^F\.JSON: is not valid JSON/)
    expect(message(Tasks.parseTasksFile("garbage{", "f.csv"))).toMatch(/^f\.csv line 1: header must name/)
    expect(message(Tasks.parseTasksFile('{"entries": []}', "f.json"))).toContain('expected {"task_info": [...]}')
    expect(message(Tasks.parseTasksFile('[{"task_id": "t", "source_id": "s"}]', "f.json"))).toBe(
      "f.json [0]: source_name is required"
    )
  })

  it("says where JSON breaks, on one line and without quoting the file", () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    const bad = `[\n {"task_id": "a", "source_id": "b", "source_name": "${secret}"},\n]\n`
    expect(message(Tasks.parseTasksFile(bad, "t.json"))).toBe(
      't.json: is not valid JSON (unexpected token "]" at line 3, column 1)'
    )
    expect(message(Tasks.parseTasksFile(`{"sk": "${secret}"\n`, "t.json"))).toBe(
      "t.json: is not valid JSON (unexpected end at line 2, column 1)"
    )
    expect(message(Tasks.parseTasksFile(`[sk = ${secret}]`, "t.json"))).toBe(
      't.json: is not valid JSON (unexpected token "s" at line 1, column 2)'
    )
    for (const [text, error] of [
      ["[1 2]", 'unexpected token "2" at line 1, column 4'],
      ['{"a":1,}', 'unexpected token "}" at line 1, column 8'],
      ["[tru]", 'unexpected token "]" at line 1, column 5'],
      ["[01]", 'unexpected token "1" at line 1, column 3'],
      ['["a\nb"]', 'unexpected token "\\n" at line 1, column 4'],
      ['["\\u12g4"]', 'unexpected token "g" at line 1, column 7'],
      ["\r\n[}", 'unexpected token "}" at line 2, column 2'],
      ["[".repeat(100_000), "unexpected end at line 1, column 100001"]
    ])
      expect(Tasks.jsonSyntaxError(text ?? ""), text).toBe(error)
    expect(Tasks.jsonSyntaxError('{"a": [1, -2.5e+3, {"b": null, "c": true}], "d": "\\u00e9\\n"}')).toBeUndefined()
  })

  it("says an empty or blank JSON file is empty", () => {
    for (const text of ["", " \n\t", "\uFEFF"])
      expect(message(Tasks.parseTasksFile(text, "t.json"))).toBe(
        't.json: is empty (expected {"task_info": [...]} or an array of tasks)'
      )
  })

  it("says a UTF-16 file (Excel's Unicode Text) is UTF-16, whatever its name or byte order", () => {
    const csv = "task_id,source_id,source_name\r\nt,s,n\r\n"
    // Read as UTF-8, as the CLI reads every file.
    const utf16 = (bytes: Buffer) => bytes.toString("utf8")
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, "utf16le")])
    const be = Buffer.from(le.subarray(2).swap16())
    const texts = [
      utf16(le),
      utf16(Buffer.concat([Buffer.from([0xfe, 0xff]), be])),
      utf16(le.subarray(2)),
      utf16(be),
      utf16(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify([{ task_id: "t" }]), "utf16le")]))
    ]
    for (const [i, text] of texts.entries())
      for (const label of ["tasks.csv", "tasks.json", "stdin"])
        expect(message(Tasks.parseTasksInput(text, label)), `text ${i} as ${label}`).toBe(
          `${label}: is UTF-16 text (as Excel's "Unicode Text" saves it); save it as UTF-8 (in Excel: CSV UTF-8)`
        )
  })

  it("says the columns must be separated by commas, or that a file is the table sources or tasks prints", () => {
    // Quoted too, as some spreadsheets write every cell: that header is no CSV at all (text after a quote).
    for (const [separator, said] of [
      [";", '";"'],
      ["\t", "tabs"]
    ])
      for (const label of ["t.csv", "t.txt", "t.json"])
        for (const q of ["", '"'])
          expect(
            message(
              Tasks.parseTasksInput(
                `\uFEFF${q}Task_ID${q}${separator}${q}source_id${q}${separator}${q}source_name${q}\nt${separator}s${separator}n\n`,
                label
              )
            )
          ).toBe(
            `${label} line 1: the columns must be separated by commas, not ${said} (save the file as CSV with commas, or change the separator)`
          )
    const sources =
      "SOURCE ID                             NAME    IP        STATE     TASK ID                               TASK STATE    RESULTS\n" +
      "7c841e4e-c3b4-4cdc-8ff2-b8fd1411ffb9  web-01  10.0.0.1  finished  48207830-b79d-41cd-8142-dec54f694cf2  SYNC_SUCCESS  yes\n"
    expect(message(Tasks.parseTasksInput(sources, "servers.txt"))).toBe(
      "servers.txt line 1: is the table `sources` prints, not CSV: save the output of `sources --json` instead (--tasks-file reads it)"
    )
    const tasks = "TASK ID  NAME  STATE  SOURCE ID  SOURCE NAME\nt  MigrationTask_web-01  SYNC_SUCCESS  s  web-01\n"
    expect(message(Tasks.parseTasksInput(tasks, "tasks.json"))).toBe(
      "tasks.json line 1: is the table `tasks` prints, not CSV: save the output of `tasks --json` instead (--tasks-file reads it)"
    )
    // Only those names: another header is still said to miss a column.
    expect(message(Tasks.parseTasksInput("task_id;source_id\n", "t.csv"))).toBe(
      "t.csv line 1: header must name the columns task_id,source_id,source_name (missing task_id)"
    )
  })

  it("reads a CSV named .json as CSV, noting it, as a .csv holding JSON is read as JSON", () => {
    const task = { task_id: "t", source_id: "s", source_name: "web, 01" }
    expect(Tasks.parseTasksInput('\uFEFFtask_id,source_id,source_name\r\nt,s,"web, 01"\r\n', "tasks.json")).toEqual(
      Either.right({
        tasks: [task],
        note: "tasks.json: read as CSV (named .json, but its first line is a CSV header)"
      })
    )
    expect(Tasks.parseTasksInput(JSON.stringify([task]), "tasks.csv")).toEqual(Either.right({ tasks: [task] }))
    // Its mistakes are said as a CSV's are.
    expect(message(Tasks.parseTasksInput("source_name,task_id,source_id\nt,s\n", "tasks.json"))).toBe(
      "tasks.json line 2: expected 3 fields like the header (got 2)"
    )
  })

  it("says what a --json document without tasks to resume from is: a failed command's, a dry run's", () => {
    const failed = JSON.stringify({ error: { tag: "AuthError", message: "401" } })
    expect(message(Tasks.parseTasksInput(failed, "last.json"))).toBe(
      "last.json: is the --json output of a command that failed before exporting anything (AuthError), which lists " +
        "no tasks; give the tasks that command was given (its --tasks-file, --task or --all) instead"
    )
    const dry = JSON.stringify({ dryRun: true, tasks: 2, calls: 1, duplicates: 0, directory: "/x", endpoint: "e" })
    expect(message(Tasks.parseTasksInput(dry, "plan.json"))).toBe(
      "plan.json: is the --json output of export --dry-run, which counts the tasks but does not list them; give " +
        "the tasks that dry run was given (its --tasks-file, --task or --all) instead"
    )
    // An interrupted export's lists its unfinished tasks under failed: those are read.
    const task = { task_id: "t", source_id: "s", source_name: "n" }
    const interrupted = { exported: 0, failed: [{ ...task, error: { tag: "Interrupted" } }], interrupted: true }
    expect(Tasks.parseTasksFile(JSON.stringify(interrupted), "last.json")).toEqual(Either.right([task]))
  })

  it("reads an earlier export's --json output as its failed tasks; says so when none failed", () => {
    const task = { task_id: "t", source_id: "s", source_name: "n" }
    const earlier = (failed: ReadonlyArray<unknown>) =>
      JSON.stringify({ exported: 3, failed, files: [], duplicates: 0, endpoint: "e", identity: "i" })
    const failed = [
      { ...task, error: { tag: "NotFound", message: "gone" } },
      { ...task, task_id: "u", error: {} }
    ]
    expect(Tasks.parseTasksFile(earlier(failed), "last.json")).toEqual(Either.right([task, { ...task, task_id: "u" }]))
    expect(message(Tasks.parseTasksFile(earlier([]), "last.json"))).toBe(
      "last.json: is the output of an export that left no task failed"
    )
    expect(message(Tasks.parseTasksFile(earlier([{ task_id: "t" }]), "last.json"))).toBe(
      "last.json failed[0]: source_id is required"
    )
    // A task_info list wins over anything else in the object.
    expect(Tasks.parseTasksFile(JSON.stringify({ task_info: [task], exported: 0, failed: [] }), "f")).toEqual(
      Either.right([task])
    )
  })
})

describe("parseTasksInput: the --json output of sources", () => {
  const source = (n: number, extra: Record<string, unknown> = {}) => ({
    id: `s${n}`,
    name: `web-${n}`,
    is_consistency_result_exist: true,
    current_task: { id: `t${n}`, name: "MigrationTask" },
    ...extra
  })
  const sources = (list: ReadonlyArray<unknown>) => JSON.stringify({ count: list.length, source_servers: list })

  it("takes each server's current task, and notes the servers left out and why", () => {
    expect(Tasks.parseTasksInput(sources([source(1), source(2)]), "stdin")).toEqual(
      Either.right({
        tasks: [
          { task_id: "t1", source_id: "s1", source_name: "web-1" },
          { task_id: "t2", source_id: "s2", source_name: "web-2" }
        ],
        note: undefined
      })
    )
    const mixed = [
      source(1),
      source(2, { is_consistency_result_exist: false }),
      source(3, { current_task: null }),
      source(4, { current_task: undefined })
    ]
    expect(Tasks.parseTasksInput(sources(mixed), "all.json")).toEqual(
      Either.right({
        tasks: [{ task_id: "t1", source_id: "s1", source_name: "web-1" }],
        note: "all.json: left out 3 of 4 source servers (1 without consistency results, 2 without a current migration task)"
      })
    )
    // The service's own GET /v3/sources body reads the same.
    expect(Tasks.parseTasksFile(JSON.stringify({ count: 1, source_servers: [source(7)] }), "page.json")).toEqual(
      Either.right([{ task_id: "t7", source_id: "s7", source_name: "web-7" }])
    )
  })

  it("fails naming the server when one is malformed, and when none can be exported", () => {
    expect(message(Tasks.parseTasksFile(sources([source(1), "x"]), "stdin"))).toBe(
      "stdin source_servers[1]: must be a source server object (as `sources --json` prints)"
    )
    expect(message(Tasks.parseTasksFile(sources([source(1, { name: "n".repeat(300) })]), "stdin"))).toBe(
      "stdin source_servers[0]: source_name must be at most 255 characters (got 300)"
    )
    expect(message(Tasks.parseTasksFile(sources([source(1, { id: 5 })]), "stdin"))).toMatch(
      /^stdin source_servers\[0\]: source_id /
    )
    expect(message(Tasks.parseTasksFile(sources([source(1, { is_consistency_result_exist: false })]), "stdin"))).toBe(
      "stdin: holds no source server that can be exported (1 listed: 1 without consistency results)"
    )
  })
})

describe("parseTasksInput: the --json output of tasks", () => {
  const task = (n: number, extra: Record<string, unknown> = {}) => ({
    id: `t${n}`,
    name: `MigrationTask_web-${n}`,
    state: "SYNC_SUCCESS",
    source_server: { id: `s${n}`, name: `web-${n}`, ip: "10.0.0.1" },
    ...extra
  })
  const tasks = (list: ReadonlyArray<unknown>) => JSON.stringify({ count: list.length, tasks: list })

  it("takes each task with its source server; notes those without one", () => {
    expect(Tasks.parseTasksInput(tasks([task(1), task(2, { source_server: null }), task(3)]), "t.json")).toEqual(
      Either.right({
        tasks: [
          { task_id: "t1", source_id: "s1", source_name: "web-1" },
          { task_id: "t3", source_id: "s3", source_name: "web-3" }
        ],
        note: "t.json: left out 1 of 3 migration tasks (1 without a source server)"
      })
    )
    // Entries already shaped as task_info are taken as such.
    const ref = { task_id: "t", source_id: "s", source_name: "n" }
    expect(Tasks.parseTasksFile(JSON.stringify({ tasks: [ref] }), "f.json")).toEqual(Either.right([ref]))
    expect(message(Tasks.parseTasksFile(tasks([task(1, { source_server: {} })]), "stdin"))).toBe(
      "stdin: holds no migration task that can be exported (1 listed: 1 without a source server)"
    )
    expect(message(Tasks.parseTasksFile(tasks([task(1, { id: "x".repeat(37) })]), "stdin"))).toBe(
      "stdin tasks[0]: task_id must be at most 36 characters (got 37)"
    )
  })
})

describe("parseTimeout", () => {
  it("takes 100ms to 24h, in any unit", () => {
    for (const ok of ["100ms", "0.1", "30", "2m", "24h", "86400", "1440m"])
      expect(Either.isRight(parseTimeout(ok)), ok).toBe(true)
  })

  it("names the bound a value is outside of: Node's timers fire at once past 2^31-1 ms", () => {
    const message = (e: Either.Either<unknown, string>) => (Either.isLeft(e) ? e.left : "ok")
    expect(message(parseTimeout("2147484"))).toBe('must be at most 24h (got "2147484")')
    expect(message(parseTimeout("86401"))).toBe('must be at most 24h (got "86401")')
    expect(message(parseTimeout("99ms"))).toBe('must be at least 100ms (got "99ms")')
    expect(message(parseTimeout("0"))).toBe('must be at least 100ms (got "0")')
    expect(message(parseTimeout("soon"))).toBe('expected seconds or a duration like 500ms, 30s, 2m (got "soon")')
  })
})

describe("expandHome", () => {
  it("makes a leading ~ or ~/ the home directory, and nothing else", () => {
    expect(expandHome("~", "/h")).toEqual(Either.right("/h"))
    expect(expandHome("~/", "/h")).toEqual(Either.right("/h/"))
    expect(expandHome("~/a/b.zip", "/h")).toEqual(Either.right("/h/a/b.zip"))
    for (const path of ["a/~", "./~", "-", "", "x~"]) expect(expandHome(path, "/h")).toEqual(Either.right(path))
  })

  it("refuses another user's home rather than make a folder of that name", () => {
    const message = (e: Either.Either<unknown, string>) => (Either.isLeft(e) ? e.left : "ok")
    expect(message(expandHome("~bob", "/h"))).toBe(
      '"~bob": ~bob (another user\'s home) is not expanded, only ~ and ~/ are; give the full path, or ./~bob for a folder named ~bob'
    )
    expect(message(expandHome("~bob/x", "/h"))).toMatch(/^"~bob\/x": ~bob \(another user's home\)/)
  })
})

describe("helpers", () => {
  it("names parts, parses durations, hoists built-in options", () => {
    expect(partName("/x/results.zip", 2)).toBe("/x/results-part-2.zip")
    expect(partName("out", 1)).toBe("out-part-1")
    expect(parseDuration("30")).toEqual(parseDuration("30s"))
    expect(parseDuration("500ms")._tag).toBe("Some")
    expect(parseDuration("soon")._tag).toBe("None")
    expect(parseDuration("1h")).toEqual(parseDuration("60m"))
    expect(hoistBuiltIns(["export", "--all", "--log-level", "debug", "--json", "--help"])).toEqual([
      "export",
      "--log-level",
      "debug",
      "--help",
      "--all",
      "--json"
    ])
    expect(hoistBuiltIns(["--version"])).toEqual(["--version"])
    // After `--`, nothing is an option to move.
    expect(hoistBuiltIns(["export", "--json", "--", "--help", "--log-level", "debug"])).toEqual([
      "export",
      "--json",
      "--",
      "--help",
      "--log-level",
      "debug"
    ])
  })

  it("tidies the help text: one program line on top, the program in usage lines, coloured or not", () => {
    const plain = "p-x\n\np-x 1.0\n\nUSAGE\n\n$ export --all\n\n$ p-x\n\nAn integer.\n\nkeep $ this\n"
    expect(tidyHelp(plain, "p-x")).toBe("p-x 1.0\n\nUSAGE\n\n$ p-x export --all\n\n$ p-x\n\nkeep $ this\n")
    const coloured = "\u001b[0;1m\u001b[0;37;1mp-x\u001b[0;1m\u001b[0m\r\n\r\np-x 1.0\r\n"
    expect(tidyHelp(coloured, "p-x")).toBe("p-x 1.0\r\n")
    // Only a banner above "<program> <version>" goes.
    expect(tidyHelp("p-x\n\nsomething else\n", "p-x")).toBe("p-x\n\nsomething else\n")
    // A repeated option is optional in a usage line; elsewhere (its own entry under OPTIONS) it stays as it is.
    const repeated = "$ export --task ID,NAME... [--all]\r\n\r\n--task ID,NAME...\n  A task.\n$ x --tag T..."
    expect(tidyHelp(repeated, "p-x")).toBe(
      "$ p-x export [--task ID,NAME]... [--all]\r\n\r\n--task ID,NAME...\n  A task.\n$ p-x x [--tag T]..."
    )
  })
})

describe("--output", () => {
  const reasonOf = (effect: Effect.Effect<unknown, { readonly message: string }>) =>
    Effect.runPromise(Effect.match(effect, { onFailure: (e) => e.message, onSuccess: () => "ok" }))

  it("plans a directory (made later if missing) or files, and refuses one that cannot be made", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "sms-output-"))
    await writeFile(join(cwd, "blocker"), "x")
    expect(await Effect.runPromise(Output.plan("new/deeper/", 2, false, cwd))).toEqual({
      _tag: "Directory",
      directory: join(cwd, "new", "deeper"),
      overwrite: false
    })
    // A new path without an extension is a folder too; an existing file without one is still the file.
    expect(await Effect.runPromise(Output.plan("exports", 2, false, cwd))).toEqual({
      _tag: "Directory",
      directory: join(cwd, "exports"),
      overwrite: false
    })
    expect(await Effect.runPromise(Output.plan("blocker", 1, true, cwd))).toEqual({
      _tag: "Files",
      paths: [join(cwd, "blocker")],
      overwrite: true
    })
    expect(await Effect.runPromise(Output.plan("new/r.zip", 2, false, cwd))).toEqual({
      _tag: "Files",
      paths: [join(cwd, "new", "r-part-1.zip"), join(cwd, "new", "r-part-2.zip")],
      overwrite: false
    })
    const blocker = join(cwd, "blocker")
    for (const [output, directory] of [
      ["blocker/sub/", join(blocker, "sub")],
      ["blocker/a/b/", join(blocker, "a", "b")],
      ["blocker/r.zip", blocker]
    ])
      expect(await reasonOf(Output.plan(output, 1, true, cwd))).toBe(
        `--output: cannot write into ${directory}: ${blocker} is not a directory`
      )
    expect(await reasonOf(Output.check("blocker/sub/", cwd))).toMatch(/blocker is not a directory$/)
    expect(await reasonOf(Output.check(undefined, cwd))).toBe("ok")
  })

  it("refuses, even with --force, an --output that is not a regular file: a FIFO, a device, a symbolic link", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "sms-output-"))
    await writeFile(join(cwd, "real.zip"), "x")
    await mkdir(join(cwd, "dir"))
    await symlink("real.zip", join(cwd, "link.zip"))
    await symlink("nowhere.zip", join(cwd, "dangling.zip"))
    await symlink("nowhere", join(cwd, "dangling"))
    await symlink("dir", join(cwd, "dirlink"))
    const fifo = spawnSync("mkfifo", [join(cwd, "fifo.zip")]).status === 0
    for (const force of [false, true]) {
      expect(await reasonOf(Output.plan("link.zip", 1, force, cwd))).toBe(
        `--output: ${join(cwd, "link.zip")} is not a regular file (a symbolic link)`
      )
      expect(await reasonOf(Output.plan("dangling.zip", 1, force, cwd))).toBe(
        `--output: ${join(cwd, "dangling.zip")} is not a regular file (a dangling symbolic link)`
      )
      // Without an extension, but not missing either: not a new folder.
      expect(await reasonOf(Output.plan("dangling", 1, force, cwd))).toMatch(/dangling is not a regular file/)
      expect(await reasonOf(Output.plan("/dev/null", 1, force, cwd))).toBe(
        "--output: /dev/null is not a regular file (a character device)"
      )
      if (fifo)
        expect(await reasonOf(Output.plan("fifo.zip", 1, force, cwd))).toBe(
          `--output: ${join(cwd, "fifo.zip")} is not a regular file (a FIFO)`
        )
      // Checked before the discovery of --all too.
      expect(await reasonOf(Output.check("dangling.zip", cwd))).toMatch(/is not a regular file/)
    }
    // A part of several chunks too, and only with --force does a regular file pass.
    await symlink("real.zip", join(cwd, "r-part-2.zip"))
    expect(await reasonOf(Output.plan("r.zip", 2, true, cwd))).toMatch(/r-part-2\.zip is not a regular file/)
    expect(await reasonOf(Output.plan("real.zip", 1, true, cwd))).toBe("ok")
    // A link to a directory is that directory.
    expect(await Effect.runPromise(Output.plan("dirlink", 2, false, cwd))).toEqual({
      _tag: "Directory",
      directory: join(cwd, "dirlink"),
      overwrite: false
    })
  })

  it("refuses, unless --force, a file in the folder under a name the export could derive for a piece of a call", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "sms-output-"))
    const plan = (output: string, chunks: number, force: boolean, tasks?: number) =>
      reasonOf(Output.plan(output, chunks, force, cwd, tasks))
    // Names of pieces of other exports, or no piece this one could have: no matter.
    for (const name of ["res-tasks-1-1.csv", "other-tasks-1-2.zip", "res-tasks-2-1.zip", "res-tasks-01-2.zip"])
      await writeFile(join(cwd, name), "x")
    expect(await plan("res.zip", 1, false, 3)).toBe("ok")
    await writeFile(join(cwd, "res-tasks-2-3.zip"), "x")
    expect(await plan("res.zip", 1, false, 3)).toBe(
      `--output: ${join(cwd, "res-tasks-2-3.zip")} already exists (use --force to overwrite it)`
    )
    // A call of 2 tasks could not write tasks 2-3.
    expect(await plan("res.zip", 1, false, 2)).toBe("ok")
    await writeFile(join(cwd, "res-tasks-2-2.zip"), "x")
    expect(await plan("res.zip", 1, false, 2)).toBe(
      `--output: ${join(cwd, "res-tasks-2-2.zip")} already exists (use --force to overwrite it)`
    )
    expect(await plan("res.zip", 1, false, 1)).toBe("ok")
    expect(await plan("res.zip", 1, true, 2)).toBe("ok")
    // Of several calls: -part-N-tasks-A-B, for the parts this export has and the size of each.
    await writeFile(join(cwd, "res-part-2-tasks-1-50.zip"), "x")
    expect(await plan("res.zip", 2, false, 249)).toBe("ok")
    expect(await plan("res.zip", 2, false, 250)).toBe(
      `--output: ${join(cwd, "res-part-2-tasks-1-50.zip")} already exists (use --force to overwrite it)`
    )
    expect(await plan("res.zip", 3, false, 450)).toMatch(/res-part-2-tasks-1-50\.zip already exists/)
    expect(await plan("res.zip", 2, true, 250)).toBe("ok")
    // Not even --force replaces one that is not a regular file.
    await symlink("res-tasks-2-3.zip", join(cwd, "res-part-1-tasks-7-9.zip"))
    expect(await plan("res.zip", 2, true, 250)).toMatch(/res-part-1-tasks-7-9\.zip is not a regular file/)
  })

  it("refuses a file name the core would change, saying why; passes an odd but legal one as it is", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "sms-output-"))
    const why = (output: string, chunks = 1, tasks?: number) => reasonOf(Output.plan(output, chunks, true, cwd, tasks))
    expect(await why("a:b.zip")).toBe(
      '--output: the file name "a:b.zip" may not contain ":" (nor < > " | ? * \\ or control characters); choose another name'
    )
    expect(await why("x/a\u0000b*.zip")).toBe(
      '--output: the file name "a\\u0000b*.zip" may not contain the control character U+0000 or "*" (nor < > : " | ? \\); choose another name'
    )
    expect(await why(".r.zip")).toBe('--output: the file name ".r.zip" may not start with a dot; choose another name')
    expect(await why("\u3000r.zip")).toBe(
      '--output: the file name "\u3000r.zip" may not start with whitespace (U+3000); choose another name'
    )
    expect(await why(`${"n".repeat(200)}.zip`)).toMatch(
      /is 204 characters long, over the limit of 200; choose a shorter/
    )
    // The names derived for several calls, and for pieces of a call split to isolate missing tasks.
    expect(await why(`${"n".repeat(190)}.zip`, 2)).toBe(
      `--output: the file name "${"n".repeat(190)}.zip" is too long for the names the export derives from it: ` +
        'with "-part-1-tasks-200-200" added (the name for a piece of call 1 of 2, split to isolate missing tasks) it ' +
        "would be 215 characters long, over the limit of 200; choose a shorter name"
    )
    // Filesystems count a name's bytes: a CJK name within 200 characters may be over the limit in UTF-8.
    expect(await why(`${"名".repeat(90)}.zip`)).toBe(
      `--output: the file name "${"名".repeat(90)}.zip" is 274 bytes long in UTF-8, over the limit of 240; ` +
        "choose a shorter name"
    )
    expect(await why(`${"名".repeat(77)}.zip`, 1, 2)).toBe(
      `--output: the file name "${"名".repeat(77)}.zip" is too long for the names the export derives from it: ` +
        'with "-tasks-2-2" added (the name for a piece of the call, split to isolate missing tasks) it would be ' +
        "245 bytes long in UTF-8, over the limit of 240; choose a shorter name"
    )
    expect(await why(`${"名".repeat(75)}.zip`, 1, 2)).toBe("ok")
    // One task is never split: its name is only the one given.
    expect(await why(`${"n".repeat(196)}.zip`, 1, 1)).toBe("ok")
    expect(await why(`${"n".repeat(196)}.zip`, 1, 2)).toMatch(/with "-tasks-2-2" added \(the name for a piece of the/)
    expect(await why(`${"n".repeat(189)}.zip`, 2, 201)).toMatch(
      /with "-part-1-tasks-200-200" added \(the name for a piece of call 1 of 2,.* 214 characters long/
    )
    for (const legal of ["ü名 $x.zip", "a b;c (1).zip", "x.y.zip", `${"n".repeat(196)}.zip`])
      expect(await Effect.runPromise(Output.plan(legal, 1, false, cwd, 1))).toEqual({
        _tag: "Files",
        paths: [join(cwd, legal)],
        overwrite: false
      })
  })

  it("explains every change the core's sanitiser makes to a name, from its own rules", () => {
    const name = fc.string({
      unit: fc.constantFrom("a", ".", " ", "\u3000", "\t", "\u007f", ":", "*", "\\", "名", "😀"),
      maxLength: 210
    })
    fc.assert(
      fc.property(name, (n) => {
        const problem = Output.nameProblem(n)
        expect(problem === undefined).toBe(sanitizeFileName(n, "") === n)
        if (problem !== undefined) expect(problem).not.toContain("would be written as")
      }),
      { numRuns: 2000, seed: 7 }
    )
  })

  // Root may write anywhere: this runs only as another user.
  it.skipIf(process.getuid?.() === 0)("refuses a directory that cannot be written to", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "sms-output-"))
    await mkdir(join(cwd, "locked"))
    await chmod(join(cwd, "locked"), 0o500)
    expect(await reasonOf(Output.check("locked/sub/", cwd))).toMatch(/locked is not writable$/)
  })
})
