import { describe, expect, it } from 'vitest';
import { ISOLATION_HEADERS, withIsolationHeaders } from '../../src/service-worker/isolation';

describe('the service worker adds the cross-origin isolation headers', () => {
  it('sets COOP, COEP and CORP, keeps the other headers, the status and the body', async () => {
    const original = new Response('hello', {
      status: 201,
      statusText: 'Created',
      headers: { 'content-type': 'text/plain', 'cross-origin-opener-policy': 'unsafe-none' },
    });
    const isolated = withIsolationHeaders(original);
    expect(isolated.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(isolated.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(isolated.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(isolated.headers.get('content-type')).toBe('text/plain');
    expect(isolated.status).toBe(201);
    expect(isolated.statusText).toBe('Created');
    expect(await isolated.text()).toBe('hello');
    expect(Object.keys(ISOLATION_HEADERS)).toHaveLength(3);
  });

  it('passes a large body on as a stream, byte for byte', async () => {
    const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) % 256);
    const isolated = withIsolationHeaders(new Response(bytes));
    const back = new Uint8Array(await isolated.arrayBuffer());
    expect(back.length).toBe(bytes.length);
    expect(back.every((v, i) => v === bytes[i])).toBe(true);
  });

  it('gives a bodyless status no body, and leaves an opaque response alone', () => {
    const notModified = withIsolationHeaders(new Response(null, { status: 304 }));
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBeNull();
    expect(notModified.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const opaque = Response.error();
    expect(withIsolationHeaders(opaque)).toBe(opaque);
  });
});
