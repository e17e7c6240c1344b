// The workflow bundle's inline source map loses the sources' text and keeps everything a stack trace needs.
import { describe, expect, it } from 'vitest';
import { withoutSourcesContent } from '../runtime/campaignWorker';

const inlineMap = (map: object, charset = 'charset=utf-8;') =>
  `\n//# sourceMappingURL=data:application/json;${charset}base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;
const mapOf = (code: string) =>
  JSON.parse(Buffer.from(code.slice(code.lastIndexOf('base64,') + 7), 'base64').toString('utf8')) as Record<
    string,
    unknown
  >;

describe('withoutSourcesContent', () => {
  const map = {
    version: 3,
    file: 'main.js',
    sources: ['webpack://x/workflows/a.ts', 'webpack://x/node_modules/zod/index.js'],
    sourcesContent: ['export const a = 1;', 'module.exports = {};'],
    names: ['a'],
    mappings: 'AAAA,SAAA',
    sourceRoot: '',
  };

  it('drops sourcesContent and keeps the code, mappings, sources and names as they were', () => {
    const code = 'const a = 1;\n// not a map: //# sourceMappingURL=data:application/json;base64,e30=';
    const stripped = withoutSourcesContent(code + inlineMap(map));
    expect(stripped.startsWith(`${code}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,`)).toBe(true);
    const { sourcesContent, ...kept } = map;
    expect(sourcesContent).toHaveLength(2);
    expect(mapOf(stripped)).toEqual(kept);
  });

  it('reads the map without a charset too, and is idempotent', () => {
    const once = withoutSourcesContent('x' + inlineMap(map, ''));
    expect(withoutSourcesContent(once)).toBe(once);
  });

  it('refuses a bundle without an inline source map: the worker could not load it either', () => {
    expect(() => withoutSourcesContent('const a = 1;')).toThrow('the workflow bundle has no inline source map');
    expect(() => withoutSourcesContent(`const a = 1;${inlineMap(map)}\nmore code`)).toThrow(/no inline source map/);
  });
});
