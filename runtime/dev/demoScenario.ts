// A demo campaign file: the campaign contract plus a top-level `demo` block that `npm start` reads: how
// long the flight runs from now and how the sandbox Ads platform and CRM behave (clicks, conversion rate,
// a scripted dip at a share of the flight, lead arrivals). The contract never sees the block.
import { parse } from 'yaml';
import { z } from 'zod';
import { durationSchema, positiveDurationSchema } from '../../sla/duration';
import type { CampaignConfig } from '../../sla/config';
import { parseCampaignConfigText } from '../campaignFile';
import type { SandboxOptions } from '../portResolver';

const share = z.number().min(0).max(1);

const demoBlockSchema = z.strictObject({
  /** The flight starts when the demo starts the campaign and runs this long. */
  flight: positiveDurationSchema,
  cpc: z.number().positive().optional(),
  cpcNoise: share.optional(),
  conversionRate: share.optional(),
  /** The conversion rate times `multiplier` between these shares of the flight. */
  conversionDip: z
    .strictObject({ from: share, to: share, multiplier: z.number().min(0).max(10) })
    .refine((dip) => dip.from < dip.to, 'from must come before to')
    .optional(),
  /** How long each rep takes per first touch: given leads faster than that, a rep falls behind. */
  repTouchEvery: positiveDurationSchema.optional(),
  /** Only `share` of each rep's touch rate between these shares of the flight (staff pulled onto other work). */
  staffingDip: z
    .strictObject({ from: share, to: share, share: z.number().positive().max(1) })
    .refine((dip) => dip.from < dip.to, 'from must come before to')
    .optional(),
  /** A lead first touched later than `grace` after it arrived converts half as often for every further `halfLife`. */
  speedToLead: z.strictObject({ grace: durationSchema, halfLife: positiveDurationSchema }).optional(),
  /** A fixed lead rate; without it, leads arrive with the flight's clicks. */
  leadsPerHour: z.number().positive().optional(),
  neverTouchedShare: share.optional(),
  qualifiedShare: share.optional(),
  /** Median time from first touch to qualification. */
  qualifyingDelay: positiveDurationSchema.optional(),
});

export interface DemoScenario {
  /** The validated contract, with the window the flight will have. */
  config: CampaignConfig;
  /** The contract as written in the file, window replaced: what the workflow is started with. */
  raw: Record<string, unknown> & { campaign: { window: { start: string; end: string } } };
  sandbox: SandboxOptions;
  /** Set when the file has a `demo` block: the window it gave the campaign is stated to the user. */
  flightMs: number | null;
}

/**
 * Reads a demo campaign file. With a `demo` block, the flight runs `demo.flight` from `start` (whole second)
 * and the sandbox follows the block; without one, the file's window stands and `defaults` drive the sandbox.
 */
export function readDemoScenario(
  text: string,
  sourceName: string,
  start: Date,
  defaults: SandboxOptions,
): DemoScenario {
  const document = parse(text) as Record<string, unknown> & { demo?: unknown };
  const { demo: block, ...contract } = document;
  const raw = contract as DemoScenario['raw'];
  if (block === undefined) {
    return { config: parseCampaignConfigText(text, sourceName), raw, sandbox: defaults, flightMs: null };
  }
  const parsed = demoBlockSchema.safeParse(block);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `demo.${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`${sourceName}: ${problems.join('; ')}`);
  }
  const demo = parsed.data;
  // Problems in the contract point at their lines in the file first.
  parseCampaignConfigText(text, sourceName, ['demo']);
  const startMs = Math.floor(start.getTime() / 1000) * 1000;
  const endMs = startMs + demo.flight;
  raw.campaign.window = { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() };
  // Validated with the window it will fly, so the contract's checks (e.g. intake grace) see the real dates.
  const config = parseCampaignConfigText(JSON.stringify(raw), sourceName);
  return {
    config,
    raw,
    sandbox: {
      ...defaults,
      ...(demo.cpc === undefined ? {} : { cpc: demo.cpc }),
      ...(demo.cpcNoise === undefined ? {} : { cpcNoise: demo.cpcNoise }),
      ...(demo.conversionRate === undefined ? {} : { conversionRate: demo.conversionRate }),
      // A flight's leads follow its clicks unless the block fixes a rate (the defaults' rate is for files without one).
      leadsFollowClicks: demo.leadsPerHour === undefined,
      leadsPerHour: demo.leadsPerHour,
      ...(demo.neverTouchedShare === undefined ? {} : { neverTouchedShare: demo.neverTouchedShare }),
      ...(demo.qualifiedShare === undefined ? {} : { qualifiedShare: demo.qualifiedShare }),
      ...(demo.qualifyingDelay === undefined ? {} : { qualifyingDelayMs: demo.qualifyingDelay }),
      ...(demo.conversionDip === undefined ? {} : { conversionDip: demo.conversionDip }),
      ...(demo.repTouchEvery === undefined ? {} : { repTouchEveryMs: demo.repTouchEvery }),
      ...(demo.staffingDip === undefined ? {} : { staffingDip: demo.staffingDip }),
      ...(demo.speedToLead === undefined
        ? {}
        : { speedToLead: { graceMs: demo.speedToLead.grace, halfLifeMs: demo.speedToLead.halfLife } }),
    },
    flightMs: demo.flight,
  };
}
