// Finance guardrails on total-campaign-budget changes. Every proposed budget passes through here
// before ops sees it: decreases outside the limits are rejected, increases are trimmed to the limits
// (an increase is still useful when smaller), and each trim is explained.

export interface BudgetGuardrails {
  /** Highest total budget allowed, in currency units. */
  maxTotalBudget: number;
  /** Largest single increase, as a percentage of the current total budget. */
  maxStepPct: number;
  /** Lowest total budget allowed, in currency units. */
  minTotalBudget: number;
}

export interface BudgetChange {
  currentBudget: number;
  targetBudget: number;
  /** Already spent in the window; a total budget below it cannot be honoured. */
  spent: number;
  guardrails: BudgetGuardrails;
}

export type BudgetCheck = { ok: true; targetBudget: number; notes: string[] } | { ok: false; reason: string };

function requireFinite(value: number, name: string, min = 0): void {
  if (!Number.isFinite(value) || value < min)
    throw new Error(`${name} must be a finite number >= ${min}, got ${value}`);
}

function validateGuardrails(g: BudgetGuardrails): void {
  requireFinite(g.maxTotalBudget, 'guardrails.maxTotalBudget');
  requireFinite(g.minTotalBudget, 'guardrails.minTotalBudget');
  requireFinite(g.maxStepPct, 'guardrails.maxStepPct');
  if (g.minTotalBudget > g.maxTotalBudget) {
    throw new Error(
      `guardrails.minTotalBudget (${g.minTotalBudget}) is above guardrails.maxTotalBudget (${g.maxTotalBudget})`,
    );
  }
}

/**
 * Trims an increase to maxTotalBudget and to a step of maxStepPct over the current budget.
 * Returns the target unchanged (and no notes) when it is not an increase or is within both limits.
 */
export function clampIncrease(
  currentBudget: number,
  targetBudget: number,
  guardrails: BudgetGuardrails,
): { targetBudget: number; notes: string[] } {
  validateGuardrails(guardrails);
  if (targetBudget <= currentBudget) return { targetBudget, notes: [] };
  const notes: string[] = [];
  let clamped = targetBudget;
  // Floored to cents so float noise never lets a step exceed its cap.
  const stepCap = Math.floor(currentBudget * (100 + guardrails.maxStepPct) + 1e-6) / 100;
  if (clamped > stepCap) {
    notes.push(
      `increase trimmed from ${targetBudget} to ${stepCap}: maxStepPct allows at most +${guardrails.maxStepPct}% over the current ${currentBudget}`,
    );
    clamped = stepCap;
  }
  if (clamped > guardrails.maxTotalBudget) {
    notes.push(
      `increase trimmed from ${clamped} to ${guardrails.maxTotalBudget}: maxTotalBudget is ${guardrails.maxTotalBudget}`,
    );
    clamped = guardrails.maxTotalBudget;
  }
  return { targetBudget: clamped, notes };
}

export function checkBudgetChange({ currentBudget, targetBudget, spent, guardrails }: BudgetChange): BudgetCheck {
  validateGuardrails(guardrails);
  requireFinite(currentBudget, 'currentBudget');
  requireFinite(spent, 'spent');
  if (!Number.isFinite(targetBudget))
    return { ok: false, reason: `target budget must be a finite number, got ${targetBudget}` };

  const { targetBudget: finalBudget, notes } = clampIncrease(currentBudget, targetBudget, guardrails);
  if (targetBudget > currentBudget && finalBudget <= currentBudget) {
    return { ok: false, reason: `no increase possible from ${currentBudget}: ${notes.join('; ')}` };
  }
  if (finalBudget < spent) {
    return { ok: false, reason: `target budget ${finalBudget} is below the ${spent} already spent` };
  }
  if (finalBudget < guardrails.minTotalBudget) {
    return { ok: false, reason: `target budget ${finalBudget} is below minTotalBudget ${guardrails.minTotalBudget}` };
  }
  if (finalBudget > guardrails.maxTotalBudget) {
    return { ok: false, reason: `target budget ${finalBudget} is above maxTotalBudget ${guardrails.maxTotalBudget}` };
  }
  return { ok: true, targetBudget: finalBudget, notes };
}
