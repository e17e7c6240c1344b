// Alerts go to structured logs always, and to a Slack-compatible incoming webhook when one is configured.
// Delivery is at least once: the dedupe key is marked delivered only after the webhook accepted the alert;
// a failure throws a retryable error (with the server's Retry-After) so the activity retries it. Many alerts
// raised together go out as one digest message, each still recorded under its own key.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Alert } from '../../sla/alerts';
import { alertDigest } from '../../sla/alertWording';
import type { AlertBatchOutcome, Notifier } from '../ports';
import { proposalButtons } from './slackActions';

export type AlertLease = 'leased' | 'delivered' | 'busy';

/** The ledger's view of alert delivery: a lease per dedupe key, marked delivered after success. */
interface AlertDeliveries {
  /** 'leased' when this caller may post now; 'delivered' when it already went out; 'busy' when another worker holds it. */
  leaseAlert(dedupeKey: string, payload: unknown, leaseMs: number): Promise<{ lease: AlertLease; attempts: number }>;
  /** `digestKey` names the digest message that carried them, when it was one. */
  markAlertsDelivered(dedupeKeys: readonly string[], digestKey?: string): Promise<void>;
  releaseAlert(dedupeKey: string, error: string): Promise<void>;
}

export interface WebhookNotifierOptions {
  deliveries: AlertDeliveries;
  logger: Logger;
  webhookUrl?: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  /** More alerts than this raised together go out as one digest message per campaign. */
  digestAfter?: number;
  /** Longest Retry-After honoured; longer waits are capped so the activity's own backoff stays in charge. */
  maxRetryAfterMs?: number;
}

export const ALERT_DELIVERY_FAILED = 'AlertDeliveryFailed';

const DEFAULT_DIGEST_AFTER = 3;

const icon = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' } as const;

/** Slack incoming-webhook JSON: `text` for notifications plus blocks for the detail. */
export function slackPayload(alert: Alert): Record<string, unknown> {
  const fields = Object.entries(alert.fields ?? {}).map(([key, value]) => ({
    type: 'mrkdwn',
    text: `*${key}*\n${value}`,
  }));
  return {
    text: `${icon[alert.severity]} [${alert.campaignId}] ${alert.title}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${icon[alert.severity]} *${alert.title}*\n${alert.text}` } },
      ...(fields.length ? [{ type: 'section', fields: fields.slice(0, 10) }] : []),
      ...(alert.decides ? [proposalButtons(alert.campaignId, alert.decides.proposalId)] : []),
    ],
  };
}

/** Retry-After as seconds or an HTTP-date (RFC 9110 §10.2.3), in milliseconds from now. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Thrown when an alert could not be delivered; Temporal retries the activity after `nextRetryDelay`. */
function deliveryFailure(dedupeKey: string, reason: string, retryAfter?: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: ALERT_DELIVERY_FAILED,
    message: `alert ${dedupeKey} not delivered: ${reason}`,
    nextRetryDelay: retryAfter,
  });
}

export class WebhookNotifier implements Notifier {
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: WebhookNotifierOptions) {
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  async notify(alert: Alert): Promise<{ delivered: boolean; deduped: boolean }> {
    const lease = await this.lease(alert);
    if (lease === 'delivered') return { delivered: false, deduped: true };
    if (lease === 'busy') throw deliveryFailure(alert.dedupeKey, 'another worker is delivering it');
    await this.post([alert], slackPayload(alert));
    return { delivered: true, deduped: false };
  }

  /**
   * Alerts raised together: one message each, or one digest per campaign when more than `digestAfter` of them
   * still need delivering. Every alert keeps its own key, marked delivered only with the message that carried it.
   */
  async notifyBatch(alerts: readonly Alert[]): Promise<AlertBatchOutcome> {
    const digestAfter = this.options.digestAfter ?? DEFAULT_DIGEST_AFTER;
    const outcome: AlertBatchOutcome = { delivered: [], deduped: [], failed: [] };
    const deliver = async (carried: Alert[], send: () => Promise<void>) => {
      try {
        await send();
        outcome.delivered.push(...carried);
      } catch (failure) {
        outcome.failed.push(...carried.map((alert) => ({ alert, failure })));
      }
    };
    const byCampaign = new Map<string, Alert[]>();
    for (const alert of alerts) {
      const lease = await this.lease(alert);
      if (lease === 'delivered') outcome.deduped.push(alert);
      else if (lease === 'busy')
        outcome.failed.push({ alert, failure: deliveryFailure(alert.dedupeKey, 'another worker is delivering it') });
      else byCampaign.set(alert.campaignId, [...(byCampaign.get(alert.campaignId) ?? []), alert]);
    }
    for (const [campaignId, leased] of byCampaign) {
      if (leased.length > digestAfter) {
        const digest = alertDigest(campaignId, leased, digestId(leased));
        await deliver(leased, () => this.post(leased, slackPayload(digest), digest.dedupeKey));
      } else {
        for (const alert of leased) await deliver([alert], () => this.post([alert], slackPayload(alert)));
      }
    }
    return outcome;
  }

  /** Takes the alert's dedupe key for one delivery; logs the alert the first time it is attempted. */
  private async lease(alert: Alert): Promise<AlertLease> {
    // The lease outlives one POST, so a worker killed mid-post frees the key for a retry soon after.
    const { lease, attempts } = await this.options.deliveries.leaseAlert(alert.dedupeKey, alert, this.timeoutMs * 3);
    if (lease === 'leased' && attempts === 1) {
      const level = alert.severity === 'critical' ? 'error' : alert.severity === 'warning' ? 'warn' : 'info';
      this.options.logger[level]({ alert: { ...alert } }, `${alert.campaignId}: ${alert.title}`);
    }
    return lease;
  }

  /** Posts one message carrying `alerts` (already leased); marks them delivered on success, frees them on failure. */
  private async post(alerts: readonly Alert[], payload: Record<string, unknown>, digestKey?: string): Promise<void> {
    const { deliveries } = this.options;
    const keys = alerts.map((a) => a.dedupeKey);
    if (!this.options.webhookUrl) return deliveries.markAlertsDelivered(keys);
    let failure: { reason: string; retryAfter?: number };
    try {
      const response = await this.fetchImpl(this.options.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.ok) return deliveries.markAlertsDelivered(keys, digestKey);
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      failure = {
        reason: `HTTP ${response.status}`,
        retryAfter:
          retryAfter === undefined ? undefined : Math.min(retryAfter, this.options.maxRetryAfterMs ?? 300_000),
      };
    } catch (err) {
      failure = { reason: (err as Error).message };
    }
    for (const key of keys) await deliveries.releaseAlert(key, failure.reason);
    const failedKey = digestKey ?? keys[0];
    this.options.logger.warn(
      { dedupeKey: failedKey, alerts: keys.length, error: failure.reason, retryAfterMs: failure.retryAfter },
      'alert webhook failed; will retry',
    );
    throw deliveryFailure(failedKey, failure.reason, failure.retryAfter);
  }
}

/** Short and stable for the same alerts, so a retried digest carries the same reference. */
function digestId(alerts: readonly Alert[]): string {
  const keys = alerts.map((a) => a.dedupeKey).sort();
  return createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 8);
}
