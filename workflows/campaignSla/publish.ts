// Search attributes (for List Filters) and current details (for the UI), recomputed at most every
// SUMMARY_EVERY_MS: each publish is a command in the history. Their figures are kept per change (sla/openFigures,
// openClockCount), so a publish costs what changed since the last one, not O(open leads).
import { metricMeter, patched, setCurrentDetails, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { recordSlaGauges } from '../slaMetrics';
import { dict } from '../../sla/dict';
import { renderCurrentDetails } from '../../sla/currentDetails';
import { searchAttributes } from '../messages';
import type { CampaignRun } from './run';
import { stateView } from './views';
import { decisionNow, noteCommand } from './decisionTime';

const SUMMARY_EVERY_MS = 10_000;

/**
 * Patch: a publish is timed by the task that upserts, and every publish upserts. Runs recorded before also counted
 * a publish whose attributes had not changed, which made no command: a replay runs such a task at the next task's
 * time (retryTiming.ts), so the wake-up timer for the next publish came due at another time than it had live (found
 * by the replay test that merges such tasks). Without search attributes (a namespace that cannot register them)
 * a publish starts the timer for the next one instead. Asked once as the run starts, before any handler.
 */
export function decidePublishTiming(run: CampaignRun): void {
  run.summary.timedByUpserts = patched('publish-timed-by-upserts');
}

/** Publishes now if forced or due; otherwise marks the summary stale so the loop wakes to publish it. */
export function publish(run: CampaignRun, force = false): void {
  const { summary } = run;
  const upserts = run.input.publishSearchAttributes !== false;
  if (!force && decisionNow(run) - summary.lastAt < SUMMARY_EVERY_MS) {
    summary.dirty = true;
    return;
  }
  summary.dirty = false;
  // A publish that makes a command is timed by its task, which replays at the same time.
  if (summary.timedByUpserts) noteCommand(run);
  summary.lastAt = Date.now();
  // Without search attributes to upsert, a timer for the next publish is the command that times this one.
  if (summary.timedByUpserts && !upserts) void sleep(SUMMARY_EVERY_MS, { summary: 'next publish' });
  const view = stateView(run, 'summary');
  const attributes = {
    campaignId: view.campaignId,
    slaHealth: view.health,
    openLeadClocks: view.openClocks,
    breachedLeads: view.breachedLeads,
    responseCompliance: view.compliance.targets[0]?.actual ?? 1,
    budgetSpentPct: view.latestSnapshot?.burnPct ?? 0,
    velocityPct: view.latestSnapshot?.velocityPct ?? 0,
    pendingApproval: view.proposals.some((p) => p.status === 'pending'),
    campaignQuarter: view.quarter,
  };
  const serialized = JSON.stringify(attributes);
  if (upserts && (summary.timedByUpserts || serialized !== summary.lastAttributes)) {
    summary.lastAttributes = serialized;
    upsertSearchAttributes([
      { key: searchAttributes.campaignId, value: attributes.campaignId },
      { key: searchAttributes.slaHealth, value: attributes.slaHealth },
      { key: searchAttributes.openLeadClocks, value: attributes.openLeadClocks },
      { key: searchAttributes.breachedLeads, value: attributes.breachedLeads },
      { key: searchAttributes.responseCompliance, value: attributes.responseCompliance },
      { key: searchAttributes.budgetSpentPct, value: attributes.budgetSpentPct },
      { key: searchAttributes.velocityPct, value: attributes.velocityPct },
      { key: searchAttributes.pendingApproval, value: attributes.pendingApproval },
      { key: searchAttributes.campaignQuarter, value: attributes.campaignQuarter },
    ]);
  }
  setCurrentDetails(renderCurrentDetails(view, run.config()));
  const proposalsByStatus = dict<number>();
  for (const p of view.proposals) proposalsByStatus[p.status] = (proposalsByStatus[p.status] ?? 0) + 1;
  recordSlaGauges(metricMeter, run.campaignId, {
    openClocks: view.openClocks,
    proposalsByStatus,
    escalationStepsPending: run.pendingEscalations.length,
  });
}

/** When the loop must wake to publish a summary that was skipped, if any. */
export function stalePublishDueAt(run: CampaignRun): number | undefined {
  return run.summary.dirty ? run.summary.lastAt + SUMMARY_EVERY_MS : undefined;
}
