/** The library's version, in a module of its own so that a CLI's `--version` loads nothing else. */
export const version = "0.1.0"
