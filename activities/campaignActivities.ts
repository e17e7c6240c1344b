// The campaign workflow's activities: thin adapters over the four ports. Every activity is safe to
// retry: ledger writes are keyed, notifications are deduplicated, Ads mutations read before writing.
import { log } from '@temporalio/activity';
import type { CampaignConfig } from '../sla/config';
import type { ComplianceSummary } from '../sla/compliance';
import type { NewLead, LeadEvent } from '../sla/leadEvents';
import type { EscalationEffect } from '../sla/leadBook';
import type { ProposalView, SnapshotView } from '../sla/views';
import type { ConfigVersionRecord, DecisionRecord, LeadActivityBatch, ProposalRecord } from '../sla/records';
import type { AdsPlatform, Crm, Ledger, Notifier } from './ports';
import { createSpendActivities } from './spendActivities';
import type { Alert } from '../sla/alerts';

/** Resolves the adapters for one campaign at one moment (sandbox adapters follow the workflow's clock). */
export interface PortResolver {
  ads(campaignId: string, config: CampaignConfig, at: Date): Promise<AdsPlatform>;
  crm(campaignId: string, at: Date): Promise<Crm>;
}

export interface ActivityDeps {
  ports: PortResolver;
  ledger: Ledger;
  notifier: Notifier;
}

/** Leads whose first touch one poll asks the CRM about (batched IN clauses: O(1) calls). */
const MAX_TOUCH_QUERY_LEADS = 2000;

export interface PollCrmInput {
  campaignId: string;
  crmCampaignId: string;
  watermark: string | null;
  acceptNewLeads: boolean;
  at: string;
}

export interface QuarterReportInput {
  campaignId: string;
  quarter: string;
  final: boolean;
  at: string;
  compliance: ComplianceSummary;
  latestSnapshot: SnapshotView | null;
  proposals: ProposalView[];
  breachedLeads: number;
}

export function createActivities({ ports, ledger, notifier }: ActivityDeps) {
  return {
    async recordConfigVersion(record: ConfigVersionRecord): Promise<void> {
      await ledger.recordConfigVersion(record);
    },

    async recordLeadActivity(batch: LeadActivityBatch): Promise<void> {
      await ledger.recordLeadActivity(batch);
    },

    /** Delivers every alert it can; if any failed, throws the failure so the activity retries the rest. */
    async sendAlerts(alerts: Alert[]): Promise<void> {
      let firstFailure: unknown;
      for (const alert of alerts) {
        try {
          await notifier.notify(alert);
        } catch (err) {
          firstFailure ??= err;
        }
      }
      if (firstFailure !== undefined) throw firstFailure;
    },

    async recordProposal(record: ProposalRecord): Promise<void> {
      await ledger.recordProposal(record);
    },

    async recordDecision(record: DecisionRecord): Promise<void> {
      await ledger.recordDecision(record);
    },

    /** Runs escalation steps in order; each step is keyed by (lead, clock, step) in the ledger and the notifier. */
    async runEscalationSteps(input: {
      campaignId: string;
      steps: (EscalationEffect & { at: string })[];
    }): Promise<void> {
      const { campaignId } = input;
      const leadEvents: LeadActivityBatch = { leads: [], events: [], clocks: [] };
      for (const step of input.steps) {
        const key = `${campaignId}:${step.leadId}:${step.clock}:step${step.stepIndex}`;
        const crm = await ports.crm(campaignId, new Date(step.at));
        const fields = { leadId: step.leadId, clock: step.clock, tier: step.tier, ownerId: step.ownerId };
        let outcome: Record<string, unknown>;
        if (step.step === 'reassign') {
          if (step.newOwnerId) {
            await crm.setOwner(step.leadId, step.newOwnerId);
            outcome = { from: step.ownerId, to: step.newOwnerId, pool: step.pool };
            leadEvents.events.push({
              campaignId,
              leadId: step.leadId,
              eventId: key,
              kind: 'owner-change',
              at: step.at,
              detail: outcome,
            });
            await notifier.notify({
              dedupeKey: key,
              severity: 'warning',
              campaignId,
              title: `Lead ${step.leadId} reassigned to ${step.newOwnerId}`,
              text: `${step.clock} breached under ${step.ownerId}; round-robin in pool ${step.pool} picked ${step.newOwnerId}.`,
              fields: { ...fields, newOwnerId: step.newOwnerId },
            });
          } else {
            outcome = { skipped: true, reason: step.reason, pool: step.pool };
            await notifier.notify({
              dedupeKey: key,
              severity: 'critical',
              campaignId,
              title: `Lead ${step.leadId} could not be reassigned`,
              text: `${step.reason}. Escalating to the manager.`,
              fields,
            });
          }
        } else if (step.step === 'return-to-nurture') {
          await crm.setLeadStatus(step.leadId, 'Nurturing');
          outcome = { status: 'Nurturing' };
          leadEvents.events.push({
            campaignId,
            leadId: step.leadId,
            eventId: key,
            kind: 'nurture',
            at: step.at,
            detail: { reason: `${step.clock} breach escalation` },
          });
          await notifier.notify({
            dedupeKey: key,
            severity: 'warning',
            campaignId,
            title: `Lead ${step.leadId} returned to nurture`,
            text: `Escalation chain for ${step.clock} ended; lead returned to marketing nurture.`,
            fields,
          });
        } else {
          const toManager = step.step === 'notify-manager';
          outcome = toManager ? { managerId: step.managerId ?? null } : { ownerId: step.ownerId };
          await notifier.notify({
            dedupeKey: key,
            severity: toManager ? 'critical' : 'warning',
            campaignId,
            title: toManager
              ? `Manager escalation: lead ${step.leadId} (${step.clock})`
              : `Act now: lead ${step.leadId} breached ${step.clock}`,
            text: toManager
              ? `Lead ${step.leadId} breached ${step.clock}; owner ${step.ownerId} has not acted. Manager ${step.managerId ?? '(none configured)'} notified.`
              : `Owner ${step.ownerId}: lead ${step.leadId} breached its ${step.clock} SLA.`,
            fields: { ...fields, ...(toManager ? { managerId: step.managerId ?? '' } : {}) },
          });
        }
        await ledger.recordEscalationStep({
          campaignId,
          leadId: step.leadId,
          clock: step.clock,
          stepIndex: step.stepIndex,
          step: step.step,
          at: step.at,
          outcome,
        });
      }
      if (leadEvents.events.length) await ledger.recordLeadActivity(leadEvents);
    },

    /** New leads since the watermark, and first touches for the campaign's open untouched leads. */
    async pollCrm(input: PollCrmInput): Promise<{ leads: NewLead[]; events: LeadEvent[]; watermark: string | null }> {
      const crm = await ports.crm(input.campaignId, new Date(input.at));
      let leads: NewLead[] = [];
      let watermark = input.watermark;
      if (input.acceptNewLeads) {
        const fetched = await crm.fetchNewLeads(input.crmCampaignId, input.watermark);
        watermark = fetched.watermark;
        leads = fetched.leads.map((lead) => ({
          leadId: lead.leadId,
          tier: lead.tier,
          ownerId: lead.ownerId,
          createdAt: lead.createdAt,
        }));
      }
      // New leads may already have been contacted: ask about them in the same batched query.
      const known = await ledger.openUntouchedLeadIds(input.campaignId, MAX_TOUCH_QUERY_LEADS);
      const openIds = [...new Set([...leads.map((lead) => lead.leadId), ...known])].slice(0, MAX_TOUCH_QUERY_LEADS);
      const touches = openIds.length ? await crm.fetchFirstTouches(openIds) : [];
      const events: LeadEvent[] = touches
        .filter((touch) => Date.parse(touch.at) <= Date.parse(input.at))
        .map((touch) => ({
          type: 'contact',
          leadId: touch.leadId,
          eventId: `crm-first-touch-${touch.leadId}`,
          channel: touch.channel,
          at: touch.at,
        }));
      if (leads.length || events.length)
        log.info('CRM poll', { campaignId: input.campaignId, newLeads: leads.length, firstTouches: events.length });
      return { leads, events, watermark };
    },

    async writeQuarterReport(input: QuarterReportInput): Promise<{ inserted: boolean }> {
      const c = input.compliance;
      const report = {
        final: input.final,
        responseCompliance: c.targets,
        meetsTargets: c.meetsTargets,
        medianFirstTouchMs: c.medianFirstTouchMs,
        p95FirstTouchMs: c.p95FirstTouchMs,
        breaches: c.breaches,
        breachesByTier: Object.fromEntries(Object.entries(c.byTier).map(([tier, s]) => [tier, s.breaches])),
        breachesByOwner: Object.fromEntries(Object.entries(c.byOwner).map(([owner, s]) => [owner, s.breaches])),
        acceptanceRate: c.acceptanceRate,
        dispositionMix: c.dispositions,
        leads: c.leads,
        spend: input.latestSnapshot?.spend ?? null,
        conversions: input.latestSnapshot?.conversions ?? null,
        cpl: input.latestSnapshot?.cpl ?? null,
        velocityPct: input.latestSnapshot?.velocityPct ?? null,
        proposals: input.proposals,
        breachedLeads: input.breachedLeads,
      };
      const result = await ledger.recordQuarterReport({
        campaignId: input.campaignId,
        quarter: input.quarter,
        createdAt: input.at,
        report,
      });
      log.info('quarter report', { campaignId: input.campaignId, quarter: input.quarter, inserted: result.inserted });
      return result;
    },

    // runVelocityCheck and applyBudgetChange: the spend loop, in its own file.
    ...createSpendActivities({ ports, ledger }),
  };
}

export type CampaignActivities = ReturnType<typeof createActivities>;
