import { describe, expect, it } from 'vitest';
import { checkBudgetChange, clampIncrease } from '../sla/guardrails';

const guardrails = { maxTotalBudget: 90_000, maxStepPct: 20, minTotalBudget: 10_000 };

describe('checkBudgetChange', () => {
  it('accepts a decrease within the limits unchanged', () => {
    expect(checkBudgetChange({ currentBudget: 75_000, targetBudget: 61_500, spent: 30_000, guardrails })).toEqual({
      ok: true,
      targetBudget: 61_500,
      notes: [],
    });
  });

  it('accepts an increase within both limits unchanged', () => {
    expect(checkBudgetChange({ currentBudget: 61_500, targetBudget: 73_800, spent: 40_000, guardrails })).toEqual({
      ok: true,
      targetBudget: 73_800,
      notes: [],
    });
  });

  it('trims an increase to maxStepPct and says so', () => {
    // 61,500 × 1.2 = 73,800
    const result = checkBudgetChange({ currentBudget: 61_500, targetBudget: 75_000, spent: 40_000, guardrails });
    expect(result).toEqual({
      ok: true,
      targetBudget: 73_800,
      notes: ['increase trimmed from 75000 to 73800: maxStepPct allows at most +20% over the current 61500'],
    });
  });

  it('trims an increase to maxTotalBudget and says so', () => {
    const result = checkBudgetChange({ currentBudget: 80_000, targetBudget: 95_000, spent: 40_000, guardrails });
    expect(result).toEqual({
      ok: true,
      targetBudget: 90_000,
      notes: ['increase trimmed from 95000 to 90000: maxTotalBudget is 90000'],
    });
  });

  it('applies both trims when both bind', () => {
    const result = checkBudgetChange({
      currentBudget: 80_000,
      targetBudget: 200_000,
      spent: 0,
      guardrails: { ...guardrails, maxStepPct: 50 },
    });
    expect(result).toMatchObject({ ok: true, targetBudget: 90_000 });
    expect(result.ok && result.notes).toHaveLength(2);
  });

  it('rejects an increase when the budget is already at the cap', () => {
    const result = checkBudgetChange({ currentBudget: 90_000, targetBudget: 95_000, spent: 1_000, guardrails });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain('no increase possible from 90000');
    expect(!result.ok && result.reason).toContain('maxTotalBudget is 90000');
  });

  it('rejects a target below what is already spent', () => {
    expect(checkBudgetChange({ currentBudget: 75_000, targetBudget: 25_000, spent: 30_000, guardrails })).toEqual({
      ok: false,
      reason: 'target budget 25000 is below the 30000 already spent',
    });
  });

  it('rejects a target below minTotalBudget', () => {
    expect(checkBudgetChange({ currentBudget: 75_000, targetBudget: 9_000, spent: 5_000, guardrails })).toEqual({
      ok: false,
      reason: 'target budget 9000 is below minTotalBudget 10000',
    });
  });

  it('rejects a decrease that still leaves the budget above maxTotalBudget', () => {
    expect(checkBudgetChange({ currentBudget: 120_000, targetBudget: 100_000, spent: 5_000, guardrails })).toEqual({
      ok: false,
      reason: 'target budget 100000 is above maxTotalBudget 90000',
    });
  });

  it('rejects a non-finite target', () => {
    expect(checkBudgetChange({ currentBudget: 1_000, targetBudget: Number.NaN, spent: 0, guardrails })).toEqual({
      ok: false,
      reason: 'target budget must be a finite number, got NaN',
    });
  });

  it('throws on inconsistent guardrails, naming the fields', () => {
    expect(() =>
      checkBudgetChange({
        currentBudget: 1,
        targetBudget: 1,
        spent: 0,
        guardrails: { maxTotalBudget: 5, maxStepPct: 10, minTotalBudget: 6 },
      }),
    ).toThrow('guardrails.minTotalBudget (6) is above guardrails.maxTotalBudget (5)');
    expect(() =>
      checkBudgetChange({ currentBudget: 1, targetBudget: 1, spent: 0, guardrails: { ...guardrails, maxStepPct: -1 } }),
    ).toThrow('guardrails.maxStepPct must be a finite number >= 0, got -1');
  });
});

describe('clampIncrease', () => {
  it('leaves decreases and in-limit increases alone', () => {
    expect(clampIncrease(1_000, 500, guardrails)).toEqual({ targetBudget: 500, notes: [] });
    expect(clampIncrease(50_000, 60_000, guardrails)).toEqual({ targetBudget: 60_000, notes: [] });
  });

  it('floors the step cap to cents so it never exceeds maxStepPct', () => {
    // 333.33 × 1.2 = 399.996 -> 399.99
    expect(clampIncrease(333.33, 1_000, { ...guardrails, minTotalBudget: 0 }).targetBudget).toBe(399.99);
  });
});
