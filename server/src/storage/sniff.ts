/** How many leading bytes `sniffContentType` looks at. */
export const SNIFF_BYTES = 512;

const startsWith = (buf: Buffer, bytes: number[], offset = 0) =>
  buf.length >= offset + bytes.length && bytes.every((b, i) => buf[offset + i] === b);
const ascii = (buf: Buffer, text: string, offset = 0) =>
  startsWith(
    buf,
    [...text].map((c) => c.charCodeAt(0)),
    offset,
  );

/**
 * The content type told by a file's first bytes, never by the client: the common image, document and
 * archive signatures; valid UTF-8 without NUL bytes is text; anything else is octet-stream.
 */
export function sniffContentType(head: Buffer): string {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(head, 'RIFF') && ascii(head, 'WEBP', 8)) return 'image/webp';
  if (ascii(head, 'GIF87a') || ascii(head, 'GIF89a')) return 'image/gif';
  if (ascii(head, '%PDF-')) return 'application/pdf';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'application/zip';
  if (startsWith(head, [0x1f, 0x8b])) return 'application/gzip';
  if (looksLikeText(head)) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

export const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp']);

function looksLikeText(head: Buffer): boolean {
  if (head.length === 0) return true;
  // Control bytes other than tab, newlines, form feed and escape mean binary.
  if (head.some((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b))
    return false;
  // The sample may end inside a multi-byte character: drop up to 3 trailing bytes of one.
  for (let cut = 0; cut <= 3 && cut < head.length; cut++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - cut));
      return true;
    } catch {
      // try a shorter sample
    }
  }
  return false;
}
