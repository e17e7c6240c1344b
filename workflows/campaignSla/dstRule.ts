// How a run's calendars place business windows around tz transitions (sla/calendar dayIntervals). Deadlines are
// workflow decisions: a run recorded before patch wall-clock-dst keeps the placement it decided them with.
import { patched } from '@temporalio/workflow';
import { keepLegacyDstRule } from '../../sla/calendar';
import type { CampaignConfig } from '../../sla/config';
import type { CampaignRun } from './run';

/** Asked once, as the run starts and before any handler runs: every config the run holds follows the answer. */
export function decideDstRule(run: CampaignRun): void {
  run.legacyDst = !patched('wall-clock-dst');
  for (const config of Object.values(run.state.configs)) holdDstRule(run, config);
}

/** A config the run takes up (its first, carried, or amended) places its windows as the run decided. */
export function holdDstRule(run: CampaignRun, config: CampaignConfig): void {
  if (!run.legacyDst) return;
  for (const calendar of Object.values(config.calendars)) keepLegacyDstRule(calendar);
}
