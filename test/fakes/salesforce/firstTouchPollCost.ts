// How many Salesforce API calls one attempts poll (every Task and Event of n open leads, followed to
// converted contacts) costs, measured by running the real adapter against the fake server. Shared by
// the contract tests and scripts/bench.ts.
import { SalesforceCrm } from '../../../activities/crm/salesforceCrm';
import { salesforceId } from '../../../activities/crm/salesforceIds';
import { FakeSalesforce, salesforceDateTime } from './fakeSalesforceServer';

export interface FirstTouchPollCost {
  openLeads: number;
  /** REST calls for one fetchAttempts, excluding the OAuth token request. */
  apiCalls: number;
  touchesFound: number;
}

export async function measureFirstTouchPollCalls(openLeads: number): Promise<FirstTouchPollCost> {
  const fake = await FakeSalesforce.start();
  try {
    const start = Date.parse('2026-01-05T09:00:00Z');
    const leadIds: string[] = [];
    for (let i = 0; i < openLeads; i += 1) {
      const leadId = fake.insert('Lead', { Id: salesforceId('00Q', i + 1), OwnerId: salesforceId('005', 1) });
      leadIds.push(leadId);
      // Every other lead has a logged call and every third a meeting, so both sObjects return rows.
      if (i % 2 === 0)
        fake.insert('Task', {
          WhoId: leadId,
          TaskSubtype: 'Call',
          IsClosed: true,
          CreatedDate: salesforceDateTime(new Date(start + i * 60_000)),
        });
      if (i % 3 === 0)
        fake.insert('Event', { WhoId: leadId, StartDateTime: salesforceDateTime(new Date(start + i * 90_000)) });
    }
    const crm = new SalesforceCrm({
      settings: {
        apiVersion: '62.0',
        campaignLink: { kind: 'campaignMember' },
        statusSource: 'leadHistory',
        clickIdFields: {},
        auth: {
          kind: 'refreshToken',
          instanceUrl: fake.url,
          loginUrl: fake.url,
          clientId: 'fake-client-id',
          clientSecret: 'fake-client-secret',
          refreshToken: 'fake-refresh-token',
        },
      },
    });
    const attempts = await crm.fetchAttempts(leadIds, null);
    const touched = new Set(attempts.items.map((attempt) => attempt.leadId));
    return { openLeads, apiCalls: crm.apiUsage().callsMade, touchesFound: touched.size };
  } finally {
    await fake.close();
  }
}
