// Campaign files for the bench: the seed template (examples/budget-sla.yaml) with the bench's tiers
// and escalation chain, a window around now, and CRM polling off (unless a figure needs it) so only the
// bench admits leads.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseCampaignConfig } from '../../sla/config';
import type { NewLead } from '../../sla/leadEvents';

const TEMPLATE_FILE = path.resolve(__dirname, '..', '..', 'examples', 'budget-sla.yaml');
const DAY = 86_400_000;

type Raw = Record<string, unknown>;

export interface BenchCampaignSpec {
  id: string;
  now: number;
  /** Tier name → tier settings as written in a campaign file, e.g. { firstTouch: '10s', clock: 'wall' }. */
  tiers: Record<string, Raw>;
  escalation: Raw[];
  /** CRM polling (default off, so only the bench admits leads) and the velocity checks' interval. */
  crmPollEvery?: string;
  checkEvery?: string;
}

/** The raw campaign config (as the workflow receives it), checked up front so a typo fails before any timing. */
export function benchCampaignConfig(spec: BenchCampaignSpec): Raw {
  const template = parseYaml(readFileSync(TEMPLATE_FILE, 'utf8')) as Raw;
  const campaign = template.campaign as Raw;
  const responseSla = template.responseSla as Raw;
  const raw: Raw = {
    ...template,
    campaign: {
      ...campaign,
      id: spec.id,
      crm: { ...(campaign.crm as Raw), pollEvery: spec.crmPollEvery ?? '0s' },
      window: { start: new Date(spec.now - DAY).toISOString(), end: new Date(spec.now + 90 * DAY).toISOString() },
    },
    responseSla: { ...responseSla, tiers: spec.tiers, escalation: spec.escalation },
    ...(spec.checkEvery && { velocity: { ...(template.velocity as Raw), checkEvery: spec.checkEvery } }),
  };
  parseCampaignConfig(raw);
  return raw;
}

/** The owners the template's inbound pool knows, so leads spread over real reps. */
export function templateOwners(raw: Raw): string[] {
  const pools = (raw.responseSla as { pools: Record<string, { reps: { id: string }[] }> }).pools;
  return Object.values(pools).flatMap((pool) => pool.reps.map((rep) => rep.id));
}

/** `count` new leads of one tier, IDs `<prefix>-<n>` (or `idOf(n)`) from `from`, all created at `createdAt`. */
export function leadBatch(opts: {
  prefix: string;
  from: number;
  count: number;
  tier: string;
  owners: string[];
  createdAt: number;
  idOf?: (n: number) => string;
}): NewLead[] {
  const createdAt = new Date(opts.createdAt).toISOString();
  const idOf = opts.idOf ?? ((n: number) => `${opts.prefix}-${n}`);
  return Array.from({ length: opts.count }, (_, i) => ({
    leadId: idOf(opts.from + i),
    tier: opts.tier,
    ownerId: opts.owners[(opts.from + i) % opts.owners.length],
    createdAt,
  }));
}
