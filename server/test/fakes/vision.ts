/**
 * The fakes check pictures the way the real APIs do: each provider's exact shape (OpenAI `image_url` parts
 * with a data URL, Anthropic `image` blocks with a base64 source, Ollama bare base64 `images`), base64 that
 * decodes to a picture of the declared type, and — when `visionModels` is set — a model that takes pictures.
 * A request that breaks a rule gets the provider's own 400.
 */
import type { RecordedRequest } from './fake-types.js';

type Refusal = { status: number; message: string } | null;
const MEDIA = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];

const obj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const messagesOf = (body: unknown): unknown[] =>
  obj(body) && Array.isArray(body.messages) ? body.messages : [];

/** The picture type told by the decoded bytes, or null when they are no picture (or not base64). */
export function pictureType(base64: string): string | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return null;
  const b = Buffer.from(base64, 'base64');
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (/^GIF8[79]a/.test(b.toString('latin1', 0, 6))) return 'image/gif';
  return null;
}

/** A picture the model received: its declared type and bytes. */
export interface SentPicture {
  mediaType: string;
  bytes: Buffer;
}

function modelRefusal(req: RecordedRequest, pictures: number, visionModels: string[] | undefined): Refusal {
  if (!pictures || !visionModels) return null;
  const model = obj(req.body) ? req.body.model : undefined;
  return typeof model === 'string' && visionModels.includes(model)
    ? null
    : { status: 400, message: `model ${String(model)} does not support image input` };
}

/** OpenAI: `content` is a string, or parts of `{type:'text',text}` and `{type:'image_url',image_url:{url}}`. */
export function openAIPictures(req: RecordedRequest): SentPicture[] | string {
  const out: SentPicture[] = [];
  for (const m of messagesOf(req.body)) {
    if (!obj(m)) return 'messages: each message must be an object';
    if (typeof m.content === 'string') continue;
    if (!Array.isArray(m.content)) return 'messages: content must be a string or an array of parts';
    if (m.role !== 'user')
      return `messages: image parts are only allowed in user messages, not ${String(m.role)}`;
    for (const part of m.content) {
      if (obj(part) && part.type === 'text' && typeof part.text === 'string') continue;
      if (!obj(part) || part.type !== 'image_url' || !obj(part.image_url))
        return 'messages: unknown content part';
      const url = part.image_url.url;
      const match = typeof url === 'string' ? /^data:(image\/[a-z]+);base64,(.*)$/s.exec(url) : null;
      if (!match?.[1] || match[2] === undefined)
        return 'messages: image_url.url must be a data URL or https URL';
      if (pictureType(match[2]) !== match[1]) return `messages: the image is not a valid ${match[1]}`;
      out.push({ mediaType: match[1], bytes: Buffer.from(match[2], 'base64') });
    }
  }
  return out;
}

/** Anthropic: `content` is a string, or blocks of `{type:'text',text}` and `{type:'image',source:{type:'base64',…}}`. */
export function anthropicPictures(req: RecordedRequest): SentPicture[] | string {
  const out: SentPicture[] = [];
  for (const m of messagesOf(req.body)) {
    if (!obj(m)) return 'messages: each message must be an object';
    if (typeof m.content === 'string') continue;
    if (!Array.isArray(m.content)) return 'messages: content must be a string or a list of blocks';
    for (const block of m.content) {
      if (obj(block) && block.type === 'text' && typeof block.text === 'string') continue;
      if (!obj(block) || block.type !== 'image' || !obj(block.source))
        return 'messages: unknown content block';
      const { type, media_type: mediaType, data } = block.source;
      if (
        type !== 'base64' ||
        typeof mediaType !== 'string' ||
        !MEDIA.includes(mediaType) ||
        typeof data !== 'string'
      )
        return 'messages: image.source must be {type: "base64", media_type, data}';
      if (pictureType(data) !== mediaType)
        return `messages: Image does not match the provided media type ${mediaType}`;
      out.push({ mediaType, bytes: Buffer.from(data, 'base64') });
    }
  }
  return out;
}

/** Ollama: `content` is always a string; pictures are bare base64 strings in the message's `images`. */
export function ollamaPictures(req: RecordedRequest): SentPicture[] | string {
  const out: SentPicture[] = [];
  for (const m of messagesOf(req.body)) {
    if (!obj(m) || typeof m.content !== 'string')
      return 'json: cannot unmarshal array into content of type string';
    if (m.images === undefined) continue;
    if (!Array.isArray(m.images)) return 'json: images must be an array';
    for (const img of m.images) {
      const type = typeof img === 'string' ? pictureType(img) : null;
      if (!type) return 'illegal base64 data in images';
      out.push({ mediaType: type, bytes: Buffer.from(String(img), 'base64') });
    }
  }
  return out;
}

/** The refusal a provider would give a chat request's pictures, or null. */
export function checkPictures(
  req: RecordedRequest,
  read: (req: RecordedRequest) => SentPicture[] | string,
  visionModels: string[] | undefined,
): Refusal {
  if (req.endpoint !== 'chat') return null;
  const pictures = read(req);
  if (typeof pictures === 'string') return { status: 400, message: pictures };
  return modelRefusal(req, pictures.length, visionModels);
}
