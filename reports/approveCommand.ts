/**
 * The command an approver runs, shown next to pending proposals in the CLI and the dashboard, and with the
 * demo's approver and a real reason (the workflow refuses reasons under 3 characters) by `npm start`.
 */
export function approveCommand(
  campaignId: string,
  proposalId: string,
  { approver = '<approver>', reason = '<why>' }: { approver?: string; reason?: string } = {},
): string {
  return `campaign-sla approve ${campaignId} ${proposalId} --as ${approver} --reason "${reason}"`;
}
