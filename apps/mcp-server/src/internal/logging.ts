/**
 * Logs go to stderr (stdout is the stdio JSON-RPC channel; Effect's default logger would write there) and,
 * during a tool call, to the client as `notifications/message` at or above the level it set.
 */
import type { LoggingLevel } from "@modelcontextprotocol/sdk/types.js"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"

export const severity: Readonly<Record<LoggingLevel, number>> = {
  debug: 0,
  info: 1,
  notice: 2,
  warning: 3,
  error: 4,
  critical: 5,
  alert: 6,
  emergency: 7
}

/** The level set by `logging/setLevel` (default `info`); one per process, as the HTTP mode is stateless. */
export interface LevelState {
  current: LoggingLevel
}

export const mcpLevel = (level: LogLevel.LogLevel): LoggingLevel => {
  switch (level._tag) {
    case "Fatal":
      return "critical"
    case "Error":
      return "error"
    case "Warning":
      return "warning"
    case "Info":
      return "info"
    default:
      return "debug"
  }
}

export const render = (message: unknown): string =>
  (Array.isArray(message) ? message : [message])
    .map((part) => (typeof part === "string" ? part : JSON.stringify(part)))
    .join(" ")

/** Info and above: what a client asks for (`logging/setLevel("debug")`) is for its notifications, not stderr's. */
export const stderrLogger = Logger.make(({ date, logLevel, message }) => {
  if (LogLevel.lessThan(logLevel, LogLevel.Info)) return
  process.stderr.write(`${date.toISOString()} ${logLevel.label.padEnd(5)} ${render(message)}\n`)
})

/**
 * Effect's minimum log level for a call, from the level the client set: Effect drops what is below it before any
 * logger sees it (its default is Info), so without this a client that asked for debug (e.g. the client's retries,
 * "…retry 1/3 in 250 ms") would get nothing more. Never above Info, which stderr keeps whatever a client set.
 */
export const minimumLevel = (state: LevelState): LogLevel.LogLevel =>
  state.current === "debug" ? LogLevel.Debug : LogLevel.Info

/** Replaces Effect's default (stdout) logger. */
export const layer = Logger.replace(Logger.defaultLogger, stderrLogger)

/** A logger forwarding to the client, filtered by the level it set. `send` must not throw. */
export const clientLogger = (state: LevelState, send: (level: LoggingLevel, data: string) => void) =>
  Logger.make(({ logLevel, message }) => {
    const level = mcpLevel(logLevel)
    if (severity[level] >= severity[state.current]) send(level, render(message))
  })

export const addClientLogger = (state: LevelState, send: (level: LoggingLevel, data: string) => void) =>
  Logger.add(clientLogger(state, send))
