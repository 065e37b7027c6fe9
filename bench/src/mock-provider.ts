import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * A zero-delay OpenAI-compatible provider for load tests: answers /v1/chat/completions at once, streamed
 * (SSE, `chunks` deltas, usage, [DONE]) or not, and /v1/models. It records nothing, so it stays flat under load.
 * `setPacing(ms)` makes a stream wait `ms` before each frame (a model producing a chunk every `ms`).
 */
export async function startMockProvider(opts: { reply?: string; chunks?: number } = {}) {
  const reply = opts.reply ?? 'PocketLLM benchmark answer: the quick brown fox jumps over the lazy dog.';
  const pieces: string[] = [];
  const n = opts.chunks ?? 8;
  const size = Math.ceil(reply.length / n);
  for (let i = 0; i < reply.length; i += size) pieces.push(reply.slice(i, i + size));
  const completion = JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 0,
    model: 'bench-model',
    choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: n, total_tokens: 12 + n },
  });
  const frameList = [
    ...pieces.map(
      (p) =>
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: p }, finish_reason: null }] })}\n\n`,
    ),
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 12, completion_tokens: n } })}\n\n`,
    'data: [DONE]\n\n',
  ];
  const frames = frameList.join('');
  let paceMs = 0;
  // Paced: each content frame after `paceMs`; the closing frames go with the last one.
  const paced = (res: http.ServerResponse) => {
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (i < pieces.length - 1) {
        res.write(frameList[i++]);
        setTimeout(next, paceMs);
      } else res.end(frameList.slice(i).join(''));
    };
    setTimeout(next, paceMs);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'list',
            data: [{ id: 'bench-model', object: 'model', owned_by: 'bench' }],
          }),
        );
        return;
      }
      const stream = Buffer.concat(chunks).includes('"stream":true');
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        if (paceMs > 0) paced(res);
        else res.end(frames);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(completion);
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    reply,
    setPacing: (ms: number) => {
      paceMs = ms;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Runs `script` (a TypeScript file beside this one) in a child process of its own; it prints the URL it serves
 * on its first line of output.
 */
export async function startUrlProcess(
  script: string,
  args: string[] = [],
): Promise<{ url: string; pid: number; close(): void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.stdout?.once('data', (b: Buffer) => resolve(b.toString().trim()));
  });
  return { url, pid: child.pid ?? 0, close: () => child.kill() };
}

/**
 * The same mock in a child process, as a real provider is another machine: in the bench's own process it
 * answers only once the bench's client has handled what the server sent it first (a send's message.created).
 */
export const startMockProcess = () => startUrlProcess('./mock-process.ts');
