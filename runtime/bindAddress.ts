/** host:port as the listeners take it (IPv6 hosts in brackets); the error names the variable. */
export function parseBindAddress(value: string, variable: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || port > 65_535) throw new Error(`${variable} must be host:port (e.g. 0.0.0.0:9464), got "${value}"`);
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}
