/**
 * stdin's lines on their way to the SDK's `StdioServerTransport`, which parses each with its `JSONRPCMessageSchema`
 * and drops one that fails, without a word: a client that sent `params: null`, a batch, or a line that is not JSON
 * waited forever. Such a line is answered here instead (`InvalidParams.malformed`, or -32700 for a line that is not
 * JSON); every other line goes on byte for byte and in order, as the transport's input stream.
 */
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from "@modelcontextprotocol/sdk/shared/stdio.js"
import { ErrorCode, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js"
import { Transform } from "node:stream"
import * as InvalidParams from "./invalidParams.js"

const newline = 0x0a

const notJson = {
  jsonrpc: "2.0",
  id: null,
  error: { code: ErrorCode.ParseError, message: "Parse error: the line is not JSON" }
} as unknown as JSONRPCMessage

/** The answer to `line` (without its newline), when the transport would drop it; else undefined. */
const answerTo = (line: Buffer): JSONRPCMessage | undefined => {
  // As the transport reads it (a CR before the newline is not part of the message).
  const text = line.toString("utf8").replace(/\r$/, "")
  if (text.trim() === "") return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return notJson
  }
  return InvalidParams.malformed(value)
}

/**
 * A stream of `input`'s lines that the transport can take; `answer` is given the response to each of the others
 * (to send with the transport's `send`, whose whole-line writes cannot interleave with its own). It ends when
 * `input` does, after its last line. A line longer than the transport's buffer goes on as it comes, for the
 * transport to refuse as before.
 */
export const filter = (
  input: NodeJS.ReadableStream,
  answer: (message: JSONRPCMessage) => void,
  maxLineBytes = STDIO_DEFAULT_MAX_BUFFER_SIZE
): Transform => {
  // The start of a line whose newline has not come yet, in the chunks it came in (joined once, at the newline).
  let pending: Array<Buffer> = []
  let pendingBytes = 0
  // Past the transport's limit: the rest of this line goes on as it comes.
  let passing = false
  const lines = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let start = 0
      for (let end = chunk.indexOf(newline); end !== -1; end = chunk.indexOf(newline, start)) {
        const piece = chunk.subarray(start, end + 1)
        start = end + 1
        if (passing) {
          passing = false
          this.push(piece)
          continue
        }
        const line = pending.length === 0 ? piece : Buffer.concat([...pending, piece])
        pending = []
        pendingBytes = 0
        const answered = answerTo(line.subarray(0, line.length - 1))
        if (answered === undefined) this.push(line)
        else answer(answered)
      }
      const rest = chunk.subarray(start)
      if (rest.length > 0 && passing) this.push(rest)
      else if (rest.length > 0) {
        pending.push(rest)
        pendingBytes += rest.length
        if (pendingBytes > maxLineBytes) {
          for (const piece of pending) this.push(piece)
          pending = []
          pendingBytes = 0
          passing = true
        }
      }
      done()
    },
    flush(done) {
      // A last line without its newline: the transport never reads it, as before.
      for (const piece of pending) this.push(piece)
      done()
    }
  })
  input.pipe(lines)
  return lines
}
