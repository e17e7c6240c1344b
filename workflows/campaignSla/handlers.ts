// The workflow's Updates, Signal and Queries (defined in ../messages). Validators reject a whole batch
// before anything changes; handlers change the state and wake the main loop.
import { log, setHandler } from '@temporalio/workflow';
import { parseAcceptedConfig, parseCampaignConfig } from '../../sla/config';
import {
  admitLeadsInputSchema,
  budgetChangedSignalSchema,
  decideProposalInputSchema,
  formatIssues,
  isAdmitLeadsInput,
  recordLeadEventsInputSchema,
  rollQuarterInputSchema,
} from '../../sla/leadEvents';
import { decideProposal, proposalView } from '../../sla/proposals';
import { validateAdmission, validateLeadEvents } from '../../sla/leadBook';
import {
  admitLeadsUpdate,
  amendSlaUpdate,
  budgetChangedSignal,
  decideProposalUpdate,
  leadQuery,
  proposalsQuery,
  recordLeadEventsUpdate,
  rollQuarterUpdate,
  slaStateQuery,
} from '../messages';
import { recordConfigVersion } from './activities';
import { admit, applyEvents } from './leads';
import { decideByOps } from './proposalLifecycle';
import type { CampaignRun } from './run';
import { newLeadsRefusal } from './continueAsNew';
import { holdDstRule } from './dstRule';
import { asInvalidRequest, atCapacity, invalidRequest, toInvalidRequest } from './invalidRequest';
import { closeLiveQuarter, quarterRollProblem } from './quarter';
import { requestProblem } from '../../sla/inputLimits';
import { quoteInput } from '../../sla/ids';
import { leadView, stateView } from './views';

/**
 * Runs a handler that awaits outside work, counted so that a hand-over never waits for it (continueAsNew.ts). Every
 * handler that awaits anything runs through this; the others must return without awaiting.
 */
function awaiting<T>(run: CampaignRun, handle: () => Promise<T>): Promise<T> {
  run.awaitingHandlers++;
  return handle().finally(() => run.awaitingHandlers--);
}

export function registerHandlers(run: CampaignRun): void {
  const { state, campaignId } = run;

  setHandler(
    admitLeadsUpdate,
    (batch) => {
      run.updatesThisRun++;
      const outcomes = admit(run, batch.leads);
      run.wake = true;
      return outcomes;
    },
    {
      validator: (batch) => {
        rejectUnfit('lead batch', batch);
        if (!isAdmitLeadsInput(batch)) {
          const parsed = admitLeadsInputSchema.safeParse(batch);
          if (!parsed.success) throw invalidRequest('invalid lead batch', formatIssues(parsed.error));
        }
        const problems = validateAdmission(batch.leads, run.ctx());
        if (problems.length) throw invalidRequest('lead batch rejected, nothing admitted', problems);
        const refusal = newLeadsRefusal(run, batch.leads);
        if (refusal) throw atCapacity(`lead batch refused, nothing admitted: ${refusal}`);
      },
    },
  );

  setHandler(
    recordLeadEventsUpdate,
    (batch) => {
      run.updatesThisRun++;
      run.wake = true;
      return applyEvents(run, batch.events);
    },
    {
      validator: (batch) => {
        rejectUnfit('lead events', batch);
        const parsed = recordLeadEventsInputSchema.safeParse(batch);
        if (!parsed.success) throw invalidRequest('invalid lead events', formatIssues(parsed.error));
        const problems = validateLeadEvents(state.book, parsed.data.events, run.ctx());
        if (problems.length) throw invalidRequest('lead events rejected, nothing applied', problems);
      },
    },
  );

  setHandler(
    decideProposalUpdate,
    (decision) =>
      awaiting(run, () => {
        run.updatesThisRun++;
        // Another decision or an expiry may have settled it while this one waited for the lock.
        return decideByOps(run, decision).catch((err: unknown) => {
          throw toInvalidRequest('decision refused', err);
        });
      }),
    {
      validator: (decision) => {
        rejectUnfit('decision', decision);
        // Who may decide comes first: someone not on the list learns that, not what else is wrong.
        const approver = (decision as { approver?: unknown } | null)?.approver;
        if (typeof approver === 'string' && !run.config().approvals.approvers.includes(approver)) {
          throw invalidRequest(
            'decision refused',
            `approver: ${quoteInput(approver)} is not on this campaign's approver list`,
          );
        }
        const parsed = decideProposalInputSchema.safeParse(decision);
        if (!parsed.success) throw invalidRequest('invalid decision', formatIssues(parsed.error));
        // Dry run against a copy: rejects unknown, expired or decided proposals.
        asInvalidRequest('decision refused', () =>
          decideProposal(JSON.parse(JSON.stringify(state.spend.proposals)), parsed.data, run.config(), Date.now()),
        );
      },
    },
  );

  setHandler(
    amendSlaUpdate,
    (newConfig) =>
      awaiting(run, async () => {
        run.updatesThisRun++;
        // The validator held it to every rule; a replay (validators do not run) reads it as it was accepted.
        const parsed = parseAcceptedConfig(newConfig);
        holdDstRule(run, parsed);
        state.configs[parsed.version] = parsed;
        state.currentVersion = parsed.version;
        await recordConfigVersion({
          campaignId,
          configVersion: parsed.version,
          config: parsed,
          recordedAt: new Date().toISOString(),
        });
        pruneConfigs(run);
        run.wake = true;
        return { configVersion: parsed.version, appliesTo: 'new leads' as const };
      }),
    {
      validator: (newConfig) => {
        rejectUnfit('amendment', newConfig);
        const parsed = asInvalidRequest('invalid amendment', () => parseCampaignConfig(newConfig));
        if (parsed.campaign.id !== campaignId) {
          throw invalidRequest(
            'invalid amendment',
            `campaign.id: amendment is for ${quoteInput(parsed.campaign.id)}, this workflow runs "${campaignId}"`,
          );
        }
        if (parsed.version <= state.currentVersion) {
          throw invalidRequest(
            'invalid amendment',
            `version: amendment version ${parsed.version} must be greater than the current ${state.currentVersion}`,
          );
        }
      },
    },
  );

  setHandler(
    rollQuarterUpdate,
    ({ quarter }) =>
      awaiting(run, async () => {
        run.updatesThisRun++;
        if (state.closedQuarters.includes(quarter)) return { quarter, result: 'already-rolled' as const };
        await closeLiveQuarter(run, false);
        run.wake = true;
        return { quarter, result: 'rolled' as const };
      }),
    {
      validator: (input) => {
        rejectUnfit('quarter roll', input);
        const parsed = rollQuarterInputSchema.safeParse(input);
        if (!parsed.success) throw invalidRequest('invalid quarter roll', formatIssues(parsed.error));
        const problem = quarterRollProblem(run, parsed.data.quarter);
        if (problem) throw problem;
      },
    },
  );

  setHandler(budgetChangedSignal, (signal) => {
    const parsed = budgetChangedSignalSchema.safeParse(signal);
    if (!parsed.success) {
      log.warn('budgetChanged signal ignored', { problems: formatIssues(parsed.error) });
      return;
    }
    // Checked against the platform at the next velocity check; bring it forward.
    state.spend.nextCheckAt = Math.min(state.spend.nextCheckAt, Date.now());
    run.wake = true;
  });

  setHandler(slaStateQuery, () => stateView(run));
  setHandler(leadQuery, (leadId) => leadView(run, leadId));
  setHandler(proposalsQuery, () => state.spend.proposals.map(proposalView));
}

/**
 * Refuses a request too large to enter workflow history, or holding text the ledger cannot store (its writes would
 * fail for good), before anything else reads it.
 */
function rejectUnfit(what: string, input: unknown): void {
  const problem = requestProblem(input);
  if (problem) throw invalidRequest(`${what} refused`, problem);
}

/** Drops config versions that neither the current terms nor any open lead's clocks still use. */
function pruneConfigs(run: CampaignRun): void {
  const { state } = run;
  const inUse = new Set<number>([state.currentVersion]);
  for (const lead of Object.values(state.book.leads)) inUse.add(lead.configVersion);
  for (const version of Object.keys(state.configs).map(Number)) if (!inUse.has(version)) delete state.configs[version];
}
