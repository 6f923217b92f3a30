/** A local CloudEvents receiver on 127.0.0.1 for the outbox's end-to-end tests: answers from a script, then 200. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEvent {
  id: string;
  type: string;
  subject: string;
  data: unknown;
}

export interface Receiver {
  url: string;
  /** Statuses of every POST, in order. */
  statuses: number[];
  /** Events of the accepted POSTs, in arrival order. */
  accepted: ReceivedEvent[];
  /** Statuses to answer next (then 200). */
  script: number[];
  close(): Promise<void>;
}

export async function startReceiver(script: number[] = []): Promise<Receiver> {
  const statuses: number[] = [];
  const accepted: ReceivedEvent[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = script.shift() ?? 200;
      statuses.push(status);
      if (status < 300) accepted.push(...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedEvent[]));
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/events`, statuses, accepted, script, close: () => new Promise((done) => server.close(() => done())) };
}
