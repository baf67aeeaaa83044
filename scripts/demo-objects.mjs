// The demo server's object store: ciphertext uploaded by the demo page, kept as files on disk.
// Plain Node (no dependencies). Every body is streamed to or from disk, so memory stays small
// whatever the object's size. The server never sees a key or a plaintext: only what the page
// encrypted.
//
//   GET    /api/objects                    -> { objects: [{ name, size, modified }] }, newest first
//   GET    /api/objects/NAME               -> the stored bytes (HEAD too)
//   POST   /api/objects/NAME               -> stores the request body as NAME (replacing it)
//   POST   /api/objects/NAME?offset=N      -> appends the body to NAME's unfinished upload, which must
//                                             hold exactly N bytes (0 starts it afresh; else 409 with
//                                             { size }); &final=1 makes it the stored object NAME
//   DELETE /api/objects/NAME               -> removes NAME and any unfinished upload of it
//   POST   /api/objects/NAME/tamper        -> flips one byte of the stored body, past the message
//                                             header (?offset=N flips byte N instead)
//
// Chromium streams a fetch() request body only over HTTP/2, so a browser uploading a large file
// to this HTTP/1.1 server sends parts (?offset=) that are appended here: bounded memory on both
// sides. Unfinished uploads live in DATA/.uploads/ and never appear in the listing.
//
// Sizes are capped: an object holds at most maxObjectBytes (default 4 GiB) and all objects and
// unfinished uploads together at most maxStoreBytes (default 16 GiB). A body over either cap is
// answered 413 (at once when Content-Length says so, else when the cap is crossed) and leaves
// nothing behind: a whole upload's temporary file is removed, an append is cut back to its offset.
//
// NAME is one path segment: letters, digits, space and . _ - ( ) + , @ (neither first nor last:
// . or space), at most 200 characters. Anything else (a slash, a backslash, "..", an encoded separator, a
// control character) is refused with 400, so no request can reach outside DATA/objects/.

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const NAME = /^[\p{L}\p{N}_(),+@-](?:[\p{L}\p{N} ._(),+@-]{0,198}[\p{L}\p{N}_(),+@-])?$/u;
/** Bytes read from the start of an object to find where its message header ends. */
const HEADER_SCAN = 1024 * 1024;
const GiB = 1024 ** 3;
export const DEFAULT_MAX_OBJECT_BYTES = 4 * GiB;
export const DEFAULT_MAX_STORE_BYTES = 16 * GiB;

/** A pass-through of at most `limit` bytes: past it, the rest is read and dropped and `over` is set
 * (the body is drained rather than the socket reset, so the client reads a clear 413). */
function capped(limit) {
  let seen = 0;
  const t = new Transform({
    transform(chunk, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) t.over = true;
      done(null, t.over ? undefined : chunk);
    },
  });
  t.over = false;
  return t;
}

/** A stored object name from the URL segment, or null if it is not one. */
export function objectName(segment) {
  let name;
  try {
    name = decodeURIComponent(segment);
  } catch {
    return null;
  }
  return NAME.test(name) ? name : null;
}

/**
 * The length of an AWS Encryption SDK message header (v1 or v2, including its authentication
 * tag), or null if `bytes` does not start with a whole header. Only lengths are read; nothing is
 * verified (the decryptor does that).
 * @param {Uint8Array} bytes
 */
export function messageHeaderLength(bytes) {
  let at = 0;
  const need = (n) => {
    if (at + n > bytes.length) throw new RangeError('short');
  };
  const u8 = () => (need(1), bytes[at++]);
  const u16 = () => (need(2), (at += 2), (bytes[at - 2] << 8) | bytes[at - 1]);
  const skip = (n) => (need(n), (at += n));
  try {
    const version = u8();
    if (version === 2) {
      skip(2 + 32); // suite id, message id
    } else if (version === 1) {
      if (u8() !== 0x80) return null; // type: customer authenticated encrypted data
      skip(2 + 16);
    } else {
      return null;
    }
    skip(u16()); // encryption context (AAD)
    const edks = u16();
    if (edks === 0) return null;
    for (let i = 0; i < edks; i++) {
      skip(u16()); // provider id
      skip(u16()); // provider info
      skip(u16()); // encrypted data key
    }
    const contentType = u8();
    if (contentType !== 1 && contentType !== 2) return null;
    if (version === 2) {
      skip(4 + 32 + 16); // frame length, suite data (commitment key), header auth tag
    } else {
      skip(4); // reserved
      const ivLength = u8();
      skip(4 + ivLength + 16); // frame length, header auth IV and tag
    }
    return at;
  } catch {
    return null;
  }
}

function json(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}

function fail(res, status, message) {
  json(res, status, { error: message });
}

const exists = (path) => stat(path).then((s) => s, () => null);

/**
 * The object store's request handler: `handle(req, res, url)` answers `/api/objects` requests
 * and returns true, or returns false for any other path.
 * @param {string} dataDir
 * @param {{ maxObjectBytes?: number, maxStoreBytes?: number }} [caps]
 */
export function objectStore(dataDir, { maxObjectBytes = DEFAULT_MAX_OBJECT_BYTES, maxStoreBytes = DEFAULT_MAX_STORE_BYTES } = {}) {
  const objects = join(dataDir, 'objects');
  const uploads = join(dataDir, '.uploads');
  const ready = Promise.all([mkdir(objects, { recursive: true }), mkdir(uploads, { recursive: true })]);
  /** One operation at a time per name (appends must not interleave). */
  const locks = new Map();
  const locked = (name, step) => {
    const run = (locks.get(name) ?? Promise.resolve()).then(step, step);
    const tail = run.catch(() => {});
    locks.set(name, tail);
    tail.then(() => locks.get(name) === tail && locks.delete(name));
    return run;
  };

  async function list(res) {
    const out = [];
    for (const entry of await readdir(objects, { withFileTypes: true })) {
      if (!entry.isFile() || !objectName(encodeURIComponent(entry.name))) continue;
      const s = await exists(join(objects, entry.name));
      if (s) out.push({ name: entry.name, size: s.size, modified: s.mtime.toISOString() });
    }
    out.sort((a, b) => b.modified.localeCompare(a.modified) || a.name.localeCompare(b.name));
    json(res, 200, { objects: out });
  }

  async function read(req, res, name) {
    const path = join(objects, name);
    const s = await exists(path);
    if (!s?.isFile()) return fail(res, 404, `no object named ${JSON.stringify(name)}`);
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': s.size,
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') return res.end();
    await pipeline(createReadStream(path), res);
  }

  /** Bytes stored, objects and unfinished uploads, except those of `name`. */
  async function usedBesides(name) {
    let used = 0;
    for (const dir of [objects, uploads]) {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isFile() && entry.name !== name) used += (await exists(join(dir, entry.name)))?.size ?? 0;
      }
    }
    return used;
  }

  /** Answers 413 for a body over `limit`; the connection is closed rather than drained. */
  function tooLarge(req, res, name, limit) {
    req.resume();
    res.writeHead(413, { 'content-type': 'application/json', 'cache-control': 'no-store', connection: 'close' });
    res.end(JSON.stringify({ error: `${JSON.stringify(name)} would exceed the demo store's cap: ${limit} more bytes fit` }));
  }

  /** Streams the request body into `file` (opened with `flags`); false if it held more than `limit` bytes. */
  async function receive(req, file, flags, limit) {
    const cap = capped(limit);
    await pipeline(req, cap, createWriteStream(file, { flags }));
    return !cap.over;
  }

  async function write(req, res, name, query) {
    const offsetText = query.get('offset');
    const declared = req.headers['content-length'] === undefined ? 0 : Number(req.headers['content-length']);
    const room = Math.max(0, maxStoreBytes - (await usedBesides(name)));
    if (offsetText === null) {
      // The whole object in one request, streamed to a temporary file, then renamed into place.
      const limit = Math.min(maxObjectBytes, room);
      if (declared > limit) return tooLarge(req, res, name, limit);
      const temp = join(uploads, `${name}.${process.pid}.${Date.now()}.whole`);
      try {
        if (!(await receive(req, temp, 'w', limit))) {
          await rm(temp, { force: true });
          return tooLarge(req, res, name, limit);
        }
        await rename(temp, join(objects, name));
      } catch (e) {
        await rm(temp, { force: true });
        throw e;
      }
      const s = await stat(join(objects, name));
      return json(res, 201, { name, size: s.size, complete: true });
    }
    if (!/^(0|[1-9][0-9]{0,15})$/.test(offsetText)) return fail(res, 400, `offset must be a byte count, got ${JSON.stringify(offsetText)}`);
    const offset = Number(offsetText);
    const partial = join(uploads, name);
    const current = (await exists(partial))?.size ?? 0;
    if (offset !== 0 && offset !== current) {
      req.resume();
      return json(res, 409, { error: `the upload of ${JSON.stringify(name)} holds ${current} bytes, not ${offset}`, size: current });
    }
    // The object being replaced and this upload's earlier parts count once, against both caps.
    const limit = Math.max(0, Math.min(maxObjectBytes, room) - offset);
    if (declared > limit) return tooLarge(req, res, name, limit);
    if (!(await receive(req, partial, offset === 0 ? 'w' : 'a', limit))) {
      await truncate(partial, offset);
      return tooLarge(req, res, name, limit);
    }
    const size = (await stat(partial)).size;
    if (query.get('final') === '1') {
      await rename(partial, join(objects, name));
      return json(res, 201, { name, size, complete: true });
    }
    json(res, 200, { name, size, complete: false });
  }

  async function remove(res, name) {
    const found = await exists(join(objects, name));
    await rm(join(objects, name), { force: true });
    await rm(join(uploads, name), { force: true });
    if (!found) return fail(res, 404, `no object named ${JSON.stringify(name)}`);
    res.writeHead(204).end();
  }

  async function tamper(res, name, query) {
    const path = join(objects, name);
    const s = await exists(path);
    if (!s?.isFile()) return fail(res, 404, `no object named ${JSON.stringify(name)}`);
    const file = await open(path, 'r+');
    try {
      const head = new Uint8Array(Math.min(s.size, HEADER_SCAN));
      await file.read(head, 0, head.length, 0);
      const headerLength = messageHeaderLength(head);
      let offset;
      if (query.has('offset')) {
        offset = Number(query.get('offset'));
        if (!Number.isSafeInteger(offset) || offset < 0 || offset >= s.size) {
          return fail(res, 400, `offset must be 0 to ${s.size - 1}, got ${JSON.stringify(query.get('offset'))}`);
        }
      } else {
        const from = headerLength ?? 0;
        if (from >= s.size) return fail(res, 409, `${JSON.stringify(name)} has no bytes past its ${from}-byte header`);
        offset = from + Math.floor((s.size - from) / 2); // the middle of the body
      }
      const byte = new Uint8Array(1);
      await file.read(byte, 0, 1, offset);
      const before = byte[0];
      byte[0] ^= 0x01;
      await file.write(byte, 0, 1, offset);
      json(res, 200, { name, offset, headerLength, before, after: byte[0] });
    } finally {
      await file.close();
    }
  }

  /** Routes one /api/objects request (the name is already checked). */
  async function route(req, res, url, segments) {
    const method = req.method;
    if (segments.length === 0) {
      if (method !== 'GET' && method !== 'HEAD') return fail(res, 405, 'use GET');
      return list(res);
    }
    const name = objectName(segments[0]);
    const action = segments.slice(1).join('/');
    if (!name || (action !== '' && action !== 'tamper')) {
      req.resume();
      return fail(res, 400, `not an object name: ${JSON.stringify(segments.join('/'))} ` +
        '(one path segment of letters, digits, space and . _ - ( ) + , @)');
    }
    if (action === 'tamper') {
      if (method !== 'POST') return fail(res, 405, 'use POST');
      return locked(name, () => tamper(res, name, url.searchParams));
    }
    if (method === 'GET' || method === 'HEAD') return read(req, res, name);
    if (method === 'POST' || method === 'PUT') return locked(name, () => write(req, res, name, url.searchParams));
    if (method === 'DELETE') return locked(name, () => remove(res, name));
    return fail(res, 405, 'use GET, POST, PUT or DELETE');
  }

  return async function handle(req, res, url) {
    const path = url.pathname;
    if (path !== '/api/objects' && !path.startsWith('/api/objects/')) return false;
    // The raw segments after /api/objects: a percent-encoded slash stays inside its segment here
    // and is refused by objectName once decoded.
    const segments = path.slice('/api/objects/'.length).split('/').filter((s, i) => i > 0 || s !== '');
    try {
      await ready;
      await route(req, res, url, segments);
    } catch (e) {
      if (!res.headersSent) fail(res, 500, String(e?.message ?? e));
      else res.destroy();
    }
    return true;
  };
}
