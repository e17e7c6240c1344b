// Process memory after a full garbage collection, so before/after figures compare live data rather
// than whatever garbage happened to be uncollected at that moment.
import v8 from 'node:v8';
import vm from 'node:vm';

let collect: (() => void) | undefined;

export function settledMemory(): NodeJS.MemoryUsage {
  // `npm run bench` runs under tsx without --expose-gc; switching the flag on at run time makes a
  // fresh context expose gc().
  if (!collect) {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  }
  collect();
  return process.memoryUsage();
}
