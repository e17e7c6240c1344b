// The workflow bundle as the workers load it: hot builtins bound once at the top (runtime/campaignWorker.ts),
// the SDK's per-workflow Date left alone, and a bundle of another shape refused rather than patched blindly.
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { withBuiltinsBound, workflowBundle } from '../runtime/campaignWorker';

describe('withBuiltinsBound', () => {
  it('binds the builtins on the first line, leaving every other line where the source map puts it', () => {
    const code = 'var __TEMPORAL__;\n(() => { __TEMPORAL__ = Math.max(1, 2); })();\n//# sourceMappingURL=x';
    const bound = withBuiltinsBound(code);
    expect(bound.split('\n').slice(1)).toEqual(code.split('\n').slice(1));
    expect(bound.split('\n')[0]).toMatch(/^var __TEMPORAL__;const \{ Object, Array, Math, JSON, .* \} = globalThis;$/);
    expect(bound).not.toMatch(/\bDate\b/);
  });

  it('binds the context’s own builtins, so code in the context sees the same objects and their later changes', () => {
    const context = vm.createContext({});
    vm.runInContext(
      withBuiltinsBound('var __TEMPORAL__;\n__TEMPORAL__ = () => [Math, Object, Math.random()];'),
      context,
    );
    // The SDK replaces Math.random on the Math object after the bundle's first line has run.
    vm.runInContext('Math.random = () => 0.25;', context);
    const [math, object, random] = vm.runInContext('__TEMPORAL__()', context) as [Math, ObjectConstructor, number];
    expect(math).toBe(vm.runInContext('globalThis.Math', context));
    expect(object).toBe(vm.runInContext('globalThis.Object', context));
    expect(math).not.toBe(Math);
    expect(random).toBe(0.25);
  });

  it('refuses a bundle that does not start as the SDK writes it', () => {
    expect(() => withBuiltinsBound('"use strict";\nvar __TEMPORAL__;')).toThrow(/does not start with/);
  });

  it('is what the workers load', async () => {
    const { code } = await workflowBundle();
    expect(code.slice(0, code.indexOf('\n'))).toBe(withBuiltinsBound('var __TEMPORAL__;\n').split('\n')[0]);
  }, 120_000);
});
