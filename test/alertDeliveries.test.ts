// Queued alerts after an outage: split into deliveries each within Temporal's payload limits, and carried to the next
// run once per dedupe key, up to a cap.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertDeliveries, alertsToCarry, type Alert } from '../sla/alerts';
import { jsonSizeBytes } from '../sla/inputLimits';

const alert = (key: string, textLength = 40): Alert => ({
  dedupeKey: key,
  severity: 'critical',
  campaignId: 'c',
  title: `SLA breach for ${key}`,
  text: 'x'.repeat(textLength),
});

describe('alert deliveries', () => {
  it('keep every alert once and in order, each delivery within 500 alerts and 256 KB unless one alert is larger', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 4_000 }), { maxLength: 2_500 }), (lengths) => {
        const alerts = lengths.map((n, i) => alert(`k${i}`, n));
        const deliveries = alertDeliveries(alerts);
        expect(deliveries.flat()).toEqual(alerts);
        for (const delivery of deliveries) {
          expect(delivery.length).toBeGreaterThan(0);
          expect(delivery.length).toBeLessThanOrEqual(500);
          if (delivery.length > 1) expect(jsonSizeBytes(delivery)).toBeLessThanOrEqual(256 * 1024 + 1);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('splits 5,000 small breach alerts into ten deliveries, as a run after a long outage holds', () => {
    const deliveries = alertDeliveries(Array.from({ length: 5_000 }, (_, i) => alert(`lead-${i}`)));
    expect(deliveries.map((d) => d.length)).toEqual(Array(10).fill(500));
  });
});

describe('alerts carried over', () => {
  it('keeps the first alert of each dedupe key, up to the cap, and counts the rest', () => {
    const queued = [alert('a'), alert('b'), { ...alert('a'), text: 'again' }, alert('c'), alert('d')];
    expect(alertsToCarry(queued, 10)).toEqual({ carried: [queued[0], queued[1], queued[3], queued[4]], dropped: 0 });
    expect(alertsToCarry(queued, 2)).toEqual({ carried: [queued[0], queued[1]], dropped: 2 });
    expect(alertsToCarry([], 2)).toEqual({ carried: [], dropped: 0 });
  });

  it('treats prototype-named keys as any other', () => {
    const queued = ['__proto__', 'constructor', 'toString', '__proto__'].map((k) => alert(k));
    expect(alertsToCarry(queued, 10).carried.map((a) => a.dedupeKey)).toEqual(['__proto__', 'constructor', 'toString']);
  });
});
