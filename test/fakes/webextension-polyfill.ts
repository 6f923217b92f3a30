/**
 * webextension-polyfill in Node (vitest.config.ts aliases the package here): the real one refuses to load outside
 * an extension. Tests stub `chrome` (vi.stubGlobal) with promise-returning fakes; `browser.x` is whatever stub
 * is in place when it is read.
 */
import type { Browser } from 'webextension-polyfill';

const browser = new Proxy({} as Browser, {
  get: (_target, key) => {
    const stub = (globalThis as { chrome?: object }).chrome;
    return stub ? Reflect.get(stub, key) : undefined;
  },
});

export default browser;
