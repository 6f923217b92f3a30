/** Settings: validated as typed, stored, and applied by the worker without a reload. */
import { test, expect } from './fixtures.ts';

test('a new folder and file name pattern apply to the next click, without a reload', async ({ ext }) => {
  const options = await ext.openOptions();
  const folder = options.getByLabel('Folder in your download folder');
  const pattern = options.getByLabel('File name');
  await expect(folder).toHaveValue('Semantest');
  await expect(pattern).toHaveValue('{name}');
  await expect(options.getByTestId('pattern-preview')).toHaveText('Semantest/golden-retriever.jpg');

  await folder.fill('Pictures/Cats');
  await pattern.fill('{site}-{name}');
  await expect(options.getByTestId('pattern-preview')).toHaveText('Pictures/Cats/example.org-golden-retriever.jpg');
  // An invalid value is explained next to its field and not saved.
  await options.getByLabel('Downloads at once').fill('0');
  await expect(options.locator('#error-concurrency')).toBeVisible();
  await options.getByTestId('save-settings').click();
  await expect(options.getByTestId('settings-status')).toContainText('not valid');
  await options.getByLabel('Downloads at once').fill('2');
  await options.getByTestId('save-settings').click();
  await expect(options.getByTestId('settings-status')).toHaveText('Saved. Applies to the next download.');

  const page = await ext.openGoogle();
  await page.locator('[data-testid="semantest-download"]').first().click();
  await ext.waitForFile('Pictures/Cats/example.org-dog.png');
  expect(ext.files()).toEqual(['Pictures/Cats/example.org-dog.png']);

  // Stored with its version: a fresh options page shows what was saved.
  const again = await ext.openOptions();
  await expect(again.getByLabel('Folder in your download folder')).toHaveValue('Pictures/Cats');
  await expect(again.getByLabel('Downloads at once')).toHaveValue('2');
  const stored = await again.evaluate(() => chrome.storage.local.get('settings'));
  expect(stored).toMatchObject({ settings: { version: 1, settings: { folder: 'Pictures/Cats', fileNamePattern: '{site}-{name}', concurrency: 2 } } });
});
