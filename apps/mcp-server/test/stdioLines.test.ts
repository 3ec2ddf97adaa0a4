import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js"
import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import * as StdioLines from "../src/internal/stdioLines.js"

/** Feeds `chunks` through the filter; what reached its output (the transport's input), and what it answered. */
const run = async (chunks: ReadonlyArray<string | Buffer>, maxLineBytes?: number) => {
  const input = new PassThrough()
  const answers: Array<JSONRPCMessage> = []
  const lines = StdioLines.filter(input, (answer) => answers.push(answer), maxLineBytes)
  const out: Array<Buffer> = []
  lines.on("data", (chunk: Buffer) => out.push(chunk))
  const ended = new Promise<void>((resolve) => lines.once("end", () => resolve()))
  for (const chunk of chunks) input.write(chunk)
  input.end()
  await ended
  return { out: Buffer.concat(out), answers }
}

describe("stdio lines, in front of the SDK's transport", () => {
  it("passes valid messages on byte for byte and in order, however the chunks split them; answers the others", async () => {
    const valid = Buffer.from(
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"naïve–工具"}}\r\n' +
        '{"jsonrpc":"2.0","method":"notifications/initialized"}\n' +
        "\n" +
        '{ "jsonrpc" : "2.0", "id" : "x", "method" : "ping" }\n',
      "utf8"
    )
    const bad = '{"jsonrpc":"2.0","id":"s","method":"tools/call","params":null}\n'
    const afterFirst = valid.indexOf("\n") + 1
    const text = Buffer.concat([valid.subarray(0, afterFirst), Buffer.from(bad), valid.subarray(afterFirst)])
    // Every split point, one byte at a time, and all at once.
    for (const chunks of [[...text].map((byte) => Buffer.from([byte])), [text]]) {
      const { out, answers } = await run(chunks)
      expect(out.toString("utf8")).toBe(valid.toString("utf8"))
      expect(out.equals(valid)).toBe(true)
      expect(answers).toEqual([
        {
          jsonrpc: "2.0",
          id: "s",
          error: { code: -32602, message: "Invalid params for tools/call: params: expected object, received null" }
        }
      ])
    }
  })

  it("a line longer than the transport takes goes on as it comes, for the transport to refuse as before", async () => {
    const long = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"${"a".repeat(100)}"}}\n`
    const { out, answers } = await run([long.slice(0, 50), long.slice(50, 90), long.slice(90)], 64)
    expect(out.toString("utf8")).toBe(long)
    expect(answers).toEqual([])
    // A last line without its newline: passed on, unread by the transport, as before.
    expect((await run(['{"jsonrpc":"2.0","id":1,"method":"ping"}'])).out.toString("utf8")).toBe(
      '{"jsonrpc":"2.0","id":1,"method":"ping"}'
    )
  })
})
