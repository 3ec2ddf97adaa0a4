/** SHA-256 as lowercase hex, one-shot: `crypto.hash` where Node has it (≥ 20.12), a third of `createHash`'s cost. */
import * as crypto from "node:crypto"

export const sha256Hex: (data: string | Uint8Array) => string =
  typeof crypto.hash === "function"
    ? (data) => crypto.hash("sha256", data, "hex")
    : (data) => crypto.createHash("sha256").update(data).digest("hex")
