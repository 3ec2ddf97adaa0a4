/** What every request handler shares: the client runtime (one per process, so connections are reused). */
import type * as SmsClient from "@sms-consistency/sms/SmsClient"
import type * as Runtime from "effect/Runtime"
import { randomBytes } from "node:crypto"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import type { LevelState } from "./logging.js"

export const name = "sms-consistency-mcp"
export const version = "0.1.0"

export interface App {
  readonly runtime: Runtime.Runtime<SmsClient.SmsClient>
  readonly info: SmsClient.Info
  /** Every exported file lands under this folder. */
  readonly exportRoot: string
  /** Where `exportRoot` comes from, for a message naming what to change (see `exportSettingFrom`). */
  readonly exportSetting: string
  readonly logLevel: LevelState
  /**
   * In-flight tool calls by JSON-RPC id: in stateless HTTP a `notifications/cancelled` arrives on another POST.
   * Several at once under one id are calls from different clients (each numbers its own requests). Also what a
   * shutdown stops and waits for.
   */
  readonly inFlight: Map<string, Set<Call>>
}

/** A tool call in flight. */
export interface Call {
  /** Stops it as a cancelled request: its fiber is interrupted, and no response is sent for it. */
  readonly cancel: (reason?: string) => void
  /** Stops it on the server's own account (shutting down): its fiber is interrupted, and it is answered so. */
  readonly stop: (reason: string) => void
  /** Settles once its fiber has ended, its clean-up (temporary files, the log line) done. */
  readonly done: Promise<unknown>
}

const exportDirSet = (env: NodeJS.ProcessEnv): env is NodeJS.ProcessEnv & { SMS_EXPORT_DIR: string } =>
  env.SMS_EXPORT_DIR !== undefined && env.SMS_EXPORT_DIR.trim() !== ""

/** `SMS_EXPORT_DIR`, else `<os temp dir>/sms-consistency-exports`. */
export const exportRootFrom = (env: NodeJS.ProcessEnv): string =>
  resolve(exportDirSet(env) ? env.SMS_EXPORT_DIR : join(tmpdir(), "sms-consistency-exports"))

/**
 * Where the export folder comes from, as a message names it: `SMS_EXPORT_DIR "<its value>"`, or `the default export
 * folder <path> (SMS_EXPORT_DIR is not set)`. The value quoted, so that a line break in it stays on one line.
 */
export const exportSettingFrom = (env: NodeJS.ProcessEnv): string =>
  exportDirSet(env)
    ? `SMS_EXPORT_DIR ${JSON.stringify(env.SMS_EXPORT_DIR)}`
    : `the default export folder ${JSON.stringify(exportRootFrom(env))} (SMS_EXPORT_DIR is not set)`

const pad2 = (n: number) => String(n).padStart(2, "0")

/** `<root>/<yyyymmdd-HHMMSS>-<6 hex>`: one folder per call, so calls never collide. */
export const callDirectory = (root: string, now = new Date()): string => {
  const stamp =
    `${now.getUTCFullYear()}${pad2(now.getUTCMonth() + 1)}${pad2(now.getUTCDate())}-` +
    `${pad2(now.getUTCHours())}${pad2(now.getUTCMinutes())}${pad2(now.getUTCSeconds())}`
  return join(root, `${stamp}-${randomBytes(3).toString("hex")}`)
}
