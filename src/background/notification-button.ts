/** A click on a desktop notification's button: the action recorded with the notification. */
import type { NotificationLog } from './notification-log.ts';

export interface NotificationButtonDeps {
  log: Pick<NotificationLog, 'sent'>;
  retry(streamId: string, commandId: string): Promise<boolean>;
  show(streamId: string): Promise<boolean>;
  newId: () => string;
}

/**
 * A click on a notification's button: the action recorded with it. "Retry" continues the same stream (a new
 * user action with its own correlation id, like the options page's retry); "Show in folder" opens the folder.
 * Returns what was done, for the tests and the log.
 */
export async function handleNotificationButton(notificationId: string, buttonIndex: number, deps: NotificationButtonDeps): Promise<string> {
  const sent = await deps.log.sent(notificationId);
  const action = sent?.actions[buttonIndex];
  if (!action) return 'nothing';
  if (action.action === 'show') {
    for (const id of action.streamIds) if (await deps.show(id)) return 'shown';
    return 'nothing';
  }
  // One command id (the causation) for the click; each retried download gets its own correlation id, as on the
  // options page.
  const commandId = deps.newId();
  let count = 0;
  for (const id of action.streamIds) if (await deps.retry(id, commandId)) count += 1;
  return `retried ${count}`;
}
