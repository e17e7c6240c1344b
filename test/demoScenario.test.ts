// The demo block of a campaign file: what npm start reads for the flight and the sandbox world, and what it refuses.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDemoScenario } from '../runtime/dev/demoScenario';

const file = path.join(__dirname, '..', 'examples', 'seed-story.yaml');
const text = readFileSync(file, 'utf8');
const start = new Date('2026-12-04T10:00:00.400Z');

/** The seed story's file with its demo block's lines replaced. */
function withDemo(edit: (demo: string) => string): string {
  const [head, rest] = text.split(/^demo:\n/m);
  const end = rest.search(/^\S/m);
  return `${head}demo:\n${edit(rest.slice(0, end))}${rest.slice(end)}`;
}

describe('demo scenario', () => {
  it('flies the seed story from the whole second and gives the sandbox its ops capacity', () => {
    const scenario = readDemoScenario(text, 'seed-story.yaml', start, {});
    expect(scenario.raw.campaign.window).toEqual({
      start: '2026-12-04T10:00:00.000Z',
      end: '2026-12-04T10:10:00.000Z',
    });
    expect(scenario.sandbox).toMatchObject({
      leadsFollowClicks: true,
      repTouchEveryMs: 1_200,
      staffingDip: { from: 0.3, to: 0.5, share: 0.45 },
      speedToLead: { graceMs: 45_000, halfLifeMs: 30_000 },
    });
    expect(scenario.sandbox.conversionDip).toBeUndefined();
  });

  it.each([
    [
      'a staffing dip that ends before it starts',
      '  staffingDip: { from: 0.5, to: 0.3, share: 0.5 }\n',
      /demo\.staffingDip: from must come before to/,
    ],
    ['nobody at work', '  staffingDip: { from: 0.3, to: 0.5, share: 0 }\n', /demo\.staffingDip\.share/],
    ['a rep who touches in no time', '  repTouchEvery: 0s\n', /demo\.repTouchEvery/],
    ['a negative grace', '  speedToLead: { grace: -1s, halfLife: 30s }\n', /demo\.speedToLead\.grace/],
    ['an unknown field', '  repsTouchEvery: 1s\n', /demo\.: Unrecognized key: "repsTouchEvery"/],
    ['a prototype key', '  __proto__: { flight: 1s }\n', /demo\.: Unrecognized key: "__proto__"/],
    ['a constructor key', '  constructor: 1\n', /demo\.: Unrecognized key: "constructor"/],
  ])('refuses %s, naming the field', (_name, line, problem) => {
    const edited = withDemo(
      (demo) =>
        demo
          .split('\n')
          .filter((l) => !/^ {2}(staffingDip|repTouchEvery|speedToLead):/.test(l))
          .join('\n') + line,
    );
    expect(() => readDemoScenario(edited, 'edited.yaml', start, {})).toThrow(problem);
  });
});
