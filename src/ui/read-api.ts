/** What the extension's pages read from the worker's database: the table and index names live here only. */
import type { SemantestDb, SubscriberDeadLetterRow } from '../store/database.ts';

/** Every bus dead letter (the failed events and those parked behind them), in position order. */
export async function readBusDeadLetters(db: SemantestDb): Promise<SubscriberDeadLetterRow[]> {
  return (await db.subscriberDeadLetters.toArray()).sort((a, b) => a.position - b.position);
}
