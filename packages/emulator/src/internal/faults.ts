/** Transient faults: the scripted queue first, then random draws from a seeded PRNG at `faultRate`. */
import * as Prng from "./prng.js"

export type ScriptedFault =
  | {
      readonly _tag: "Status"
      /**
       * 200..599. 204 and 304 are sent with no body and no `Content-Length`, 205 with no body under
       * `Content-Length: 0`. A status outside that range, or a `body` on a 204, 205 or 304, is answered 500
       * (`SMS.0001`) naming the problem.
       */
      readonly status: number
      readonly retryAfter?: string
      readonly body?: string
      readonly contentType?: string
    }
  | { readonly _tag: "ResetBeforeBody" }
  | { readonly _tag: "ResetDuringBody" }
  | { readonly _tag: "TruncatedBody" }
  | { readonly _tag: "SlowBody"; readonly delayMs: number }
  | { readonly _tag: "ContentLengthMismatch" }

/** What random faults draw from: throttling, server errors, and a connection reset before any response. */
const randomFaults: readonly [ScriptedFault, ...Array<ScriptedFault>] = [
  { _tag: "Status", status: 429, retryAfter: "1" },
  { _tag: "Status", status: 500 },
  { _tag: "Status", status: 503 },
  { _tag: "ResetBeforeBody" }
]

export interface Injector {
  readonly script: (faults: ReadonlyArray<ScriptedFault>) => void
  /** The fault for the next API request, if any. Call once per request, in arrival order. */
  readonly next: () => ScriptedFault | undefined
}

export const make = (seed: number, faultRate: number): Injector => {
  const queue: Array<ScriptedFault> = []
  const rng = Prng.make(Prng.mix(seed, 0xfa17))
  return {
    script: (faults) => {
      queue.push(...faults)
    },
    next: () => {
      const scripted = queue.shift()
      if (scripted !== undefined) return scripted
      if (faultRate <= 0 || rng.next() >= faultRate) return undefined
      return rng.pick(randomFaults)
    }
  }
}
