// Outages of one write: a ledger method failing as a dropped connection does, or a notifier whose webhook is down,
// while `down()` holds; every other method passes through.
import type { PgLedger } from '../../activities/ledger/pgLedger';
import type { Ledger, Notifier } from '../../activities/ports';

export function refusingWrite(ledger: PgLedger, method: keyof Ledger, down: () => boolean): Ledger {
  return new Proxy(ledger, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      if (prop !== method) return bound;
      return async (...args: unknown[]) => {
        if (down()) throw new Error('Connection terminated unexpectedly');
        return bound(...args);
      };
    },
  });
}

/** A webhook answering 503 while `down()` holds: every alert of a batch fails, none is delivered (ports.ts). */
export function failingNotifier(notifier: Notifier, down: () => boolean): Notifier {
  return {
    notify: (alert) => (down() ? Promise.reject(new Error('webhook answered 503')) : notifier.notify(alert)),
    notifyBatch: async (alerts) =>
      down()
        ? {
            delivered: [],
            deduped: [],
            failed: alerts.map((alert) => ({ alert, failure: new Error('webhook answered 503') })),
          }
        : notifier.notifyBatch(alerts),
  };
}
