// Ledger reads only the dashboard and the scorecard need, on top of activities/ledger/ledgerQueries.
import type pg from 'pg';
import type { ClockKind } from '../sla/clockKind';
import type { ResponseTarget } from '../sla/compliance';

export interface RecordedCampaignSettings {
  timezone: string;
  windowStart: string;
  windowEnd: string;
  /** First-touch compliance targets of the latest config version. */
  targets: ResponseTarget[];
}

/** The parts of the latest recorded (already validated) config that reports need; null before any is recorded. */
export async function recordedCampaignSettings(
  pool: pg.Pool,
  campaignId: string,
): Promise<RecordedCampaignSettings | null> {
  const { rows } = await pool.query<{ config: StoredConfig }>(
    `SELECT config FROM campaign_config_versions WHERE campaign_id = $1 ORDER BY config_version DESC LIMIT 1`,
    [campaignId],
  );
  const config = rows[0]?.config;
  if (!config) return null;
  return {
    timezone: config.campaign.timezone,
    windowStart: config.campaign.window.start,
    windowEnd: config.campaign.window.end,
    targets: config.responseSla.compliance.map((c) => ({ withinMs: c.within, target: c.target })),
  };
}

// The stored config is the parsed CampaignConfig as JSON: durations are milliseconds.
interface StoredConfig {
  campaign: { timezone: string; window: { start: string; end: string } };
  responseSla: { compliance: { within: number; target: number }[] };
}

export interface OpenClockRow {
  leadId: string;
  clock: ClockKind;
  tier: string | null;
  ownerId: string | null;
  startedAt: string;
  deadline: string;
}

/** Clocks neither met nor breached, the most urgent first. */
export async function openClocks(pool: pg.Pool, campaignId: string, limit: number): Promise<OpenClockRow[]> {
  const { rows } = await pool.query<OpenClockRow>(
    `SELECT co.lead_id AS "leadId", co.clock, l.tier, l.owner_id AS "ownerId",
            iso_utc(co.started_at) AS "startedAt", iso_utc(co.deadline) AS deadline
     FROM clock_outcomes co
     LEFT JOIN leads l ON l.campaign_id = co.campaign_id AND l.lead_id = co.lead_id
     WHERE co.campaign_id = $1 AND co.met_at IS NULL AND co.breached_at IS NULL
     ORDER BY co.deadline, co.lead_id, co.clock
     LIMIT $2`,
    [campaignId, limit],
  );
  return rows;
}
