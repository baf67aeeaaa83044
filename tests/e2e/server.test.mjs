// The demo server (scripts/serve.mjs, scripts/demo-objects.mjs): the object store's upload,
// list, read, tamper and delete endpoints, refusal of names and paths that would leave the data
// or site directory, and the static files. Runs the server in this process on a free port with
// temporary directories.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { messageHeaderLength, objectName } from '../../scripts/demo-objects.mjs';
import { createDemoServer } from '../../scripts/serve.mjs';

let server;
let base;
let temp;
let dataDir;
let siteDir;

before(async () => {
  temp = await mkdtemp(join(tmpdir(), 'envseal-serve-'));
  dataDir = join(temp, 'data');
  siteDir = join(temp, 'site');
  await mkdir(join(siteDir, 'sub'), { recursive: true });
  await writeFile(join(siteDir, 'index.html'), '<!doctype html><title>site</title>');
  await writeFile(join(siteDir, 'sub', 'module.wasm'), new Uint8Array([0, 97, 115, 109]));
  await writeFile(join(temp, 'secret.txt'), 'outside the site');
  server = createDemoServer({ root: siteDir, dataDir });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(temp, { recursive: true, force: true });
});

/** A raw request (no URL normalization, unlike fetch), for traversal attempts. */
function raw(method, path, headers = method === 'GET' ? {} : WRITE) {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/`, { method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** What the demo page sends with every write. */
const WRITE = { 'x-envseal-demo': '1' };
const post = (path, body) => fetch(`${base}${path}`, { method: 'POST', body, headers: WRITE });
const list = async () => (await (await fetch(`${base}/api/objects`)).json()).objects;

/** A v2 message header like envseal writes (each EDK given as [id, info, wrapped key] lengths),
 * then `bodyLength` body bytes. */
function fakeMessage({ context = 0, edks = [[9, 5, 48]], bodyLength = 100 } = {}) {
  const u16 = (n) => [n >> 8, n & 0xff];
  const parts = [
    [0x02, 0x04, 0x78],
    randomBytes(32), // message id
    u16(context),
    randomBytes(context),
    u16(edks.length),
    ...edks.flatMap((lengths) => lengths.flatMap((n) => [u16(n), randomBytes(n)])),
    [0x02], // framed
    [0x00, 0x04, 0x00, 0x00], // frame length
    randomBytes(32 + 16), // commitment key, header auth tag
  ];
  const header = Buffer.concat(parts.map((p) => Buffer.from(p)));
  return { header, bytes: Buffer.concat([header, randomBytes(bodyLength)]) };
}

describe('object names', () => {
  test('accepts ordinary file names', () => {
    for (const name of ['a', 'photo.jpg.enc', 'My File (2).pdf.enc', 'données-été.enc', 'a_b-c+d,e@f']) {
      assert.equal(objectName(encodeURIComponent(name)), name);
    }
  });
  test('refuses separators, dot names, control characters and bad escapes', () => {
    for (const segment of ['', '.', '..', '.hidden', '..%2Fetc%2Fpasswd', '%2e%2e', 'a%2Fb', 'a%5Cb', 'a%00b', 'a%0Ab', 'trailing.', 'trailing%20', '%E0%A4%A', 'x'.repeat(201)]) {
      assert.equal(objectName(segment), null, segment);
    }
    assert.equal(objectName('x'.repeat(200)), 'x'.repeat(200));
  });
});

describe('message header length', () => {
  test('v2 headers, with and without context, several EDKs', () => {
    for (const options of [{}, { context: 40 }, { edks: [[7, 0, 103], [7, 20, 48], [12, 300, 512]] }]) {
      const { header, bytes } = fakeMessage(options);
      assert.equal(messageHeaderLength(bytes), header.length);
    }
  });
  test('v1 header', () => {
    const header = Buffer.concat([
      Buffer.from([0x01, 0x80, 0x01, 0x78]),
      randomBytes(16),
      Buffer.from([0x00, 0x00, 0x00, 0x01, 0x00, 0x02]),
      randomBytes(2),
      Buffer.from([0x00, 0x01, 0x41, 0x00, 0x03]),
      randomBytes(3),
      Buffer.from([0x02, 0, 0, 0, 0, 12, 0, 0, 16, 0]),
      randomBytes(12 + 16),
    ]);
    assert.equal(messageHeaderLength(Buffer.concat([header, randomBytes(50)])), header.length);
  });
  test('not a header, or a short one', () => {
    assert.equal(messageHeaderLength(Buffer.from('hello world, this is not a message')), null);
    const { header } = fakeMessage();
    assert.equal(messageHeaderLength(header.subarray(0, header.length - 1)), null);
    assert.equal(messageHeaderLength(new Uint8Array()), null);
  });
});

describe('object store endpoints', () => {
  test('an empty store lists nothing', async () => {
    assert.deepEqual(await list(), []);
  });

  test('a whole-body upload is stored, listed and read back', async () => {
    const body = randomBytes(100_000);
    const response = await post('/api/objects/whole.enc', body);
    assert.equal(response.status, 201);
    assert.deepEqual(await response.json(), { name: 'whole.enc', size: body.length, complete: true });
    const listed = (await list()).find((o) => o.name === 'whole.enc');
    assert.equal(listed.size, body.length);
    assert.ok(!Number.isNaN(Date.parse(listed.modified)));
    const read = await fetch(`${base}/api/objects/whole.enc`);
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('content-length'), String(body.length));
    assert.match(read.headers.get('content-disposition'), /attachment; filename\*=UTF-8''whole\.enc/);
    assert.ok(Buffer.from(await read.arrayBuffer()).equals(body));
    assert.ok((await readFile(join(dataDir, 'objects', 'whole.enc'))).equals(body));
  });

  test('parts are appended in order and appear only when final', async () => {
    const parts = [randomBytes(3000), randomBytes(5000), randomBytes(1)];
    let r = await post('/api/objects/parts%20(1).enc?offset=0', parts[0]);
    assert.deepEqual(await r.json(), { name: 'parts (1).enc', size: 3000, complete: false });
    assert.ok(!(await list()).some((o) => o.name === 'parts (1).enc'), 'unfinished uploads are not listed');
    // A part at the wrong offset is refused, with the size the upload has.
    r = await post('/api/objects/parts%20(1).enc?offset=2999', parts[1]);
    assert.equal(r.status, 409);
    assert.equal((await r.json()).size, 3000);
    r = await post('/api/objects/parts%20(1).enc?offset=3000', parts[1]);
    assert.deepEqual(await r.json(), { name: 'parts (1).enc', size: 8000, complete: false });
    r = await post('/api/objects/parts%20(1).enc?offset=8000&final=1', parts[2]);
    assert.equal(r.status, 201);
    assert.deepEqual(await r.json(), { name: 'parts (1).enc', size: 8001, complete: true });
    const read = Buffer.from(await (await fetch(`${base}/api/objects/parts%20(1).enc`)).arrayBuffer());
    assert.ok(read.equals(Buffer.concat(parts)));
    assert.deepEqual(await readdir(join(dataDir, '.uploads')), [], 'nothing left behind');
  });

  test('offset 0 starts an upload afresh', async () => {
    await post('/api/objects/restart.enc?offset=0', randomBytes(10));
    const fresh = randomBytes(4);
    await post('/api/objects/restart.enc?offset=0&final=1', fresh);
    const read = Buffer.from(await (await fetch(`${base}/api/objects/restart.enc`)).arrayBuffer());
    assert.ok(read.equals(fresh));
  });

  test('a bad offset is refused', async () => {
    for (const offset of ['-1', 'abc', '1e3', '01']) {
      const r = await post(`/api/objects/bad.enc?offset=${offset}`, 'x');
      assert.equal(r.status, 400, offset);
    }
  });

  test('the list is newest first', async () => {
    await post('/api/objects/older.enc', 'a');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await post('/api/objects/newer.enc', 'b');
    const names = (await list()).map((o) => o.name);
    assert.ok(names.indexOf('newer.enc') < names.indexOf('older.enc'));
  });

  test('tamper flips one byte in the middle of the body, past the header', async () => {
    const { header, bytes } = fakeMessage({ bodyLength: 1000 });
    await post('/api/objects/msg.enc', bytes);
    const r = await post('/api/objects/msg.enc/tamper');
    assert.equal(r.status, 200);
    const t = await r.json();
    assert.equal(t.headerLength, header.length);
    assert.equal(t.offset, header.length + 500);
    assert.equal(t.before, bytes[t.offset]);
    assert.equal(t.after, bytes[t.offset] ^ 1);
    const stored = await readFile(join(dataDir, 'objects', 'msg.enc'));
    const diff = [...stored].flatMap((b, i) => (b === bytes[i] ? [] : [i]));
    assert.deepEqual(diff, [t.offset]);
    // Tampering again restores it.
    await post('/api/objects/msg.enc/tamper');
    assert.ok((await readFile(join(dataDir, 'objects', 'msg.enc'))).equals(bytes));
  });

  test('tamper at an explicit offset, and its refusals', async () => {
    await post('/api/objects/small.enc', Buffer.from([1, 2, 3]));
    let r = await post('/api/objects/small.enc/tamper?offset=0');
    assert.equal((await r.json()).after, 0);
    r = await post('/api/objects/small.enc/tamper?offset=3');
    assert.equal(r.status, 400);
    r = await post('/api/objects/missing.enc/tamper');
    assert.equal(r.status, 404);
    r = await fetch(`${base}/api/objects/small.enc/tamper`);
    assert.equal(r.status, 405);
    // A header with nothing after it.
    const { header } = fakeMessage();
    await post('/api/objects/header-only.enc', header);
    r = await post('/api/objects/header-only.enc/tamper');
    assert.equal(r.status, 409);
  });

  test('delete removes an object; a missing one is 404', async () => {
    await post('/api/objects/gone.enc', 'x');
    assert.equal((await fetch(`${base}/api/objects/gone.enc`, { method: 'DELETE', headers: WRITE })).status, 204);
    assert.equal((await fetch(`${base}/api/objects/gone.enc`)).status, 404);
    assert.equal((await fetch(`${base}/api/objects/gone.enc`, { method: 'DELETE', headers: WRITE })).status, 404);
  });

  test('unknown actions and methods are refused', async () => {
    assert.equal((await post('/api/objects/x.enc/explode', '')).status, 400);
    assert.equal((await post('/api/objects', 'x')).status, 405);
    assert.equal((await fetch(`${base}/api/objects/x.enc`, { method: 'PATCH', body: 'x', headers: WRITE })).status, 405);
  });
});

describe('path traversal', () => {
  test('object names that would leave the data directory are refused', async () => {
    const before = await readdir(temp);
    for (const path of [
      '/api/objects/..%2Fescaped.enc',
      '/api/objects/..%2F..%2Fescaped.enc',
      '/api/objects/%2e%2e%2fescaped.enc',
      '/api/objects/..%5Cescaped.enc',
      '/api/objects/.uploads',
      '/api/objects/a%00.enc',
    ]) {
      const r = await raw('POST', path);
      assert.equal(r.status, 400, path);
      const get = await raw('GET', path);
      assert.equal(get.status, 400, path);
    }
    // Raw dot segments are resolved by the URL parser before routing: they never reach the
    // store (and then name no static file either).
    for (const path of ['/api/objects/../../secret.txt', '/api/objects/%2e%2e/%2e%2e/secret.txt', '/api/objects/%2E%2E']) {
      for (const method of ['GET', 'POST']) {
        const r = await raw(method, path);
        assert.ok(r.status >= 400, `${method} ${path}: ${r.status}`);
        assert.ok(!r.body.includes('outside the site'), path);
      }
    }
    assert.deepEqual(await readdir(temp), before, 'nothing was written outside the data directory');
    assert.deepEqual(await readdir(join(dataDir, '.uploads')), []);
  });

  test('static paths that would leave the site are refused', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2Fsecret.txt', '/..%5Csecret.txt', '/sub/..%2F..%2Fsecret.txt', '/%00']) {
      const r = await raw('GET', path);
      assert.ok(r.status === 403 || r.status === 404, `${path}: ${r.status}`);
      assert.ok(!r.body.includes('outside the site'), path);
    }
  });
});

describe('static files', () => {
  test('index.html for /, and the MIME types the demo needs', async () => {
    let r = await fetch(`${base}/`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    r = await fetch(`${base}/sub/module.wasm`);
    assert.equal(r.headers.get('content-type'), 'application/wasm');
    assert.equal((await fetch(`${base}/nothing.js`)).status, 404);
    assert.equal((await fetch(`${base}/index.html`, { method: 'POST', headers: WRITE })).status, 405);
  });

  test('--pkg serves another directory at /pkg/', async () => {
    const pkgDir = join(temp, 'pkgdir');
    await mkdir(pkgDir);
    await writeFile(join(pkgDir, 'index.js'), 'export const x = 1;');
    const other = createDemoServer({ root: siteDir, dataDir: join(temp, 'data2'), pkgDir });
    await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${other.address().port}`;
      const r = await fetch(`${url}/pkg/index.js`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type'), /^text\/javascript/);
      assert.equal(await r.text(), 'export const x = 1;');
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });
});

describe('what a page of another site or a rebound name can do', () => {
  test('a Host that is not this server (DNS rebinding) is refused, reads included', async () => {
    await post('/api/objects/kept.enc', fakeMessage());
    const port = server.address().port;
    for (const host of [`attacker.example:${port}`, `localhost.attacker.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1']) {
      for (const path of ['/api/objects', '/index.html', '/api/objects/kept.enc']) {
        const r = await raw('GET', path, { host });
        assert.equal(r.status, 421, `${host} ${path}`);
        assert.doesNotMatch(r.body, /kept\.enc|<title>/, 'nothing of the store or the site');
      }
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST:${port}`]) {
      assert.equal((await raw('GET', '/api/objects', { host })).status, 200, host);
    }
  });

  test('a request from another origin is refused; writes need the demo header', async () => {
    const before = await list();
    const origin = { origin: 'http://attacker.example' };
    assert.equal((await raw('GET', '/api/objects', origin)).status, 403);
    assert.equal((await raw('POST', '/api/objects/evil.enc', { ...origin, ...WRITE })).status, 403);
    assert.equal((await raw('DELETE', '/api/objects/kept.enc', { ...origin, ...WRITE })).status, 403);
    // A simple cross-site form post (no custom header possible) and a preflight: refused too.
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const r = await raw(method, '/api/objects/kept.enc', {});
      assert.equal(r.status, 403, method);
      assert.match(r.body, /x-envseal-demo: 1/);
    }
    assert.equal((await raw('POST', '/api/objects/kept.enc/tamper', {})).status, 403);
    assert.deepEqual(await list(), before, 'nothing was written, tampered with or deleted');
    // The page's own origin, with the header, may write.
    const own = { origin: base, ...WRITE };
    assert.equal((await raw('DELETE', '/api/objects/kept.enc', own)).status, 204);
  });

  test('uploads over the caps get 413 and leave nothing behind', async () => {
    const capped = createDemoServer({ root: siteDir, dataDir: join(temp, 'data-capped'), maxObjectBytes: 1000, maxStoreBytes: 2500 });
    await new Promise((resolve) => capped.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${capped.address().port}/api/objects`;
    const send = (name, body, query = '') => fetch(`${url}/${name}${query}`, { method: 'POST', body, headers: WRITE });
    const names = async () => (await (await fetch(url)).json()).objects.map((o) => `${o.name}:${o.size}`).sort();
    try {
      // Content-Length over the per-object cap: refused before reading.
      let r = await send('big.enc', new Uint8Array(1001));
      assert.equal(r.status, 413);
      assert.match((await r.json()).error, /cap: 1000 more bytes fit/);
      // A streamed body without a length, over the cap: read, dropped, 413.
      const chunks = () => new ReadableStream({
        start(c) {
          for (let i = 0; i < 3; i++) c.enqueue(new Uint8Array(400));
          c.close();
        },
      });
      r = await fetch(`${url}/streamed.enc`, { method: 'POST', body: chunks(), duplex: 'half', headers: WRITE });
      assert.equal(r.status, 413);
      assert.equal((await send('a.enc', new Uint8Array(1000))).status, 201);
      assert.equal((await send('b.enc', new Uint8Array(1000))).status, 201);
      // The store holds 2000 of its 2500 bytes: an upload in parts stops at the store's cap and is
      // cut back to what it held.
      assert.equal((await send('c.enc', new Uint8Array(300), '?offset=0')).status, 200);
      r = await send('c.enc', new Uint8Array(300), '?offset=300');
      assert.equal(r.status, 413);
      assert.match((await r.json()).error, /200 more bytes fit/);
      r = await send('c.enc', new Uint8Array(200), '?offset=300&final=1');
      assert.equal(r.status, 201, 'resumes from where it was cut back');
      assert.deepEqual(await names(), ['a.enc:1000', 'b.enc:1000', 'c.enc:500']);
      // Replacing an object counts its new size, not old + new.
      assert.equal((await send('a.enc', new Uint8Array(900))).status, 201);
      assert.deepEqual(await names(), ['a.enc:900', 'b.enc:1000', 'c.enc:500']);
      assert.deepEqual(await readdir(join(temp, 'data-capped', '.uploads')), [], 'no partial file left');
    } finally {
      capped.closeAllConnections();
      await new Promise((resolve) => capped.close(resolve));
    }
  });
});
