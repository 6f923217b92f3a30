// The extension's memory as the issue measures it: for each of its contexts (the service worker, the offscreen
// transfer document, any extension page), CDP `Runtime.getHeapUsage` → `usedSize + backingStorageSize` (the JS heap
// plus array-buffer backing stores), summed. For the bench areas (transfer, saga): `idle()` after a collection,
// then `watch()` samples until `stop()` and gives the peak.
//
// Sessions are opened with `Target.attachToTarget` (not flattened: Playwright's browser CDP session cannot address
// a child session otherwise) and talked to through `Target.sendMessageToTarget`. Targets are listed again at every
// sample, so a document created (or a worker restarted) while watching is counted from then on.

/**
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} extensionId
 */
export async function extensionHeap(context, extensionId) {
  const browser = context.browser();
  if (!browser) throw new Error('extensionHeap needs a browser-level CDP session');
  const cdp = await browser.newBrowserCDPSession();
  const origin = `chrome-extension://${extensionId}/`;
  /** targetId → sessionId */
  const sessions = new Map();
  const waiting = new Map();
  let nextId = 0;
  cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
    const reply = JSON.parse(message);
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  cdp.on('Target.detachedFromTarget', ({ targetId }) => sessions.delete(targetId));

  async function targets() {
    const { targetInfos } = await cdp.send('Target.getTargets');
    return targetInfos.filter((info) => info.url.startsWith(origin) && ['service_worker', 'background_page', 'page', 'other'].includes(info.type));
  }

  async function call(targetId, method, params = {}) {
    let sessionId = sessions.get(targetId);
    if (!sessionId) {
      ({ sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: false }));
      sessions.set(targetId, sessionId);
    }
    const id = ++nextId;
    const reply = new Promise((resolve) => waiting.set(id, resolve));
    await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    const answer = await Promise.race([reply, new Promise((resolve) => setTimeout(() => resolve({ error: { message: 'no answer in 5 s' } }), 5000))]);
    if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
    return answer.result;
  }

  /** Bytes now, in total and per context (by type and path), with the JS heap and backing stores apart. */
  async function sample() {
    const byTarget = {};
    const parts = {};
    let total = 0;
    for (const info of await targets()) {
      try {
        const { usedSize, backingStorageSize = 0 } = await call(info.targetId, 'Runtime.getHeapUsage');
        const key = `${info.type} ${info.url.slice(origin.length)}`;
        byTarget[key] = usedSize + backingStorageSize;
        parts[key] = { usedSize, backingStorageSize };
        total += usedSize + backingStorageSize;
      } catch {
        // A context that went away between the listing and the question: not counted.
      }
    }
    return { total, byTarget, parts };
  }

  return {
    sample,
    /** Collects garbage in every context, then samples: the baseline "idle". */
    async idle() {
      for (const info of await targets()) await call(info.targetId, 'HeapProfiler.collectGarbage').catch(() => undefined);
      return sample();
    },
    /** Samples every `intervalMs` until `stop()`; resolves with the peak total and the samples' count. */
    watch(intervalMs = 20) {
      let running = true;
      let peak = { total: 0, byTarget: {} };
      let count = 0;
      const loop = (async () => {
        while (running) {
          const now = await sample();
          count += 1;
          if (now.total > peak.total) peak = now;
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
      })();
      return {
        async stop() {
          running = false;
          await loop;
          return { peak, samples: count };
        },
      };
    },
    async detach() {
      await cdp.detach().catch(() => undefined);
    },
  };
}
