// Follow-up Tasks in the CRM, created once on their External ID key: a retried activity finds the Task it (or a
// racing attempt) already created and leaves it as the rep has it now. Every task is tried before a failure is
// reported, so one bad lead does not hold the others back.
import { ApplicationFailure } from '@temporalio/common';
import type { FollowUpTask } from '../sla/followUpTask';
import type { ActivityDeps } from './campaignActivities';
import { withHeartbeat } from './heartbeat';

export interface FollowUpTasksInput {
  campaignId: string;
  tasks: FollowUpTask[];
  at: string;
}

export function createFollowUpTaskActivities(deps: ActivityDeps) {
  return {
    async createFollowUpTasks(input: FollowUpTasksInput): Promise<{ created: number }> {
      return withHeartbeat(async () => {
        const crm = await deps.ports.crm(input.campaignId, new Date(input.at));
        const failures: string[] = [];
        let created = 0;
        for (const task of input.tasks) {
          try {
            if ((await crm.createFollowUpTask(task)).created) created++;
          } catch (err) {
            failures.push(`${task.leadId}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
        if (failures.length) {
          throw ApplicationFailure.create({
            type: 'FollowUpTasksFailed',
            message: `${failures.length} of ${input.tasks.length} follow-up tasks not created: ${failures.slice(0, 3).join('; ')}`,
          });
        }
        return { created };
      });
    },
  };
}
