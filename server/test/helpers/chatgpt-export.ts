import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/**
 * Realistic ChatGPT `conversations.json` entries, shaped as OpenAI's export writes them: a hidden root
 * node, a hidden system message, user/assistant turns with `model_slug`, tool calls and their output,
 * pictures in `multimodal_text`, and branches (an edited prompt, a regenerated answer) under `children`.
 */

interface Node {
  id: string;
  message: Record<string, unknown> | null;
  parent: string | null;
  children: string[];
}

export interface GeneratedConversation {
  conversation: Record<string, unknown>;
  /** The text of the messages on the current branch, root first (what the import must show). */
  currentPath: { role: 'user' | 'assistant'; content: string }[];
  /** User and assistant messages with text, on every branch. */
  visibleMessages: number;
}

const WORDS =
  'the quick model answers every question about gardens rivers code tests streams memory import export tree branch leaf token'.split(
    ' ',
  );

/** A small deterministic generator, so a failing case can be reproduced from its seed. */
export function seeded(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    text: (words: number) =>
      Array.from({ length: words }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' '),
  };
}

function message(
  id: string,
  role: string,
  content: Record<string, unknown>,
  time: number | null,
  extra: { model?: string; recipient?: string; hidden?: boolean } = {},
): Record<string, unknown> {
  return {
    id,
    author: { role, name: role === 'tool' ? 'python' : null, metadata: {} },
    create_time: time,
    update_time: null,
    content,
    status: 'finished_successfully',
    end_turn: role === 'assistant' ? true : null,
    weight: 1.0,
    metadata: {
      ...(extra.model ? { model_slug: extra.model, default_model_slug: extra.model } : {}),
      ...(extra.hidden ? { is_visually_hidden_from_conversation: true } : {}),
      request_id: randomUUID(),
    },
    recipient: extra.recipient ?? 'all',
    channel: null,
  };
}

const text = (s: string) => ({ content_type: 'text', parts: [s] });

/**
 * One conversation of `turns` user/assistant exchanges. With `branches`, the second prompt is edited once
 * (a sibling user message with its own answer) and the last answer regenerated once; the current node is
 * the newest branch. `toolCall` adds a code-interpreter call between a prompt and its answer.
 */
export function chatgptConversation(opts: {
  seed: number;
  turns: number;
  branches?: boolean;
  toolCall?: boolean;
  picture?: boolean;
  words?: number;
  title?: string;
}): GeneratedConversation {
  const rnd = seeded(opts.seed);
  const words = opts.words ?? 40;
  const start = 1_700_000_000 + opts.seed * 1000;
  let clock = start;
  const tick = () => {
    clock += 1 + rnd.next() * 30;
    return clock;
  };
  const mapping: Record<string, Node> = {};
  const add = (parent: string | null, msg: Record<string, unknown> | null, id: string = randomUUID()) => {
    mapping[id] = { id, message: msg, parent, children: [] };
    if (parent) mapping[parent]?.children.push(id);
    return id;
  };
  const root = add(null, null, `client-created-root-${opts.seed}`);
  const system = randomUUID();
  add(root, message(system, 'system', text(''), null, { hidden: true }), system);
  const model = opts.seed % 2 ? 'gpt-4o' : 'o3-mini';
  let path: GeneratedConversation['currentPath'] = [];
  let visible = 0;
  let leaf = system;
  const turn = (parent: string, i: number, variant = '') => {
    const prompt = `Q${i}${variant}: ${rnd.text(Math.max(3, words / 4))}`;
    const u = randomUUID();
    const picture = opts.picture && i === 0;
    const content = picture
      ? {
          content_type: 'multimodal_text',
          parts: [
            {
              content_type: 'image_asset_pointer',
              asset_pointer: 'file-service://file-abc',
              size_bytes: 1000,
            },
            prompt,
          ],
        }
      : text(prompt);
    add(parent, message(u, 'user', content, tick()), u);
    let answerParent = u;
    if (opts.toolCall && i === 0) {
      const call = randomUUID();
      add(
        u,
        message(call, 'assistant', { content_type: 'code', language: 'unknown', text: 'print(1)' }, tick(), {
          model,
          recipient: 'python',
        }),
        call,
      );
      const out = randomUUID();
      add(call, message(out, 'tool', { content_type: 'execution_output', text: '1' }, tick()), out);
      answerParent = out;
    }
    const answerText = `A${i}${variant}: ${rnd.text(words)}`;
    const a = randomUUID();
    add(answerParent, message(a, 'assistant', text(answerText), tick(), { model }), a);
    visible += 2;
    return { u, a, prompt: picture ? `[image]\n\n${prompt}` : prompt, answer: answerText };
  };
  for (let i = 0; i < opts.turns; i++) {
    if (opts.branches && i === 1) {
      // The first version of the second prompt, later edited: it keeps its own answer on the old branch.
      turn(leaf, i, ' (first version)');
    }
    const t = turn(leaf, i);
    path.push({ role: 'user', content: t.prompt }, { role: 'assistant', content: t.answer });
    leaf = t.a;
  }
  if (opts.branches && opts.turns > 0) {
    const lastUser = mapping[leaf]?.parent as string;
    const anchor = mapping[lastUser]?.message ? lastUser : leaf;
    const again = `A${opts.turns - 1} regenerated: ${rnd.text(words)}`;
    const a = randomUUID();
    add(anchor, message(a, 'assistant', text(again), tick(), { model: 'gpt-4o' }), a);
    visible += 1;
    path = [...path.slice(0, -1), { role: 'assistant', content: again }];
    leaf = a;
  }
  const id = randomUUID();
  return {
    conversation: {
      title: opts.title ?? `Conversation ${opts.seed}`,
      create_time: start,
      update_time: clock,
      mapping,
      moderation_results: [],
      current_node: leaf,
      plugin_ids: null,
      conversation_id: id,
      conversation_template_id: null,
      gizmo_id: null,
      is_archived: false,
      safe_urls: [],
      default_model_slug: model,
      id,
    },
    currentPath: path,
    visibleMessages: visible,
  };
}

/** A whole conversations.json text. */
export const chatgptExport = (conversations: GeneratedConversation[]) =>
  JSON.stringify(conversations.map((c) => c.conversation));

/**
 * Writes a conversations.json of about `targetBytes` to `file`, one conversation at a time (never the
 * whole document in memory), for the import bench. @returns the conversations and bytes written
 */
export async function writeChatgptExport(
  file: string,
  targetBytes: number,
): Promise<{ conversations: number; bytes: number }> {
  const out = createWriteStream(file);
  let bytes = 0;
  let n = 0;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('[');
  while (bytes < targetBytes) {
    const c = chatgptConversation({
      seed: n + 1,
      turns: 4 + (n % 12),
      branches: n % 3 === 0,
      toolCall: n % 7 === 0,
    });
    await write(`${n ? ',' : ''}${JSON.stringify(c.conversation)}`);
    n += 1;
  }
  await write(']');
  out.end();
  await once(out, 'finish');
  return { conversations: n, bytes };
}
