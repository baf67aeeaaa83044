// The demo's crypto Worker (a module Worker, one per job): streams a file through envseal's
// encryptStream or decryptStream off the page's thread, so a multi-gigabyte file neither freezes
// the page nor has to fit in memory.
//
// Job (posted once):
//   { op: 'encrypt', file: File, keyring, kms, encryptionContext, suite, frameLength,
//     upload?: { apiBase, name, limit? }, save?: 'blob' | FileSystemFileHandle }
//   { op: 'decrypt', source: { file: File } | { url: string, name: string }, keyring, kms,
//     encryptionContext?, save: 'blob' | 'discard' | FileSystemFileHandle }
// with `keyring` as in keyrings.js and `kms` = { mode: 'port' }: the message's first transferred
// port reaches the demo key service in the page.
// Messages back: { type: 'progress', bytesIn, bytesOut, uploaded?, total },
//   { type: 'header', header }, { type: 'done', ... }, { type: 'error', error }.

import { decryptStream, encryptStream, init } from '../pkg/index.js';
import { buildKeyring, portTransport } from './keyrings.js';
import { blobSink, discardSink, fanOut, fileSink, uploadSink } from './sinks.js';

const PROGRESS_EVERY_MS = 80;

/** A header as plain, displayable data (hex ids, provider info as text where it is text). */
function describeHeader(header) {
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const text = (bytes) => {
    try {
      const s = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      return /^[\x20-\x7e]*$/.test(s) ? s : null;
    } catch {
      return null;
    }
  };
  return {
    version: header.version,
    suiteId: header.suiteId,
    messageId: hex(header.messageId),
    encryptionContext: { ...header.encryptionContext },
    contentType: header.contentType,
    frameLength: header.frameLength,
    encryptedDataKeys: header.encryptedDataKeys.map((edk) => {
      // Raw AES provider info is the key name followed by tag length, IV length and IV (20 bytes).
      const info = edk.providerInfo;
      const asText = text(info) ?? (info.length > 20 ? text(info.subarray(0, info.length - 20)) : null);
      return {
        providerId: edk.providerId,
        providerInfo: asText ?? hex(info),
        providerInfoIsText: asText !== null,
        wrappedKeyBytes: edk.ciphertext.length,
      };
    }),
  };
}

/** An error as plain data, with its causes (a MultiKeyring's members, a KMS exception). */
export function describeError(error, depth = 0) {
  if (error === null || typeof error !== 'object') return { name: 'Error', message: String(error) };
  const out = {
    name: error.name ?? 'Error',
    code: error.code,
    kmsType: error.kmsType ?? error.__type,
    message: String(error.message ?? error),
  };
  if (depth < 4) {
    const causes = [];
    if (error.cause !== undefined) causes.push(error.cause);
    if (Array.isArray(error.errors)) causes.push(...error.errors);
    if (causes.length) out.causes = causes.map((c) => describeError(c, depth + 1));
  }
  return out;
}

/** Posts progress at most every PROGRESS_EVERY_MS, and always the last state when asked. */
function progressReporter(total, { upload = false } = {}) {
  const state = { bytesIn: 0, bytesOut: 0, uploaded: upload ? 0 : undefined, total };
  let last = 0;
  const post = (force) => {
    const now = performance.now();
    if (!force && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    postMessage({ type: 'progress', ...state });
  };
  return {
    onProgress: ({ bytesIn, bytesOut }) => {
      state.bytesIn = bytesIn;
      state.bytesOut = bytesOut;
      post(false);
    },
    onUploaded: (bytes) => {
      state.uploaded = bytes;
      post(false);
    },
    flush: () => post(true),
  };
}

function kmsAccess(job, port) {
  if (job.kms?.mode === 'port' && port) return { transport: portTransport(port) };
  throw new Error('the job does not say how to reach the key service');
}

async function saveTarget(save) {
  if (save === 'blob') return blobSink();
  if (save === 'discard') return { stream: discardSink(), result: () => null };
  if (save) return { stream: await fileSink(save), result: () => null, toFile: true };
  return null;
}

async function runEncrypt(job, port) {
  const started = performance.now();
  const progress = progressReporter(job.file.size, { upload: Boolean(job.upload) });
  const keyring = buildKeyring(job.keyring, kmsAccess(job, port));
  const transform = encryptStream(keyring, {
    encryptionContext: job.encryptionContext,
    suite: job.suite,
    frameLength: job.frameLength,
    onProgress: progress.onProgress,
  });
  transform.header.then((header) => postMessage({ type: 'header', header: describeHeader(header) }), () => {});
  const sinks = [];
  if (job.upload) sinks.push(uploadSink({ ...job.upload, onUploaded: progress.onUploaded }));
  const save = await saveTarget(job.save);
  if (save) sinks.push(save.stream);
  if (sinks.length === 0) sinks.push(discardSink());
  await job.file.stream().pipeThrough(transform).pipeTo(fanOut(sinks));
  progress.flush();
  const header = describeHeader(await transform.header);
  return {
    bytesIn: job.file.size,
    ms: performance.now() - started,
    header,
    uploaded: job.upload ? job.upload.name : null,
    blob: save?.result() ?? null,
    savedToFile: Boolean(save?.toFile),
  };
}

async function runDecrypt(job, port) {
  const started = performance.now();
  let source;
  let total;
  if (job.source.file) {
    source = job.source.file.stream();
    total = job.source.file.size;
  } else {
    const response = await fetch(job.source.url);
    if (!response.ok) {
      await response.body?.cancel();
      throw Object.assign(new Error(`could not read ${job.source.name}: the server answered ${response.status}`), { code: 'DOWNLOAD_FAILED' });
    }
    source = response.body;
    total = Number(response.headers.get('content-length')) || undefined;
  }
  const progress = progressReporter(total);
  const keyring = buildKeyring(job.keyring, kmsAccess(job, port));
  const transform = decryptStream(keyring, {
    ...(job.encryptionContext ? { encryptionContext: job.encryptionContext } : {}),
    onProgress: progress.onProgress,
  });
  transform.header.then((header) => postMessage({ type: 'header', header: describeHeader(header) }), () => {});
  const save = await saveTarget(job.save);
  await source.pipeThrough(transform).pipeTo(save.stream);
  progress.flush();
  return {
    bytesIn: total,
    ms: performance.now() - started,
    header: describeHeader(await transform.header),
    blob: save.result(),
    savedToFile: Boolean(save.toFile),
  };
}

self.onmessage = async ({ data: job, ports }) => {
  try {
    await init();
    const result = job.op === 'encrypt' ? await runEncrypt(job, ports[0]) : await runDecrypt(job, ports[0]);
    postMessage({ type: 'done', ...result });
  } catch (error) {
    postMessage({ type: 'error', error: describeError(error) });
  }
};
