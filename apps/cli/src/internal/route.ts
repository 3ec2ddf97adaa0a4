/** Which bundle a command line goes to; nothing imported, so that deciding costs nothing. */

const informationalFlags = new Set(["--help", "-h", "--version"])

/**
 * True when `args` ask for help, the version or a completion script (and not for the wizard, which prompts
 * before it runs a command): the help bundle answers those without loading any command's work. After `--`,
 * nothing is an option.
 */
export const informational = (args: ReadonlyArray<string>): boolean => {
  const dashes = args.indexOf("--")
  const options = dashes < 0 ? args : args.slice(0, dashes)
  return (
    !options.includes("--wizard") &&
    options.some((arg) => informationalFlags.has(arg) || arg === "--completions" || arg.startsWith("--completions="))
  )
}
