#!/usr/bin/env node
// A plain static file server that behaves like the common static hosts, for previewing the
// build as it will be hosted (`npm run preview:static`), for the end-to-end test of hosting and
// for bench/first-visit.mjs:
// - files only: `/` and folders answer with their index.html, anything else missing is a 404;
// - text (HTML, JS, CSS, JSON, SVG, the web manifest) gzipped when the browser accepts it, as
//   GitHub Pages, Netlify and Cloudflare Pages do; other files as they are;
// - an ETag on every file, and 304 Not Modified for a matching If-None-Match;
// - the headers of the folder's `_headers` file (Netlify and Cloudflare Pages format) when it
//   has one, or none at all with `--no-headers` (GitHub Pages sends no custom headers).
// It counts the bytes it writes per response, so a benchmark can say what a visit transferred.
//
// Usage: node scripts/static-server.mjs [--dir dist] [--port 4180] [--no-headers]
//        [--no-gzip] [--prefix /vaegan-playground/]
// Plain Node ESM, no dependencies. Types for TypeScript callers are in static-server.d.mts.

import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';

/** Content types by extension; anything else is application/octet-stream. */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.gz': 'application/gzip',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};
/** What the hosts compress on the fly. */
const COMPRESSIBLE = /^(text\/|application\/(json|manifest\+json|javascript)|image\/svg)/;

/**
 * @typedef {{ pattern: string; regex: RegExp; headers: [string, string][] }} HeaderRule
 */

/**
 * Parses a `_headers` file (Netlify / Cloudflare Pages): a line with a path pattern, then
 * indented `Name: value` lines; `#` starts a comment. In a pattern, `*` matches anything
 * (slashes included) and `:name` one path segment.
 * @param {string} text
 * @returns {HeaderRule[]}
 */
export function parseHeadersFile(text) {
  /** @type {HeaderRule[]} */
  const rules = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = /** @type {string} */ (lines[i]);
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const indented = /^\s/.test(line);
    if (!indented) {
      if (!trimmed.startsWith('/') && !/^https?:\/\//.test(trimmed)) {
        throw new Error(`_headers line ${i + 1}: a rule starts with a path, got "${trimmed}"`);
      }
      rules.push({ pattern: trimmed, regex: patternRegex(trimmed), headers: [] });
      continue;
    }
    const rule = rules.at(-1);
    const colon = trimmed.indexOf(':');
    if (!rule || colon <= 0) {
      throw new Error(`_headers line ${i + 1}: expected "Name: value" under a path`);
    }
    rule.headers.push([trimmed.slice(0, colon).trim(), trimmed.slice(colon + 1).trim()]);
  }
  return rules;
}

/** @param {string} pattern */
function patternRegex(pattern) {
  const source = pattern
    .split(/(\*|:[A-Za-z_][A-Za-z0-9_]*)/)
    .map((part) =>
      part === '*'
        ? '.*'
        : part.startsWith(':')
          ? '[^/]+'
          : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`);
}

/**
 * The headers the rules give a path: every matching rule, in file order; a header set by two
 * rules gets both values, joined by ", " (as Netlify and Cloudflare Pages do).
 * @param {HeaderRule[]} rules
 * @param {string} pathname
 * @returns {Map<string, string>} lower-case names to values
 */
export function headersFor(rules, pathname) {
  /** @type {Map<string, string>} */
  const out = new Map();
  for (const rule of rules) {
    if (!rule.regex.test(pathname)) continue;
    for (const [name, value] of rule.headers) {
      const key = name.toLowerCase();
      const before = out.get(key);
      out.set(key, before === undefined ? value : `${before}, ${value}`);
    }
  }
  return out;
}

/**
 * @typedef {{ method: string; path: string; status: number; bytes: number; type: string }} Served
 * @typedef {{ dir: string; port?: number; host?: string; headers?: boolean; gzip?: boolean; prefix?: string }} StaticServerOptions
 */

/**
 * Serves a folder as a static host would (see the file's header). Resolves once it listens.
 * `served` lists every response with the bytes written for it on the socket (status line,
 * headers and body as sent, after compression).
 * @param {StaticServerOptions} options
 */
export async function startStaticServer(options) {
  const root = path.resolve(options.dir);
  const gzip = options.gzip !== false;
  const prefix = normalisePrefix(options.prefix ?? '/');
  const headersPath = path.join(root, '_headers');
  /** @type {HeaderRule[]} */
  let rules = [];
  if (options.headers !== false) {
    try {
      rules = parseHeadersFile(await readFile(headersPath, 'utf8'));
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'ENOENT') throw error;
    }
  }
  /** @type {Served[]} */
  const served = [];
  /** Bytes each socket had written when its previous response finished. */
  const written = new WeakMap();

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.on('finish', () => {
      const socket = res.socket ?? req.socket;
      const total = socket.bytesWritten;
      const bytes = total - (written.get(socket) ?? 0);
      written.set(socket, total);
      served.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        status: res.statusCode,
        bytes,
        type: String(res.getHeader('content-type') ?? ''),
      });
    });
    try {
      await answer(req, res, url);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  });

  /**
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   * @param {URL} url
   */
  async function answer(req, res, url) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let pathname;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (!pathname.startsWith(prefix)) {
      if (`${pathname}/` === prefix) {
        res.writeHead(301, { location: prefix }).end();
        return;
      }
      notFound(res);
      return;
    }
    const inside = pathname.slice(prefix.length - 1);
    let file = path.join(root, inside);
    if (!file.startsWith(root) || path.basename(file) === '_headers') {
      notFound(res);
      return;
    }
    let info = await stat(file).catch(() => null);
    if (info?.isDirectory()) {
      if (!pathname.endsWith('/')) {
        res.writeHead(301, { location: `${pathname}/${url.search}` }).end();
        return;
      }
      file = path.join(file, 'index.html');
      info = await stat(file).catch(() => null);
    }
    if (!info?.isFile()) {
      notFound(res);
      return;
    }
    const type =
      TYPES[/** @type {keyof typeof TYPES} */ (path.extname(file))] ?? 'application/octet-stream';
    const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    for (const [name, value] of headersFor(rules, inside)) res.setHeader(name, value);
    res.setHeader('content-type', type);
    res.setHeader('etag', etag);
    const compress = gzip && COMPRESSIBLE.test(type);
    if (compress) res.setHeader('vary', 'Accept-Encoding');
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304).end();
      return;
    }
    const accepts = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    if (compress && accepts) {
      res.setHeader('content-encoding', 'gzip');
      res.writeHead(200);
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file)
        .pipe(createGzip({ level: 6 }))
        .pipe(res);
      return;
    }
    res.setHeader('content-length', info.size);
    res.writeHead(200);
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4180, options.host ?? '127.0.0.1', () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    /** The app's address, e.g. http://127.0.0.1:4180/ (with the prefix). */
    url: `http://${address.address}:${address.port}${prefix}`,
    /** The rules of the `_headers` file (none without one, or with `headers: false`). */
    rules,
    served,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}

/** @param {http.ServerResponse} res */
function notFound(res) {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
}

/** "/", "/repo/" …: always with slashes at both ends. @param {string} prefix */
function normalisePrefix(prefix) {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}

// ---------------------------------------------------------------------------------------------
// Command line

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && i + 1 < args.length ? /** @type {string} */ (args[i + 1]) : fallback;
  };
  const flags = new Set(['--no-headers', '--no-gzip']);
  const valued = new Set(['--dir', '--port', '--prefix']);
  for (let i = 0; i < args.length; i++) {
    if (flags.has(/** @type {string} */ (args[i]))) continue;
    if (valued.has(/** @type {string} */ (args[i])) && i + 1 < args.length) {
      i++;
      continue;
    }
    console.error(
      'usage: node scripts/static-server.mjs [--dir dist] [--port 4180] [--no-headers] [--no-gzip] [--prefix /path/]',
    );
    process.exit(2);
  }
  const dir = value('dir', 'dist');
  try {
    await stat(path.join(dir, 'index.html'));
  } catch {
    console.error(`static-server: no ${path.join(dir, 'index.html')}; run npm run build first`);
    process.exit(1);
  }
  const headers = !args.includes('--no-headers');
  const server = await startStaticServer({
    dir,
    port: Number(value('port', '4180')),
    headers,
    gzip: !args.includes('--no-gzip'),
    prefix: value('prefix', '/'),
  });
  const how = !headers
    ? 'without custom headers, as GitHub Pages serves it: the service worker supplies the isolation headers'
    : server.rules.length > 0
      ? `with the ${server.rules.length} rules of ${path.join(dir, '_headers')}`
      : `with no headers (${path.join(dir, '_headers')} not found)`;
  console.log(`static-server: ${dir} at ${server.url} ${how}`);
}
