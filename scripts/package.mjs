#!/usr/bin/env node
// `npm run package`: builds both browsers' extensions from the same source and writes the store zips
//   artifacts/semantest-chrome-<version>.zip    (dist/, for the Chrome Web Store)
//   artifacts/semantest-firefox-<version>.zip   (dist-firefox/, for addons.mozilla.org; web-ext lint must pass)
// Zipped by web-ext (manifest.json at the root of the zip, as both stores want it).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const run = (command, args) => {
  const done = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (done.status !== 0) process.exit(done.status ?? 1);
};

run('npm', ['run', '--silent', 'build']);
run('npm', ['run', '--silent', 'build:firefox']);
// Errors fail the package (warnings are printed: see docs/decisions/0050 for the ones that stay).
run('npx', ['web-ext', 'lint', '--source-dir', 'dist-firefox', '--no-config-discovery']);
for (const [browser, dir] of [['chrome', 'dist'], ['firefox', 'dist-firefox']]) {
  run('npx', ['web-ext', 'build', '--source-dir', dir, '--artifacts-dir', 'artifacts', '--filename', `semantest-${browser}-${version}.zip`, '--overwrite-dest', '--no-config-discovery']);
}
console.log(`artifacts/semantest-chrome-${version}.zip and artifacts/semantest-firefox-${version}.zip`);
