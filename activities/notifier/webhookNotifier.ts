// Alerts go to structured logs always, and to a Slack-compatible incoming webhook when one is configured.
// Each alert is sent once per dedupe key; a webhook outage is logged and never blocks an SLA step.
import type { Logger } from 'pino';
import type { Alert } from '../../sla/alerts';
import type { Notifier } from '../ports';

export interface AlertClaims {
  /** true when this caller is the first to claim the key. */
  tryClaimAlert(dedupeKey: string, payload: unknown): Promise<boolean>;
}

export interface WebhookNotifierOptions {
  claims: AlertClaims;
  logger: Logger;
  webhookUrl?: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

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

export class WebhookNotifier implements Notifier {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: WebhookNotifierOptions) {
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  async notify(alert: Alert): Promise<{ delivered: boolean; deduped: boolean }> {
    const claimed = await this.options.claims.tryClaimAlert(alert.dedupeKey, alert);
    if (!claimed) return { delivered: false, deduped: true };
    const level = alert.severity === 'critical' ? 'error' : alert.severity === 'warning' ? 'warn' : 'info';
    this.options.logger[level]({ alert: { ...alert } }, `${alert.campaignId}: ${alert.title}`);
    if (!this.options.webhookUrl) return { delivered: true, deduped: false };
    try {
      const response = await this.fetchImpl(this.options.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(slackPayload(alert)),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return { delivered: true, deduped: false };
    } catch (err) {
      this.options.logger.warn(
        { dedupeKey: alert.dedupeKey, error: (err as Error).message },
        'alert webhook failed; alert kept in logs',
      );
      return { delivered: false, deduped: false };
    }
  }
}
