// Where a stream's output goes, as WritableStreams with bounded memory: the demo server's
// upload endpoint (in parts), a Blob (kept by the browser, on disk when large), a file the user
// chose (File System Access), or nowhere (verify only). `fanOut` writes to several at once,
// waiting for the slowest, so backpressure reaches the encryptor and memory stays bounded
// (ReadableStream.tee would buffer without limit behind the slower branch).

const MiB = 1024 * 1024;
/** Bytes per upload request: Chromium streams a request body only over HTTP/2, so over
 * HTTP/1.1 the ciphertext goes up in parts the server appends. One part fills while the
 * previous one is in flight: at most about two parts are held. */
export const UPLOAD_PART = 8 * MiB;
/** Bytes gathered before they are added to a Blob (fewer, larger Blob parts). */
const BLOB_BATCH = 8 * MiB;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function responseError(response, what) {
  let detail = '';
  try {
    detail = (await response.json()).error ?? '';
  } catch {
    // not JSON
  }
  const error = new Error(`${what}: the server answered ${response.status}${detail ? `: ${detail}` : ''}`);
  error.code = 'UPLOAD_FAILED';
  return error;
}

/**
 * Uploads what is written to `${apiBase}${name}` in parts (POST ?offset=N, the last with &final=1).
 * Each part is sent as a Blob: Chromium uploads a Blob body over ten times faster than an
 * ArrayBuffer one (measured here: ~370 vs ~15 MiB/s for 8 MiB parts on 127.0.0.1).
 * `limit` (bytes per second, optional) paces the writes to simulate a slower network.
 * @param {{ apiBase: string, name: string, limit?: number, onUploaded?: (bytes: number) => void }} options
 */
export function uploadSink({ apiBase, name, limit, onUploaded }) {
  const url = new URL(encodeURIComponent(name), apiBase);
  let chunks = [];
  let pending = 0; // bytes in `chunks`
  let sent = 0; // bytes the server has acknowledged
  let written = 0; // bytes written to this sink
  let started = 0;
  /** @type {Promise<void> | null} */
  let inFlight = null;

  const send = async (part, final) => {
    const target = new URL(url);
    target.searchParams.set('offset', String(sent));
    if (final) target.searchParams.set('final', '1');
    const response = await fetch(target, {
      method: 'POST',
      // The demo server refuses writes without this header (a cross-site page cannot send it).
      headers: { 'content-type': 'application/octet-stream', 'x-envseal-demo': '1' },
      body: part,
    });
    if (!response.ok) throw await responseError(response, `uploading ${name}`);
    await response.body?.cancel();
    sent += part.size;
    onUploaded?.(sent);
  };
  const takePart = () => {
    const part = new Blob(chunks);
    chunks = [];
    pending = 0;
    return part;
  };

  return new WritableStream({
    start() {
      started = performance.now();
    },
    async write(chunk) {
      chunks.push(chunk);
      pending += chunk.length;
      written += chunk.length;
      if (pending >= UPLOAD_PART) {
        await inFlight; // one part in flight while the next one fills
        inFlight = send(takePart(), false);
        inFlight.catch(() => {}); // awaited later; never an unhandled rejection meanwhile
      }
      if (limit) {
        const wait = started + (written / limit) * 1000 - performance.now();
        if (wait > 0) await sleep(wait);
      }
    },
    async close() {
      await inFlight;
      await send(takePart(), true);
    },
  });
}

/** Collects what is written into a Blob: `result()` after the stream closed. */
export function blobSink(type = 'application/octet-stream') {
  let blob = new Blob([], { type });
  let batch = [];
  let batched = 0;
  const flush = () => {
    if (batch.length === 0) return;
    blob = new Blob([blob, ...batch], { type });
    batch = [];
    batched = 0;
  };
  const stream = new WritableStream({
    write(chunk) {
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= BLOB_BATCH) flush();
    },
    close: flush,
    abort() {
      batch = [];
      blob = null;
    },
  });
  return { stream, result: () => blob };
}

/** Writes to a file the user picked (a FileSystemFileHandle from showSaveFilePicker). The browser
 * writes to a temporary file and replaces the target only when the stream closes, so an
 * aborted stream (a failed decryption) leaves no partial file behind. */
export async function fileSink(handle) {
  if (typeof handle.createWritable !== 'function') {
    throw new Error('this browser cannot write the chosen file from a Worker');
  }
  return handle.createWritable();
}

/** Discards everything (decrypt to verify only). */
export function discardSink() {
  return new WritableStream({ write() {} });
}

/** One WritableStream that writes each chunk to every sink, waiting for all of them. */
export function fanOut(streams) {
  if (streams.length === 1) return streams[0];
  const writers = streams.map((s) => s.getWriter());
  const all = (step) => Promise.all(writers.map(step));
  return new WritableStream({
    write: (chunk) => all(async (w) => {
      await w.ready;
      await w.write(chunk);
    }),
    close: () => all((w) => w.close()),
    abort: (reason) => all((w) => w.abort(reason).catch(() => {})),
  });
}
