/**
 * chrome.i18n for the content script's words in Node: the real strings from public/_locales/en/messages.json,
 * with Chrome's `$1`…`$9` substitution, so the tests read the words a user reads. Import it before the code.
 */
import { readFileSync } from 'node:fs';

const messages = JSON.parse(readFileSync('public/_locales/en/messages.json', 'utf8')) as Record<string, { message: string }>;

export function getMessage(key: string, substitutions?: string | string[]): string {
  const list = substitutions === undefined ? [] : Array.isArray(substitutions) ? substitutions : [substitutions];
  const message = messages[key]?.message ?? '';
  return message.replace(/\$(\d)/g, (_match, digit: string) => list[Number(digit) - 1] ?? '');
}

const root = globalThis as { chrome?: { i18n?: { getMessage: typeof getMessage } } };
root.chrome ??= {};
root.chrome.i18n ??= { getMessage };
