import type { CampaignConfig } from '../../sla/config';
// The Ledger port on Postgres. Activities are retried, so every write is keyed (ON CONFLICT) and a
// repeat leaves the table as the first write did.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import type {
  BudgetChangeRecord,
  ClockOutcomeRecord,
  ConfigVersionRecord,
  ConversionUploadRecord,
  DecisionRecord,
  EscalationStepRecord,
  LeadActivityBatch,
  ProposalRecord,
  QuarterReportRecord,
  VelocitySnapshotRecord,
} from '../../sla/records';
import { CLOSING_EVENT_KINDS_SQL } from '../../sla/records';
import { storableJson } from '../../sla/inputLimits';
import type { Ledger } from '../ports';
import type { AlertLease } from '../notifier/webhookNotifier';
import {
  checkBudgetChange,
  checkConfigVersion,
  checkDecision,
  checkEscalationStep,
  checkInteger,
  checkLeadActivity,
  checkNonEmpty,
  checkProposal,
  checkQuarterReport,
  checkSnapshot,
} from './recordChecks';
import { foldStartedClocks } from '../../sla/startedClocks';

const FOREIGN_KEY_VIOLATION = '23503';

/** Whether the incoming clock row is a later pause state than the stored one: more stopped time, or paused at a tie. */
const LATER_PAUSE = `(COALESCE(EXCLUDED.paused_ms, 0), EXCLUDED.paused_at IS NOT NULL)
  > (COALESCE(co.paused_ms, 0), co.paused_at IS NOT NULL)`;

/** Longest dedupe key stored as it is; a btree index entry must fit a third of a page (about 2,700 bytes). */
const MAX_STORED_ALERT_KEY_BYTES = 512;
const ALERT_KEY_PREFIX_CHARS = 160;

/**
 * The alert's key as alerts_sent stores it: itself, or past MAX_STORED_ALERT_KEY_BYTES its first characters and
 * the SHA-256 of the whole (a key that names a CRM watermark holds up to 2,000 record keys, and an index entry that
 * large fails the insert, so the alert could never be leased or sent).
 */
function storedAlertKey(dedupeKey: string): string {
  if (Buffer.byteLength(dedupeKey) <= MAX_STORED_ALERT_KEY_BYTES) return dedupeKey;
  const digest = createHash('sha256').update(dedupeKey).digest('hex');
  return `${Array.from(dedupeKey).slice(0, ALERT_KEY_PREFIX_CHARS).join('')}…sha256:${digest}`;
}

export class PgLedger implements Ledger {
  constructor(private readonly pool: pg.Pool) {}

  async recordConfigVersion(record: ConfigVersionRecord): Promise<void> {
    checkConfigVersion(record);
    const config = storableJson(record.config);
    // One statement: the campaign row and its config version appear together or not at all.
    const { rows } = await this.pool.query<{ inserted: boolean }>(
      `WITH campaign AS (
         INSERT INTO campaigns (campaign_id, first_recorded_at, latest_config_version)
         VALUES ($1, $4, $2)
         ON CONFLICT (campaign_id) DO UPDATE SET
           first_recorded_at = LEAST(campaigns.first_recorded_at, EXCLUDED.first_recorded_at),
           latest_config_version = GREATEST(campaigns.latest_config_version, EXCLUDED.latest_config_version)
       ), version AS (
         INSERT INTO campaign_config_versions (campaign_id, config_version, config, recorded_at)
         VALUES ($1, $2, $3::jsonb, $4)
         ON CONFLICT (campaign_id, config_version) DO NOTHING
         RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM version) AS inserted`,
      [record.campaignId, record.configVersion, config, record.recordedAt],
    );
    if (rows[0].inserted) return;
    // A repeat is fine; the same version number with another config means two configs claim one version.
    const existing = await this.pool.query<{ same: boolean }>(
      'SELECT config = $3::jsonb AS same FROM campaign_config_versions WHERE campaign_id = $1 AND config_version = $2',
      [record.campaignId, record.configVersion, config],
    );
    if (!existing.rows[0].same) {
      // Not retryable: the same request fails the same way until someone bumps the version or the campaign ID.
      throw ApplicationFailure.nonRetryable(
        `config version ${record.configVersion} of campaign ${record.campaignId} is already recorded with a different config; give the edited file a higher version, or amend the running campaign`,
        'ConfigVersionConflict',
      );
    }
  }

  /** Writes the whole batch in one transaction with one multi-row statement per table. */
  async recordLeadActivity(batch: LeadActivityBatch): Promise<void> {
    checkLeadActivity(batch);
    // Sorted by key so concurrent batches lock rows in the same order and cannot deadlock.
    const folded = foldStartedClocks(batch.leads, mergeClockOutcomes(batch.clocks));
    const leads = sortedByKey(folded.leads, ({ lead }) => [lead.campaignId, lead.leadId]);
    const events = sortedByKey(batch.events, (e) => [e.campaignId, e.eventId]);
    const clocks = sortedByKey(folded.clocks, (c) => [c.campaignId, c.leadId, c.clock]);

    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (leads.length) {
        await client.query(
          // A lead already written keeps its row; only a started clock it has no deadline for yet is added (a
          // clock with a clock_outcomes row shows that row in the view whatever the lead row holds).
          `INSERT INTO leads AS l (campaign_id, lead_id, tier, owner_id, created_at, config_version,
                                   first_touch_deadline, follow_up_deadline)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::int[],
                                $7::timestamptz[], $8::timestamptz[])
           ON CONFLICT (campaign_id, lead_id) DO UPDATE SET
             first_touch_deadline = COALESCE(l.first_touch_deadline, EXCLUDED.first_touch_deadline),
             follow_up_deadline = COALESCE(l.follow_up_deadline, EXCLUDED.follow_up_deadline)
           WHERE (l.first_touch_deadline IS NULL AND EXCLUDED.first_touch_deadline IS NOT NULL)
              OR (l.follow_up_deadline IS NULL AND EXCLUDED.follow_up_deadline IS NOT NULL)`,
          [
            leads.map((r) => r.lead.campaignId),
            leads.map((r) => r.lead.leadId),
            leads.map((r) => r.lead.tier),
            leads.map((r) => r.lead.ownerId),
            leads.map((r) => r.lead.createdAt),
            leads.map((r) => r.lead.configVersion),
            leads.map((r) => r.firstTouch),
            leads.map((r) => r.followUp),
          ],
        );
      }
      if (events.length) {
        await client.query(
          `INSERT INTO lead_events (campaign_id, event_id, lead_id, kind, at, detail)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::jsonb[])
           ON CONFLICT (campaign_id, event_id) DO NOTHING`,
          [
            events.map((e) => e.campaignId),
            events.map((e) => e.eventId),
            events.map((e) => e.leadId),
            events.map((e) => e.kind),
            events.map((e) => e.at),
            events.map((e) => storableJson(e.detail)),
          ],
        );
      }
      if (clocks.length) {
        // COALESCE keeps the first value seen for each milestone, so writes can land in any order; a withdrawn
        // breach (a touch on time, reported late) clears breached_at for good. A pause moves a milestone's deadline
        // and only adds stopped time, so the row with the most stopped time (paused after resumed at a tie) is the
        // latest and its deadline and pause stand.
        await client.query(
          `INSERT INTO clock_outcomes AS co (campaign_id, lead_id, clock, started_at, deadline, warned_at, met_at,
                                       breached_at, elapsed_business_ms, elapsed_wall_ms, met_recorded_at,
                                       breach_retracted_at, paused_at, paused_ms, stopped_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[],
                                $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::bigint[], $10::bigint[],
                                $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::bigint[],
                                $15::timestamptz[])
           ON CONFLICT (campaign_id, lead_id, clock) DO UPDATE SET
             warned_at = COALESCE(co.warned_at, EXCLUDED.warned_at),
             met_at = COALESCE(co.met_at, EXCLUDED.met_at),
             met_recorded_at = COALESCE(co.met_recorded_at, EXCLUDED.met_recorded_at),
             breach_retracted_at = COALESCE(co.breach_retracted_at, EXCLUDED.breach_retracted_at),
             breached_at = CASE
               WHEN COALESCE(co.breach_retracted_at, EXCLUDED.breach_retracted_at) IS NOT NULL THEN NULL
               ELSE COALESCE(co.breached_at, EXCLUDED.breached_at) END,
             elapsed_business_ms = COALESCE(co.elapsed_business_ms, EXCLUDED.elapsed_business_ms),
             elapsed_wall_ms = COALESCE(co.elapsed_wall_ms, EXCLUDED.elapsed_wall_ms),
             stopped_at = COALESCE(co.stopped_at, EXCLUDED.stopped_at),
             deadline = CASE WHEN ${LATER_PAUSE} THEN EXCLUDED.deadline ELSE co.deadline END,
             paused_at = CASE WHEN ${LATER_PAUSE} THEN EXCLUDED.paused_at ELSE co.paused_at END,
             paused_ms = CASE WHEN ${LATER_PAUSE} THEN EXCLUDED.paused_ms ELSE co.paused_ms END`,
          [
            clocks.map((c) => c.campaignId),
            clocks.map((c) => c.leadId),
            clocks.map((c) => c.clock),
            clocks.map((c) => c.startedAt),
            clocks.map((c) => c.deadline),
            clocks.map((c) => c.warnedAt ?? null),
            clocks.map((c) => c.metAt ?? null),
            clocks.map((c) => c.breachedAt ?? null),
            clocks.map((c) => c.elapsedBusinessMs ?? null),
            clocks.map((c) => c.elapsedWallMs ?? null),
            clocks.map((c) => c.metRecordedAt ?? null),
            clocks.map((c) => c.breachRetractedAt ?? null),
            clocks.map((c) => c.pausedAt ?? null),
            clocks.map((c) => c.pausedMs ?? null),
            clocks.map((c) => c.stoppedAt ?? null),
          ],
        );
      }
      // A step that really ran keeps its row: a superseded mark never overwrites it.
      for (const step of batch.steps ?? []) await insertEscalationStep(client, step);
      await client.query('COMMIT');
      client.release();
    } catch (err) {
      // Closed, not rolled back and reused: a query that timed out may still hold the connection, and Postgres rolls
      // back the transaction of a connection that goes away.
      client.release(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  }

  async recordEscalationStep(record: EscalationStepRecord): Promise<void> {
    checkEscalationStep(record);
    await insertEscalationStep(this.pool, record);
  }

  async settledConversionUploads(campaignId: string, leadIds: string[]): Promise<Set<string>> {
    if (leadIds.length === 0) return new Set();
    const { rows } = await this.pool.query<{ lead_id: string }>(
      `SELECT lead_id FROM conversion_uploads WHERE campaign_id = $1 AND lead_id = ANY($2::text[]) AND status <> 'failed'`,
      [campaignId, leadIds],
    );
    return new Set(rows.map((r) => r.lead_id));
  }

  async recordConversionUploads(records: ConversionUploadRecord[]): Promise<void> {
    if (records.length === 0) return;
    for (const r of records) checkNonEmpty(r.leadId, 'conversionUpload.leadId');
    await this.pool.query(
      `INSERT INTO conversion_uploads AS u (campaign_id, lead_id, conversion_action, converted_date, value, currency,
                                            status, error, first_attempt_at, last_attempt_at)
       SELECT r.campaign_id, r.lead_id, r.conversion_action, r.converted_date, r.value, r.currency, r.status, r.error,
              r.at, r.at
         FROM jsonb_to_recordset($1::jsonb) AS r(campaign_id text, lead_id text, conversion_action text,
              converted_date date, value numeric, currency text, status text, error text, at timestamptz)
       ON CONFLICT (campaign_id, lead_id) DO UPDATE
         SET status = EXCLUDED.status, error = EXCLUDED.error, attempts = u.attempts + 1,
             last_attempt_at = EXCLUDED.last_attempt_at
         WHERE u.status = 'failed'`,
      [
        storableJson(
          records.map((r) => ({
            campaign_id: r.campaignId,
            lead_id: r.leadId,
            conversion_action: r.conversionAction,
            converted_date: r.convertedDate,
            value: r.value,
            currency: r.currency,
            status: r.status,
            error: r.error === null ? null : r.error.slice(0, 500),
            at: r.at,
          })),
        ),
      ],
    );
  }

  async recordSnapshot(record: VelocitySnapshotRecord): Promise<void> {
    checkSnapshot(record);
    await this.pool.query(
      `INSERT INTO velocity_snapshots (campaign_id, check_id, at, spend_micros, budget_micros, burn_pct, conversions,
                                       forecast_linear, forecast_curve, velocity_pct, cpl, cpl_low, cpl_high,
                                       response_compliance, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15::jsonb)
       ON CONFLICT (campaign_id, check_id) DO NOTHING`,
      [
        record.campaignId,
        record.checkId,
        record.at,
        record.spendMicros,
        record.budgetMicros,
        record.burnPct,
        record.conversions,
        record.forecastLinear,
        record.forecastCurve,
        record.velocityPct,
        record.cpl,
        record.cplLow,
        record.cplHigh,
        storableJson(record.responseCompliance),
        storableJson(record.detail),
      ],
    );
  }

  /** First write creates the proposal; later writes only move its status forward. */
  async recordProposal(record: ProposalRecord): Promise<void> {
    checkProposal(record);
    await this.pool.query(
      `INSERT INTO proposals (proposal_id, campaign_id, created_at, expires_at, action, rule, reason,
                              target_amount_micros, figures, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10)
       ON CONFLICT (proposal_id) DO UPDATE SET status = EXCLUDED.status
       WHERE proposal_status_rank(EXCLUDED.status) > proposal_status_rank(proposals.status)`,
      [
        record.proposalId,
        record.campaignId,
        record.createdAt,
        record.expiresAt,
        record.action,
        record.rule,
        record.reason,
        record.targetAmountMicros,
        storableJson(record.figures),
        record.status,
      ],
    );
  }

  async recordDecision(record: DecisionRecord): Promise<void> {
    checkDecision(record);
    await this.pool
      .query(
        `INSERT INTO decisions (proposal_id, campaign_id, decision, approver, reason, at, figures)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
         ON CONFLICT (proposal_id, decision, at) DO NOTHING`,
        [
          record.proposalId,
          record.campaignId,
          record.decision,
          record.approver,
          record.reason,
          record.at,
          storableJson(record.figures),
        ],
      )
      .catch(explainMissingProposal(`decision ${record.decision}`, record.proposalId));
  }

  async recordBudgetChange(record: BudgetChangeRecord): Promise<void> {
    checkBudgetChange(record);
    await this.pool
      .query(
        `INSERT INTO budget_changes (campaign_id, change_id, proposal_id, source, at, before_state, after_state,
                                     operation, validate_only, changed)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10)
         ON CONFLICT (campaign_id, change_id) DO NOTHING`,
        [
          record.campaignId,
          record.changeId,
          record.proposalId,
          record.source,
          record.at,
          record.before === null ? null : storableJson(record.before),
          storableJson(record.after),
          record.operation,
          record.validateOnly,
          record.changed,
        ],
      )
      .catch(explainMissingProposal(`budget change ${record.changeId}`, record.proposalId));
  }

  async recordQuarterReport(record: QuarterReportRecord): Promise<{ inserted: boolean }> {
    checkQuarterReport(record);
    const result = await this.pool.query(
      `INSERT INTO quarter_reports (campaign_id, quarter, created_at, report)
       VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (campaign_id, quarter) DO NOTHING
       RETURNING 1`,
      [record.campaignId, record.quarter, record.createdAt, storableJson(record.report)],
    );
    return { inserted: result.rowCount === 1 };
  }

  /**
   * Leads with a clock not yet met (breached ones included: reps still work them) and no reject or nurture
   * event, oldest clock first: the leads whose attempts and status changes the CRM poll asks about.
   */
  async openLeadIds(campaignId: string, limit: number): Promise<string[]> {
    checkNonEmpty(campaignId, 'campaignId');
    checkInteger(limit, 'limit', { min: 1 });
    const { rows } = await this.pool.query<{ lead_id: string }>(
      // A rejected lead is closed, unless a milestone it started still runs (re-engagement of a recycled lead).
      `SELECT co.lead_id FROM clocks co
       WHERE co.campaign_id = $1 AND co.met_at IS NULL AND co.stopped_at IS NULL
         AND (co.clock LIKE 'm:%' OR NOT EXISTS (
           SELECT 1 FROM lead_events e
           WHERE e.campaign_id = co.campaign_id AND e.lead_id = co.lead_id AND e.kind IN (${CLOSING_EVENT_KINDS_SQL})))
       GROUP BY co.lead_id
       ORDER BY MIN(co.started_at), co.lead_id
       LIMIT $2`,
      [campaignId, limit],
    );
    return rows.map((r) => r.lead_id);
  }

  /** The latest recorded config of a campaign (already validated when it was recorded), or null. */
  async latestConfig(campaignId: string): Promise<CampaignConfig | null> {
    const { rows } = await this.pool.query<{ config: CampaignConfig }>(
      `SELECT config FROM campaign_config_versions WHERE campaign_id = $1 ORDER BY config_version DESC LIMIT 1`,
      [campaignId],
    );
    return rows[0]?.config ?? null;
  }

  /**
   * Leases an alert's dedupe key for one delivery attempt. A key delivered before is 'delivered'; a key whose lease
   * another worker holds is 'busy'; otherwise this caller holds it for `leaseMs`.
   */
  async leaseAlert(
    dedupeKey: string,
    payload: unknown,
    leaseMs: number,
  ): Promise<{ lease: AlertLease; attempts: number }> {
    checkNonEmpty(dedupeKey, 'alert.dedupeKey');
    const key = storedAlertKey(dedupeKey);
    const { rows } = await this.pool.query<{ leased: boolean; delivered: boolean; attempts: number }>(
      `INSERT INTO alerts_sent AS a (dedupe_key, payload, attempts, lease_until)
       VALUES ($1, $2::jsonb, 1, now() + make_interval(secs => $3 / 1000.0))
       ON CONFLICT (dedupe_key) DO UPDATE
         SET attempts = a.attempts + 1, lease_until = EXCLUDED.lease_until, payload = EXCLUDED.payload
         WHERE a.delivered_at IS NULL AND (a.lease_until IS NULL OR a.lease_until < now())
       RETURNING true AS leased, false AS delivered, attempts`,
      [key, storableJson(payload), leaseMs],
    );
    if (rows[0]) return { lease: 'leased', attempts: rows[0].attempts };
    const current = await this.pool.query<{ delivered: boolean; attempts: number }>(
      `SELECT delivered_at IS NOT NULL AS delivered, attempts FROM alerts_sent WHERE dedupe_key = $1`,
      [key],
    );
    const row = current.rows[0];
    return { lease: row?.delivered ? 'delivered' : 'busy', attempts: row?.attempts ?? 0 };
  }

  async markAlertsDelivered(dedupeKeys: readonly string[], digestKey?: string): Promise<void> {
    await this.pool.query(
      `UPDATE alerts_sent
          SET delivered_at = COALESCE(delivered_at, now()), digest_key = COALESCE(digest_key, $2),
              lease_until = NULL, last_error = NULL
        WHERE dedupe_key = ANY($1::text[])`,
      [dedupeKeys.map(storedAlertKey), digestKey ?? null],
    );
  }

  async releaseAlert(dedupeKey: string, error: string): Promise<void> {
    await this.pool.query(
      `UPDATE alerts_sent SET lease_until = NULL, last_error = left($2, 500) WHERE dedupe_key = $1 AND delivered_at IS NULL`,
      [storedAlertKey(dedupeKey), error],
    );
  }
}

/** Length-prefixed, so no two (campaign, lead) pairs share a key. */
function leadKey(campaignId: string, leadId: string): string {
  return `${campaignId.length}:${campaignId}${leadId.length}:${leadId}`;
}

/**
 * Folds several outcomes of the same lead clock in a batch into one row (a single INSERT may not
 * update the same row twice), keeping the first value of each milestone like the upsert does.
 */
export function mergeClockOutcomes(records: ClockOutcomeRecord[]): ClockOutcomeRecord[] {
  const merged = new Map<string, ClockOutcomeRecord>();
  for (const record of records) {
    // Cheaper than JSON for thousands of rows.
    const key = leadKey(record.campaignId, record.leadId) + record.clock;
    const seen = merged.get(key);
    merged.set(
      key,
      seen
        ? {
            ...seen,
            warnedAt: seen.warnedAt ?? record.warnedAt,
            metAt: seen.metAt ?? record.metAt,
            breachedAt:
              (seen.breachRetractedAt ?? record.breachRetractedAt) ? undefined : (seen.breachedAt ?? record.breachedAt),
            breachRetractedAt: seen.breachRetractedAt ?? record.breachRetractedAt,
            metRecordedAt: seen.metRecordedAt ?? record.metRecordedAt,
            elapsedBusinessMs: seen.elapsedBusinessMs ?? record.elapsedBusinessMs,
            elapsedWallMs: seen.elapsedWallMs ?? record.elapsedWallMs,
            stoppedAt: seen.stoppedAt ?? record.stoppedAt,
            ...pauseState(laterPause(record, seen) ? record : seen),
          }
        : record,
    );
  }
  return [...merged.values()];
}

/** The upsert's LATER_PAUSE: more stopped time, or paused rather than running at a tie. */
function laterPause(incoming: ClockOutcomeRecord, stored: ClockOutcomeRecord): boolean {
  const rank = (r: ClockOutcomeRecord): [number, number] => [r.pausedMs ?? 0, r.pausedAt === undefined ? 0 : 1];
  const [a, b] = [rank(incoming), rank(stored)];
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

const pauseState = (r: ClockOutcomeRecord) => ({ deadline: r.deadline, pausedAt: r.pausedAt, pausedMs: r.pausedMs });

/** The items ordered by their keys, compared field by field; each item's key is built once, not per comparison. */
function sortedByKey<T>(items: readonly T[], key: (item: T) => string[]): T[] {
  const keyed = items.map((item) => ({ item, key: key(item) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) {
      if (a.key[i] !== b.key[i]) return a.key[i] < b.key[i] ? -1 : 1;
    }
    return 0;
  });
  return keyed.map(({ item }) => item);
}

function explainMissingProposal(what: string, proposalId: string | null): (err: unknown) => never {
  return (err) => {
    if ((err as { code?: string }).code === FOREIGN_KEY_VIOLATION) {
      throw new Error(`Cannot record ${what}: proposal ${proposalId} is not in the ledger; record the proposal first`, {
        cause: err,
      });
    }
    throw err;
  };
}

function insertEscalationStep(db: pg.Pool | pg.PoolClient, record: EscalationStepRecord): Promise<unknown> {
  return db.query(
    `INSERT INTO escalation_steps (campaign_id, lead_id, clock, step_index, step, at, outcome)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
     ON CONFLICT (campaign_id, lead_id, clock, step_index) DO NOTHING`,
    [
      record.campaignId,
      record.leadId,
      record.clock,
      record.stepIndex,
      record.step,
      record.at,
      storableJson(record.outcome),
    ],
  );
}
