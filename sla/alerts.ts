// Alerts the campaign raises: the domain decides what to say; a Notifier port delivers it.

import { boundedBatches } from './batches';
import { jsonSizeBytes } from './inputLimits';

type AlertSeverity = 'info' | 'warning' | 'critical';

export interface Alert {
  /** Alerts with the same key are sent once. */
  dedupeKey: string;
  severity: AlertSeverity;
  campaignId: string;
  title: string;
  text: string;
  /** IDs only (lead, owner, proposal); never personal data. */
  fields?: Record<string, string | number>;
  /** Set on a proposal waiting for approval: channels that can take a decision (Slack buttons) offer one. */
  decides?: { proposalId: string };
}

/** Alerts one delivery (an activity's input) carries at most, and their JSON's most: under Temporal's 512 KB warning. */
const ALERTS_PER_DELIVERY = 500;
const ALERT_DELIVERY_BYTES = 256 * 1024;

/**
 * Queued alerts split into deliveries, in order. After an outage a run may hold thousands (carried over, or put back
 * from cancelled deliveries), and one activity carrying them all would pass the 2 MB payload limit and fail every
 * workflow task from then on.
 */
export function alertDeliveries(alerts: readonly Alert[]): Alert[][] {
  return boundedBatches(
    alerts,
    { maxItems: ALERTS_PER_DELIVERY, maxCost: ALERT_DELIVERY_BYTES },
    (alert) => jsonSizeBytes(alert) + 1,
  );
}

/**
 * The undelivered alerts a run hands over: one per dedupe key (alerts sharing one are sent once anyway), at most
 * `max`, the first raised; `dropped` counts the rest, which the caller reports in their place.
 */
export function alertsToCarry(alerts: readonly Alert[], max: number): { carried: Alert[]; dropped: number } {
  const byKey = new Map<string, Alert>();
  for (const alert of alerts) if (!byKey.has(alert.dedupeKey)) byKey.set(alert.dedupeKey, alert);
  const unique = [...byKey.values()];
  return { carried: unique.slice(0, max), dropped: Math.max(0, unique.length - max) };
}
