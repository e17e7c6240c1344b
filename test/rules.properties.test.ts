// Property-based tests of rule stability (issue 10 §2): arbitrary signals, check intervals, stability policies and
// ops decisions (approved, rejected, left to expire, at any delay), driven through evaluateRules the way the spend
// loop drives it (workflows/campaignSla/spendLoop.ts: earlier proposals, clearedSince carried between checks; an
// approved pause or reduce becomes the adjustment in force, an approved restore ends it). Whatever the run, the
// rules never open more proposals in any 24 hours than the cap, never open one while another awaits a decision or
// while its rule cools down, restore only after the cause stayed cleared for restoreAfter at every check, and never
// raise spend while a cut is in force or the response SLA fails.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRules, type EarlierProposal, type RuleInput, type RuleStability } from '../sla/rules';
import { band, DAY, MINUTE, rules, start } from './support/ruleScenario';

interface Check {
  gapMs: number;
  cpl: number | null;
  velocity: number | null;
  slaMeets: boolean;
}
interface Decision {
  delayMs: number;
  outcome: 'approve' | 'reject' | 'expire';
}
interface Opened extends EarlierProposal {
  action: string;
  decideAt: number;
  outcome: Decision['outcome'];
  /** What the check that opened it saw. */
  activeAction: string | null;
  activeRule: string | null;
  slaMeets: boolean;
}

/** Signals hold for a few checks, then change: causes clear and return, as they do. */
const checks = fc
  .array(
    fc.record({
      repeat: fc.integer({ min: 1, max: 12 }),
      gapMs: fc.integer({ min: 5, max: 8 * 60 }).map((m) => m * MINUTE),
      // Mostly in band, often above it; velocity mostly near forecast, sometimes below the floor or above the bar.
      cpl: fc.option(
        fc.oneof(
          { arbitrary: fc.double({ min: 5, max: 12, noNaN: true }), weight: 3 },
          { arbitrary: fc.double({ min: 12, max: 80, noNaN: true }), weight: 2 },
        ),
        { nil: null, freq: 8 },
      ),
      velocity: fc.option(
        fc.oneof(
          { arbitrary: fc.double({ min: 0, max: 0.7, noNaN: true }), weight: 1 },
          { arbitrary: fc.double({ min: 0.7, max: 1.2, noNaN: true }), weight: 3 },
          { arbitrary: fc.double({ min: 1.2, max: 2.5, noNaN: true }), weight: 2 },
        ),
        { nil: null, freq: 8 },
      ),
      slaMeets: fc.boolean(),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .map((regimes) => regimes.flatMap(({ repeat, ...check }): Check[] => Array.from({ length: repeat }, () => check)));
const decisions = fc.array(
  fc.record({
    delayMs: fc.integer({ min: 0, max: 48 * 60 }).map((m) => m * MINUTE),
    outcome: fc.constantFrom('approve' as const, 'approve' as const, 'reject' as const, 'expire' as const),
  }),
  { minLength: 1, maxLength: 20 },
);
const policies = fc.record({
  cooldownMs: fc.integer({ min: 0, max: 24 * 60 }).map((m) => m * MINUTE),
  maxProposalsPerDay: fc.integer({ min: 1, max: 6 }),
  restoreMarginPct: fc.integer({ min: 0, max: 30 }),
  restoreAfterMs: fc.integer({ min: 0, max: 6 * 60 }).map((m) => m * MINUTE),
});

/** Runs the checks; returns what each check saw and every proposal opened. */
function simulate(signals: Check[], policy: RuleStability, ops: Decision[]) {
  const opened: Opened[] = [];
  /** Per check: its signals, and whether the adjustment in force had its cause cleared (null: none in force). */
  const seen: (Check & { at: number; cleared: boolean | null })[] = [];
  let active: RuleInput['activeAdjustment'] = null;
  let budget = 75_000;
  let paused = false;
  let at = start + 2 * DAY;
  for (const check of signals) {
    at += check.gapMs;
    // Decisions that fell due since the last check land first, as Updates and expiry timers do.
    for (const p of opened.filter((o) => o.decidedAt === null && o.decideAt <= at)) {
      p.decidedAt = p.decideAt;
      if (p.outcome !== 'approve') continue;
      if (p.action === 'pause' || p.action === 'reduce') {
        active ??= { action: p.action, rule: p.rule, budgetBefore: budget };
        if (p.action === 'pause') paused = true;
        else budget *= 0.8;
      } else if (p.action === 'restore') {
        budget = active?.budgetBefore ?? budget;
        paused = false;
        active = null;
      } else if (p.action === 'increase') budget *= 1.15;
    }
    const evaluation = evaluateRules({
      rules,
      snapshot: {
        at,
        clicks: 1000,
        conversions: 200,
        spend: 20_000,
        windowStart: start,
        windowEnd: start + 30 * DAY,
        budget,
        originalBudget: 75_000,
        forecast: 100,
        velocity: check.velocity,
        cpl: check.cpl,
        cplBand: band,
        responseSlaMeets: check.slaMeets,
        campaignPaused: paused,
      },
      history: [],
      activeAdjustment: active,
      pendingProposal: opened.some((o) => o.decidedAt === null),
      stability: { policy, earlier: opened.map(({ rule, createdAt, decidedAt }) => ({ rule, createdAt, decidedAt })) },
    });
    seen.push({ ...check, at, cleared: active ? evaluation.clearedSince !== null : null });
    if (active && evaluation.clearedSince !== undefined) active.clearedSince = evaluation.clearedSince ?? undefined;
    expect(evaluation.proposals.length).toBeLessThanOrEqual(1);
    for (const draft of evaluation.proposals) {
      const decision = ops[opened.length % ops.length];
      opened.push({
        rule: draft.rule,
        action: draft.action,
        createdAt: at,
        decidedAt: null,
        decideAt: at + decision.delayMs,
        outcome: decision.outcome,
        activeAction: active?.action ?? null,
        activeRule: active?.rule ?? null,
        slaMeets: check.slaMeets,
      });
    }
  }
  return { opened, seen };
}

describe('rule stability, whatever the signals and decisions', () => {
  it('opens at most the daily cap in any 24 hours, none while one awaits a decision, none from a cooling rule', () => {
    fc.assert(
      fc.property(checks, policies, decisions, (signals, policy, ops) => {
        const { opened } = simulate(signals, policy, ops);
        for (const [i, p] of opened.entries()) {
          const inDay = opened.filter((o) => o.createdAt > p.createdAt - DAY && o.createdAt <= p.createdAt);
          expect(inDay.length, `proposals in the 24 h to ${p.createdAt}`).toBeLessThanOrEqual(
            policy.maxProposalsPerDay,
          );
          for (const earlier of opened.slice(0, i)) {
            expect(earlier.decidedAt, 'an earlier proposal was decided first').not.toBeNull();
            expect(earlier.decidedAt!).toBeLessThanOrEqual(p.createdAt);
            if (earlier.rule === p.rule)
              expect(p.createdAt).toBeGreaterThanOrEqual(earlier.decidedAt! + policy.cooldownMs);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('restores only a cut in force whose cause stayed cleared, past its threshold by the margin, at every check for restoreAfter', () => {
    fc.assert(
      fc.property(checks, policies, decisions, (signals, policy, ops) => {
        const { opened, seen } = simulate(signals, policy, ops);
        for (const restore of opened.filter((p) => p.action === 'restore')) {
          expect(['pause', 'reduce']).toContain(restore.activeAction);
          const window = seen.filter(
            (c) => c.at >= restore.createdAt - policy.restoreAfterMs && c.at <= restore.createdAt,
          );
          const margin = policy.restoreMarginPct / 100;
          for (const check of window) {
            expect(check.cleared, `check at ${check.at}`).toBe(true);
            // The cause's own figure, by the margin: CPL inside the band's top, velocity above the floor.
            if (restore.activeRule === 'cpl-above-band#1')
              expect(check.cpl).toBeLessThanOrEqual(band.high * (1 - margin) + 1e-9);
            else expect(check.velocity).toBeGreaterThanOrEqual(0.7 * (1 + margin) - 1e-9);
          }
          // The cause was cleared at a check at least restoreAfter before, or at this one when restoreAfter is 0.
          const clearedFrom = seen.filter((c) => c.at <= restore.createdAt - policy.restoreAfterMs);
          if (policy.restoreAfterMs > 0) expect(clearedFrom.at(-1)?.cleared, 'cleared restoreAfter before').toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never raises spend while a cut is in force or the response SLA fails', () => {
    fc.assert(
      fc.property(checks, policies, decisions, (signals, policy, ops) => {
        for (const increase of simulate(signals, policy, ops).opened.filter((p) => p.action === 'increase')) {
          expect(increase.activeAction).toBeNull();
          expect(increase.slaMeets).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('does propose: a cut, its restore and an increase all occur across the runs (the properties are not vacuous)', () => {
    const actions = new Set<string>();
    fc.assert(
      fc.property(checks, policies, decisions, (signals, policy, ops) => {
        for (const p of simulate(signals, policy, ops).opened) actions.add(p.action);
      }),
      { numRuns: 300, seed: 20261206 },
    );
    expect([...actions].sort()).toEqual(['increase', 'pause', 'reduce', 'restore']);
  });
});
