// The ceiling on open leads per campaign: what continue-as-new carries (sla/carryOver.ts) for n open leads
// with Salesforce-shaped IDs, untouched and once touched, against the guard that keeps it under Temporal's
// 2 MB payload limit. Computed with the lead book itself, no server: the size depends on nothing else.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { salesforceId } from '../../activities/crm/salesforceIds';
import { encodeCarryOver } from '../../sla/carryOver';
import { parseCampaignConfig } from '../../sla/config';
import { jsonSizeBytes } from '../../sla/inputLimits';
import { admitLeads, applyLeadEvents, drainOutbox, emptyLeadBook } from '../../sla/leadBook';
import { MAX_CARRY_OVER_BYTES } from '../../workflows/campaignSla/continueAsNew';

const TEMPLATE_FILE = path.resolve(__dirname, '..', '..', 'examples', 'budget-sla.yaml');
const HOUR = 3_600_000;

interface CarryOverSize {
  openLeads: number;
  /** Every lead as admitted; then every lead with one call logged (first touch met, acceptance clock running). */
  untouchedBytes: number;
  touchedBytes: number;
  bytesPerLead: { untouched: number; touched: number };
  fitsGuard: { untouched: boolean; touched: boolean };
}

export interface CarryOverCeiling {
  guardBytes: number;
  sizes: CarryOverSize[];
  /** Open leads that fit the guard at the largest size's bytes per lead. */
  ceiling: { untouched: number; touched: number };
}

export function measureCarryOverSizes(openLeadCounts: number[]): CarryOverCeiling {
  const sizes = openLeadCounts.map(carryOverFor);
  const largest = sizes.at(-1);
  return {
    guardBytes: MAX_CARRY_OVER_BYTES,
    sizes,
    ceiling: {
      untouched: largest ? Math.floor(MAX_CARRY_OVER_BYTES / largest.bytesPerLead.untouched) : 0,
      touched: largest ? Math.floor(MAX_CARRY_OVER_BYTES / largest.bytesPerLead.touched) : 0,
    },
  };
}

function carryOverFor(openLeads: number): CarryOverSize {
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
      leadId: salesforceId('00Q', i + 1),
      tier: tiers[i % tiers.length],
      ownerId: owners[i % owners.length],
      // Spread over the day before, as leads arrive.
      createdAt: new Date(now - HOUR + Math.floor((i / openLeads) * HOUR)).toISOString(),
    })),
    ctx,
  );
  drainOutbox(book);
  const untouchedBytes = jsonSizeBytes(encodeCarryOver({ book }));
  applyLeadEvents(
    book,
    Object.keys(book.leads).map((leadId, i) => ({
      type: 'contact' as const,
      leadId,
      eventId: salesforceId('00T', i + 1),
      channel: 'call' as const,
      at: new Date(now).toISOString(),
    })),
    ctx,
  );
  drainOutbox(book);
  const touchedBytes = jsonSizeBytes(encodeCarryOver({ book }));
  return {
    openLeads,
    untouchedBytes,
    touchedBytes,
    bytesPerLead: { untouched: untouchedBytes / openLeads, touched: touchedBytes / openLeads },
    fitsGuard: { untouched: untouchedBytes <= MAX_CARRY_OVER_BYTES, touched: touchedBytes <= MAX_CARRY_OVER_BYTES },
  };
}
