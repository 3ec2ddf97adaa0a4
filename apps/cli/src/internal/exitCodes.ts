/** The documented exit codes, and which failure maps to which. */
import type { SmsError } from "@sms-consistency/sms/SmsError"

export const ExitCode = {
  /** Every task exported (or the command did what it was asked). */
  ok: 0,
  /** Some tasks failed; the rest were still written. */
  partial: 1,
  /** Usage error or invalid input (nothing was sent), an unusable --output, or Ctrl+D at a --wizard question. */
  usage: 2,
  /** Authentication or permission: no credentials, 401, 403. */
  auth: 3,
  /** Not found: 404 (unknown task, or a source that task does not migrate). */
  notFound: 4,
  /** Network, server or timeout: connection failures, 429/5xx after retries, unreadable responses. */
  network: 5,
  /** A bug: an unexpected defect. */
  internal: 70,
  /**
   * Interrupted (Ctrl+C: SIGINT; SIGTERM; SIGHUP, the terminal closed); an export lists the files it finished and
   * the tasks it did not. One code for all three: what the user needs to know is that the run did not finish.
   */
  interrupted: 130
} as const

export const exitCodeHelp = [
  "Exit codes: 0 all exported; 1 some tasks failed (the rest were written);",
  "2 usage or invalid input (nothing sent); 3 authentication or permission (no credentials, 401, 403);",
  "4 not found (404); 5 network, server or timeout; 70 internal error;",
  "130 interrupted by Ctrl+C, SIGTERM or SIGHUP (an export still lists the files it finished and the tasks it did not).",
  "When every task failed, the code of the failure's kind (2-5) is used instead of 1."
].join(" ")

export const forError = (error: SmsError): number => {
  switch (error._tag) {
    case "InvalidRequest":
    case "BadRequest":
    case "FileError":
      return ExitCode.usage
    case "MissingCredentials":
    case "Unauthorized":
    case "Forbidden":
      return ExitCode.auth
    case "NotFound":
      return ExitCode.notFound
    case "Throttled":
    case "ServerError":
    case "UnexpectedStatus":
    case "TransportError":
    case "Timeout":
    case "DecodeError":
      return ExitCode.network
  }
}
