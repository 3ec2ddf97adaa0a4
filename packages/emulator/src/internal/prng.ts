/** A small seeded PRNG (mulberry32): fast, reproducible, good enough for fixtures and fault draws. */
export interface Prng {
  /** A float in [0, 1). */
  readonly next: () => number
  /** An integer in [min, max]. */
  readonly int: (min: number, max: number) => number
  readonly pick: <A>(items: readonly [A, ...Array<A>]) => A
  /** A version-4-shaped UUID built from the PRNG, so ids are stable for a seed. */
  readonly uuid: () => string
}

/** Mixes several integers into one 32-bit seed (so per-task streams are independent of one another). */
export const mix = (...values: ReadonlyArray<number>): number => {
  let h = 0x9e3779b9
  for (const value of values) {
    h = Math.imul(h ^ (value >>> 0), 0x85ebca6b)
    h ^= h >>> 13
    h = Math.imul(h, 0xc2b2ae35)
    h ^= h >>> 16
  }
  return h >>> 0
}

export const make = (seed: number): Prng => {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  const pick = <A>(items: readonly [A, ...Array<A>]): A => items[int(0, items.length - 1)] ?? items[0]
  const uuid = (): string => {
    let hex = ""
    for (let i = 0; i < 4; i++) hex += int(0, 0xffffffff).toString(16).padStart(8, "0")
    const variant = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16)
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
  }
  return { next, int, pick, uuid }
}
