// The headers file the build ships for static hosts (public/_headers, the format Netlify and
// Cloudflare Pages read) says for every path what `vite preview` sends: the page's
// Content-Security-Policy plus frame-ancestors 'none', and cross-origin isolation.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, crossOriginIsolation, HEADER_CSP } from '../../vite.config';

/** The rules of a _headers file: path pattern -> header name -> value (comments skipped). */
function parseHeaders(text: string): Map<string, Map<string, string>> {
  const rules = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      current = new Map();
      rules.set(line.trim(), current);
      continue;
    }
    const colon = line.indexOf(':');
    if (!current || colon < 0) throw new Error(`a header outside a path rule: ${line}`);
    current.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return rules;
}

describe('public/_headers', () => {
  const rules = parseHeaders(
    readFileSync(new URL('../../public/_headers', import.meta.url), 'utf8'),
  );
  const all = rules.get('/*');

  it('sends the page policy plus frame-ancestors for every path (workers included)', () => {
    expect(all).toBeDefined();
    expect(all!.get('content-security-policy')).toBe(HEADER_CSP);
    expect(HEADER_CSP).toBe(`${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`);
    expect(HEADER_CSP.split('; ')).toContain("worker-src 'self' blob:");
  });

  it('sends the two cross-origin isolation headers', () => {
    for (const [name, value] of Object.entries(crossOriginIsolation)) {
      expect(all!.get(name.toLowerCase())).toBe(value);
    }
  });
});
