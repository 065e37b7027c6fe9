// The thinnest Node proxy, in a process of its own: every request goes as it came to the origin given as the
// first argument, over kept-alive connections, and its answer is piped back as it comes (node:http alone).
// The gateway bench measures it beside /openai/v1 (openai-gateway.ts): the floor a Node hop costs on this machine.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const origin = new URL(process.argv[2] ?? '');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
const server = http.createServer((req, res) => {
  const up = http.request(
    {
      host: origin.hostname,
      port: origin.port,
      path: req.url,
      method: req.method,
      headers: req.headers,
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  up.on('error', () => res.destroy());
  req.pipe(up);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
