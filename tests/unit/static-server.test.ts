import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  headersFor,
  parseHeadersFile,
  startStaticServer,
  type StaticServer,
} from '../../scripts/static-server.mjs';

const HEADERS_FILE = `# comment
/*
  Cross-Origin-Opener-Policy: same-origin
  Cross-Origin-Embedder-Policy: require-corp

/assets/*
  Cache-Control: public, max-age=31536000, immutable
/datasets/:set/*
  Cache-Control: no-cache
  X-Test: one
/datasets/*
  X-Test: two
`;

describe('the _headers file (Netlify and Cloudflare Pages format)', () => {
  it('parses rules and matches * and :placeholder', () => {
    const rules = parseHeadersFile(HEADERS_FILE);
    expect(rules.map((r) => r.pattern)).toEqual([
      '/*',
      '/assets/*',
      '/datasets/:set/*',
      '/datasets/*',
    ]);
    expect(Object.fromEntries(headersFor(rules, '/index.html'))).toEqual({
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    expect(headersFor(rules, '/assets/index-abc.js').get('cache-control')).toBe(
      'public, max-age=31536000, immutable',
    );
    // Two rules setting one header: both values, joined.
    expect(headersFor(rules, '/datasets/mnist/train.gz').get('x-test')).toBe('one, two');
    // :set is one segment: /datasets/x matches the splat rule only.
    expect(headersFor(rules, '/datasets/x').get('x-test')).toBe('two');
    expect(headersFor(rules, '/datasets/x').get('cache-control')).toBeUndefined();
  });

  it('refuses a header line outside a rule and a rule that is not a path', () => {
    expect(() => parseHeadersFile('  X-Test: 1\n')).toThrow(/line 1: expected "Name: value"/);
    expect(() => parseHeadersFile('assets/*\n  X: 1\n')).toThrow(
      /line 1: a rule starts with a path/,
    );
  });
});

/** One GET: status, headers and the body as sent. */
function get(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      request(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      })
        .on('error', reject)
        .end();
    },
  );
}

describe('the static server', () => {
  let dir = '';
  let server: StaticServer;
  let bare: StaticServer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vaegan-static-'));
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><p>app</p>');
    await writeFile(path.join(dir, 'assets', 'a.js'), 'console.log(1);'.repeat(100));
    await writeFile(path.join(dir, 'data.bin'), new Uint8Array([1, 2, 3]));
    await writeFile(path.join(dir, '_headers'), HEADERS_FILE);
    server = await startStaticServer({ dir, port: 0 });
    bare = await startStaticServer({ dir, port: 0, headers: false, prefix: '/repo' });
  });

  afterAll(async () => {
    await server.close();
    await bare.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html with the headers file, gzips text and answers 304 to its ETag', async () => {
    const page = await get(server.url, { 'accept-encoding': 'gzip' });
    expect(page.status).toBe(200);
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(page.body).toString()).toBe('<!doctype html><p>app</p>');
    const again = await get(server.url, { 'if-none-match': String(page.headers['etag']) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const script = await get(`${server.url}assets/a.js`, { 'accept-encoding': 'gzip' });
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.body.length).toBeLessThan(1500 / 5);
    // Binary files as they are; the bytes each response took are counted.
    const data = await get(`${server.url}data.bin`, { 'accept-encoding': 'gzip' });
    expect(data.headers['content-encoding']).toBeUndefined();
    expect([...data.body]).toEqual([1, 2, 3]);
    // The server records a response once it has finished writing it, which can come just
    // after the client has read it all.
    const counted = await vi.waitFor(() => {
      const record = server.served.find((r) => r.path === '/data.bin');
      if (!record) throw new Error('/data.bin is not recorded yet');
      return record;
    });
    expect(counted.bytes).toBeGreaterThan(3);
    expect(counted.bytes).toBeLessThan(3 + 1000);
  });

  it('never serves the headers file, and says 404 for what is not there', async () => {
    expect((await get(`${server.url}_headers`)).status).toBe(404);
    expect((await get(`${server.url}nothing.js`)).status).toBe(404);
    expect((await get(`${server.url}../package.json`)).status).toBe(404);
  });

  it('without headers, under a path: no isolation headers, and only that path is served', async () => {
    expect(bare.url).toMatch(/\/repo\/$/);
    const page = await get(bare.url);
    expect(page.status).toBe(200);
    expect(page.headers['cross-origin-opener-policy']).toBeUndefined();
    expect(page.headers['cross-origin-embedder-policy']).toBeUndefined();
    expect((await get(bare.url.replace('/repo/', '/'))).status).toBe(404);
    const redirect = await get(bare.url.replace(/\/$/, ''));
    expect(redirect.status).toBe(301);
    expect(redirect.headers['location']).toBe('/repo/');
  });
});
