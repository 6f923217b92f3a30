/** The bus's storage in the worker's database: the `checkpoints` and `subscriberDeadLetters` tables. */
import type { SemantestDb } from '../store/database.ts';
import type { BusStorage } from './bus-storage.ts';

const byPosition = <T extends { position: number }>(rows: T[]): T[] => rows.sort((a, b) => a.position - b.position);

export function dexieBusStorage(db: SemantestDb): BusStorage {
  return {
    checkpoint: (subscriberId) => db.checkpoints.get(subscriberId),
    async putCheckpoint(row) {
      await db.checkpoints.put(row);
    },
    async advanceCheckpoints(rows) {
      await db.transaction('rw', db.checkpoints, async () => {
        const stored = await db.checkpoints.bulkGet(rows.map((row) => row.subscriberId));
        const newer = rows.filter((row, i) => (stored[i]?.position ?? -1) < row.position);
        if (newer.length > 0) await db.checkpoints.bulkPut(newer);
      });
    },
    async park(letter, checkpoint) {
      let id = 0;
      await db.transaction('rw', db.subscriberDeadLetters, db.checkpoints, async () => {
        id = (await db.subscriberDeadLetters.add(letter)) as number;
        await db.checkpoints.put(checkpoint);
      });
      return id;
    },
    async deadLetters(subscriberId, streamId) {
      const table = db.subscriberDeadLetters;
      if (subscriberId === undefined) return byPosition(await table.toArray());
      if (streamId === undefined) return byPosition(await table.where('subscriberId').equals(subscriberId).toArray());
      return byPosition(await table.where('[subscriberId+streamId]').equals([subscriberId, streamId]).toArray());
    },
    async deleteDeadLetter(id) {
      await db.subscriberDeadLetters.delete(id);
    },
    async failedAgain(headId, error, attempts, parkedIds) {
      await db.transaction('rw', db.subscriberDeadLetters, async () => {
        await db.subscriberDeadLetters.update(headId, { error, attempts, parkedBehind: undefined });
        for (const id of parkedIds) await db.subscriberDeadLetters.update(id, { parkedBehind: headId });
      });
    },
    discardStream: (subscriberId, streamId) => db.subscriberDeadLetters.where('[subscriberId+streamId]').equals([subscriberId, streamId]).delete(),
  };
}
