/**
 * The README's library example is the typechecked one (`packages/sms/examples/export.ts`), word for word: an
 * edit to either without the other fails here.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

const read = (path: string) => readFileSync(fileURLToPath(new URL(`../${path}`, import.meta.url)), "utf8")

it("README.md shows packages/sms/examples/export.ts as it is, from its first import", () => {
  const example = read("packages/sms/examples/export.ts")
  const code = example.slice(example.search(/^import /m)).trimEnd()
  const blocks = [...read("README.md").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => (m[1] ?? "").trimEnd())
  expect(blocks).toContain(code)
})
