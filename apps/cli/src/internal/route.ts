/** Which bundle a command line goes to; nothing imported, so that deciding costs nothing. */

const informationalFlags = new Set(["--help", "-h", "--version"])

/**
 * True when `args` ask for help, the version or a completion script (and not for the wizard, which prompts
 * before it runs a command): the help bundle answers those without loading any command's work.
 */
export const informational = (args: ReadonlyArray<string>): boolean =>
  !args.includes("--wizard") &&
  args.some((arg) => informationalFlags.has(arg) || arg === "--completions" || arg.startsWith("--completions="))
