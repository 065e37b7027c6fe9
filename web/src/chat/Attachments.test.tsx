import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installFakeApi, json } from '../test/fake-api';
import { AttachmentList } from './AttachmentList';
import { Composer } from './Composer';

const FILE_ID = '00000000-0000-4000-8000-0000000f0001';
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

const wrap = (ui: ReactNode) =>
  render(<QueryClientProvider client={new QueryClient()}>{ui}</QueryClientProvider>);

let urls = 0;
beforeEach(() => {
  vi.stubGlobal(
    'URL',
    Object.assign(URL, {
      createObjectURL: vi.fn(() => `blob:preview-${++urls}`),
      revokeObjectURL: vi.fn(),
    }),
  );
});
afterEach(() => vi.unstubAllGlobals());

function uploads() {
  let n = 0;
  return installFakeApi({
    'POST /files': ({ body }) => {
      const file = body instanceof FormData ? body.get('file') : null;
      const name = file instanceof File ? file.name : 'unknown';
      n++;
      return json(
        {
          id: FILE_ID.replace(/1$/, String(n)),
          name,
          size: file instanceof File ? file.size : 0,
          content_type: name.endsWith('.png') ? 'image/png' : 'application/pdf',
          chat_id: null,
          visibility: 'private',
          url: '/v1/files/x',
          created_at: new Date().toISOString(),
        },
        201,
      );
    },
  });
}

describe('attaching files in the composer', () => {
  it('uploads a picked file, previews it, and sends its id with the message', async () => {
    const { calls } = uploads();
    const onSend = vi.fn(() => Promise.resolve());
    wrap(<Composer chatId="a1" streaming={false} onSend={onSend} onStop={() => undefined} />);
    fireEvent.change(screen.getByTestId('attach-input'), {
      target: { files: [new File([PNG], 'cat.png', { type: 'image/png' })] },
    });
    const preview = await screen.findByRole('img', { name: 'cat.png' });
    expect(preview.getAttribute('src')).toMatch(/^blob:preview-/);
    await waitFor(() => expect(screen.queryByText('Uploading…')).toBeNull());
    expect(calls.filter((c) => c.method === 'POST' && c.path === '/files')).toHaveLength(1);
    fireEvent.change(screen.getByLabelText('Message'), { target: { value: 'what is this?' } });
    fireEvent.keyDown(screen.getByLabelText('Message'), { key: 'Enter' });
    await waitFor(() => expect(onSend).toHaveBeenCalledTimes(1));
    expect(onSend).toHaveBeenCalledWith('what is this?', {
      ids: ['00000000-0000-4000-8000-0000000f0001'],
      shown: [
        {
          id: '00000000-0000-4000-8000-0000000f0001',
          name: 'cat.png',
          content_type: 'image/png',
          size: PNG.length,
        },
      ],
    });
    // Sent: the tray is empty again.
    await waitFor(() => expect(screen.queryByRole('img', { name: 'cat.png' })).toBeNull());
  });

  it('a removed file is not sent; a pasted picture and a dropped PDF are attached', async () => {
    uploads();
    const onSend = vi.fn(() => Promise.resolve());
    wrap(<Composer chatId="a2" streaming={false} onSend={onSend} onStop={() => undefined} />);
    const box = screen.getByLabelText('Message');
    fireEvent.paste(box, {
      clipboardData: { files: [new File([PNG], 'pasted.png', { type: 'image/png' })], items: [] },
    });
    await screen.findByRole('img', { name: 'pasted.png' });
    const form = box.closest('form');
    if (!form) throw new Error('no form');
    fireEvent.drop(form, {
      dataTransfer: {
        files: [new File(['%PDF-1.4'], 'report.pdf', { type: 'application/pdf' })],
        items: [],
        types: ['Files'],
      },
    });
    await screen.findByText('report.pdf');
    await waitFor(() => expect(screen.queryByText('Uploading…')).toBeNull());
    fireEvent.click(screen.getByRole('button', { name: 'Remove pasted.png' }));
    expect(screen.queryByRole('img', { name: 'pasted.png' })).toBeNull();
    fireEvent.change(box, { target: { value: 'summarise' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(onSend).toHaveBeenCalledTimes(1));
    const [, attached] = onSend.mock.calls[0] as unknown as [string, { shown: { name: string }[] }];
    expect(attached.shown.map((a) => a.name)).toEqual(['report.pdf']);
  });

  it('keeps the files when the send is refused', async () => {
    uploads();
    const onSend = vi.fn(() => Promise.reject(new Error('400')));
    wrap(<Composer chatId="a3" streaming={false} onSend={onSend} onStop={() => undefined} />);
    fireEvent.change(screen.getByTestId('attach-input'), {
      target: { files: [new File([PNG], 'keep.png', { type: 'image/png' })] },
    });
    await waitFor(() => expect(screen.queryByText('Uploading…')).toBeNull());
    fireEvent.change(screen.getByLabelText('Message'), { target: { value: 'hi' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(onSend).toHaveBeenCalled());
    expect(await screen.findByRole('img', { name: 'keep.png' })).toBeTruthy();
    expect((screen.getByLabelText('Message') as HTMLTextAreaElement).value).toBe('hi');
  });
});

describe('attachments on a sent message', () => {
  it('shows a thumbnail fetched with the session for a picture and a chip for a document', async () => {
    const { calls } = installFakeApi({
      [`GET /files/${FILE_ID}`]: () => new Response(PNG, { headers: { 'content-type': 'image/png' } }),
    });
    const attachments = [
      { id: FILE_ID, name: 'cat.png', content_type: 'image/png', size: 11 },
      {
        id: '00000000-0000-4000-8000-0000000f0009',
        name: 'notes.pdf',
        content_type: 'application/pdf',
        size: 2048,
      },
    ];
    wrap(<AttachmentList attachments={attachments} />);
    const img = await screen.findByRole('img', { name: 'cat.png' });
    expect(img.getAttribute('src')).toMatch(/^blob:preview-/);
    expect(screen.getByText('notes.pdf')).toBeTruthy();
    expect(screen.getByText('2 KB')).toBeTruthy();
    expect(calls.map((c) => c.path)).toEqual([`/files/${FILE_ID}`]);
  });
});
