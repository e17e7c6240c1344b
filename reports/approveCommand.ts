/** The command an approver runs, shown next to pending proposals in the CLI and the dashboard. */
export function approveCommand(campaignId: string, proposalId: string): string {
  return `campaign-sla approve ${campaignId} ${proposalId} --as <approver> --reason "<why>"`;
}
