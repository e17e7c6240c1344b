// The intake routing activity names the owner the CRM shows in the contract's form of the rep: Salesforce reads IDs
// back in their 18-character form, and a contract that lists a rep by the 15-character ID would otherwise count the
// lead as held by someone outside every pool (capacity, round-robin and attribution).
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../activities/campaignActivities';
import { salesforceId } from '../activities/crm/salesforceIds';
import { createRoutingActivities } from '../activities/intakeRouting';
import type { RouteEffect, RouteResult } from '../sla/leadBook';

describe('routeLeads', () => {
  it("names an owner moved by the CRM's automation in the contract's form; an unknown owner as the CRM gives it", async () => {
    const rep15 = salesforceId('005', 7).slice(0, 15);
    const shown = [salesforceId('005', 7), salesforceId('00G', 1)];
    const d = {
      ports: { crm: async () => ({ setOwner: async () => ({ stuck: false, actualOwnerId: shown.shift() }) }) },
    } as unknown as ActivityDeps;
    const route: RouteEffect = {
      leadId: salesforceId('00Q', 1),
      fromOwnerId: 'rep-a',
      toOwnerId: 'rep-b',
      pool: 'inbound',
      reason: 'out of office',
      at: '2026-03-02T10:00:00.000Z',
    };
    const results = (await new MockActivityEnvironment().run(createRoutingActivities(d).routeLeads, {
      campaignId: 'c-1',
      routes: [route, { ...route, leadId: salesforceId('00Q', 2) }],
      repIds: ['rep-b', rep15],
    })) as RouteResult[];
    expect(results.map((r) => r.ok && r.actualOwnerId)).toEqual([rep15, salesforceId('00G', 1)]);
  });
});
