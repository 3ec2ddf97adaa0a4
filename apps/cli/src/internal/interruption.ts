/**
 * Whether the running command has reported its interruption itself (an export's summary, with the files it
 * finished): `Cli.main` then adds nothing. Otherwise it says in one line (and one JSON document with `--json`) that
 * the command was interrupted, so that an interrupted run never ends silent or with an empty stdout.
 */
export const interruption = { reported: false }
