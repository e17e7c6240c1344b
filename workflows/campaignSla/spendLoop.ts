// The velocity check: Ads spend against CRM conversions, then the rules, which may open budget proposals.
// The check runs while the clocks keep firing; the rules run on its result under the spend lock, so a
// decision or a quarter close never interleaves with a proposal being opened.
import { log, patched } from '@temporalio/workflow';
import { adsAccountProblems, newAdsAccountProblems, type AdsAccountFacts } from '../../sla/adsAccount';
import { adsAccountProblemAlert, externalBudgetChangeAlert } from '../../sla/alertWording';
import { complianceForState, leadsOpened } from '../../sla/campaignCompliance';
import { arrivalRate, opsCapacity } from '../../sla/capacity';
import { pacing } from '../../sla/pacing';
import { pendingProposals } from '../../sla/proposals';
import { evaluateRules, type RuleInput } from '../../sla/rules';
import { runVelocityCheck } from './activities';
import { raiseEscalation } from './escalation';
import { track } from './inFlight';
import { openProposal } from './proposalLifecycle';
import type { CampaignRun } from './run';
import { noteCommand } from './decisionTime';

export function startVelocityCheck(run: CampaignRun): void {
  run.inFlight.velocityCheck = true;
  track(
    run,
    'velocity check',
    velocityCheck(run).finally(() => {
      run.inFlight.velocityCheck = false;
    }),
  );
  // The check schedules its activity before its first await.
  noteCommand(run);
}

const STABLE_RULES = 'stable-budget-rules';
const HOUR_MS = 3_600_000;
/** Patch: a velocity shortfall or a CPL is not acted on before there are enough conversions to judge it. */
const RULES_NEED_EVIDENCE = 'rules-need-evidence';
/** Patch: Google Ads account problems found by a check are alerted and shown, not dropped. */
const ADS_ACCOUNT_ALERTS = 'ads-account-alerts';
/**
 * Patch: a check whose Google Ads read came before an approved change landed (the change applied while the check's
 * calls ran) leaves the budget the change reported in place, raises no external change (the one it saw was that
 * change), and no rule weighs its figures. Before, it put the budget from before the change back into the state,
 * and the next check reported the change as made outside.
 */
const CHECK_READ_BEFORE_APPLY = 'check-read-before-apply';

/** Alerts each problem once while it lasts and shows the current ones on the latest snapshot. */
function raiseAdsAccountProblems(run: CampaignRun, checkId: string, facts: AdsAccountFacts): void {
  const { spend } = run.state;
  const problems = adsAccountProblems(facts);
  for (const problem of newAdsAccountProblems(spend.adsProblems ?? [], problems)) {
    run.pendingAlerts.push(adsAccountProblemAlert(run.campaignId, checkId, problem));
  }
  spend.adsProblems = problems.map((problem) => problem.code);
  if (spend.latest) spend.latest.adsProblems = problems;
}

/** The contract's stability policy and the proposals it weighs (the run keeps the last 50). */
function ruleStability(run: CampaignRun): RuleInput['stability'] {
  const { stability, checkEvery } = run.config().velocity;
  return {
    policy: {
      cooldownMs: stability.cooldown,
      maxProposalsPerDay: stability.maxProposalsPerDay,
      restoreMarginPct: stability.restoreMarginPct,
      restoreAfterMs: stability.restoreAfter ?? checkEvery,
    },
    earlier: run.state.spend.proposals.map((p) => ({
      rule: p.rule,
      createdAt: Date.parse(p.createdAt),
      decidedAt: p.decidedAt === undefined ? null : Date.parse(p.decidedAt),
    })),
  };
}

async function velocityCheck(run: CampaignRun): Promise<void> {
  const { state, campaignId } = run;
  const cfg = run.config();
  const now = Date.now();
  state.spend.nextCheckAt = now + cfg.velocity.checkEvery;
  state.spend.checks++;
  const compliance = complianceForState(state.compliance, state.book, cfg, now, run.leadConfig);
  try {
    const result = await runVelocityCheck({
      campaignId,
      checkId: `${state.quarter}-${state.continuedAsNew}-${state.spend.checks}`,
      at: new Date(now).toISOString(),
      config: cfg,
      knownBudget: state.spend.budget,
      responseCompliance: compliance.byTarget,
    });
    await run.spendLock.runExclusive(async () => {
      const readBeforeApply =
        state.spend.budget !== null &&
        (state.spend.budgetAppliedAt ?? -Infinity) > now &&
        patched(CHECK_READ_BEFORE_APPLY);
      const snapshot = readBeforeApply
        ? { ...result.snapshot, budget: state.spend.budget!.amount, campaignStatus: state.spend.budget!.status }
        : result.snapshot;
      if (result.adsOperations) state.adsApiUsage = { ...result.adsOperations, at: new Date(now).toISOString() };
      state.spend.budget = { amount: snapshot.budget, status: snapshot.campaignStatus };
      state.spend.originalBudget ??= snapshot.budget;
      const leads = leadsOpened(state.compliance);
      const arrivals = [...state.spend.history, { at: now, leads }].filter(
        (h): h is { at: number; leads: number } => h.leads !== undefined && h.at >= now - cfg.velocity.trailingWindow,
      );
      const pace = pacing(
        {
          spend: snapshot.spend,
          budget: snapshot.budget,
          windowStart: run.windowStart(),
          windowEnd: run.windowEnd(),
          now,
        },
        cfg.velocity.pacingBand,
      );
      const capacity = opsCapacity(cfg, state.book.ownerLoad, arrivalRate(arrivals), cfg.velocity.checkEvery);
      state.spend.latest = { ...snapshot, pacing: pace, capacity };
      if (result.ads && patched(ADS_ACCOUNT_ALERTS)) raiseAdsAccountProblems(run, snapshot.checkId, result.ads);
      state.spend.history.push({
        at: now,
        conversions: snapshot.conversions,
        clicks: result.clicks,
        spend: snapshot.spend,
        forecast: snapshot.forecast,
        leads,
      });
      // Rates across the conversion lag look back that much further.
      const keepFrom =
        now - Math.max(cfg.velocity.trailingWindow * 2, cfg.velocity.checkEvery * 2) - cfg.velocity.conversionLag;
      state.spend.history = state.spend.history.filter((h) => h.at >= keepFrom);
      if (readBeforeApply) {
        log.info(
          'velocity check read Google Ads before an approved change landed; its budget and rules wait for the next check',
          {
            campaignId,
            checkId: snapshot.checkId,
          },
        );
        return;
      }
      if (result.externalChange) {
        run.pendingAlerts.push(externalBudgetChangeAlert(campaignId, snapshot.checkId, result.externalChange));
      }
      const pending = pendingProposals(state.spend.proposals).length > 0;
      const evaluation = evaluateRules({
        rules: cfg.velocity.rules,
        snapshot: {
          at: now,
          windowStart: run.windowStart(),
          windowEnd: run.windowEnd(),
          spend: snapshot.spend,
          budget: snapshot.budget,
          originalBudget: state.spend.originalBudget,
          conversions: snapshot.conversions,
          forecast: snapshot.forecast,
          velocity: snapshot.velocityPct === null ? null : snapshot.velocityPct / 100,
          cpl: snapshot.cpl,
          cplBand: snapshot.cplBand,
          clicks: result.clicks,
          responseSlaMeets: compliance.summary.meetsTargets,
          campaignPaused: snapshot.campaignStatus === 'PAUSED',
          pacing: pace,
          capacity,
        },
        history: state.spend.history.slice(0, -1),
        activeAdjustment: state.spend.activeAdjustment,
        pendingProposal: pending,
        // Runs whose histories predate stable rules replay as recorded.
        stability: patched(STABLE_RULES) ? ruleStability(run) : undefined,
        needsEvidence: patched(RULES_NEED_EVIDENCE),
        conversionLagMs: cfg.velocity.conversionLag,
      });
      if (evaluation.acrossLag) state.spend.latest.acrossLag = evaluation.acrossLag;
      if (state.spend.activeAdjustment && evaluation.clearedSince !== undefined) {
        state.spend.activeAdjustment.clearedSince = evaluation.clearedSince ?? undefined;
      }
      for (const suppressed of evaluation.suppressed) log.info('rule suppressed', { campaignId, ...suppressed });
      for (const draft of evaluation.proposals) await openProposal(run, draft, snapshot);
    });
    run.velocityFailingSince = null;
  } catch (err) {
    // One alert per failure episode (an outage fails every check until it ends), and at most one an hour.
    run.velocityFailingSince ??= Date.now();
    raiseEscalation(
      run,
      'Velocity check failed',
      err,
      `${campaignId}:velocity-failing:${Math.floor(run.velocityFailingSince / HOUR_MS)}`,
    );
  }
}
