/**
 * Reads a GGUF file's header (metadata and tensor infos, never the weights) in plain TypeScript, so the
 * catalogue and the pre-load checks need neither node-llama-cpp (~55 MB of RSS and seconds to import)
 * nor more than the first few megabytes of a multi-gigabyte file. Format: ggml's gguf.h, versions 2 and 3.
 */
import { open } from 'node:fs/promises';

export type GgufScalar = number | string | boolean;
/** Arrays keep their length; their values only when short (token lists are long and not needed here). */
export interface GgufArray {
  length: number;
  values?: GgufScalar[];
}
export type GgufValue = GgufScalar | GgufArray;

export interface GgufTensorInfo {
  name: string;
  dims: number[];
  type: number;
  /** Absolute position of the tensor's data in the file. */
  fileOffset: number;
}

export interface GgufFileHeader {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
}

export class GgufFormatError extends Error {}

const CHUNK = 1 << 20;
const MAX_KEEP = 1024;
// Guards against absurd counts in a corrupt header (they would otherwise loop for ages).
const MAX_COUNT = 50_000_000;
const SCALAR_SIZE: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};
const STRING = 8;
const ARRAY = 9;

/** A forward-only reader that pulls the file in 1 MiB chunks as the header needs them. */
class ChunkReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;

  constructor(
    private readonly fh: Awaited<ReturnType<typeof open>>,
    readonly size: number,
  ) {}

  private async ensure(n: number): Promise<number> {
    if (this.pos + n > this.size) throw new GgufFormatError('unexpected end of file in the header');
    const end = this.bufStart + this.buf.length;
    if (this.pos >= this.bufStart && this.pos + n <= end) return this.pos - this.bufStart;
    const length = Math.min(Math.max(n, CHUNK), this.size - this.pos);
    const next = Buffer.alloc(length);
    await this.fh.read(next, 0, length, this.pos);
    this.buf = next;
    this.bufStart = this.pos;
    return 0;
  }

  async u32(): Promise<number> {
    const at = await this.ensure(4);
    this.pos += 4;
    return this.buf.readUInt32LE(at);
  }

  async u64(): Promise<number> {
    const at = await this.ensure(8);
    this.pos += 8;
    const v = this.buf.readBigUInt64LE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufFormatError('a 64-bit count is out of range');
    return Number(v);
  }

  async count(): Promise<number> {
    const n = await this.u64();
    if (n > MAX_COUNT) throw new GgufFormatError(`implausible count ${n}`);
    return n;
  }

  async string(): Promise<string> {
    const n = await this.u64();
    if (n > 1 << 26) throw new GgufFormatError('implausible string length');
    const at = await this.ensure(n);
    this.pos += n;
    return this.buf.toString('utf8', at, at + n);
  }

  async scalar(type: number): Promise<GgufScalar> {
    if (type === STRING) return this.string();
    const size = SCALAR_SIZE[type];
    if (size === undefined) throw new GgufFormatError(`unknown value type ${type}`);
    const at = await this.ensure(size);
    this.pos += size;
    const b = this.buf;
    switch (type) {
      case 0:
        return b.readUInt8(at);
      case 1:
        return b.readInt8(at);
      case 2:
        return b.readUInt16LE(at);
      case 3:
        return b.readInt16LE(at);
      case 4:
        return b.readUInt32LE(at);
      case 5:
        return b.readInt32LE(at);
      case 6:
        return b.readFloatLE(at);
      case 7:
        return b.readUInt8(at) !== 0;
      case 10:
        return Number(b.readBigUInt64LE(at));
      case 11:
        return Number(b.readBigInt64LE(at));
      default:
        return b.readDoubleLE(at);
    }
  }

  async value(type: number): Promise<GgufValue> {
    if (type !== ARRAY) return this.scalar(type);
    const itemType = await this.u32();
    const length = await this.count();
    const values: GgufScalar[] = [];
    for (let i = 0; i < length; i++) {
      if (itemType === ARRAY) throw new GgufFormatError('nested arrays are not supported');
      const v = await this.scalar(itemType);
      if (length <= MAX_KEEP) values.push(v);
    }
    return length <= MAX_KEEP ? { length, values } : { length };
  }
}

/** @throws GgufFormatError for anything that is not a well-formed GGUF header; fs errors as they are */
export async function readGgufFileHeader(file: string): Promise<GgufFileHeader> {
  const fh = await open(file, 'r');
  try {
    const r = new ChunkReader(fh, (await fh.stat()).size);
    if ((await r.u32()) !== 0x46554747) throw new GgufFormatError('not a GGUF file (bad magic)');
    const version = await r.u32();
    if (version !== 2 && version !== 3) throw new GgufFormatError(`unsupported GGUF version ${version}`);
    const tensorCount = await r.count();
    const kvCount = await r.count();
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < kvCount; i++) {
      const key = await r.string();
      metadata.set(key, await r.value(await r.u32()));
    }
    const infos: { name: string; dims: number[]; type: number; offset: number }[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = await r.string();
      const nDims = await r.u32();
      if (nDims > 8) throw new GgufFormatError(`tensor ${name} has ${nDims} dimensions`);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(await r.u64());
      infos.push({ name, dims, type: await r.u32(), offset: await r.u64() });
    }
    const align = metadata.get('general.alignment');
    const alignment = typeof align === 'number' && align > 0 ? align : 32;
    const dataStart = Math.ceil(r.pos / alignment) * alignment;
    const tensors = infos.map((t) => ({ ...t, fileOffset: dataStart + t.offset }));
    return { version, metadata, tensors };
  } finally {
    await fh.close();
  }
}
