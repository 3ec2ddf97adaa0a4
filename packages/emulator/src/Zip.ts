/**
 * A minimal ZIP writer (local headers, central directory, end record; deflate or stored). Enough for the
 * export files: fewer than 65,535 entries and 4 GiB, so no ZIP64. Output depends only on the inputs
 * (entry times come from the caller, never the clock), so the same request gives the same bytes.
 */
import * as Zlib from "node:zlib"

export interface Entry {
  /** Path inside the archive; ASCII keeps every unzip tool happy (UTF-8 names set flag bit 11). */
  readonly name: string
  readonly data: Uint8Array
  /** The entry already compressed (see `prepare`): lets a caller cache the costly part. */
  readonly prepared?: Prepared
}

export interface Prepared {
  readonly crc: number
  readonly size: number
  readonly payload: Uint8Array
  /** 8 deflate, 0 stored. */
  readonly method: 0 | 8
}

/** CRC and deflate of one entry's data: stored when deflate does not help (tiny entries), as zip tools do. */
export const prepare = (data: Uint8Array, compress = true): Prepared => {
  const deflated = compress ? Zlib.deflateRawSync(data, { level: 6 }) : undefined
  const useDeflate = deflated !== undefined && deflated.length < data.length
  return { crc: Zlib.crc32(data), size: data.length, payload: useDeflate ? deflated : data, method: useDeflate ? 8 : 0 }
}

export interface WriteOptions {
  readonly date: Date
  /** Deflate entries (default) or store them. */
  readonly compress?: boolean
}

/** MS-DOS date and time fields (2-second resolution, local fields taken from the UTC date). */
const dosDateTime = (date: Date) => ({
  time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
  day: ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate()
})

export const write = (entries: ReadonlyArray<Entry>, options: WriteOptions): Uint8Array => {
  const { time, day } = dosDateTime(options.date)
  const chunks: Array<Uint8Array> = []
  const central: Array<Uint8Array> = []
  let offset = 0
  for (const entry of entries) {
    const name = Buffer.from(entry.name, "utf8")
    const ascii = name.length === entry.name.length
    const flags = ascii ? 0 : 0x0800
    const { crc, size, payload, method } = entry.prepared ?? prepare(entry.data, options.compress !== false)

    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(flags, 6)
    local.writeUInt16LE(method, 8)
    local.writeUInt16LE(time, 10)
    local.writeUInt16LE(day, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(payload.length, 18)
    local.writeUInt32LE(size, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)

    const header = Buffer.alloc(46)
    header.writeUInt32LE(0x02014b50, 0)
    header.writeUInt16LE(20, 4)
    header.writeUInt16LE(20, 6)
    header.writeUInt16LE(flags, 8)
    header.writeUInt16LE(method, 10)
    header.writeUInt16LE(time, 12)
    header.writeUInt16LE(day, 14)
    header.writeUInt32LE(crc, 16)
    header.writeUInt32LE(payload.length, 20)
    header.writeUInt32LE(size, 24)
    header.writeUInt16LE(name.length, 28)
    // extra length, comment length, disk number, internal and external attributes stay 0
    header.writeUInt32LE(offset, 42)

    chunks.push(local, name, payload)
    central.push(header, name)
    offset += local.length + name.length + payload.length
  }
  const centralSize = central.reduce((n, c) => n + c.length, 0)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(centralSize, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...chunks, ...central, end])
}
