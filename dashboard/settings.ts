// Who may do what on the dashboard, from the environment: DASHBOARD_AUTH and SLACK_SIGNING_SECRET.
import type { DashboardAuth, SlackOptions } from './server';

export interface DashboardSecurity {
  auth: DashboardAuth;
  slack?: SlackOptions;
}

export function dashboardSecurityFromEnv(env: NodeJS.ProcessEnv): DashboardSecurity {
  const auth = env.DASHBOARD_AUTH || 'none';
  if (auth !== 'none' && auth !== 'tokens') {
    throw new Error(`DASHBOARD_AUTH: expected "none" or "tokens", got "${auth}"`);
  }
  const signingSecret = env.SLACK_SIGNING_SECRET;
  return { auth, ...(signingSecret ? { slack: { signingSecret } } : {}) };
}
