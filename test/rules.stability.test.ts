// Rules that do not flap (issue 10 §2): a restore follows the cleared cause of the adjustment in force, by a
// margin and for a sustained period; a rule rests after a decision; proposals per day are capped.
import { describe, expect, it } from 'vitest';
import {
  evaluateRules,
  type BudgetRule,
  type EarlierProposal,
  type RuleInput,
  type RuleStability,
  type VelocitySnapshot,
} from '../sla/rules';
import { band, DAY, HOUR, MINUTE, rules, start } from './support/ruleScenario';

const policy: RuleStability = {
  cooldownMs: 12 * HOUR,
  maxProposalsPerDay: 4,
  restoreMarginPct: 10,
  restoreAfterMs: HOUR,
};

function snap(at: number, figures: { cpl: number | null; velocity: number | null }): VelocitySnapshot {
  return {
    at,
    clicks: 1000,
    conversions: 200,
    spend: 20_000,
    windowStart: start,
    windowEnd: start + 10 * DAY,
    budget: 75_000,
    originalBudget: 75_000,
    forecast: 100,
    velocity: figures.velocity,
    cpl: figures.cpl,
    cplBand: band,
    responseSlaMeets: true,
    campaignPaused: false,
  };
}

const cplReduce = { action: 'reduce' as const, rule: 'cpl-above-band#1', budgetBefore: 75_000 };

function input(snapshot: VelocitySnapshot, extra: Partial<RuleInput> = {}, earlier: EarlierProposal[] = []): RuleInput {
  return {
    rules,
    snapshot,
    history: [],
    activeAdjustment: null,
    pendingProposal: false,
    stability: { policy, earlier },
    ...extra,
  };
}

describe('restore follows the cause, cleared by a margin and for a while', () => {
  it('a CPL reduce is not restored because velocity looks high while CPL is still 6× its band', () => {
    const high = snap(start + DAY, { cpl: 72, velocity: 1.9 });
    const stable = evaluateRules(input(high, { activeAdjustment: cplReduce }));
    expect(stable.proposals).toEqual([]);
    expect(stable.clearedSince).toBeNull();
    // The pre-stability rules restore here: this is the flap the demo showed.
    const legacy = evaluateRules(input(high, { activeAdjustment: cplReduce, stability: undefined }));
    expect(legacy.proposals[0]?.action).toBe('restore');
  });

  it('CPL just inside the band is not cleared; 10% inside starts the clock; a restore waits restoreAfter', () => {
    const t0 = start + DAY;
    expect(
      evaluateRules(input(snap(t0, { cpl: 11.5, velocity: 1 }), { activeAdjustment: cplReduce })).clearedSince,
    ).toBeNull();
    const first = evaluateRules(input(snap(t0, { cpl: 10.7, velocity: 1 }), { activeAdjustment: cplReduce }));
    expect(first).toMatchObject({ proposals: [], clearedSince: t0 });
    const tooSoon = evaluateRules(
      input(snap(t0 + 30 * MINUTE, { cpl: 10, velocity: 1 }), { activeAdjustment: { ...cplReduce, clearedSince: t0 } }),
    );
    expect(tooSoon).toMatchObject({ proposals: [], clearedSince: t0 });
    const sustained = evaluateRules(
      input(snap(t0 + HOUR, { cpl: 10, velocity: 1 }), { activeAdjustment: { ...cplReduce, clearedSince: t0 } }),
    );
    expect(sustained.proposals).toHaveLength(1);
    expect(sustained.proposals[0]).toMatchObject({ action: 'restore', rule: 'recovered#3', targetBudget: 75_000 });
    expect(sustained.proposals[0].reason).toContain('has been for 1h');
  });

  it('a relapse resets the clock', () => {
    const t0 = start + DAY;
    const relapse = evaluateRules(
      input(snap(t0 + 2 * HOUR, { cpl: 13, velocity: 1 }), { activeAdjustment: { ...cplReduce, clearedSince: t0 } }),
    );
    expect(relapse).toMatchObject({ proposals: [], clearedSince: null });
  });

  it('a velocity pause clears only above its floor plus the margin', () => {
    const pause = { action: 'pause' as const, rule: 'velocity-below#0', budgetBefore: 75_000 };
    const at = start + 3 * DAY;
    const paused = { campaignPaused: true, activeAdjustment: pause };
    expect(evaluateRules(input(snap(at, { cpl: 30, velocity: 0.75 }), paused)).clearedSince).toBeNull();
    expect(evaluateRules(input(snap(at, { cpl: 30, velocity: 0.77 }), paused)).clearedSince).toBe(at);
  });

  it('a cause no longer in the contract clears when velocity is back at forecast', () => {
    const gone = { ...cplReduce, rule: 'cpl-above-band#9' };
    expect(
      evaluateRules(input(snap(start, { cpl: 50, velocity: 0.99 }), { activeAdjustment: gone })).clearedSince,
    ).toBeNull();
    expect(evaluateRules(input(snap(start, { cpl: 50, velocity: 1 }), { activeAdjustment: gone })).clearedSince).toBe(
      start,
    );
  });
});

describe('cool-down and daily cap', () => {
  const high = (at: number) => snap(at, { cpl: 20, velocity: 1 });

  it('a rule rests for its cool-down after a decision (rejected here), then may propose again', () => {
    const decided = [{ rule: 'cpl-above-band#1', createdAt: start, decidedAt: start + HOUR }];
    const resting = evaluateRules(input(high(start + 2 * HOUR), {}, decided));
    expect(resting.proposals).toEqual([]);
    expect(resting.suppressed[0].reason).toContain('cooling down until 2026-03-02T13:00:00.000Z');
    expect(evaluateRules(input(high(start + 13 * HOUR), {}, decided)).proposals[0]?.rule).toBe('cpl-above-band#1');
  });

  it('a later rule may not make the change a resting rule was held back from', () => {
    const cplPause: BudgetRule[] = [
      { kind: 'cpl-above-band', action: 'reduce', pct: 20 },
      { kind: 'velocity-below', afterDays: 0, belowPct: 110, action: 'reduce', pct: 20 },
      { kind: 'velocity-above', abovePct: 90, action: 'increase', pct: 10 },
    ];
    const decided = [{ rule: 'cpl-above-band#0', createdAt: start, decidedAt: start }];
    const result = evaluateRules(input(snap(start + HOUR, { cpl: 20, velocity: 1 }), { rules: cplPause }, decided));
    expect(result.proposals).toEqual([]);
    expect(result.suppressed.map((s) => s.rule)).toEqual(['cpl-above-band#0', 'velocity-below#1', 'velocity-above#2']);
    expect(result.suppressed[2].reason).toContain('an earlier rule calls for less spend');
  });

  it('caps proposals opened in any 24 hours, all rules together', () => {
    const four = ['a#0', 'b#1', 'c#2', 'd#3'].map((rule, i) => ({
      rule,
      createdAt: start + i * HOUR,
      decidedAt: null,
    }));
    const capped = evaluateRules(input(high(start + 5 * HOUR), {}, four));
    expect(capped.proposals).toEqual([]);
    expect(capped.suppressed[0].reason).toContain('4 proposals were opened in the last 24 hours (at most 4)');
    expect(evaluateRules(input(high(start + DAY + 1), {}, four)).proposals).toHaveLength(1);
  });
});

describe('a flapping day', () => {
  // Every 15 minutes for a simulated day the signals alternate: CPL far above the band with velocity low,
  // then CPL back in band with velocity high. Ops approve every proposal at once.
  function simulate(stability: RuleInput['stability'] | undefined) {
    const opened: EarlierProposal[] = [];
    const actions: string[] = [];
    let active: RuleInput['activeAdjustment'] = null;
    for (let at = start + 2 * DAY; at < start + 3 * DAY; at += 15 * MINUTE) {
      const bad = ((at - start) / (15 * MINUTE)) % 2 === 0;
      const snapshot = snap(at, bad ? { cpl: 60, velocity: 0.8 } : { cpl: 9, velocity: 1.5 });
      const evaluation = evaluateRules(
        input(snapshot, { activeAdjustment: active, stability: stability && { ...stability, earlier: opened } }),
      );
      if (active && evaluation.clearedSince !== undefined) active.clearedSince = evaluation.clearedSince ?? undefined;
      for (const draft of evaluation.proposals) {
        opened.push({ rule: draft.rule, createdAt: at, decidedAt: at });
        actions.push(draft.action);
        if (draft.action === 'restore') active = null;
        else if (draft.action !== 'increase')
          active ??= { action: draft.action, rule: draft.rule, budgetBefore: 75_000 };
      }
    }
    return actions;
  }

  it('without stability the rules flap every other check; with it, one reduce and nothing more', () => {
    expect(simulate(undefined).length).toBeGreaterThanOrEqual(40);
    // The cause (CPL) never stays cleared for an hour, so no restore; the reduce rule rests; increases are
    // not allowed while a reduce is in force.
    expect(simulate({ policy, earlier: [] })).toEqual(['reduce']);
  });

  it('with cool-downs only (instant restores), never more than the daily cap', () => {
    const loose: RuleStability = { ...policy, cooldownMs: 0, restoreAfterMs: 0 };
    const actions = simulate({ policy: loose, earlier: [] });
    expect(actions.length).toBe(loose.maxProposalsPerDay);
  });
});
