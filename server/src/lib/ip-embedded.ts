/**
 * IPv6 addresses that carry an IPv4 address. A connection to one of these can end at the IPv4 host it
 * embeds (the kernel, a NAT64 gateway, a 6to4 or Teredo relay does the translation), so the URL policy must
 * judge the IPv4 address too: `[::a9fe:a9fe]` and `[64:ff9b::a9fe:a9fe]` are the metadata service.
 */
import { isIP } from 'node:net';

/** The 16 bytes of an IPv6 address in text form (zone id ignored), or null when it is not one. */
export function ipv6Bytes(text: string): Uint8Array | null {
  const ip = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(ip) !== 6) return null;
  const toWords = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const octets = piece.split('.').map(Number);
        const [a = 0, b = 0, c = 0, d = 0] = octets;
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        out.push(Number.parseInt(piece, 16));
      }
    }
    return out;
  };
  const halves = ip.split('::');
  const head = toWords(halves[0] ?? '');
  const tail = halves.length > 1 ? toWords(halves[1] ?? '') : [];
  const gap = halves.length > 1 ? new Array<number>(8 - head.length - tail.length).fill(0) : [];
  const words = [...head, ...gap, ...tail];
  if (words.length !== 8) return null;
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[i * 2] = (w >> 8) & 0xff;
    bytes[i * 2 + 1] = w & 0xff;
  });
  return bytes;
}

const v4At = (b: Uint8Array, at: number, xor = 0) =>
  [0, 1, 2, 3].map((i) => ((b[at + i] ?? 0) ^ xor) & 0xff).join('.');

const zero = (b: Uint8Array, from: number, to: number) => b.subarray(from, to).every((x) => x === 0);

const starts = (b: Uint8Array, prefix: number[]) => prefix.every((x, i) => b[i] === x);

/**
 * The IPv4 addresses an IPv6 address leads to: IPv4-mapped `::ffff:0:0/96`, IPv4-translated
 * `::ffff:0:0:0/96`, IPv4-compatible `::/96` (but `::` and `::1`, which are themselves), NAT64 `64:ff9b::/96`
 * and the local-use `64:ff9b:1::/48`, 6to4 `2002::/16`, and Teredo `2001::/32` (its server and its
 * obfuscated client address). Empty for any other address, and for IPv4 text.
 */
export function embeddedIPv4(ip: string): string[] {
  const b = ipv6Bytes(ip);
  if (!b) return [];
  if (zero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return [v4At(b, 12)];
  if (zero(b, 0, 8) && b[8] === 0xff && b[9] === 0xff && zero(b, 10, 12)) return [v4At(b, 12)];
  if (zero(b, 0, 12)) return zero(b, 12, 15) && (b[15] ?? 0) <= 1 ? [] : [v4At(b, 12)];
  if (starts(b, [0x00, 0x64, 0xff, 0x9b]) && (zero(b, 4, 12) || (b[4] === 0 && b[5] === 1)))
    return [v4At(b, 12)];
  if (starts(b, [0x20, 0x02])) return [v4At(b, 2)];
  if (starts(b, [0x20, 0x01, 0x00, 0x00])) return [v4At(b, 4), v4At(b, 12, 0xff)];
  return [];
}
