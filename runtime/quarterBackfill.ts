// A backfill of an older quarter: its report is rebuilt from the ledger (the read model) and written only
// if the quarter has none, so the running campaign and an existing report are never touched.
import type { RebuildQuarterReport } from '../activities/resetActivities';
import type { PgLedger } from '../activities/ledger/pgLedger';
import { LedgerQueries } from '../reports/ledgerQueries';
import { quarterFromLedger } from '../reports/quarterToDate';
import type pg from 'pg';

export function quarterBackfill(pool: pg.Pool, ledger: PgLedger): RebuildQuarterReport {
  const queries = new LedgerQueries(pool);
  return async (campaignId, quarter) => {
    const settings = await queries.recordedCampaignSettings(campaignId);
    if (!settings) return { inserted: false };
    const now = new Date();
    const report = await quarterFromLedger(queries, campaignId, settings, quarter, now);
    return ledger.recordQuarterReport({
      campaignId,
      quarter,
      createdAt: now.toISOString(),
      report: { source: 'ledger-backfill', ...report },
    });
  };
}
