// Pulling new leads and their events from the CRM on the campaign's poll interval. The poll runs while the
// clocks keep firing; its result is applied when it arrives, item by item, so one lead the engine cannot
// take (unknown tier, bad ID, event for a closed lead) is logged and skipped and never blocks the rest.
import { nurtureStatusOf, returnsToNurture } from '../../sla/config';
import { log, patched } from '@temporalio/workflow';
import { getOwn } from '../../sla/dict';
import { contractRepIds, milestoneFactsNeeded, validateAdmission, validateLeadEvents } from '../../sla/leadBook';
import { pollCrm } from './activities';
import { refusesNewLeads } from './continueAsNew';
import { raiseEscalation } from './escalation';
import { track } from './inFlight';
import { admit, applyEvents } from './leads';
import type { CampaignRun } from './run';
import { noteCommand } from './decisionTime';

/** Runs recorded before the contract's status mapping was checked against the org raise no such alert. */
const STATUS_MAPPING_ALERT = 'status-mapping-alert';
/** Runs recorded before reps were checked against the CRM's users raise no alert for a deactivated rep. */
const INACTIVE_REPS_ALERT = 'inactive-reps-alert';

/** What one poll asks the CRM for: new leads only inside the window and while the run can take them. */
export function crmPollInput(run: CampaignRun, now: number): Parameters<typeof pollCrm>[0] {
  const crm = run.config().campaign.crm;
  // Read only for campaigns whose milestones follow them (they cost API calls): others poll as before.
  const facts = milestoneFactsNeeded(Object.values(run.ctx().configs));
  return {
    campaignId: run.campaignId,
    crmCampaignId: crm.campaignId,
    watermark: run.state.crmWatermark,
    // New leads stay in the CRM, its watermark unmoved, while the run cannot hand over; later polls fetch them.
    acceptNewLeads: now < run.windowEnd() && !refusesNewLeads(run),
    at: new Date(now).toISOString(),
    ...(crm.statusMapping ? { statusMapping: crm.statusMapping } : {}),
    ...(returnsToNurture(run.config()) ? { nurtureStatus: nurtureStatusOf(run.config()) } : {}),
    repIds: contractRepIds(run.config()),
    ...(facts ? { facts } : {}),
  };
}

export function startCrmPoll(run: CampaignRun): void {
  const { state, campaignId } = run;
  const now = Date.now();
  state.nextCrmPollAt = now + run.config().campaign.crm.pollEvery;
  run.inFlight.crmPoll = true;
  const poll = pollCrm(crmPollInput(run, now)).then(
    (result) => {
      state.crmWatermark = result.watermark;
      if (result.inactiveReps) noteInactiveReps(run, result.inactiveReps);
      if (result.apiUsage) state.crmApiUsage = { ...result.apiUsage, at: new Date().toISOString() };
      const mappingProblems = (result.statusMappingProblems ?? []).join('; ');
      // Told when it changes (once per run at most for the same problems; the ledger dedupes repeats).
      if (mappingProblems && mappingProblems !== run.statusMappingProblems && patched(STATUS_MAPPING_ALERT)) {
        run.statusMappingProblems = mappingProblems;
        raiseEscalation(
          run,
          'CRM status mapping does not match the org',
          mappingProblems,
          `${campaignId}:status-mapping:${mappingProblems.slice(0, 200)}`,
        );
      }
      const tiers = run.config().responseSla.tiers;
      const admissible = result.leads.filter((lead) => {
        const problems = getOwn(tiers, lead.tier) ? validateAdmission([lead], run.ctx()) : [`unknown tier`];
        if (problems.length) log.warn('CRM lead skipped', { campaignId, leadId: lead.leadId, problems });
        return problems.length === 0;
      });
      if (admissible.length) admit(run, admissible);
      const events = result.events.filter((event) => validateLeadEvents(state.book, [event], run.ctx()).length === 0);
      if (events.length) applyEvents(run, events);
    },
    (err: unknown) =>
      raiseEscalation(run, 'CRM poll failed', err, `${campaignId}:crm-poll:${state.crmWatermark ?? 'start'}`),
  );
  noteCommand(run);
  track(
    run,
    'crm poll',
    poll.finally(() => {
      run.inFlight.crmPoll = false;
    }),
  );
}

/** Reps the CRM deactivated get no new leads (sla/availability); ops hear of each newly deactivated one. */
function noteInactiveReps(run: CampaignRun, inactive: string[]): void {
  const { book } = run.state;
  const added = inactive.filter((rep) => !book.inactiveReps.includes(rep));
  book.inactiveReps = inactive;
  if (added.length && patched(INACTIVE_REPS_ALERT)) {
    raiseEscalation(
      run,
      'Reps deactivated in the CRM',
      `${added.join(', ')} ${added.length === 1 ? 'is' : 'are'} inactive in the CRM (User.IsActive false): routing gives them no new leads; reassign the leads they hold`,
      `${run.campaignId}:inactive-reps:${added.join(',').slice(0, 200)}`,
    );
  }
}
