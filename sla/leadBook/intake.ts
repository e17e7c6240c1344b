// Admitting new leads: checking a batch, then starting each lead's first-touch and follow-up clocks.
import type { ClockKind } from '../clockKind';
import type { CampaignConfig } from '../config';
import type { NewLead } from '../leadEvents';
import { scheduleClock } from './dueClocks';
import { pauseIfWaiting, startMilestones } from './milestones';
import { clockTerms } from './pause';
import {
  clockRecord,
  isClosedLeadId,
  iso,
  type BookContext,
  type ClockState,
  type LeadBook,
  type LeadState,
  type LeadStatus,
} from './state';
import { addTime, tierOf } from './terms';
import { getOwn } from '../dict';
import { isSalesforceId } from '../ids';
import { parseInstant } from '../isoInstant';
import { leadChanged } from './changes';

/** Problems with a batch of new leads; empty when the whole batch may be admitted. */
export function validateAdmission(leads: NewLead[], ctx: BookContext): string[] {
  const config = ctx.configs[ctx.currentVersion];
  const tiers = Object.keys(config.responseSla.tiers);
  const problems: string[] = [];
  // A campaign that polls Salesforce looks its leads up there by ID: one it could never find would fail every poll.
  const polled = config.campaign.crm.pollEvery > 0;
  const earliest = parseInstant(config.campaign.window.start) - config.responseSla.intakeGrace;
  leads.forEach((lead, i) => {
    if (polled && !isSalesforceId(lead.leadId)) {
      problems.push(
        `leads[${i}].leadId: must be a 15- or 18-character Salesforce Lead ID, since this campaign polls Salesforce (campaign.crm.pollEvery)`,
      );
    }
    if (!getOwn(config.responseSla.tiers, lead.tier)) {
      problems.push(`leads[${i}].tier: unknown tier "${lead.tier}" (configured tiers: ${tiers.join(', ')})`);
    }
    const createdAt = parseInstant(lead.createdAt);
    if (createdAt < earliest) {
      problems.push(
        `leads[${i}].createdAt: ${lead.createdAt} is before the campaign window (${config.campaign.window.start}) minus the intake grace of ${config.responseSla.intakeGrace / 1000}s`,
      );
    }
    if (createdAt > ctx.now + config.responseSla.intakeSkew) {
      problems.push(
        `leads[${i}].createdAt: ${lead.createdAt} is in the future beyond the allowed skew of ${config.responseSla.intakeSkew / 1000}s (now ${iso(ctx.now)})`,
      );
    }
  });
  return problems;
}

export type AdmitOutcome = {
  leadId: string;
  result: 'admitted' | 'duplicate';
  status: LeadStatus | 'closed';
  ownerId?: string;
};

/** Admits validated leads and starts their clocks. A known lead ID is an idempotent no-op. */
export function admitLeads(book: LeadBook, leads: NewLead[], ctx: BookContext): AdmitOutcome[] {
  const config = ctx.configs[ctx.currentVersion];
  return leads.map((input) => {
    const existing = getOwn(book.leads, input.leadId);
    if (existing)
      return { leadId: input.leadId, result: 'duplicate', status: existing.status, ownerId: existing.ownerId };
    if (isClosedLeadId(book, input.leadId)) return { leadId: input.leadId, result: 'duplicate', status: 'closed' };
    const tier = tierOf(config, input.tier);
    const createdAt = Math.min(parseInstant(input.createdAt), ctx.now);
    const sla = config.responseSla;
    const firstTouchDeadline = addTime(config, tier, tier.clock, createdAt, tier.firstTouch);
    const lead: LeadState = {
      leadId: input.leadId,
      tier: input.tier,
      ownerId: input.ownerId,
      createdAt,
      configVersion: ctx.currentVersion,
      status: 'open',
      attempts: 0,
      reassignments: 0,
      clocks: {
        firstTouch: {
          startedAt: createdAt,
          warnAt: addTime(config, tier, tier.clock, createdAt, tier.firstTouch * tier.warnAt),
          deadline: firstTouchDeadline,
        },
        followUp: {
          startedAt: createdAt,
          warnAt: createdAt + sla.followUp.within * tier.warnAt,
          deadline: createdAt + sla.followUp.within,
        },
      },
      eventIds: [],
      history: [{ at: createdAt, what: `created (tier ${input.tier}, owner ${input.ownerId})` }],
    };
    book.leads[lead.leadId] = lead;
    leadChanged(book, lead.leadId);
    book.ownerLoad[lead.ownerId] = (getOwn(book.ownerLoad, lead.ownerId) ?? 0) + 1;
    for (const kind of ['firstTouch', 'followUp'] as const)
      startClock(book, ctx.campaignId, lead, kind, lead.clocks[kind] as ClockState);
    startMilestones(book, ctx, lead, { fact: 'created' }, createdAt);
    book.outbox.leads.push({
      campaignId: ctx.campaignId,
      leadId: lead.leadId,
      tier: lead.tier,
      ownerId: lead.ownerId,
      createdAt: iso(createdAt),
      configVersion: ctx.currentVersion,
    });
    return { leadId: lead.leadId, result: 'admitted', status: 'open', ownerId: lead.ownerId };
  });
}

/** Sets and schedules a clock; the caller tells the book the lead changed. */
function startClock(book: LeadBook, campaignId: string, lead: LeadState, kind: ClockKind, clock: ClockState): void {
  lead.clocks[kind] = clock;
  scheduleClock(book, lead.leadId, kind, clock);
  book.outbox.clocks.push(clockRecord(campaignId, lead, kind, clock));
}

/** The acceptance window opens at first touch: the owner has spoken to the lead and must now accept or reject it. */
export function startAcceptanceClock(
  book: LeadBook,
  ctx: BookContext,
  lead: LeadState,
  config: CampaignConfig,
  at: number,
): void {
  const tier = tierOf(config, lead.tier);
  const window = config.responseSla.acceptance;
  const clock: ClockState = {
    startedAt: at,
    warnAt: addTime(config, tier, window.clock, at, window.within * tier.warnAt),
    deadline: addTime(config, tier, window.clock, at, window.within),
  };
  // The lead may already wait on the customer (a status set before the first touch was heard of).
  const terms = clockTerms(config, lead, 'acceptance');
  if (terms) pauseIfWaiting(lead, clock, terms.pauseStatuses, terms.time, 'acceptance', at);
  startClock(book, ctx.campaignId, lead, 'acceptance', clock);
  leadChanged(book, lead.leadId);
}
