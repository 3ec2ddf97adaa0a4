/**
 * `sms-consistency export`: any number of tasks → chunks of ≤ 200 → files.
 * The work is in `export.run.ts`, reached through `Handlers`.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { Handlers } from "../internal/handlers.js"
import { boundedText, connection, pathText, wholeNumber } from "../internal/common.js"

export const maxConcurrency = 16

/** `Model.Limits.tasksPerCall` of the core, here so that `--help` does not load the core's schemas (a test checks it). */
export const tasksPerCall = 200

const options = {
  task: Options.text("task").pipe(
    Options.withPseudoName("TASK_ID,SOURCE_ID,SOURCE_NAME"),
    Options.withDescription(
      "A task to export (repeatable). The name may contain spaces; quote a field holding a comma: --task 't1,s1,\"web, 01\"'."
    ),
    Options.repeated
  ),
  tasksFile: pathText("tasks-file").pipe(
    Options.withPseudoName("FILE"),
    Options.withDescription(
      'Tasks from a file: JSON {"task_info": [...]} or a bare array, or CSV with a header row task_id,source_id,source_name. "-" reads stdin. Given the --json output of an earlier export, its failed tasks (to retry them, or to finish an interrupted export); given that of sources, each server\'s current task (servers without results or without a task left out, said on stderr); given that of tasks, every task (but one without a source server).'
    ),
    Options.optional
  ),
  all: Options.boolean("all").pipe(
    Options.withDescription("Export every source server that has consistency results (all pages of GET /v3/sources).")
  ),
  name: boundedText("name", 255).pipe(
    Options.withPseudoName("NAME"),
    Options.withDescription("With --all: only the source servers whose name matches this (the service's name filter)."),
    Options.optional
  ),
  output: pathText("output").pipe(
    Options.withAlias("o"),
    Options.withPseudoName("PATH"),
    Options.withDescription(
      "A directory (one that exists, a path ending in /, or a new path without an extension): files go inside it, named by the service, made unique. Otherwise the file to write (results.zip); with several chunks, -part-N is added before the extension. Default: the current directory."
    ),
    Options.optional
  ),
  force: Options.boolean("force").pipe(Options.withDescription("Overwrite existing files.")),
  language: Options.choice("language", ["en-us", "zh-cn"]).pipe(
    Options.withDescription("Language of the results (X-Language header). Default: the service's."),
    Options.optional
  ),
  concurrency: wholeNumber("concurrency", 1, maxConcurrency).pipe(
    Options.withPseudoName("N"),
    Options.withDescription(`Parallel calls, 1 to ${maxConcurrency} (default 4).`),
    Options.withDefault(4)
  ),
  dryRun: Options.boolean("dry-run").pipe(
    Options.withDescription(
      'Check the tasks, --output and that credentials are set, say what would be exported (tasks, calls, where the files go, as whom), and export nothing. With --all, the servers are still listed. With --json: {"dryRun": true, "tasks", "calls", "duplicates", "directory" or "files", "endpoint", "identity"}.'
    )
  ),
  json: Options.boolean("json").pipe(
    Options.withDescription(
      'Print exactly one JSON document on stdout: {"exported": N, "failed": [{"task_id", "source_id", "source_name", "error": {"tag", "message", "status"?, "errorCode"?, "requestId"?}}], "files": [{"path", "bytes", "sha256", "tasks"}], "duplicates": N, "endpoint", "identity"} ("tasks": how many tasks that file holds; "responses" is added when the service answered with JSON instead of a file). A failure before any call prints {"error": {"tag", "message", ...}} instead; an interrupted export adds "interrupted": true, its unfinished tasks failed with the tag Interrupted.'
    )
  ),
  connection
}

export type Args = Command.Command.ParseConfig<typeof options>

const description = `Export the consistency-verification results of any number of migration tasks (${tasksPerCall} per call).`

export const command = Command.make("export", options, (args) =>
  Effect.flatMap(Handlers, (handlers) => handlers.export(args))
).pipe(Command.withDescription(description))
