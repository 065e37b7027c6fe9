import type { ChatEvent } from '../../src/llm/types.js';

export interface CollectedChat {
  text: string;
  deltas: string[];
  done: Extract<ChatEvent, { type: 'done' }> | undefined;
  /** The error the stream threw, if any (after `deltas` arrived). */
  error: unknown;
}

/** Drains a provider stream without throwing, so a test can look at what arrived before a failure. */
export async function collectChat(stream: AsyncIterable<ChatEvent>): Promise<CollectedChat> {
  const out: CollectedChat = { text: '', deltas: [], done: undefined, error: undefined };
  try {
    for await (const ev of stream) {
      if (ev.type === 'delta') {
        out.deltas.push(ev.content);
        out.text += ev.content;
      } else {
        if (out.done) throw new Error('stream yielded two done events');
        out.done = ev;
      }
    }
  } catch (err) {
    out.error = err;
  }
  return out;
}
