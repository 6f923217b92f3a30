/**
 * The layer rules in eslint.config.js (README, "Layout"), linted on imports written into files of each folder:
 * each wrong-way arrow the rules exist for is an error, and the arrows the code uses are not.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

/** The layer errors linting `import … from '<from>'` in a file at `file` gives. */
async function layerErrors(file: string, from: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { x } from '${from}';\nexport const y = x;\n`, { filePath: file });
  return (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

describe('the layer rules', () => {
  it.each([
    ['src/domain/a.ts', '../store/event-store.ts'],
    ['src/domain/a.ts', '../shared/protocol.ts'],
    ['src/shared/a.ts', '../background/index.ts'],
    ['src/shared/a.ts', '../outbox/cloudevents.ts'],
    ['src/store/a.ts', '../projections/downloads.ts'],
    ['src/store/a.ts', '../background/saga/index.ts'],
    ['src/bus/a.ts', '../projections/badge.ts'],
    ['src/platform/a.ts', '../background/index.ts'],
    ['src/platform/chrome/a.ts', '../../background/index.ts'],
    ['src/content/a.ts', '../store/database.ts'],
    ['src/content/strategies/a.ts', '../../background/messages.ts'],
    ['src/background/a.ts', '../content/index.ts'],
    ['src/background/a.ts', '../ui/format.ts'],
    ['src/options/a.tsx', '../store/database.ts'],
    ['src/options/a.tsx', '../background/maintenance.ts'],
    ['src/popup/a.tsx', '../bus/subscriptions.ts'],
    ['src/ui/a.ts', '../store/dexie-event-store.ts'],
  ])('%s may not import %s', async (file, from) => {
    expect(await layerErrors(file, from)).toEqual([expect.stringContaining(`src/${file.split('/')[1]}:`)]);
  });

  it.each([
    ['src/domain/a.ts', './events.ts'],
    ['src/shared/a.ts', '../domain/events.ts'],
    ['src/store/a.ts', '../domain/events.ts'],
    ['src/bus/a.ts', '../store/event-store.ts'],
    ['src/platform/chrome/a.ts', '../../transfer/protocol.ts'],
    ['src/content/a.ts', '../shared/google-domains.ts'],
    ['src/background/a.ts', '../store/event-store.ts'],
    ['src/background/saga/a.ts', '../../shared/settings.ts'],
    ['src/options/a.tsx', '../ui/read-api.ts'],
    ['src/ui/a.ts', '../store/database.ts'],
  ])('%s may import %s', async (file, from) => {
    expect(await layerErrors(file, from)).toEqual([]);
  });
});
