// A worker of the 'workers' engine (worker-pool.js). In browsers it seals and opens the frames it
// is sent with WebCrypto (aead.js), under the keys its pool posted to it by id; it hashes signed
// messages with node:crypto in Node and with the core's own SHA-384 (the WebAssembly module,
// posted to it compiled) in browsers. It knows nothing of the message format: each job names the
// key, the IV and the AAD the core computed, and carries one frame or the bytes to hash.
//
//   { op: 'key', id, key }    keep a key (a CryptoKey or a KeyObject)
//   { op: 'drop', id }        forget it
//   { op: 'seal' | 'open', job, id, iv, aad, input, length }
//       -> { job, input, parts: Uint8Array[] } or { job, input, error }; `input` comes back for reuse
// and a signed message's running hash:
//   { op: 'wasm', module }                           (browsers) instantiate the core, once
//   { op: 'hash', id, algorithm }                    start it ('SHA-256' or 'SHA-384')
//   { op: 'update', job, id, input, length } -> { job, input }   add `length` bytes of `input`
//   { op: 'digest', job, id } -> { job, parts: [digest] }         finish and forget it

import { nodeCrypto, nodeHash, webCryptoAead } from './aead.js';
import { initSync, RunningHash } from './wasm/envseal.js';

const aead = webCryptoAead;
/** A running hash with `update(bytes)` and `digest() -> Uint8Array`: node:crypto's in Node
 * (aead.js), the core's elsewhere. */
function startHash(algorithm) {
  if (nodeCrypto()) return nodeHash(algorithm);
  const hash = new RunningHash(algorithm);
  return {
    update: (bytes) => hash.update(bytes),
    digest() {
      try {
        return hash.digest();
      } finally {
        hash.free();
      }
    },
  };
}

const port = globalThis.process?.getBuiltinModule?.('node:worker_threads')?.parentPort;
const reply = (message, transfer) => (port ?? globalThis).postMessage(message, transfer);
const keys = new Map();
const hashes = new Map();

async function handle(message) {
  const { op, id, job, iv, aad, input, length } = message;
  if (op === 'key') return void keys.set(id, message.key);
  if (op === 'drop') return void keys.delete(id);
  if (op === 'wasm') return void initSync({ module: message.module });
  if (op === 'hash') return void hashes.set(id, startHash(message.algorithm));
  if (op === 'update') {
    hashes.get(id).update(new Uint8Array(input, 0, length));
    return reply({ job, input }, [input]);
  }
  if (op === 'digest') {
    const digest = hashes.get(id).digest();
    hashes.delete(id);
    return reply({ job, parts: [digest] });
  }
  let parts;
  try {
    const key = keys.get(id);
    if (key === undefined) throw new Error(`no key ${id} in this worker`);
    const bytes = new Uint8Array(input, 0, length);
    parts = op === 'seal' ? await aead.seal(key, iv, aad, bytes) : [await aead.open(key, iv, aad, bytes)];
  } catch (error) {
    return reply({ job, input, error: String(error?.message ?? error) }, [input]);
  }
  const transfer = new Set([input]);
  for (const part of parts) transfer.add(part.buffer);
  reply({ job, input, parts }, [...transfer]);
}

if (port) port.on('message', handle);
else globalThis.addEventListener('message', (event) => handle(event.data));
