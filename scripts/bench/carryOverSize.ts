// The ceiling on open leads per campaign: what continue-as-new carries (sla/carryOver.ts, packed) for n open
// leads with Salesforce-shaped IDs, untouched and once touched, against the guard that keeps it under Temporal's
// 2 MB payload limit. Computed with the lead book itself, no server: the size depends on nothing else.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { salesforceId } from '../../activities/crm/salesforceIds';
import { decodeCarryOver, packCarryOver } from '../../sla/carryOver';
import { parseCampaignConfig } from '../../sla/config';
import { admitLeads, applyLeadEvents, drainOutbox, emptyLeadBook, type LeadBook } from '../../sla/leadBook';
import { MAX_CARRIED_OPEN_LEADS, MAX_CARRY_OVER_BYTES } from '../../workflows/campaignSla/continueAsNew';

const TEMPLATE_FILE = path.resolve(__dirname, '..', '..', 'examples', 'budget-sla.yaml');
const HOUR = 3_600_000;

/** Carry-over bytes for one workload, packed (what continue-as-new sends) and as JSON before packing. */
interface CarriedBytes {
  packed: number;
  json: number;
  /** Packing, then unpacking and decoding as the next run's first task does, in ms (one pass, informative). */
  packMs: number;
  decodeMs: number;
}

interface CarryOverSize {
  openLeads: number;
  /**
   * Every lead as admitted, and every lead with one call logged (first touch met, acceptance clock running): with
   * Salesforce's sequential IDs, and with IDs random past the key prefix (nothing shared, deflate's worst case).
   */
  untouched: CarriedBytes;
  touched: CarriedBytes;
  randomIdsUntouched: CarriedBytes;
  randomIdsTouched: CarriedBytes;
}

type Workload = 'untouched' | 'touched' | 'randomIdsUntouched' | 'randomIdsTouched';
const WORKLOADS: readonly Workload[] = ['untouched', 'touched', 'randomIdsUntouched', 'randomIdsTouched'];

export interface CarryOverCeiling {
  guardBytes: number;
  sizes: CarryOverSize[];
  /** Open leads that fit the guard at the largest size's packed bytes per lead, per workload, at most the per-run limit. */
  ceiling: Record<Workload, number>;
}

export function measureCarryOverSizes(openLeadCounts: number[]): CarryOverCeiling {
  const sizes = openLeadCounts.map(carryOverFor);
  const largest = sizes.at(-1);
  // The byte guard's share, capped by the open leads one run may hand over at all.
  const ceilingOf = (w: Workload) =>
    largest
      ? Math.min(MAX_CARRIED_OPEN_LEADS, Math.floor(MAX_CARRY_OVER_BYTES / (largest[w].packed / largest.openLeads)))
      : 0;
  return {
    guardBytes: MAX_CARRY_OVER_BYTES,
    sizes,
    ceiling: Object.fromEntries(WORKLOADS.map((w) => [w, ceilingOf(w)])) as Record<Workload, number>,
  };
}

/** Seeded random base-62 text, for IDs that share nothing a compressor could use. */
export function seededText(seed: number): (length: number) => string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let x = seed;
  const next = () => ((x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0) >>> 8) % 62;
  return (length) => Array.from({ length }, () => alphabet[next()]).join('');
}

function carried(book: LeadBook): CarriedBytes {
  const packStart = performance.now();
  const { marker, packed } = packCarryOver({ book });
  const packMs = performance.now() - packStart;
  const decodeStart = performance.now();
  decodeCarryOver(marker, packed);
  return { packed: packed.byteLength, json: marker.unpackedBytes, packMs, decodeMs: performance.now() - decodeStart };
}

function carryOverFor(openLeads: number): CarryOverSize {
  const sequential = (i: number) => salesforceId('00Q', i + 1);
  const random = seededText(openLeads);
  // 11 random characters and one digit after the prefix: a valid ID whose case-check suffix is computed.
  const randomId = (i: number) => salesforceId('00Q', i % 10, random(11));
  const [untouched, touched] = bothStages(openLeads, sequential);
  const [randomIdsUntouched, randomIdsTouched] = bothStages(openLeads, randomId);
  return { openLeads, untouched, touched, randomIdsUntouched, randomIdsTouched };
}

/** The carry-over of n open leads as admitted, then once each has a call logged. */
function bothStages(openLeads: number, leadId: (i: number) => string): [CarriedBytes, CarriedBytes] {
  const raw = parseYaml(readFileSync(TEMPLATE_FILE, 'utf8')) as { campaign: { crm: Record<string, unknown> } };
  const config = parseCampaignConfig(raw);
  const now = Date.parse(config.campaign.window.start) + 24 * HOUR;
  const ctx = { campaignId: config.campaign.id, now, configs: { [config.version]: config }, currentVersion: 1 };
  const tiers = Object.keys(config.responseSla.tiers);
  const owners = Array.from({ length: 25 }, (_, i) => salesforceId('005', i + 1));
  const book = emptyLeadBook();
  admitLeads(
    book,
    Array.from({ length: openLeads }, (_, i) => ({
      leadId: leadId(i),
      tier: tiers[i % tiers.length],
      ownerId: owners[i % owners.length],
      // Spread over the hour before, as leads arrive.
      createdAt: new Date(now - HOUR + Math.floor((i / openLeads) * HOUR)).toISOString(),
    })),
    ctx,
  );
  drainOutbox(book);
  const untouched = carried(book);
  applyLeadEvents(
    book,
    Object.keys(book.leads).map((id, i) => ({
      type: 'contact' as const,
      leadId: id,
      eventId: salesforceId('00T', i + 1),
      channel: 'call' as const,
      at: new Date(now).toISOString(),
    })),
    ctx,
  );
  drainOutbox(book);
  return [untouched, carried(book)];
}
