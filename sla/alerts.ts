// Alerts the campaign raises: the domain decides what to say; a Notifier port delivers it.

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
