/** Durations as people type them, for the apps' timeout settings (the CLI's `--timeout`, the MCP server's `SMS_TIMEOUT`). */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** `30` (seconds), `500ms`, `30s`, `2m`, `1h`; zero included (bounds are the caller's). */
export const parseDuration = (raw: string): Option.Option<Duration.Duration> => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(raw)
  if (!match) return Option.none()
  const ms = Number(match[1]) * (unitMs[(match[2] ?? "s").toLowerCase()] ?? 1000)
  return Number.isFinite(ms) ? Option.some(Duration.millis(ms)) : Option.none()
}
