/**
 * The attachments step of a send (and of an edit): the user's files, checked and read, become pictures on
 * the prompt and labelled document text before it. Runs after the target is resolved (pictures need a model
 * with vision) and before anything is stored, so a refused attachment stores nothing.
 */
import { createHash } from 'node:crypto';
import type { MessageAttachment } from '../../../db/schema/index.js';
import { AppError, invalidField } from '../../../errors.js';
import { VISION } from '../../../llm/capabilities.js';
import type { ChatImage, ChatMessage, ProviderTarget } from '../../../llm/types.js';
import { readAttachment } from './documents.js';
import type { ResolvedModel } from './resolve-target.js';

export interface AttachmentDeps {
  /** The caller's files with their bytes, in the order asked. @throws not_found for another user's or unknown */
  files: {
    readOwned(
      userId: string,
      ids: string[],
    ): Promise<
      { id: string; name: string; contentType: string; size: number; sha256: string; bytes: Buffer }[]
    >;
  };
  /** What the model takes besides text (the models catalogue, else the maintained list). */
  capabilitiesOf(userId: string, target: ProviderTarget, model: string): Promise<string[]>;
}

export interface PreparedAttachments {
  /** What the user message stores and shows. */
  stored: MessageAttachment[];
  images: ChatImage[];
  /** The prompt as the model gets it: the documents, each labelled with its name, then what the user typed. */
  prompt: string;
  /** The files' content hashes ('' without attachments): part of the answer cache key. */
  hash: string;
}

// The same estimate and defaults as context-window.ts / build-context.ts: ~4 characters a token.
const tokens = (text: string) => Math.ceil(text.length / 4) + 4;
const CONTEXT_TOKENS = 8192;
const DEFAULT_MAX_TOKENS = 2048;

export const noAttachments = (prompt: string): PreparedAttachments => ({
  stored: [],
  images: [],
  prompt,
  hash: '',
});

const label = (name: string) => name.replaceAll('"', "'");

/**
 * Checks and reads a send's attachments. @throws not_found (another user's or an unknown file),
 * unsupported_media_type (415), validation_error naming `attachments` (a picture for a model without vision,
 * documents larger than the model's room — saying by how much — or an unreadable PDF)
 */
export async function prepareAttachments(
  deps: AttachmentDeps | undefined,
  input: { userId: string; fileIds: string[] | undefined; resolved: ResolvedModel; prompt: string },
): Promise<PreparedAttachments> {
  const ids = [...new Set(input.fileIds ?? [])];
  if (!ids.length) return noAttachments(input.prompt);
  if (!deps) throw invalidField('attachments', 'attachments are not available here');
  const { resolved } = input;
  const files = await deps.files.readOwned(input.userId, ids);
  const images: ChatImage[] = [];
  const documents: string[] = [];
  for (const f of files) {
    const read = await readAttachment(f.name, f.bytes);
    if (read.kind === 'picture') images.push(read.image);
    else documents.push(`<file name="${label(f.name)}">\n${read.text}\n</file>`);
  }
  if (images.length) {
    const caps = await deps.capabilitiesOf(input.userId, resolved.target, resolved.model);
    if (!caps.includes(VISION)) {
      throw invalidField(
        'attachments',
        `${resolved.model} does not take pictures: choose a model with vision`,
      );
    }
  }
  const prompt = documents.length
    ? `Attached ${documents.length === 1 ? 'file' : 'files'}:\n\n${documents.join('\n\n')}\n\n${input.prompt}`
    : input.prompt;
  if (documents.length) {
    const maxTokens = resolved.params.max_tokens ?? DEFAULT_MAX_TOKENS;
    const room =
      Math.max(CONTEXT_TOKENS - maxTokens, Math.floor(CONTEXT_TOKENS / 4)) -
      (resolved.systemPrompt ? tokens(resolved.systemPrompt) : 0);
    const need = tokens(prompt);
    if (need > room) {
      throw new AppError(
        'validation_error',
        `attachments: the documents and prompt are about ${need} tokens, ${need - room} more than the ${room} ` +
          'the model has room for; attach less or a shorter file',
        { details: { field: 'attachments', tokens: need, limit: room, over_by: need - room } },
      );
    }
  }
  return {
    stored: files.map((f) => ({ id: f.id, name: f.name, content_type: f.contentType, size: f.size })),
    images,
    prompt,
    hash: createHash('sha256')
      .update(files.map((f) => f.sha256).join('\n'))
      .digest('hex'),
  };
}

/** The model's messages with the pictures on the last (the new user) message. */
export function withPictures(messages: ChatMessage[], images: ChatImage[]): ChatMessage[] {
  const last = messages.at(-1);
  if (!images.length || !last) return messages;
  return [...messages.slice(0, -1), { ...last, images }];
}
