/**
 * The headers that make a page cross-origin isolated (SharedArrayBuffer, so the WebAssembly
 * backend runs its threads), added by the service worker to every response it gives the page
 * and its workers. A host that cannot send headers (GitHub Pages) gets isolation this way from
 * the second load on; a host that sends them (public/_headers) gets the same values twice,
 * which changes nothing. Pure functions: tested in Node.
 */

/** COOP and COEP isolate the page; CORP lets a require-corp page load the response. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * The response with the isolation headers set (replacing any other values of them); its body
 * is passed on as a stream, not read. An opaque response (a cross-origin request without
 * CORS, which this app never makes) cannot be rebuilt and is returned as it is.
 */
export function withIsolationHeaders(response: Response): Response {
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0) {
    return response;
  }
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  // 101, 204, 205 and 304 carry no body, and a Response with one would throw.
  const bodyless = [101, 204, 205, 304].includes(response.status);
  return new Response(bodyless ? null : response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
