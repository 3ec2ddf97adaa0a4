/**
 * The JSON Schema a tool advertises, derived from its Effect Schema: `$defs` references inlined (MCP clients
 * and some validators do not follow them), the draft marker dropped (the 2025-11-25 spec reads a schema without
 * `$schema` as 2020-12; the keywords used here mean the same in draft-07 and 2020-12).
 */
import * as JSONSchema from "effect/JSONSchema"
import type * as Schema from "effect/Schema"

export interface ObjectSchema {
  readonly type: "object"
  readonly properties?: Record<string, object>
  readonly required?: Array<string>
  readonly [key: string]: unknown
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const inline = (value: unknown, defs: Record<string, unknown>, depth: number): unknown => {
  if (Array.isArray(value)) return value.map((item) => inline(item, defs, depth))
  if (!isRecord(value)) return value
  const out: Record<string, unknown> = {}
  const ref = value.$ref
  if (typeof ref === "string" && ref.startsWith("#/$defs/") && depth < 32) {
    const target = defs[decodeURIComponent(ref.slice("#/$defs/".length))]
    if (isRecord(target)) Object.assign(out, inline(target, defs, depth + 1))
  }
  for (const [key, child] of Object.entries(value)) {
    if (key === "$ref" && typeof child === "string" && child.startsWith("#/$defs/")) continue
    if (key === "$defs" || key === "$schema") continue
    out[key] = inline(child, defs, depth)
  }
  return out
}

/** `JSONSchema.make(schema)`, inlined, as the object schema MCP requires for `inputSchema`/`outputSchema`. */
export const objectSchema = <A, I>(schema: Schema.Schema<A, I, never>): ObjectSchema => {
  const root: unknown = JSONSchema.make(schema)
  const defs = isRecord(root) && isRecord(root.$defs) ? root.$defs : {}
  const inlined = inline(root, defs, 0)
  const properties = isRecord(inlined) && isRecord(inlined.properties) ? inlined.properties : {}
  const required =
    isRecord(inlined) && Array.isArray(inlined.required)
      ? inlined.required.filter((key): key is string => typeof key === "string")
      : []
  const objectProperties: Record<string, object> = {}
  for (const [key, child] of Object.entries(properties)) if (isRecord(child)) objectProperties[key] = child
  return { ...(isRecord(inlined) ? inlined : {}), type: "object", properties: objectProperties, required }
}
