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

const byteHex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"))
const hex4 = (n: number): string => `${byteHex[(n >>> 8) & 0xff]}${byteHex[n & 0xff]}`
const hex8 = (n: number): string => `${hex4(n >>> 16)}${hex4(n & 0xffff)}`

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
  const word = (): number => Math.floor(next() * 4294967296)
  const uuid = (): string => {
    const a = word()
    const b = word()
    const c = word()
    const d = word()
    // Version 4 nibble and RFC 4122 variant bits, so the ids look like any other UUID.
    const b2 = (b & 0xffff0fff) | 0x4000
    const c2 = (c & 0x3fffffff) | 0x80000000
    return `${hex8(a)}-${hex4(b2 >>> 16)}-${hex4(b2 & 0xffff)}-${hex4(c2 >>> 16)}-${hex4(c2 & 0xffff)}${hex8(d)}`
  }
  return { next, int, pick, uuid }
}
