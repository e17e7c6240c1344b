// Decodes a campaign file's text (YAML, or JSON since JSON is YAML) and points each problem at its line.
// Lives outside sla/ so the YAML parser never enters the workflow bundle.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import {
  ConfigError,
  formatIssuePath,
  validateCampaignConfig,
  type CampaignConfig,
  type IssuePath,
} from '../sla/config';

/**
 * The line of the deepest YAML entry that exists along `path`: the key line for a map entry, the item line
 * for a list item — so a missing field points at its parent's key.
 */
function lineOf(doc: Document, lineCounter: LineCounter, path: IssuePath): number | undefined {
  for (let depth = path.length; depth > 0; depth--) {
    const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
    const segment = path[depth - 1];
    const entry = isMap(parent)
      ? parent.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(segment))?.key
      : isSeq(parent) && typeof segment === 'number'
        ? parent.items[segment]
        : undefined;
    const range = (entry as { range?: [number, number, number] } | undefined)?.range;
    if (range) return lineCounter.linePos(range[0]).line;
  }
  const rootRange = doc.contents?.range;
  return rootRange ? lineCounter.linePos(rootRange[0]).line : undefined;
}

/**
 * Parses a campaign config file's text (YAML, or JSON since JSON is YAML) and validates it.
 * Syntax errors name `sourceName:line:column`; validation problems also say which line they are on.
 * `outsideContract` names top-level keys left out of the contract.
 */
export function parseCampaignConfigText(
  text: string,
  sourceName: string,
  outsideContract: string[] = [],
): CampaignConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // Top-level blocks another reader owns (e.g. `demo` for npm start); lines of the rest stay as written.
  for (const key of outsideContract) doc.delete(key);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return `${sourceName}:${line}:${col}: YAML syntax error: ${error.message}`;
      }),
      sourceName,
    );
  }
  const result = validateCampaignConfig(doc.toJS());
  if ('issues' in result) {
    throw new ConfigError(
      result.issues.map((issue) => {
        const line = lineOf(doc, lineCounter, issue.path);
        const location = line === undefined ? '' : ` (${sourceName} line ${line})`;
        return `${formatIssuePath(issue.path)}: ${issue.message}${location}`;
      }),
      sourceName,
    );
  }
  return result.config;
}
