// The escalation chain a breached clock walks through (notify owner → reassign → notify manager →
// return to nurture, as configured), and the round-robin routing that reassignment uses.
import type { ClockKind } from '../clockKind';
import type { CampaignConfig, EscalationStep } from '../config';
import { pushDue } from '../dueQueue';
import { initialRoundRobinState, pickNextRep } from '../roundRobin';
import { stopClocks } from './closing';
import { note, type ClockState, type LeadBook, type LeadState } from './state';

export interface EscalationEffect {
  type: 'escalation';
  leadId: string;
  clock: ClockKind;
  tier: string;
  stepIndex: number;
  step: EscalationStep['step'];
  ownerId: string;
  /** reassign: the new owner; null when nobody in the pool could take the lead. */
  newOwnerId?: string | null;
  managerId?: string;
  pool?: string;
  reason?: string;
}

function managerFor(config: CampaignConfig, ownerId: string, poolHint?: string): { managerId?: string; pool?: string } {
  const pools = config.responseSla.pools;
  const owning = Object.entries(pools).find(([, pool]) => pool.reps.some((rep) => rep.id === ownerId));
  const name = owning?.[0] ?? poolHint ?? Object.keys(pools)[0];
  return { managerId: name ? pools[name]?.managerId : undefined, pool: name };
}

function reassign(
  book: LeadBook,
  lead: LeadState,
  poolName: string,
  config: CampaignConfig,
): { newOwnerId: string | null; reason?: string } {
  const pool = config.responseSla.pools[poolName];
  const state = book.roundRobin[poolName] ?? initialRoundRobinState();
  const pick = pickNextRep(pool, state, { excludeRepId: lead.ownerId, load: book.ownerLoad, poolName });
  if (pick.repId === null) return { newOwnerId: null, reason: pick.reason };
  book.roundRobin[poolName] = pick.state;
  book.ownerLoad[lead.ownerId] = Math.max(0, (book.ownerLoad[lead.ownerId] ?? 1) - 1);
  book.ownerLoad[pick.repId] = (book.ownerLoad[pick.repId] ?? 0) + 1;
  lead.ownerId = pick.repId;
  lead.reassignments += 1;
  return { newOwnerId: pick.repId };
}

/** Runs the clock's next escalation step at `at`, schedules the one after it, and returns what to tell people. */
export function runEscalationStep(
  book: LeadBook,
  lead: LeadState,
  kind: ClockKind,
  clock: ClockState,
  config: CampaignConfig,
  at: number,
): EscalationEffect {
  const chain = config.responseSla.escalation;
  let index = clock.nextStep as number;
  const base = { leadId: lead.leadId, clock: kind, tier: lead.tier };
  const step = chain[index];
  let effect: EscalationEffect;
  if (step.step === 'reassign') {
    const previousOwner = lead.ownerId;
    const { newOwnerId, reason } = reassign(book, lead, step.pool as string, config);
    effect = {
      type: 'escalation',
      ...base,
      stepIndex: index,
      step: 'reassign',
      ownerId: previousOwner,
      newOwnerId,
      pool: step.pool,
      reason,
    };
    note(lead, at, newOwnerId ? `reassigned ${previousOwner} → ${newOwnerId}` : `reassign skipped: ${reason}`);
    if (newOwnerId === null) {
      // Nobody can take the lead: jump straight to the manager step, recording why.
      const managerIndex = chain.findIndex((s, i) => i > index && s.step === 'notify-manager');
      if (managerIndex >= 0) {
        index = managerIndex - 1;
        clock.nextStep = index + 1;
        clock.nextStepAt = at;
        pushDue(book.due, at, `${lead.leadId}|${kind}|step`);
        return effect;
      }
    }
  } else if (step.step === 'return-to-nurture') {
    lead.status = 'nurture';
    note(lead, at, 'returned to nurture');
    effect = { type: 'escalation', ...base, stepIndex: index, step: 'return-to-nurture', ownerId: lead.ownerId };
    stopClocks(lead, at);
    return effect;
  } else {
    const manager =
      step.step === 'notify-manager'
        ? managerFor(config, lead.ownerId, chain.find((s) => s.step === 'reassign')?.pool)
        : {};
    effect = { type: 'escalation', ...base, stepIndex: index, step: step.step, ownerId: lead.ownerId, ...manager };
    note(
      lead,
      at,
      step.step === 'notify-manager'
        ? `manager ${manager.managerId ?? '(none)'} notified`
        : `owner ${lead.ownerId} notified`,
    );
  }
  const next = index + 1;
  if (next < chain.length) {
    clock.nextStep = next;
    clock.nextStepAt = Math.max(at, (clock.breachedAt as number) + chain[next].after);
    pushDue(book.due, clock.nextStepAt, `${lead.leadId}|${kind}|step`);
  } else {
    delete clock.nextStep;
    delete clock.nextStepAt;
  }
  return effect;
}
