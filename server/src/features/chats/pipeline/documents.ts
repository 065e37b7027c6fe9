/**
 * What a file given to the model is, told by its bytes (never by its name): a picture, a text document
 * (plain text, Markdown, CSV, JSON, source code: valid UTF-8 without control bytes) or a PDF (its text
 * extracted with unpdf, a build of Mozilla's pdf.js that runs without a browser or the network).
 */
import { AppError, invalidField } from '../../../errors.js';
import type { ChatImage } from '../../../llm/types.js';
import { SNIFF_BYTES, sniffContentType } from '../../../storage/sniff.js';

export const PICTURE_TYPES: ReadonlySet<string> = new Set<ChatImage['mediaType']>([
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/gif',
]);

const SUPPORTED =
  'PNG, JPEG, WebP and GIF pictures, and text, Markdown, CSV, JSON, source code and PDF documents';

export type ReadFile = { kind: 'picture'; image: ChatImage } | { kind: 'document'; text: string };

const unsupported = (name: string, type: string) =>
  new AppError('unsupported_media_type', `attachments: ${name} is ${type}; supported are ${SUPPORTED}`, {
    details: { field: 'attachments' },
  });

function isPicture(type: string): type is ChatImage['mediaType'] {
  return PICTURE_TYPES.has(type);
}

/** A file as the model gets it. @throws unsupported_media_type (415), validation_error for an unreadable PDF */
export async function readAttachment(name: string, bytes: Buffer): Promise<ReadFile> {
  const type = sniffContentType(bytes.subarray(0, SNIFF_BYTES));
  if (isPicture(type)) return { kind: 'picture', image: { mediaType: type, data: bytes.toString('base64') } };
  if (type === 'application/pdf') return { kind: 'document', text: await pdfText(name, bytes) };
  if (type.startsWith('text/plain')) {
    try {
      return { kind: 'document', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
    } catch {
      throw unsupported(name, 'not valid UTF-8 text');
    }
  }
  throw unsupported(name, type);
}

async function pdfText(name: string, bytes: Buffer): Promise<string> {
  let text: string;
  try {
    const { extractText, getDocumentProxy } = await import('unpdf');
    const pdf = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, verbosity: 0 });
    try {
      text = (await extractText(pdf, { mergePages: true })).text;
    } finally {
      await pdf.destroy();
    }
  } catch {
    throw invalidField('attachments', `${name} could not be read as a PDF`);
  }
  // Text a PDF cannot carry into PostgreSQL or a JSON body (NUL) is dropped.
  const clean = text.replaceAll('\u0000', '').trim();
  if (!clean) throw invalidField('attachments', `${name} has no text to read (a scanned PDF?)`);
  return clean;
}
