// The hostile-input corpus aimed at the chaos campaign, its verdict and the chaos figures built on it, without a
// server: an accepted payload, a retryable rejection or one naming another field must fail the corpus, and the
// chaos summary must then fail and name the cases.
import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { chaosCampaignConfig, newLead, planLeads } from '../scripts/chaos/campaign';
import { hostileInputFigures } from '../scripts/chaos/checks';
import { hostileCorpus, verdictProblems } from '../scripts/chaos/hostileCorpus';
import { admitLeadsUpdate } from '../workflows/messages';

const campaignId = 'chaos-quick-unit';
const [planned] = planLeads({ prefix: campaignId, count: 1, start: Date.now(), feedMs: 1_000, seed: 'unit' });
const corpus = hostileCorpus({ config: chaosCampaignConfig(campaignId, Date.now()), openLead: newLead(planned) });

const rejection = (message: string, nonRetryable = true) => ({
  rejected: new WorkflowUpdateFailedError(
    'Workflow Update failed',
    ApplicationFailure.create({ type: 'InvalidRequest', message, nonRetryable }),
  ),
});
const tierCase = corpus.find((c) => c.name === 'admitLeads tier toString')!;
const tierRejection = 'lead batch rejected, nothing admitted:\nleads[0].tier: unknown tier "toString"';

describe('hostile-input corpus aimed at the chaos campaign', () => {
  it('has at least 80 payloads, each named once (the summary lists failing ones by name)', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(80);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it("builds every payload for the chaos campaign (whose config, unlike the tests', has no calendars)", () => {
    for (const c of corpus) expect(() => c.payload(), c.name).not.toThrow();
  });

  it("never offers a lead ID of the campaign's own feed: the exact ledger checks count those", () => {
    const offered = corpus
      .filter((c) => c.update === admitLeadsUpdate)
      .flatMap((c) => (c.payload() as { leads?: unknown } | null)?.leads ?? [])
      .flatMap((lead) => (lead as { leadId?: unknown }).leadId ?? []);
    expect(offered.length).toBeGreaterThan(2000);
    expect(offered.filter((id) => String(id).startsWith(campaignId))).toEqual([]);
  });
});

describe('hostile-input verdict', () => {
  it('passes a non-retryable rejection naming the field', () => {
    expect(verdictProblems(tierCase, rejection(tierRejection))).toEqual([]);
  });

  it('fails a rejection that names another field', () => {
    expect(verdictProblems({ names: 'leads[0].tierz' }, rejection(tierRejection))).toEqual([
      `message does not name leads[0].tierz: ${tierRejection}`,
    ]);
  });

  it('fails an accepted payload, a retryable rejection, an echo of the input and no answer', () => {
    expect(verdictProblems(tierCase, { accepted: true })).toEqual(['accepted']);
    expect(verdictProblems(tierCase, rejection(tierRejection, false))).toEqual([
      expect.stringContaining('not a non-retryable ApplicationFailure'),
    ]);
    expect(verdictProblems(tierCase, rejection(`${tierRejection} ${'x'.repeat(4000)}`))).toEqual([
      expect.stringContaining('echoes the input'),
    ]);
    expect(verdictProblems(tierCase, { noAnswer: 'none within 120 s' })).toEqual([
      'no answer from the workflow: none within 120 s',
    ]);
  });
});

describe('chaos figures for the hostile input', () => {
  const run = { cases: corpus.length, transportRetries: 2, startedAt: 10_000, endedAt: 20_000 };
  const failedTasks = [{ at: 30_000, why: 'WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED: after the corpus' }];
  const figure = (figures: ReturnType<typeof hostileInputFigures>, name: string) =>
    figures.find((f) => f.name.startsWith(name))!;

  it('pass when every payload was refused as expected and no task failed while they came in', () => {
    const figures = hostileInputFigures({ corpus: { ...run, failing: [] }, failedTasks });
    expect(figure(figures, 'hostile-input corpus: payloads rejected')).toMatchObject({
      expected: corpus.length,
      actual: corpus.length,
      ok: true,
    });
    expect(figure(figures, 'workflow tasks failed while the corpus was sent').ok).toBe(true);
    expect(figures.every((f) => f.ok !== false)).toBe(true);
  });

  it('fail and name the cases when one payload was not refused as expected', () => {
    const problems = verdictProblems({ names: 'leads[0].tierz' }, rejection(tierRejection));
    const figures = hostileInputFigures({
      corpus: { ...run, failing: [{ name: tierCase.name, problems }] },
      failedTasks: [...failedTasks, { at: 15_000, why: 'WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED: boom' }],
    });
    const rejected = figure(figures, 'hostile-input corpus: payloads rejected');
    expect(rejected).toMatchObject({ expected: corpus.length, actual: corpus.length - 1, ok: false });
    expect(rejected.examples[0]).toBe(`failing: ${tierCase.name}`);
    expect(figure(figures, 'workflow tasks failed while the corpus was sent')).toMatchObject({
      actual: 1,
      ok: false,
    });
  });
});
