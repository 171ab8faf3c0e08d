// A minimal zip writer: "stored" (uncompressed) entries, UTF-8 names, CRC-32 per entry. Enough
// for the PyTorch export's download and for .npz files (numpy reads stored zips). Pure.

export interface ZipEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** DOS date and time fields of the entries: a fixed 1980-01-01 00:00, so archives are reproducible. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
/** General-purpose flag bit 11: names are UTF-8. */
const UTF8_FLAG = 0x0800;

/** The zip archive of `entries`, in order. Throws for an archive past the 4 GiB zip32 limit. */
export function zipStored(entries: readonly ZipEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const names = entries.map((e) => enc.encode(e.name));
  const locals: number[] = [];
  let offset = 0;
  for (const [i, e] of entries.entries()) {
    locals.push(offset);
    offset += 30 + names[i]!.length + e.data.length;
  }
  const centralSize = names.reduce((t, n) => t + 46 + n.length, 0);
  const total = offset + centralSize + 22;
  if (total > 0xffffffff || entries.length > 0xffff) throw new Error('zip: archive too large for zip32');
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let p = 0;
  const u16 = (v: number) => {
    view.setUint16(p, v, true);
    p += 2;
  };
  const u32 = (v: number) => {
    view.setUint32(p, v >>> 0, true);
    p += 4;
  };
  const bytes = (b: Uint8Array) => {
    out.set(b, p);
    p += b.length;
  };
  const crcs = entries.map((e) => crc32(e.data));
  for (const [i, e] of entries.entries()) {
    u32(0x04034b50);
    u16(20);
    u16(UTF8_FLAG);
    u16(0);
    u16(DOS_TIME);
    u16(DOS_DATE);
    u32(crcs[i]!);
    u32(e.data.length);
    u32(e.data.length);
    u16(names[i]!.length);
    u16(0);
    bytes(names[i]!);
    bytes(e.data);
  }
  for (const [i, e] of entries.entries()) {
    u32(0x02014b50);
    u16(20);
    u16(20);
    u16(UTF8_FLAG);
    u16(0);
    u16(DOS_TIME);
    u16(DOS_DATE);
    u32(crcs[i]!);
    u32(e.data.length);
    u32(e.data.length);
    u16(names[i]!.length);
    u16(0);
    u16(0);
    u16(0);
    u16(0);
    u32(0);
    u32(locals[i]!);
    bytes(names[i]!);
  }
  u32(0x06054b50);
  u16(0);
  u16(0);
  u16(entries.length);
  u16(entries.length);
  u32(centralSize);
  u32(offset);
  u16(0);
  return out;
}
