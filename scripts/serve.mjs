// The demo server: `node scripts/serve.mjs [DIR] [HOST] [PORT] [--data DATA] [--pkg PKG]`.
//   DIR    the static site (default www), with the MIME types the demo needs (application/wasm
//          for streaming compilation, text/javascript for module workers)
//   HOST   default 127.0.0.1 (a secure context: WebCrypto and service workers need it, or https)
//   PORT   default 8080; 0 picks a free port. The first line printed is `serving DIR on URL`.
//   DATA   where uploaded ciphertext is stored (default target/demo-data; $ENVSEAL_DEMO_DATA)
//   PKG    serve this directory at /pkg/ instead of DIR/pkg/ (e.g. the built package, pkg/)
// The object store API (/api/objects) is described in demo-objects.mjs. Plain Node, no
// dependencies. For local use only: there is no authentication. What stands in for it:
//   - Host must name this server (127.0.0.1, localhost, [::1] or HOST, with its port): a page of
//     another site whose name was rebound to 127.0.0.1 (DNS rebinding) is refused;
//   - a request carrying Origin must come from this server's own origin;
//   - a write (anything but GET/HEAD) must carry the header `x-envseal-demo: 1`: a custom header
//     makes a cross-site request non-simple, and its CORS preflight is never approved here;
//   - uploads are capped (per object and in total; demo-objects.mjs).

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { objectStore } from './demo-objects.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/** The file under `base` that a URL path names, or null if it would leave `base`. */
function inside(base, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const path = normalize(join(base, decoded));
  return path === base || path.startsWith(base + sep) ? path : null;
}

/** The header every write must carry (see the top of this file). */
export const WRITE_HEADER = 'x-envseal-demo';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Why a request is refused before it is routed (a status and a message), or null if it may go on.
 * @param {import('node:http').IncomingMessage} req
 * @param {string} listenHost the host the server was asked to listen on
 * @param {number} port the port it listens on
 */
export function refusal(req, listenHost, port) {
  const host = req.headers.host ?? '';
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\[\]]+):([0-9]{1,5})$/.exec(host);
  const names = new Set(LOOPBACK_NAMES);
  if (listenHost) names.add(listenHost.includes(':') ? `[${listenHost}]` : listenHost);
  if (!match || !names.has(match[1].toLowerCase()) || Number(match[2]) !== port) {
    return [421, `this server answers to 127.0.0.1:${port}, not to Host ${JSON.stringify(host)}`];
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    return [403, `cross-origin request from ${JSON.stringify(origin)} refused`];
  }
  if (req.method !== 'GET' && req.method !== 'HEAD' && req.headers[WRITE_HEADER] !== '1') {
    return [403, `${req.method} needs the header ${WRITE_HEADER}: 1`];
  }
  return null;
}

/**
 * The demo server (not yet listening).
 * @param {{ root: string, dataDir: string, pkgDir?: string, host?: string,
 *           maxObjectBytes?: number, maxStoreBytes?: number }} options
 *   `host`: the name it listens on, accepted in Host besides the loopback names; the caps as in
 *   demo-objects.mjs.
 */
export function createDemoServer({ root, dataDir, pkgDir, host, maxObjectBytes, maxStoreBytes }) {
  root = resolve(root);
  const pkg = pkgDir ? resolve(pkgDir) : undefined;
  const objects = objectStore(resolve(dataDir), { maxObjectBytes, maxStoreBytes });

  async function serveFile(req, res, url) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let path =
      pkg && url.pathname.startsWith('/pkg/') ? inside(pkg, url.pathname.slice('/pkg'.length)) : inside(root, url.pathname);
    if (!path) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden');
      return;
    }
    let info = await stat(path).catch(() => null);
    if (info?.isDirectory()) {
      path = join(path, 'index.html');
      info = await stat(path).catch(() => null);
    }
    if (!info?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') return res.end();
    await pipeline(createReadStream(path), res);
  }

  const server = createServer(async (req, res) => {
    try {
      const refused = refusal(req, host, server.address()?.port);
      if (refused) {
        req.resume();
        res.writeHead(refused[0], { 'content-type': 'text/plain', connection: 'close' }).end(refused[1]);
        return;
      }
      const url = new URL(req.url, 'http://localhost');
      if (await objects(req, res, url)) return;
      await serveFile(req, res, url);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e?.message ?? e));
      else res.destroy();
    }
  });
  return server;
}

function parseArgs(argv) {
  const positional = [];
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--data' || arg === '--pkg') {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a directory`);
      flags[arg.slice(2)] = argv[++i];
    } else if (arg.startsWith('--')) {
      throw new Error(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  const [dir = 'www', host = '127.0.0.1', port = '8080'] = positional;
  const dataDir = flags.data ?? process.env.ENVSEAL_DEMO_DATA ?? join(repo, 'target', 'demo-data');
  return { dir, host, port: Number(port), dataDir, pkgDir: flags.pkg };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`serve.mjs: ${e.message}\nusage: node scripts/serve.mjs [DIR] [HOST] [PORT] [--data DIR] [--pkg DIR]`);
    process.exit(2);
  }
  const { dir, host, port, dataDir, pkgDir } = options;
  const server = createDemoServer({ root: dir, dataDir, pkgDir, host });
  server.listen(port, host, () => {
    const shown = host.includes(':') ? `[${host}]` : host;
    console.log(`serving ${resolve(dir)} on http://${shown}:${server.address().port}/`);
    console.log(`ciphertext uploads are stored in ${resolve(dataDir)}`);
  });
}
