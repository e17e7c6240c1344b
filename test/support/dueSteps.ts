// For pure lead-book tests: fire what is due and confirm each escalation step at once, as if every side
// effect succeeded instantly, repeating while confirmed steps make further steps due at the same time.
import {
  collectDue,
  completeEscalationStep,
  type BookContext,
  type DueEffect,
  type DueObservers,
  type LeadBook,
} from '../../sla/leadBook';

export function collectDueConfirmed(book: LeadBook, ctx: BookContext, observers: DueObservers = {}): DueEffect[] {
  const all: DueEffect[] = [];
  for (let fired = collectDue(book, ctx, observers); fired.length; fired = collectDue(book, ctx, observers)) {
    all.push(...fired);
    for (const effect of fired) {
      if (effect.type !== 'escalation') continue;
      const ref = { leadId: effect.leadId, clock: effect.clock, stepIndex: effect.stepIndex };
      completeEscalationStep(book, ctx, { ...ref, ok: true }, effect, observers);
    }
  }
  return all;
}
