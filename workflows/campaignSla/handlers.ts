// The workflow's Updates, Signal and Queries (defined in ../messages). Validators reject a whole batch
// before anything changes; handlers change the state and wake the main loop.
import { log, setHandler } from '@temporalio/workflow';
import { parseCampaignConfig } from '../../sla/config';
import {
  admitLeadsInputSchema,
  budgetChangedSignalSchema,
  decideProposalInputSchema,
  formatIssues,
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
import { closeQuarter } from './quarter';
import type { CampaignRun } from './run';
import { leadView, stateView } from './views';

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
        const parsed = admitLeadsInputSchema.safeParse(batch);
        if (!parsed.success) throw new Error(`invalid lead batch:\n${formatIssues(parsed.error)}`);
        const problems = validateAdmission(parsed.data.leads, run.ctx());
        if (problems.length) throw new Error(`lead batch rejected, nothing admitted:\n${problems.join('\n')}`);
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
        const parsed = recordLeadEventsInputSchema.safeParse(batch);
        if (!parsed.success) throw new Error(`invalid lead events:\n${formatIssues(parsed.error)}`);
        const problems = validateLeadEvents(state.book, parsed.data.events, run.ctx());
        if (problems.length) throw new Error(`lead events rejected, nothing applied:\n${problems.join('\n')}`);
      },
    },
  );

  setHandler(
    decideProposalUpdate,
    (decision) => {
      run.updatesThisRun++;
      return decideByOps(run, decision);
    },
    {
      validator: (decision) => {
        const parsed = decideProposalInputSchema.safeParse(decision);
        if (!parsed.success) throw new Error(`invalid decision:\n${formatIssues(parsed.error)}`);
        // Dry run against a copy: rejects unknown, expired or decided proposals and unlisted approvers.
        decideProposal(JSON.parse(JSON.stringify(state.spend.proposals)), parsed.data, run.config(), Date.now());
      },
    },
  );

  setHandler(
    amendSlaUpdate,
    async (newConfig) => {
      run.updatesThisRun++;
      const parsed = parseCampaignConfig(newConfig);
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
    },
    {
      validator: (newConfig) => {
        const parsed = parseCampaignConfig(newConfig);
        if (parsed.campaign.id !== campaignId) {
          throw new Error(`campaign.id: amendment is for "${parsed.campaign.id}", this workflow runs "${campaignId}"`);
        }
        if (parsed.version <= state.currentVersion) {
          throw new Error(
            `version: amendment version ${parsed.version} must be greater than the current ${state.currentVersion}`,
          );
        }
      },
    },
  );

  setHandler(
    rollQuarterUpdate,
    async ({ quarter }) => {
      run.updatesThisRun++;
      if (state.closedQuarters.includes(quarter)) return { quarter, result: 'already-rolled' as const };
      await closeQuarter(run, quarter, false);
      run.wake = true;
      return { quarter, result: 'rolled' as const };
    },
    {
      validator: (input) => {
        const parsed = rollQuarterInputSchema.safeParse(input);
        if (!parsed.success) throw new Error(`invalid quarter roll:\n${formatIssues(parsed.error)}`);
        if (parsed.data.quarter > state.quarter) {
          throw new Error(
            `quarter: ${parsed.data.quarter} has not started yet for this campaign (current quarter ${state.quarter})`,
          );
        }
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

/** Drops config versions that neither the current terms nor any open lead's clocks still use. */
function pruneConfigs(run: CampaignRun): void {
  const { state } = run;
  const inUse = new Set<number>([state.currentVersion]);
  for (const lead of Object.values(state.book.leads)) inUse.add(lead.configVersion);
  for (const version of Object.keys(state.configs).map(Number)) if (!inUse.has(version)) delete state.configs[version];
}
