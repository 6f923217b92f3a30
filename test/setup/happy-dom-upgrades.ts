/**
 * happy-dom keeps every parsed document that holds an undefined custom element (Google's `<g-img>`, `<g-snackbar>`)
 * alive for the whole window's life: each such element leaves an upgrade callback bound to itself in the window's
 * custom element registry (capricorn86/happy-dom#2195). A property test parses hundreds of pages in one test, so
 * the heap grew by ≈ 2 MB a page and most of the run went to the garbage collector. No code of ours defines a
 * custom element (nothing would ever be upgraded), so here the registry keeps no such callback.
 */
const registry = (globalThis as { customElements?: object }).customElements;
if (registry) {
  const key = Object.getOwnPropertySymbols(registry).find((symbol) => symbol.description === 'callbacks');
  const pending: unknown = key && (registry as Record<symbol, unknown>)[key];
  if (!key || !(pending instanceof Map)) {
    throw new Error('happy-dom changed its custom element registry: see whether capricorn86/happy-dom#2195 is fixed, and drop test/setup/happy-dom-upgrades.ts if so');
  }
  (registry as Record<symbol, unknown>)[key] = new (class extends Map<string, unknown> {
    override set(): this {
      return this;
    }
  })();
}
