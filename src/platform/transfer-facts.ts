/**
 * The worker's listeners of transfer facts, for either transfer side. A fact heard before anyone listens (a fact
 * woke the worker, or came before the saga subscribed) waits for the first listener, up to a limit.
 */
import type { TransferFact } from './transfer-port.ts';

/** Facts heard before anyone listens wait for the first listener, up to this many. */
export const EARLY_FACTS_LIMIT = 1000;

export interface TransferFactListeners {
  deliver(fact: TransferFact): void;
  onFact(listener: (fact: TransferFact) => void): () => void;
}

export function transferFactListeners(): TransferFactListeners {
  const listeners = new Set<(fact: TransferFact) => void>();
  let early: TransferFact[] = [];
  return {
    deliver: (fact) => {
      if (listeners.size === 0) {
        if (early.length < EARLY_FACTS_LIMIT) early.push(fact);
        return;
      }
      for (const listener of listeners) listener(fact);
    },
    onFact: (listener) => {
      listeners.add(listener);
      const waiting = early;
      early = [];
      for (const fact of waiting) listener(fact);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
