/**
 * The body of the "large" export mode: `bytes` deterministic pseudo-random bytes for a seed, produced
 * chunk by chunk (AES-128-CTR keystream: native speed, no state but the cipher), never held in memory.
 * `sha256` recomputes the digest the same way, so a test can compare hashes without keeping the body.
 */
import * as Crypto from "node:crypto"
import { Readable } from "node:stream"

export const defaultBytes = 200 * 1024 * 1024
const chunkSize = 64 * 1024
const zeros = Buffer.alloc(chunkSize)

const cipherFor = (seed: number) => {
  const key = Crypto.createHash("sha256").update(`sms-emulator-large-body:${seed}`).digest().subarray(0, 16)
  return Crypto.createCipheriv("aes-128-ctr", key, Buffer.alloc(16))
}

/** Calls `f` with each chunk in order; the chunks concatenate to exactly `bytes` bytes. */
const forEachChunk = (bytes: number, seed: number, f: (chunk: Buffer) => void) => {
  const cipher = cipherFor(seed)
  for (let sent = 0; sent < bytes; sent += chunkSize) {
    f(cipher.update(zeros.subarray(0, Math.min(chunkSize, bytes - sent))))
  }
}

/** A readable stream of the body; it produces a chunk only when the consumer asks (backpressure). */
export const stream = (bytes: number, seed: number): Readable => {
  const cipher = cipherFor(seed)
  let sent = 0
  return new Readable({
    highWaterMark: chunkSize,
    read() {
      if (sent >= bytes) {
        this.push(null)
        return
      }
      const size = Math.min(chunkSize, bytes - sent)
      sent += size
      this.push(cipher.update(zeros.subarray(0, size)))
    }
  })
}

/** The first `length` bytes of the body (for faults that cut a body short). */
export const prefix = (bytes: number, seed: number, length: number): Buffer => {
  const parts: Array<Buffer> = []
  forEachChunk(Math.min(bytes, length), seed, (chunk) => parts.push(chunk))
  return Buffer.concat(parts)
}

/** Lowercase hex SHA-256 of the body `stream(bytes, seed)` produces. */
export const sha256 = (bytes: number, seed: number): string => {
  const hash = Crypto.createHash("sha256")
  forEachChunk(bytes, seed, (chunk) => hash.update(chunk))
  return hash.digest("hex")
}
