// Before a worker with the real Salesforce adapter takes work: does the org have what the adapter writes and reads
// (activities/crm/orgSetup.ts)? A missing or unmarked field is a setup fault no retry fixes, and a key field without
// Unique fails silently (a second follow-up task), so the worker refuses to start with the fixes named, as it does
// for missing search attributes. An org that does not answer is not a setup fault: the worker starts, and each call
// retries and reports on its own.
import type { Logger } from 'pino';
import type { SalesforceCrm } from '../activities/crm/salesforceCrm';

export async function checkSalesforceOrg(
  crm: Pick<SalesforceCrm, 'orgSetupProblems'>,
  logger: Pick<Logger, 'info' | 'warn'>,
): Promise<void> {
  let problems: string[];
  try {
    problems = await crm.orgSetupProblems();
  } catch (err) {
    logger.warn(
      { error: err instanceof Error ? err.message : String(err) },
      'could not check the Salesforce org before starting; starting anyway, its calls retry',
    );
    return;
  }
  if (problems.length) throw new Error(`the Salesforce org is not set up for campaign-sla: ${problems.join('; ')}`);
  logger.info('Salesforce org checked: the mapped Lead fields and the follow-up task key are in place');
}
