// What a velocity check learns about the Google Ads account and campaign that the rules do not weigh but
// ops must act on: a shared budget (changes to it are refused), another billing currency, a flight that
// does not match the contract window. Each is raised once while it lasts and shown on the campaign.
import type { FlightProblem } from './adsFlight';

export interface AdsAccountFacts {
  sharedBudget: boolean;
  currencyMismatch: string | null;
  flightProblems: FlightProblem[];
}

export interface AdsAccountProblem {
  code: FlightProblem['code'] | 'shared-budget' | 'currency-mismatch';
  severity: FlightProblem['severity'];
  message: string;
}

export function adsAccountProblems(facts: AdsAccountFacts): AdsAccountProblem[] {
  const problems: AdsAccountProblem[] = [];
  if (facts.sharedBudget) {
    // campaign_budget.proto: a budget with explicitly_shared or reference_count > 1 moves every campaign on it.
    problems.push({
      code: 'shared-budget',
      severity: 'error',
      message:
        'the campaign budget is shared with other campaigns (explicitly_shared or reference_count > 1); budget changes will be refused',
    });
  }
  if (facts.currencyMismatch)
    problems.push({ code: 'currency-mismatch', severity: 'error', message: facts.currencyMismatch });
  return [...problems, ...facts.flightProblems];
}

/** The problems among `problems` that were not already active, so each is raised once while it lasts. */
export function newAdsAccountProblems(
  active: readonly string[],
  problems: readonly AdsAccountProblem[],
): AdsAccountProblem[] {
  return problems.filter((problem) => !active.includes(problem.code));
}
