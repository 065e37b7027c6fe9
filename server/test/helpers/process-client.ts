import { randomBytes } from 'node:crypto';
import { call, type ServerProcess } from './server-process.js';
import { readSse, type SseEvent } from './sse.js';

export interface LiveAnswer {
  answerId: string;
  events: SseEvent[];
  /** Resolves when the stream ends (the answer finished, failed, or the server went away). */
  ended: Promise<void>;
}

/** Opens a streaming send on `server` and resolves once the answer has its id and first delta. */
export async function sendStreaming(
  server: ServerProcess,
  token: string,
  chatId: string,
  content: string,
): Promise<LiveAnswer> {
  const res = await fetch(`${server.url}/v1/chats/${chatId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'openai', model: 'gpt-test', content, stream: true }),
  });
  if (res.status !== 200) throw new Error(`send answered ${res.status}: ${await res.text()}`);
  return followEvents(res);
}

/** Follows an answer from `server` (GET /v1/messages/{id}/stream). */
export async function followAnswer(server: ServerProcess, token: string, answerId: string) {
  const res = await fetch(`${server.url}/v1/messages/${answerId}/stream`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) throw new Error(`stream answered ${res.status}: ${await res.text()}`);
  return followEvents(res, answerId);
}

function followEvents(res: Response, knownId?: string): Promise<LiveAnswer> {
  const events: SseEvent[] = [];
  return new Promise((resolve, reject) => {
    let answerId = knownId;
    let told = false;
    const ended = readSse(res, (e) => {
      events.push(e);
      const created = e.data.assistant_message;
      if (e.event === 'message.created' && created && typeof created === 'object' && 'id' in created) {
        answerId = String(created.id);
      }
      if (!told && answerId && e.event === 'delta') {
        told = true;
        resolve({ answerId, events, ended });
      }
      return true;
    }).catch(() => {});
    void ended.then(() => {
      if (!told) reject(new Error(`stream ended before its first delta: ${JSON.stringify(events)}`));
    });
  });
}

export const newChat = async (server: ServerProcess, token: string) => {
  const res = await call(server.url, 'POST', '/v1/chats', { token, body: {} });
  if (res.status !== 201) throw new Error(`new chat answered ${res.status}`);
  return String(res.body.id);
};

let ipCounter = 0;
/** A client address of its own, so setup calls never share a rate-limit bucket with what a test measures. */
export const freshIp = () => {
  ipCounter += 1;
  return `198.51.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
};

export async function registerOn(server: ServerProcess, email = `u${Date.now()}${ipCounter}@example.com`) {
  const password = `pw-${randomBytes(6).toString('hex')}-Zq`;
  const res = await call(server.url, 'POST', '/v1/auth/register', {
    body: { email, password },
    ip: freshIp(),
  });
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { email, password, token: String(res.body.access_token) };
}

export async function loginOn(server: ServerProcess, email: string, password: string) {
  const res = await call(server.url, 'POST', '/v1/auth/login', { body: { email, password }, ip: freshIp() });
  if (res.status !== 200) throw new Error(`login answered ${res.status}`);
  return String(res.body.access_token);
}

/** Polls until `check` holds; the milliseconds it took. */
export async function within(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - started;
}
