// The clocks a lead runs: the three built in, and the milestones the contract declares (responseSla.milestones),
// keyed "m:<name>" so a contract's name can never collide with a built-in clock or an object's own keys.
export type BuiltInClock = 'firstTouch' | 'acceptance' | 'followUp';
export type MilestoneClock = `m:${string}`;
export type ClockKind = BuiltInClock | MilestoneClock;
export const clockKinds: readonly BuiltInClock[] = ['firstTouch', 'acceptance', 'followUp'];

export const milestoneClock = (name: string): MilestoneClock => `m:${name}`;
export const isMilestoneClock = (kind: string): kind is MilestoneClock => kind.startsWith('m:');
export const milestoneName = (kind: MilestoneClock): string => kind.slice(2);

/** How people read a clock's name: a built-in one as is, a milestone as "milestone <name>". */
export const clockLabel = (kind: ClockKind): string =>
  isMilestoneClock(kind) ? `milestone ${milestoneName(kind)}` : kind;
