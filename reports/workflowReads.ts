// Reads of the campaign workflows through Temporal visibility, shared by the CLI's `list` and the dashboard.
import type { Client } from '@temporalio/client';
import { searchAttributes } from '../workflows/messages';

export interface ListFilter {
  health?: 'healthy' | 'at-risk' | 'breaching';
  pendingApproval?: boolean;
  status: 'running' | 'all';
}

export interface CampaignListRow {
  campaignId: string;
  workflowId: string;
  status: string;
  health: string | null;
  openClocks: number | null;
  breachedLeads: number | null;
  responseCompliance: number | null;
  budgetSpentPct: number | null;
  velocityPct: number | null;
  pendingApproval: boolean | null;
  quarter: string | null;
}

/**
 * The visibility query for `list`; values are fixed enums, so no user text reaches the query. A campaign
 * that continued as new leaves its old runs behind with their last search attributes: they are never a
 * campaign of their own, and health and pending approval describe live state, so those filters only
 * match running campaigns.
 */
export function listQuery(filter: ListFilter): string {
  const clauses = [`WorkflowType = 'campaignSla'`];
  const running = filter.status === 'running' || filter.health !== undefined || filter.pendingApproval === true;
  clauses.push(running ? `ExecutionStatus = 'Running'` : `ExecutionStatus != 'ContinuedAsNew'`);
  if (filter.health) clauses.push(`SlaHealth = "${filter.health}"`);
  if (filter.pendingApproval) clauses.push('PendingApproval = true');
  return clauses.join(' AND ');
}

export async function listCampaigns(client: Client, filter: ListFilter): Promise<CampaignListRow[]> {
  const rows: CampaignListRow[] = [];
  for await (const execution of client.workflow.list({ query: listQuery(filter) })) {
    const attr = execution.typedSearchAttributes;
    rows.push({
      campaignId: attr.get(searchAttributes.campaignId) ?? execution.workflowId.replace(/^campaign-sla:/, ''),
      workflowId: execution.workflowId,
      status: execution.status.name,
      health: attr.get(searchAttributes.slaHealth) ?? null,
      openClocks: attr.get(searchAttributes.openLeadClocks) ?? null,
      breachedLeads: attr.get(searchAttributes.breachedLeads) ?? null,
      responseCompliance: attr.get(searchAttributes.responseCompliance) ?? null,
      budgetSpentPct: attr.get(searchAttributes.budgetSpentPct) ?? null,
      velocityPct: attr.get(searchAttributes.velocityPct) ?? null,
      pendingApproval: attr.get(searchAttributes.pendingApproval) ?? null,
      quarter: attr.get(searchAttributes.campaignQuarter) ?? null,
    });
  }
  return rows.sort((a, b) => a.campaignId.localeCompare(b.campaignId));
}
