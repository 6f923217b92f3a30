/**
 * How the contentScript bench counts the content script's bytes (issue 4): what every Google Images page loads
 * (`bytes`, the bench's `bundleBytes`) apart from chunks reached only through a dynamic import() (`lazyBytes`,
 * `lazyBundleBytes`), on a made-up dist/ shaped like the crxjs build's.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs bench script, no types.
import { contentScriptBytes } from '../../scripts/bench/content-script.mjs';

interface Counted {
  bytes: number;
  files: string[];
  lazyBytes: number;
  lazyFiles: string[];
}
const count = contentScriptBytes as (dist: string) => Counted;

let dist = '';
afterEach(() => rmSync(dist, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  dist = mkdtempSync(join(tmpdir(), 'semantest-bytes-'));
  mkdirSync(join(dist, 'assets'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dist, name), text);
}

describe('contentScriptBytes', () => {
  it('counts the loader and what it loads as eager, a dynamic import() (any quotes) as lazy, shared chunks once', () => {
    const files = {
      'manifest.json': JSON.stringify({ content_scripts: [{ js: ['assets/loader.js'], css: ['assets/c.css'] }] }),
      'assets/loader.js': 'import(chrome.runtime.getURL("assets/main.js"))',
      'assets/main.js': 'import{t as e}from"./shared.js";import"./side.js";function l(){return import(`./bulk.js`)}',
      'assets/shared.js': 'export const t=1',
      'assets/side.js': 'void 0',
      'assets/c.css': 'a{}',
      'assets/bulk.js': 'import{t}from"./shared.js";import{u}from"./only-bulk.js";export const b=t+u',
      'assets/only-bulk.js': 'export const u=2',
      'assets/unrelated.js': 'x'.repeat(1000),
    };
    write(files);
    const size = (names: string[]) => names.reduce((sum, name) => sum + Buffer.byteLength(files[name as keyof typeof files]), 0);
    const result = count(dist);
    expect(result.files.sort()).toEqual(['assets/c.css', 'assets/loader.js', 'assets/main.js', 'assets/shared.js', 'assets/side.js']);
    expect(result.bytes).toBe(size(result.files));
    expect(result.lazyFiles.sort()).toEqual(['assets/bulk.js', 'assets/only-bulk.js']);
    expect(result.lazyBytes).toBe(size(result.lazyFiles));
  });

  it('counts a chunk named by its path for our own loader (importExtensionModule) as lazy, the getURL loader target as eager', () => {
    const files = {
      'manifest.json': JSON.stringify({ content_scripts: [{ js: ['assets/loader.js'] }] }),
      'assets/loader.js': 'import(chrome.runtime.getURL( "assets/main.js"))',
      'assets/main.js': 'function l(e){return import(chrome.runtime.getURL(e))}var B="assets/bulk.ts-x1.js",O=`assets/old.ts-y2.js`;',
      'assets/bulk.ts-x1.js': 'import{t}from"./i18n.js";export const b=t',
      'assets/i18n.js': 'export const t=1',
      'assets/old.ts-y2.js': 'export{o}from"./old-z.js"',
      'assets/old-z.js': 'export const o=2',
    };
    write(files);
    const result = count(dist);
    expect(result.files.sort()).toEqual(['assets/loader.js', 'assets/main.js']);
    expect(result.lazyFiles.sort()).toEqual(['assets/bulk.ts-x1.js', 'assets/i18n.js', 'assets/old-z.js', 'assets/old.ts-y2.js']);
  });

  it('reports no lazy bytes when nothing is imported dynamically', () => {
    write({
      'manifest.json': JSON.stringify({ content_scripts: [{ js: ['assets/loader.js'] }] }),
      'assets/loader.js': 'import(chrome.runtime.getURL("assets/main.js"))',
      'assets/main.js': 'export{}',
    });
    expect(count(dist)).toMatchObject({ bytes: 47 + 8, lazyBytes: 0, lazyFiles: [] });
  });
});
