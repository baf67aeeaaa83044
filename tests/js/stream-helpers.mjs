// Helpers of the stream suites: sources that cut bytes into chosen chunk sizes, and sinks that
// keep what a stream delivered before it ended or failed.

/** Every stream engine: each suite runs its matrix over all of them ('workers' in Node: node:crypto
 * frames with a signed message's hash on a worker thread). */
export const ENGINES = ['node', 'webcrypto', 'wasm', 'workers'];

/**
 * A ReadableStream of `bytes` cut into chunks of `chunk` bytes (a number, or a function of the
 * chunk index returning the next size). Chunks are fresh copies unless `views` is set.
 */
export function sourceOf(bytes, chunk, { views = false } = {}) {
  let offset = 0;
  let index = 0;
  return new ReadableStream(
    {
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        const size = Math.max(1, typeof chunk === 'function' ? chunk(index++) : chunk);
        const piece = bytes.subarray(offset, offset + size);
        offset += piece.length;
        controller.enqueue(views ? piece : piece.slice());
      },
    },
    { highWaterMark: 0 },
  );
}

/** Concatenates byte arrays. */
export function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Reads `readable` to its end: `{ bytes, chunks, error }` (error: what it failed with, if it did). */
export async function drain(readable) {
  const chunks = [];
  let error;
  const reader = readable.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch (e) {
    error = e;
  }
  return { bytes: concat(chunks), chunks, error };
}

/** `bytes` through `transform` in `chunk`-byte chunks; rejects if the stream fails. */
export async function through(bytes, chunk, transform) {
  const { bytes: out, error } = await drain(sourceOf(bytes, chunk).pipeThrough(transform));
  if (error) throw error;
  return out;
}

/** A deterministic pseudo-random generator of chunk sizes in [1, max]. */
export function randomSizes(seed, max) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return 1 + ((x >>> 0) % max);
  };
}
