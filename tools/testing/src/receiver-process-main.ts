/**
 * The receiver ReceiverProcess runs as its own process: answers 200 at once (or after a delay
 * while told to be slow), and reports each request's idempotency key and arrival time to its
 * parent in batches. Its own event loop, so the load generator's stalls are not its answers'.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FromReceiver, ToReceiver } from './receiver-process';

const send = (message: FromReceiver) => process.send?.(message);
const clock = () => performance.timeOrigin + performance.now();

/** Slow from the next request on, for `forMs`; then the period it applies to. */
let armed: { latencyMs: number; forMs: number } | undefined;
let slow = { latencyMs: 0, until: 0 };
let arrivals: [string, number][] = [];

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const now = clock();
    if (armed) {
      slow = { latencyMs: armed.latencyMs, until: now + armed.forMs };
      send({ type: 'slow', from: now, until: slow.until });
      armed = undefined;
    }
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string') arrivals.push([key, now]);
    const answer = () => res.writeHead(200, { 'content-length': '0' }).end();
    if (now < slow.until) setTimeout(answer, slow.latencyMs);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;

// Arrivals go to the parent a few times a second rather than one message per request.
setInterval(() => {
  if (arrivals.length === 0) return;
  send({ type: 'arrivals', arrivals });
  arrivals = [];
}, 20);

process.on('message', (message: ToReceiver) => {
  if (message.type === 'slow') {
    armed = { latencyMs: message.latencyMs, forMs: message.forMs };
    send({ type: 'armed' });
  }
});
// The parent went away (or closed us): nothing left to answer for.
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => send({ type: 'ready', port: (server.address() as AddressInfo).port }));
