// The worker's Salesforce org check at start (runtime/salesforceOrgCheck.ts), against the Salesforce fake: a ready org
// passes, an org whose key is not Unique stops the start with the fix named, and an org that does not answer lets the
// worker start with a warning (its calls retry).
import { afterEach, describe, expect, it } from 'vitest';
import { SalesforceCrm } from '../activities/crm/salesforceCrm';
import { checkSalesforceOrg } from '../runtime/salesforceOrgCheck';
import { checkCrmCommand } from '../scripts/cli/operations';
import { FakeSalesforce } from './fakes/salesforce/fakeSalesforceServer';

let fake: FakeSalesforce | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function recordingLogger() {
  const lines: { level: string; msg: string }[] = [];
  return {
    lines,
    info: (msg: string) => lines.push({ level: 'info', msg }),
    warn: (_fields: object, msg: string) => lines.push({ level: 'warn', msg }),
  };
}

describe('checkSalesforceOrg', () => {
  it('passes a ready org', async () => {
    fake = await FakeSalesforce.start();
    const logger = recordingLogger();
    await checkSalesforceOrg(SalesforceCrm.fromEnv(fake.refreshTokenEnv()), logger as never);
    expect(logger.lines).toEqual([{ level: 'info', msg: expect.stringContaining('Salesforce org checked') }]);
  });

  it('refuses an org whose follow-up key is not Unique, naming the field', async () => {
    fake = await FakeSalesforce.start({ externalIdFields: { Task: { campaign_sla_key__c: { unique: false } } } });
    await expect(
      checkSalesforceOrg(SalesforceCrm.fromEnv(fake.refreshTokenEnv()), recordingLogger() as never),
    ).rejects.toThrow(
      /^the Salesforce org is not set up for campaign-sla: Task\.campaign_sla_key__c is not marked Unique: /,
    );
  });

  it('starts with a warning when the org does not answer', async () => {
    fake = await FakeSalesforce.start();
    const env = fake.refreshTokenEnv();
    await fake.close();
    fake = undefined;
    const logger = recordingLogger();
    await checkSalesforceOrg(SalesforceCrm.fromEnv(env, { requestTimeoutMs: 2_000 }), logger as never);
    expect(logger.lines).toEqual([
      { level: 'warn', msg: expect.stringContaining('could not check the Salesforce org') },
    ]);
  });
});

describe('campaign-sla check-crm', () => {
  it('says a ready org is ready, and exits 1 naming the fix, or when the org does not answer', async () => {
    fake = await FakeSalesforce.start();
    expect(await checkCrmCommand(fake.refreshTokenEnv())).toEqual({ ready: true, described: ['Lead', 'Task'] });
    await fake.close();
    fake = await FakeSalesforce.start({ externalIdFields: { Task: { campaign_sla_key__c: { unique: false } } } });
    await expect(checkCrmCommand(fake.refreshTokenEnv())).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringContaining('Task.campaign_sla_key__c is not marked Unique'),
    });
    const env = fake.refreshTokenEnv();
    await fake.close();
    fake = undefined;
    await expect(checkCrmCommand(env)).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/^the Salesforce org did not answer: /),
    });
  });

  it('exits 2 when the Salesforce settings are incomplete', async () => {
    await expect(
      checkCrmCommand({ SALESFORCE_INSTANCE_URL: 'https://example.my.salesforce.com' }),
    ).rejects.toMatchObject({ exitCode: 2 });
  });
});
