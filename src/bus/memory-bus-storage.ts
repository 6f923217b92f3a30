/** The bus's storage in memory (unit tests, and a bus that need not outlive its context). */
import type { BusStorage, CheckpointRow, SubscriberDeadLetterRow } from './bus-storage.ts';

export function memoryBusStorage(): BusStorage & { checkpoints: Map<string, CheckpointRow>; letters: Map<number, SubscriberDeadLetterRow> } {
  const checkpoints = new Map<string, CheckpointRow>();
  const letters = new Map<number, SubscriberDeadLetterRow>();
  let nextId = 1;
  // Copies in and out, as a database would: the bus never holds a stored row by reference.
  const copy = <T>(row: T): T => structuredClone(row);
  return {
    checkpoints,
    letters,
    checkpoint: async (subscriberId) => (checkpoints.has(subscriberId) ? copy(checkpoints.get(subscriberId)) : undefined),
    async putCheckpoint(row) {
      checkpoints.set(row.subscriberId, copy(row));
    },
    async advanceCheckpoints(rows) {
      for (const row of rows) if ((checkpoints.get(row.subscriberId)?.position ?? -1) < row.position) checkpoints.set(row.subscriberId, copy(row));
    },
    async park(letter, checkpoint) {
      const id = nextId++;
      letters.set(id, copy({ ...letter, id }));
      checkpoints.set(checkpoint.subscriberId, copy(checkpoint));
      return id;
    },
    async deadLetters(subscriberId, streamId) {
      return [...letters.values()]
        .filter((row) => (subscriberId === undefined || row.subscriberId === subscriberId) && (streamId === undefined || row.streamId === streamId))
        .sort((a, b) => a.position - b.position)
        .map(copy);
    },
    async deleteDeadLetter(id) {
      letters.delete(id);
    },
    async failedAgain(headId, error, attempts, parkedIds) {
      const head = letters.get(headId);
      if (head) letters.set(headId, { ...head, error, attempts, parkedBehind: undefined });
      for (const id of parkedIds) {
        const parked = letters.get(id);
        if (parked) letters.set(id, { ...parked, parkedBehind: headId });
      }
    },
    async discardStream(subscriberId, streamId) {
      let count = 0;
      for (const [id, row] of letters) {
        if (row.subscriberId === subscriberId && row.streamId === streamId) {
          letters.delete(id);
          count += 1;
        }
      }
      return count;
    },
  };
}
