/** Keyboard shortcuts (`commands` in the manifest; the user can rebind them at chrome://extensions/shortcuts). */
import type { TabsPort } from '../platform/ports.ts';
import type { TabMessage } from '../shared/protocol.ts';

/** Downloads the original shown in the open preview panel of the active Google Images tab. */
export const DOWNLOAD_PREVIEW_COMMAND = 'download-preview';

/** Forwards a known command to the tab it was pressed in; false (and nothing sent) for any other command. */
export function handleCommand(command: string, tabId: number, tabs: TabsPort): boolean {
  if (command !== DOWNLOAD_PREVIEW_COMMAND) return false;
  const message: TabMessage = { type: 'preview.download' };
  tabs.send(tabId, message);
  return true;
}
