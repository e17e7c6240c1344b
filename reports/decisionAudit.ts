// The audit of decision attempts: written by whoever relays an ops decision to the workflow (CLI, dashboard,
// Slack), since a refused Update never reaches the workflow's history. Caller input is stored as text, cut short.
import type pg from 'pg';

export interface DecisionAttempt {
  campaignId: string;
  proposalId: string;
  /** unknown: a refused request that named no decision (a forged Slack payload, say). */
  decision: 'approve' | 'reject' | 'unknown';
  approver: string;
  /** Where the attempt came from: the CLI (`--as`), the dashboard (approver token) or Slack (signed request). */
  channel: 'cli' | 'dashboard' | 'slack';
  /** accepted: the workflow took it; refused: its validator said no (why in detail); failed: it never got an answer. */
  outcome: 'accepted' | 'refused' | 'failed';
  detail: string;
}

/** Longest caller-supplied text kept per field: an audit row must not become a way to fill the ledger. */
const MAX_FIELD = 200;
const MAX_DETAIL = 1_000;

export async function recordDecisionAttempt(pool: pg.Pool, attempt: DecisionAttempt): Promise<void> {
  await pool.query(
    `INSERT INTO decision_attempts (campaign_id, proposal_id, decision, approver, channel, outcome, detail)
     VALUES (left($1, ${MAX_FIELD}), left($2, ${MAX_FIELD}), $3, left($4, ${MAX_FIELD}), $5, $6, left($7, ${MAX_DETAIL}))`,
    [
      attempt.campaignId,
      attempt.proposalId,
      attempt.decision,
      attempt.approver,
      attempt.channel,
      attempt.outcome,
      attempt.detail,
    ],
  );
}

const ATTEMPT_COLUMNS = `campaign_id AS "campaignId", proposal_id AS "proposalId", decision, approver, channel, outcome,
            detail, iso_utc(at) AS at`;

export type RecordedDecisionAttempt = DecisionAttempt & { at: string };

/** A campaign's decision attempts, oldest first. */
export async function decisionAttempts(pool: pg.Pool, campaignId: string): Promise<RecordedDecisionAttempt[]> {
  const { rows } = await pool.query<RecordedDecisionAttempt>(
    `SELECT ${ATTEMPT_COLUMNS} FROM decision_attempts WHERE campaign_id = $1 ORDER BY at, attempt_id`,
    [campaignId],
  );
  return rows;
}

/** A campaign's latest decision attempts, newest first (the dashboard's audit table). */
export async function latestDecisionAttempts(
  pool: pg.Pool,
  campaignId: string,
  limit: number,
): Promise<RecordedDecisionAttempt[]> {
  const { rows } = await pool.query<RecordedDecisionAttempt>(
    `SELECT ${ATTEMPT_COLUMNS} FROM decision_attempts WHERE campaign_id = $1 ORDER BY at DESC, attempt_id DESC LIMIT $2`,
    [campaignId, limit],
  );
  return rows;
}
