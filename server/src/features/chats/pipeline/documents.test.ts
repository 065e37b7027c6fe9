import { describe, expect, it } from 'vitest';
import { tinyPng } from '../../../../test/fakes/index.js';
import { makePdf } from '../../../../test/fixtures/make-pdf.js';
import { AppError } from '../../../errors.js';
import { readAttachment } from './documents.js';

const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
};

describe('reading an attachment by its bytes', () => {
  it('takes the text of every page of a PDF', async () => {
    const pdf = makePdf([['Quarterly report', 'Revenue rose 12 (twelve) percent.'], ['Page two here']]);
    const read = await readAttachment('report.pdf', pdf);
    expect(read.kind).toBe('document');
    const text = read.kind === 'document' ? read.text : '';
    expect(text).toContain('Quarterly report');
    expect(text).toContain('Revenue rose 12 (twelve) percent.');
    expect(text).toContain('Page two here');
  });

  it('tells a picture by its bytes, whatever its name says', async () => {
    const read = await readAttachment('notes.txt', tinyPng('x'));
    expect(read).toEqual({
      kind: 'picture',
      image: { mediaType: 'image/png', data: tinyPng('x').toString('base64') },
    });
    const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(20, 1)]);
    expect(await readAttachment('a.gif', gif)).toMatchObject({
      kind: 'picture',
      image: { mediaType: 'image/gif' },
    });
  });

  it('reads UTF-8 text documents (Markdown, CSV, JSON, code) as they are', async () => {
    const csv = 'name,price\nTea,3.50\nCafé,4\n';
    expect(await readAttachment('prices.csv', Buffer.from(csv))).toEqual({ kind: 'document', text: csv });
  });

  it('refuses other types with 415 naming attachments, and a broken PDF with 400', async () => {
    const zip = await refusal(readAttachment('a.zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])));
    expect(zip.code).toBe('unsupported_media_type');
    expect(zip.message).toMatch(/^attachments: a\.zip is application\/zip/);
    const latin1 = Buffer.concat([Buffer.from('plain text '.repeat(60)), Buffer.from([0xe9, 0x20])]);
    expect((await refusal(readAttachment('l.txt', latin1))).code).toBe('unsupported_media_type');
    const broken = await refusal(readAttachment('b.pdf', Buffer.from('%PDF-1.4\nnot really a pdf')));
    expect(broken.code).toBe('validation_error');
    expect(broken.details).toEqual({ field: 'attachments' });
  });
});
