// Alerts go to structured logs always, and to a Slack-compatible incoming webhook when one is configured.
// Delivery is at least once: the dedupe key is marked delivered only after the webhook accepted the alert;
// a failure throws a retryable error (with the server's Retry-After) so the activity retries it.
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Alert } from '../../sla/alerts';
import type { Notifier } from '../ports';

export type AlertLease = 'leased' | 'delivered' | 'busy';

/** The ledger's view of alert delivery: a lease per dedupe key, marked delivered after success. */
interface AlertDeliveries {
  /** 'leased' when this caller may post now; 'delivered' when it already went out; 'busy' when another worker holds it. */
  leaseAlert(dedupeKey: string, payload: unknown, leaseMs: number): Promise<{ lease: AlertLease; attempts: number }>;
  markAlertDelivered(dedupeKey: string): Promise<void>;
  releaseAlert(dedupeKey: string, error: string): Promise<void>;
}

export interface WebhookNotifierOptions {
  deliveries: AlertDeliveries;
  logger: Logger;
  webhookUrl?: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  /** Longest Retry-After honoured; longer waits are capped so the activity's own backoff stays in charge. */
  maxRetryAfterMs?: number;
}

export const ALERT_DELIVERY_FAILED = 'AlertDeliveryFailed';

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

  constructor(private readonly options: WebhookNotifierOptions) {
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  async notify(alert: Alert): Promise<{ delivered: boolean; deduped: boolean }> {
    const timeoutMs = this.options.timeoutMs ?? 5000;
    // The lease outlives one POST, so a worker killed mid-post frees the key for a retry soon after.
    const { lease, attempts } = await this.options.deliveries.leaseAlert(alert.dedupeKey, alert, timeoutMs * 3);
    if (lease === 'delivered') return { delivered: false, deduped: true };
    if (lease === 'busy') throw deliveryFailure(alert.dedupeKey, 'another worker is delivering it');
    if (attempts === 1) {
      const level = alert.severity === 'critical' ? 'error' : alert.severity === 'warning' ? 'warn' : 'info';
      this.options.logger[level]({ alert: { ...alert } }, `${alert.campaignId}: ${alert.title}`);
    }
    if (!this.options.webhookUrl) {
      await this.options.deliveries.markAlertDelivered(alert.dedupeKey);
      return { delivered: true, deduped: false };
    }
    let failure: { reason: string; retryAfter?: number };
    try {
      const response = await this.fetchImpl(this.options.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(slackPayload(alert)),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.ok) {
        await this.options.deliveries.markAlertDelivered(alert.dedupeKey);
        return { delivered: true, deduped: false };
      }
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      failure = {
        reason: `HTTP ${response.status}`,
        retryAfter:
          retryAfter === undefined ? undefined : Math.min(retryAfter, this.options.maxRetryAfterMs ?? 300_000),
      };
    } catch (err) {
      failure = { reason: (err as Error).message };
    }
    await this.options.deliveries.releaseAlert(alert.dedupeKey, failure.reason);
    this.options.logger.warn(
      { dedupeKey: alert.dedupeKey, attempts, error: failure.reason, retryAfterMs: failure.retryAfter },
      'alert webhook failed; will retry',
    );
    throw deliveryFailure(alert.dedupeKey, failure.reason, failure.retryAfter);
  }
}
