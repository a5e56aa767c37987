// Hand-written types for scripts/static-server.mjs (used by the end-to-end tests).

export interface HeaderRule {
  pattern: string;
  regex: RegExp;
  headers: [string, string][];
}

/** One response of the server, with the bytes written for it on the socket. */
export interface Served {
  method: string;
  path: string;
  status: number;
  bytes: number;
  type: string;
}

export interface StaticServerOptions {
  /** The folder to serve (the build: dist). */
  dir: string;
  /** 4180 when not given; 0 for any free port. */
  port?: number;
  host?: string;
  /** false: ignore the folder's `_headers` file, as GitHub Pages does. */
  headers?: boolean;
  /** false: send text uncompressed. */
  gzip?: boolean;
  /** Serve the folder under this path, e.g. "/vaegan-playground/" (GitHub Pages' project sites). */
  prefix?: string;
}

export interface StaticServer {
  /** The app's address, with the prefix. */
  url: string;
  rules: HeaderRule[];
  served: Served[];
  close(): Promise<void>;
}

export declare function parseHeadersFile(text: string): HeaderRule[];
export declare function headersFor(rules: HeaderRule[], pathname: string): Map<string, string>;
export declare function startStaticServer(options: StaticServerOptions): Promise<StaticServer>;
