// One long-lived workflow per campaign (entity pattern). It orchestrates only: SLA math lives in sla/,
// I/O lives in activities. One timer at a time — the earliest due clock, check, poll or expiry —
// instead of one server timer per lead.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities/campaignActivities';
import type { Alert } from '../sla/alerts';
import type { ProposalRecord } from '../sla/records';
import type { CampaignConfig } from '../sla/config';
import { parseCampaignConfig } from '../sla/config';
import {
  admitLeadsInputSchema,
  budgetChangedSignalSchema,
  decideProposalInputSchema,
  formatIssues,
  recordLeadEventsInputSchema,
  rollQuarterInputSchema,
  type LeadEvent,
} from '../sla/leadEvents';
import {
  admitLeads,
  applyLeadEvents,
  collectDue,
  drainOutbox,
  emptyLeadBook,
  nextDueAt,
  openClockCount,
  openLeadCount,
  outboxSize,
  validateAdmission,
  validateLeadEvents,
  type BookContext,
  type ClockAlertEffect,
  type EscalationEffect,
  type LeadBook,
} from '../sla/leadBook';
import { quarterOf } from '../sla/quarter';
import { decodeCarryOver, encodeCarryOver, jsonSizeBytes, type CompactCarryOver } from '../sla/carryOver';
import { renderCurrentDetails } from '../sla/currentDetails';
import {
  createCompliance,
  complianceForState,
  noteBreach,
  noteDisposition,
  noteFirstTouch,
  noteClosedUntouched,
  noteLeadOpened,
  resetCompliance,
  type CampaignCompliance,
} from '../sla/campaignCompliance';
import {
  decideProposal,
  draftToProposal,
  expireDueProposals,
  nextProposalExpiry,
  pendingProposals,
  proposalView,
  resolveBudgetTarget,
  type ProposalState,
} from '../sla/proposals';
import { evaluateRules } from '../sla/rules';
import {
  admitLeadsUpdate,
  amendSlaUpdate,
  budgetChangedSignal,
  decideProposalUpdate,
  leadQuery,
  proposalsQuery,
  recordLeadEventsUpdate,
  rollQuarterUpdate,
  searchAttributes,
  slaStateQuery,
} from './messages';
import type { BreachView, CampaignStateView, LeadView, SnapshotView } from '../sla/views';

const { recordConfigVersion, recordLeadActivity, sendAlerts, recordProposal, recordDecision, writeQuarterReport } =
  proxyActivities<activities.CampaignActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });

// External systems: bounded retries, then the workflow raises an escalation instead of failing.
const { runEscalationSteps, pollCrm, runVelocityCheck, applyBudgetChange } =
  proxyActivities<activities.CampaignActivities>({
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 8 },
  });

export interface SpendState {
  checks: number;
  nextCheckAt: number;
  latest: SnapshotView | null;
  /** Trailing snapshots for conversion-rate rules. */
  history: { at: number; conversions: number; clicks: number; spend: number }[];
  budget: { amount: number; status: 'ENABLED' | 'PAUSED' } | null;
  originalBudget: number | null;
  activeAdjustment: {
    action: 'pause' | 'reduce';
    rule: string;
    budgetBefore: number;
    statusBefore: 'ENABLED' | 'PAUSED';
  } | null;
  proposals: ProposalState[];
  proposalSeq: number;
}

export interface CampaignCarryOver {
  configs: Record<number, CampaignConfig>;
  currentVersion: number;
  book: LeadBook;
  compliance: CampaignCompliance;
  spend: SpendState;
  quarter: string;
  closedQuarters: string[];
  crmWatermark: string | null;
  nextCrmPollAt: number;
  recentBreaches: BreachView[];
  breachedLeads: number;
  continuedAsNew: number;
}

export interface CampaignSlaInput {
  /** The campaign file's content as written (durations as strings); validated inside the workflow. */
  config: unknown;
  /** State of the previous run, in the compact form that keeps 10,000+ open leads under the 2 MB payload limit. */
  carryOver?: CompactCarryOver<CampaignCarryOver>;
  /**
   * Publish typed search attributes (default true). Only for namespaces where they are not registered
   * yet, such as the time-skipping test server, which cannot register custom attributes.
   */
  publishSearchAttributes?: boolean;
}

export interface CampaignSlaResult {
  campaignId: string;
  endedAt: string;
  breachedLeads: number;
  closedQuarters: string[];
}

const MAX_RECENT_BREACHES = 20;
const MAX_HISTORY_BEFORE_CONTINUE = 8_000;
const MAX_UPDATES_BEFORE_CONTINUE = 1_500;
const LEDGER_FLUSH_SIZE = 2_000;
// Search attributes and current details are recomputed (O(open leads)) at most this often.
const SUMMARY_EVERY_MS = 10_000;
/** Temporal rejects a payload over 2 MB; continuing as new with a bigger carry-over would wedge the workflow. */
const MAX_CARRY_OVER_BYTES = 1_800_000;

export async function campaignSla(input: CampaignSlaInput): Promise<CampaignSlaResult> {
  const initialConfig = parseCampaignConfig(input.config);
  const campaignId = initialConfig.campaign.id;
  const carry = input.carryOver ? decodeCarryOver<CampaignCarryOver>(input.carryOver) : undefined;
  const state: CampaignCarryOver = carry ?? {
    configs: { [initialConfig.version]: initialConfig },
    currentVersion: initialConfig.version,
    book: emptyLeadBook(),
    compliance: createCompliance(initialConfig),
    spend: {
      checks: 0,
      nextCheckAt: Date.now(),
      latest: null,
      history: [],
      budget: null,
      originalBudget: null,
      activeAdjustment: null,
      proposals: [],
      proposalSeq: 0,
    },
    quarter: quarterOf(new Date(), initialConfig.campaign.timezone),
    closedQuarters: [],
    crmWatermark: null,
    nextCrmPollAt: Date.now(),
    recentBreaches: [],
    breachedLeads: 0,
    continuedAsNew: 0,
  };

  const config = () => state.configs[state.currentVersion];
  const ctx = (): BookContext => ({
    campaignId,
    now: Date.now(),
    configs: state.configs,
    currentVersion: state.currentVersion,
  });
  const windowEnd = () => Date.parse(config().campaign.window.end);
  const windowStart = () => Date.parse(config().campaign.window.start);
  let updatesThisRun = 0;
  let wake = false;
  let lastSummaryAt = 0;
  let summaryDirty = false;
  const pendingAlerts: Alert[] = [];
  const pendingEscalations: (EscalationEffect & { at: string })[] = [];

  const complianceObservers = {
    onFirstTouch: noteFirstTouch(state.compliance),
    onDisposition: noteDisposition(state.compliance),
  };

  // ---- Updates, signals and queries ----
  setHandler(
    admitLeadsUpdate,
    (batch) => {
      updatesThisRun++;
      const outcomes = admitLeads(state.book, batch.leads, ctx());
      for (const outcome of outcomes) {
        if (outcome.result === 'admitted') noteLeadOpened(state.compliance, state.book.leads[outcome.leadId]);
      }
      wake = true;
      return outcomes;
    },
    {
      validator: (batch) => {
        const parsed = admitLeadsInputSchema.safeParse(batch);
        if (!parsed.success) throw new Error(`invalid lead batch:\n${formatIssues(parsed.error)}`);
        const problems = validateAdmission(parsed.data.leads, ctx());
        if (problems.length) throw new Error(`lead batch rejected, nothing admitted:\n${problems.join('\n')}`);
      },
    },
  );

  setHandler(
    recordLeadEventsUpdate,
    (batch) => {
      updatesThisRun++;
      wake = true;
      return applyEvents(batch.events);
    },
    {
      validator: (batch) => {
        const parsed = recordLeadEventsInputSchema.safeParse(batch);
        if (!parsed.success) throw new Error(`invalid lead events:\n${formatIssues(parsed.error)}`);
        const problems = validateLeadEvents(state.book, parsed.data.events, ctx());
        if (problems.length) throw new Error(`lead events rejected, nothing applied:\n${problems.join('\n')}`);
      },
    },
  );

  setHandler(
    decideProposalUpdate,
    async (decision) => {
      updatesThisRun++;
      const proposal = decideProposal(state.spend.proposals, decision, config(), Date.now());
      await recordDecision({
        proposalId: proposal.proposalId,
        campaignId,
        decision: decision.decision,
        approver: decision.approver,
        reason: decision.reason,
        at: new Date().toISOString(),
        figures: proposal.figures,
      });
      if (decision.decision === 'approve') await applyProposal(proposal);
      else await recordProposal(proposalRecord(proposal));
      wake = true;
      return proposalView(proposal);
    },
    {
      validator: (decision) => {
        const parsed = decideProposalInputSchema.safeParse(decision);
        if (!parsed.success) throw new Error(`invalid decision:\n${formatIssues(parsed.error)}`);
        // Dry run against a copy: rejects unknown, expired or decided proposals and unlisted approvers.
        decideProposal(JSON.parse(JSON.stringify(state.spend.proposals)), parsed.data, config(), Date.now());
      },
    },
  );

  setHandler(
    amendSlaUpdate,
    async (newConfig) => {
      updatesThisRun++;
      const parsed = parseCampaignConfig(newConfig);
      state.configs[parsed.version] = parsed;
      state.currentVersion = parsed.version;
      await recordConfigVersion({
        campaignId,
        configVersion: parsed.version,
        config: parsed,
        recordedAt: new Date().toISOString(),
      });
      pruneConfigs();
      wake = true;
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
      updatesThisRun++;
      if (state.closedQuarters.includes(quarter)) return { quarter, result: 'already-rolled' as const };
      await closeQuarter(quarter, false);
      wake = true;
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
    wake = true;
  });

  setHandler(slaStateQuery, () => stateView());
  setHandler(leadQuery, (leadId) => leadView(leadId));
  setHandler(proposalsQuery, () => state.spend.proposals.map(proposalView));

  // ---- Helpers ----
  function applyEvents(events: LeadEvent[]) {
    return applyLeadEvents(state.book, events, ctx(), complianceObservers);
  }

  function pruneConfigs(): void {
    const inUse = new Set<number>([state.currentVersion]);
    for (const lead of Object.values(state.book.leads)) inUse.add(lead.configVersion);
    for (const version of Object.keys(state.configs).map(Number))
      if (!inUse.has(version)) delete state.configs[version];
  }

  function leadView(leadId: string): LeadView | null {
    const lead = state.book.leads[leadId];
    if (!lead) return null;
    const { eventIds: _eventIds, ...rest } = lead;
    return { ...rest, closed: false };
  }

  function proposalRecord(p: ProposalState): ProposalRecord {
    return {
      proposalId: p.proposalId,
      campaignId,
      createdAt: p.createdAt,
      expiresAt: p.expiresAt,
      action: p.action,
      rule: p.rule,
      reason: p.reason,
      targetAmountMicros: p.targetBudget === null ? null : Math.round(p.targetBudget * 1e6),
      figures: p.figures,
      status: p.status,
    };
  }

  function stateView(): CampaignStateView {
    const compliance = complianceForState(state.compliance, state.book, config(), Date.now());
    const next = nextDueAt(state.book);
    return {
      campaignId,
      configVersion: state.currentVersion,
      quarter: state.quarter,
      status: ended ? 'ended' : 'running',
      health: compliance.health,
      openLeads: openLeadCount(state.book),
      openClocks: openClockCount(state.book),
      breachedLeads: state.breachedLeads,
      compliance: compliance.summary,
      nextDeadline: next === undefined ? null : new Date(next).toISOString(),
      recentBreaches: state.recentBreaches,
      latestSnapshot: state.spend.latest,
      proposals: state.spend.proposals.map(proposalView),
      budget: state.spend.budget,
      run: { historyLength: workflowInfo().historyLength, continuedAsNew: state.continuedAsNew },
    };
  }

  function alertForEffect(effect: ClockAlertEffect): Alert {
    const base = {
      campaignId,
      fields: { leadId: effect.leadId, clock: effect.clock, tier: effect.tier, ownerId: effect.ownerId },
    };
    if (effect.type === 'warning') {
      return {
        ...base,
        dedupeKey: `${campaignId}:${effect.leadId}:${effect.clock}:warning`,
        severity: 'warning',
        title: `SLA warning: ${effect.clock} for lead ${effect.leadId}`,
        text: `Lead ${effect.leadId} (${effect.tier}) owned by ${effect.ownerId} must be handled by ${new Date(effect.deadline).toISOString()}.`,
      };
    }
    return {
      ...base,
      dedupeKey: `${campaignId}:${effect.leadId}:${effect.clock}:breach`,
      severity: 'critical',
      title: `SLA breach: ${effect.clock} for lead ${effect.leadId}`,
      text: `Lead ${effect.leadId} (${effect.tier}) owned by ${effect.ownerId} missed its ${effect.clock} deadline ${new Date(effect.deadline).toISOString()}; escalation started.`,
    };
  }

  function fireDueClocks(): void {
    const now = Date.now();
    const effects = collectDue(state.book, ctx(), {
      onClosedUntouched: (lead) => noteClosedUntouched(state.compliance, lead),
      onBreach: (lead, clock) => {
        noteBreach(state.compliance, lead, clock);
        state.breachedLeads++;
        state.recentBreaches.unshift({
          leadId: lead.leadId,
          clock,
          tier: lead.tier,
          ownerId: lead.ownerId,
          at: new Date(lead.clocks[clock]?.breachedAt ?? now).toISOString(),
        });
        state.recentBreaches.length = Math.min(state.recentBreaches.length, MAX_RECENT_BREACHES);
      },
    });
    for (const effect of effects) {
      if (effect.type === 'escalation') pendingEscalations.push({ ...effect, at: new Date(now).toISOString() });
      else pendingAlerts.push(alertForEffect(effect));
    }
    if (effects.length) log.info('SLA clocks fired', { campaignId, effects: effects.length });
  }

  async function flushEffects(): Promise<void> {
    const work: Promise<unknown>[] = [];
    if (pendingEscalations.length) {
      const steps = pendingEscalations.splice(0);
      work.push(
        runEscalationSteps({ campaignId, steps }).catch((err) =>
          raiseEscalation(
            `escalation steps failed for ${steps.length} lead(s)`,
            err,
            `${campaignId}:escalation:${steps[0].leadId}:${steps[0].stepIndex}`,
          ),
        ),
      );
    }
    if (pendingAlerts.length) work.push(sendAlerts(pendingAlerts.splice(0)));
    if (outboxSize(state.book) > 0) work.push(recordLeadActivity(drainOutbox(state.book)));
    await Promise.all(work);
  }

  async function raiseEscalation(title: string, err: unknown, dedupeKey: string): Promise<void> {
    const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    log.error(title, { campaignId, error: message });
    await sendAlerts([
      { dedupeKey, severity: 'critical', campaignId, title, text: `${title}: ${message}. Ops action required.` },
    ]);
  }

  async function pollCrmOnce(): Promise<void> {
    const crm = config().campaign.crm;
    const now = Date.now();
    state.nextCrmPollAt = now + crm.pollEvery;
    try {
      const result = await pollCrm({
        campaignId,
        crmCampaignId: crm.campaignId,
        watermark: state.crmWatermark,
        acceptNewLeads: now < windowEnd(),
        at: new Date(now).toISOString(),
      });
      state.crmWatermark = result.watermark;
      const tiers = config().responseSla.tiers;
      const admissible = result.leads.filter((lead) => tiers[lead.tier]);
      for (const lead of result.leads.filter((l) => !tiers[l.tier])) {
        log.warn('CRM lead with unknown tier skipped', { campaignId, leadId: lead.leadId, tier: lead.tier });
      }
      if (admissible.length) {
        for (const outcome of admitLeads(state.book, admissible, ctx())) {
          if (outcome.result === 'admitted') noteLeadOpened(state.compliance, state.book.leads[outcome.leadId]);
        }
      }
      const events = result.events.filter((event) => validateLeadEvents(state.book, [event], ctx()).length === 0);
      if (events.length) applyEvents(events);
    } catch (err) {
      await raiseEscalation('CRM poll failed', err, `${campaignId}:crm-poll:${state.crmWatermark ?? 'start'}`);
    }
  }

  async function velocityCheck(): Promise<void> {
    const cfg = config();
    const now = Date.now();
    state.spend.nextCheckAt = now + cfg.velocity.checkEvery;
    state.spend.checks++;
    const compliance = complianceForState(state.compliance, state.book, cfg, now);
    try {
      const result = await runVelocityCheck({
        campaignId,
        checkId: `${state.quarter}-${state.continuedAsNew}-${state.spend.checks}`,
        at: new Date(now).toISOString(),
        config: cfg,
        knownBudget: state.spend.budget,
        responseCompliance: compliance.byTarget,
      });
      const snapshot = result.snapshot;
      state.spend.latest = snapshot;
      state.spend.budget = { amount: snapshot.budget, status: snapshot.campaignStatus };
      state.spend.originalBudget ??= snapshot.budget;
      state.spend.history.push({
        at: now,
        conversions: snapshot.conversions,
        clicks: result.clicks,
        spend: snapshot.spend,
      });
      const keepFrom = now - Math.max(cfg.velocity.trailingWindow * 2, cfg.velocity.checkEvery * 2);
      state.spend.history = state.spend.history.filter((h) => h.at >= keepFrom);
      if (result.externalChange) {
        await sendAlerts([
          {
            dedupeKey: `${campaignId}:external:${snapshot.checkId}`,
            severity: 'warning',
            campaignId,
            title: 'Budget changed outside campaign-sla',
            text: result.externalChange,
          },
        ]);
      }
      const pending = pendingProposals(state.spend.proposals).length > 0;
      const evaluation = evaluateRules({
        rules: cfg.velocity.rules,
        snapshot: {
          at: now,
          windowStart: windowStart(),
          windowEnd: windowEnd(),
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
        },
        history: state.spend.history.slice(0, -1),
        activeAdjustment: state.spend.activeAdjustment,
        pendingProposal: pending,
      });
      for (const suppressed of evaluation.suppressed) log.info('rule suppressed', { campaignId, ...suppressed });
      for (const draft of evaluation.proposals) await openProposal(draft, snapshot);
    } catch (err) {
      await raiseEscalation('Velocity check failed', err, `${campaignId}:velocity:${state.spend.checks}`);
    }
  }

  async function openProposal(draft: Parameters<typeof draftToProposal>[0], snapshot: SnapshotView): Promise<void> {
    const cfg = config();
    const now = Date.now();
    const proposal = draftToProposal(draft, {
      proposalId: `${campaignId}-p${++state.spend.proposalSeq}`,
      now,
      timeoutMs: cfg.approvals.timeout,
      budgetBefore: snapshot.budget,
      statusBefore: snapshot.campaignStatus,
    });
    state.spend.proposals.push(proposal);
    state.spend.proposals = state.spend.proposals.slice(-50);
    await recordProposal(proposalRecord(proposal));
    const auto = cfg.approvals.autoApprove;
    const autoApproved =
      (proposal.action === 'reduce' && proposal.pct !== null && proposal.pct <= auto.reduceUpToPct) ||
      (proposal.action === 'pause' && auto.pause);
    if (autoApproved) {
      decideProposal(
        state.spend.proposals,
        {
          proposalId: proposal.proposalId,
          decision: 'approve',
          approver: 'auto-approve',
          reason: 'within auto-approve policy',
        },
        cfg,
        now,
        true,
      );
      await recordDecision({
        proposalId: proposal.proposalId,
        campaignId,
        decision: 'auto-approve',
        approver: 'policy',
        reason: `auto-approve policy covers ${proposal.action}${proposal.pct !== null ? ` of ${proposal.pct}%` : ''}`,
        at: new Date(now).toISOString(),
        figures: proposal.figures,
      });
      await applyProposal(proposal);
    } else {
      await sendAlerts([
        {
          dedupeKey: `${campaignId}:proposal:${proposal.proposalId}`,
          severity: 'warning',
          campaignId,
          title: `Budget proposal ${proposal.proposalId} waits for approval`,
          text: `${proposal.reason} Approve or reject before ${proposal.expiresAt}.`,
          fields: { proposalId: proposal.proposalId, action: proposal.action },
        },
      ]);
    }
  }

  async function applyProposal(proposal: ProposalState): Promise<void> {
    const cfg = config();
    const target = resolveBudgetTarget(proposal, cfg, state.spend.latest?.spend ?? 0);
    if (!target.ok) {
      proposal.status = 'failed';
      proposal.outcome = target.reason;
      await recordProposal(proposalRecord(proposal));
      await raiseEscalation(
        `Proposal ${proposal.proposalId} blocked by guardrails`,
        new Error(target.reason),
        `${campaignId}:guardrail:${proposal.proposalId}`,
      );
      return;
    }
    try {
      const result = await applyBudgetChange({
        campaignId,
        proposalId: proposal.proposalId,
        config: cfg,
        action: proposal.action,
        targetAmountMicros: target.targetBudget === null ? null : Math.round(target.targetBudget * 1e6),
        restoreStatus: proposal.action === 'restore' ? (state.spend.activeAdjustment?.statusBefore ?? 'ENABLED') : null,
        at: new Date().toISOString(),
      });
      proposal.status = 'applied';
      proposal.outcome = result.summary;
      state.spend.budget = { amount: result.after.amountMicros / 1e6, status: result.after.status };
      if (proposal.action === 'pause' || proposal.action === 'reduce') {
        state.spend.activeAdjustment ??= {
          action: proposal.action,
          rule: proposal.rule,
          budgetBefore: proposal.budgetBefore,
          statusBefore: proposal.statusBefore,
        };
      } else if (proposal.action === 'restore') {
        state.spend.activeAdjustment = null;
      }
      await sendAlerts([
        {
          dedupeKey: `${campaignId}:applied:${proposal.proposalId}`,
          severity: 'info',
          campaignId,
          title: `Budget proposal ${proposal.proposalId} applied`,
          text: result.summary,
          fields: { proposalId: proposal.proposalId, action: proposal.action },
        },
      ]);
    } catch (err) {
      proposal.status = 'failed';
      proposal.outcome =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      await raiseEscalation(
        `Proposal ${proposal.proposalId} could not be applied`,
        err,
        `${campaignId}:apply:${proposal.proposalId}`,
      );
    }
    await recordProposal(proposalRecord(proposal));
  }

  async function handleExpiredProposals(): Promise<void> {
    const cfg = config();
    for (const proposal of expireDueProposals(state.spend.proposals, cfg, Date.now())) {
      const decision = `timeout-${cfg.approvals.onTimeout}` as const;
      await recordDecision({
        proposalId: proposal.proposalId,
        campaignId,
        decision,
        approver: 'timeout',
        reason: `no decision within ${cfg.approvals.timeout / 1000}s; default is ${cfg.approvals.onTimeout}`,
        at: new Date().toISOString(),
        figures: proposal.figures,
      });
      if (cfg.approvals.onTimeout === 'apply') await applyProposal(proposal);
      else {
        if (cfg.approvals.onTimeout === 'escalate') {
          await raiseEscalation(
            `Proposal ${proposal.proposalId} expired without a decision`,
            new Error(proposal.reason),
            `${campaignId}:expired:${proposal.proposalId}`,
          );
        }
        await recordProposal(proposalRecord(proposal));
      }
    }
  }

  async function closeQuarter(quarter: string, final: boolean): Promise<void> {
    const cfg = config();
    const compliance = complianceForState(state.compliance, state.book, cfg, Date.now());
    await flushEffects();
    await writeQuarterReport({
      campaignId,
      quarter,
      final,
      at: new Date().toISOString(),
      compliance: compliance.summary,
      latestSnapshot: state.spend.latest,
      proposals: state.spend.proposals.map(proposalView),
      breachedLeads: state.breachedLeads,
    });
    state.closedQuarters.push(quarter);
    state.closedQuarters = state.closedQuarters.slice(-12);
    if (!final) {
      resetCompliance(state.compliance, cfg, Object.values(state.book.leads));
      state.breachedLeads = 0;
      state.recentBreaches = [];
      state.book.closedLeadIds = [];
      state.spend.proposals = state.spend.proposals.filter((p) => p.status === 'pending');
      state.quarter = quarterOf(new Date(), cfg.campaign.timezone);
    }
  }

  let lastAttributes = '';
  function publish(force = false): void {
    const now = Date.now();
    if (!force && now - lastSummaryAt < SUMMARY_EVERY_MS) {
      summaryDirty = true;
      return;
    }
    summaryDirty = false;
    lastSummaryAt = now;
    const view = stateView();
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
    if (input.publishSearchAttributes !== false && serialized !== lastAttributes) {
      lastAttributes = serialized;
      upsertSearchAttributes(
        (Object.keys(attributes) as (keyof typeof attributes)[]).map((key) => ({
          key: searchAttributes[key],
          value: attributes[key],
        })) as never,
      );
    }
    setCurrentDetails(renderCurrentDetails(view, config()));
  }

  let tooLargeToCarryAt = Infinity;
  let carryOverTooLargeReported = false;
  async function reportCarryOverTooLarge(bytes: number): Promise<void> {
    const openLeads = openLeadCount(state.book);
    log.error('carry-over too large to continue as new', { campaignId, openLeads, bytes, limit: MAX_CARRY_OVER_BYTES });
    if (carryOverTooLargeReported) return;
    carryOverTooLargeReported = true;
    await sendAlerts([
      {
        dedupeKey: `${campaignId}:carry-over-too-large:${state.continuedAsNew}`,
        severity: 'critical',
        campaignId,
        title: `Campaign ${campaignId} is too large to continue as new`,
        text:
          `campaign ${campaignId} holds ${openLeads} open leads, too many to carry over ` +
          `(${bytes} bytes, limit ${MAX_CARRY_OVER_BYTES}); split the campaign. ` +
          'It keeps running in its current run, whose history keeps growing.',
        fields: { openLeads, bytes },
      },
    ]);
  }

  // ---- Main loop ----
  let ended = false;
  if (!carry) {
    await recordConfigVersion({
      campaignId,
      configVersion: initialConfig.version,
      config: initialConfig,
      recordedAt: new Date().toISOString(),
    });
  }
  publish(true);

  for (;;) {
    const now = Date.now();
    const cfg = config();
    const afterWindow = now >= windowEnd();
    const candidates = [
      nextDueAt(state.book),
      cfg.campaign.crm.pollEvery > 0 ? state.nextCrmPollAt : undefined,
      afterWindow ? undefined : Math.max(state.spend.nextCheckAt, windowStart()),
      nextProposalExpiry(state.spend.proposals),
      afterWindow ? undefined : windowEnd(),
      summaryDirty ? lastSummaryAt + SUMMARY_EVERY_MS : undefined,
    ].filter((t): t is number => t !== undefined);
    const wakeAt = Math.min(...candidates);
    wake = false;
    if (wakeAt > now) {
      await condition(() => wake, wakeAt - now, { summary: `next SLA deadline ${new Date(wakeAt).toISOString()}` });
    }
    const t = Date.now();
    fireDueClocks();
    if (cfg.campaign.crm.pollEvery > 0 && t >= state.nextCrmPollAt) await pollCrmOnce();
    fireDueClocks();
    await handleExpiredProposals();
    if (!afterWindow && t >= windowStart() && t >= state.spend.nextCheckAt) await velocityCheck();
    if (
      outboxSize(state.book) >= LEDGER_FLUSH_SIZE ||
      pendingEscalations.length ||
      pendingAlerts.length ||
      outboxSize(state.book) > 0
    ) {
      await flushEffects();
    }
    publish();

    if (t >= windowEnd() && openLeadCount(state.book) === 0) break;
    if (t >= windowEnd() + cfg.responseSla.followUp.within) break;

    const info = workflowInfo();
    const dueToContinue =
      info.continueAsNewSuggested ||
      info.historyLength > MAX_HISTORY_BEFORE_CONTINUE ||
      updatesThisRun > MAX_UPDATES_BEFORE_CONTINUE;
    if (dueToContinue && openLeadCount(state.book) < tooLargeToCarryAt) {
      await condition(allHandlersFinished);
      await flushEffects();
      // Updates accepted during the flush finish first; their ledger writes travel in the carried outbox.
      await condition(allHandlersFinished);
      const carryOver = encodeCarryOver({ ...state, continuedAsNew: state.continuedAsNew + 1 });
      const next: CampaignSlaInput = { ...input, carryOver };
      const bytes = jsonSizeBytes(next);
      if (bytes <= MAX_CARRY_OVER_BYTES) await continueAsNew<typeof campaignSla>(next);
      // Too large. If unflushed ledger writes made the difference, the next iteration flushes them and tries
      // again; otherwise keep running this run and try again only once fewer leads are open.
      if (bytes - jsonSizeBytes(state.book.outbox) > MAX_CARRY_OVER_BYTES) {
        tooLargeToCarryAt = openLeadCount(state.book);
        await reportCarryOverTooLarge(bytes);
      }
    }
  }

  ended = true;
  await condition(allHandlersFinished);
  await flushEffects();
  if (!state.closedQuarters.includes(state.quarter)) await closeQuarter(state.quarter, true);
  publish(true);
  return {
    campaignId,
    endedAt: new Date().toISOString(),
    breachedLeads: state.breachedLeads,
    closedQuarters: state.closedQuarters,
  };
}
