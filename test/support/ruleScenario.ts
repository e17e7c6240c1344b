// The budget rules the rule-stability tests run (example-based and property-based): a velocity floor that pauses,
// a CPL band that cuts, a velocity bar that raises, and the restore.
import { cplBand } from '../../sla/forecast';
import type { BudgetRule } from '../../sla/rules';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** The flight's start; the velocity floor applies two days in. */
export const start = Date.UTC(2026, 2, 2);

export const rules: BudgetRule[] = [
  { kind: 'velocity-below', afterDays: 2, belowPct: 70, action: 'pause' },
  { kind: 'cpl-above-band', action: 'reduce', pct: 20 },
  { kind: 'velocity-above', abovePct: 120, action: 'increase', pct: 15 },
  { kind: 'recovered', action: 'restore' },
];
export const band = cplBand(10, 20); // 8–12
