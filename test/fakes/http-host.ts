/**
 * A scripted image host behind a fake `fetch`, for the transfer's unit tests: each request is recorded (URL,
 * headers) and answered by the script with a status, headers and a body — whole (sent in chunks), held open and
 * fed by the test (`tap`), never answered (`hang`) or refused (`network-error`). Like a real fetch, an abort of the
 * request's signal rejects a pending answer and errors a body being read.
 */
export interface FakeRequest {
  url: string;
  headers: Headers;
  signal: AbortSignal | null;
}

export interface Tap {
  push(bytes: Uint8Array): void;
  end(): void;
  fail(error?: Error): void;
}

export type Answer =
  | { status?: number; headers?: Record<string, string | undefined>; body: Uint8Array; chunkBytes?: number }
  | { status?: number; headers?: Record<string, string | undefined>; body: 'tap' }
  | 'hang'
  | 'network-error';

/** What the fake writes a body through, whatever kind of stream carries it. */
interface Sink {
  enqueue(bytes: Uint8Array<ArrayBuffer>): void;
  close(): void;
  error(reason: unknown): void;
}

function openStream(bytes: boolean, start: (sink: Sink) => void): ReadableStream<Uint8Array> {
  if (bytes) return new ReadableStream({ type: 'bytes', start: (controller) => start(controller) });
  return new ReadableStream<Uint8Array>({ start: (controller) => start(controller) });
}

const abortError = (): Error => new DOMException('The operation was aborted.', 'AbortError');

/** `byteStreams`: bodies are readable byte streams (as fetch's are in Chrome; BYOB readers work), else default streams. */
export function fakeHost(script: (request: FakeRequest, index: number) => Answer, { byteStreams = true } = {}) {
  const requests: FakeRequest[] = [];
  const taps: Tap[] = [];
  let bytesSent = 0;

  const fetch = (url: string, init: RequestInit = {}): Promise<Response> => {
    const request: FakeRequest = { url, headers: new Headers(init.headers), signal: init.signal ?? null };
    const index = requests.push(request) - 1;
    const answer = script(request, index);
    const signal = request.signal;
    if (signal?.aborted) return Promise.reject(abortError());
    if (answer === 'hang') return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(abortError())));
    if (answer === 'network-error') return Promise.reject(new TypeError('Failed to fetch'));
    let stream: Sink | null = null;
    let closed = false;
    const body = openStream(byteStreams, (controller) => {
      stream = controller;
      if (answer.body === 'tap') return;
      const size = answer.chunkBytes ?? 1000;
      for (let at = 0; at < answer.body.length; at += size) controller.enqueue(answer.body.slice(at, at + size));
      bytesSent += answer.body.length;
      closed = true;
      controller.close();
    });
    signal?.addEventListener('abort', () => {
      if (closed) return;
      closed = true;
      stream?.error(abortError());
    });
    if (answer.body === 'tap') {
      taps[index] = {
        push: (bytes) => {
          if (closed) return;
          bytesSent += bytes.length;
          stream?.enqueue(bytes.slice());
        },
        end: () => {
          if (closed) return;
          closed = true;
          stream?.close();
        },
        fail: (error = new TypeError('network error')) => {
          if (closed) return;
          closed = true;
          stream?.error(error);
        },
      };
    }
    const headers = Object.entries(answer.headers ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined);
    return Promise.resolve(new Response(body, { status: answer.status ?? 200, headers }));
  };

  return { fetch, requests, taps, bytesSent: () => bytesSent };
}
