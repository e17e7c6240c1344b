// The three built-in clocks every lead runs.
export type ClockKind = 'firstTouch' | 'acceptance' | 'followUp';
export const clockKinds: readonly ClockKind[] = ['firstTouch', 'acceptance', 'followUp'];
