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

/**
 * A duration as `parseDuration` reads it back, in the largest unit that holds it whole: `200ms`, `1500ms`, `30s`,
 * `90s`, `2m`, `1h`.
 */
export const formatDuration = (ms: number): string => {
  const whole = Math.round(ms)
  if (whole % 1000 !== 0 || whole === 0) return `${whole}ms`
  if (whole % 60_000 !== 0) return `${whole / 1000}s`
  if (whole % 3_600_000 !== 0) return `${whole / 60_000}m`
  return `${whole / 3_600_000}h`
}
