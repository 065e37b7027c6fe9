import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MalformedExport, readExport } from './read-export.js';

/** The file as 1 KB chunks, as a disk read would hand it over. */
const fileOf = (text: string) => async () => {
  const buf = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += 1024) chunks.push(buf.subarray(i, i + 1024));
  return Readable.from(chunks);
};

async function collect(text: string, maxEntryBytes?: number) {
  const { format, entries } = await readExport(fileOf(text), new AbortController().signal, maxEntryBytes);
  const values: unknown[] = [];
  for await (const e of entries) values.push(e.value);
  return { format, values };
}

describe('readExport', () => {
  it('streams the entries of a ChatGPT array and the chats of our export (other keys skipped)', async () => {
    expect(await collect('\ufeff [{"a":1},{"b":2}]')).toEqual({
      format: 'chatgpt',
      values: [{ a: 1 }, { b: 2 }],
    });
    const ours = JSON.stringify({
      exported_at: 'x',
      profile: { email: 'e' },
      chats: [{ id: 'c1' }],
      templates: [],
    });
    expect(await collect(ours)).toEqual({ format: 'pocketllm', values: [{ id: 'c1' }] });
  });

  it('refuses a conversation larger than the limit instead of assembling it', async () => {
    const big = `[{"a":1},{"text":"${'x'.repeat(20_000)}"}]`;
    await expect(collect(big, 8_000)).rejects.toThrow(/larger than/);
    await expect(collect(big, 8_000)).rejects.toBeInstanceOf(MalformedExport);
    expect((await collect(big, 64_000)).values).toHaveLength(2);
  });

  it('names what is wrong with a file that is not an export', async () => {
    await expect(collect('')).rejects.toThrow(/empty/);
    await expect(collect('"just a string"')).rejects.toThrow(/neither/);
    await expect(collect('[{"a":1},]')).rejects.toThrow(/not valid JSON \(after \d whole conversations\)/);
  });
});
