// Messages that span lines (config issues, validator problem lists) as one line, for terminals and audit rows.

/** Multi-line messages (config issues, validator problem lists) become one line: "headline: a; b; c". */
export function oneLine(message: string): string {
  const [head, ...rest] = message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  if (!head) return 'unknown error';
  if (rest.length === 0) return head;
  return `${head.replace(/:$/, '')}: ${rest.join('; ')}`;
}
