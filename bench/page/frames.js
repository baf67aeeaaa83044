// A TransformStream that cuts its input into records of `size` bytes and hands each, in order,
// to `seal(record, index, final)`; what `seal` returns (possibly a promise) is enqueued. The last
// record (shorter, possibly empty) is sealed with final = true on flush. One reusable buffer:
// `seal` must copy what it needs before it returns or awaits (WebCrypto and libsodium do).
// Records that arrive whole inside a chunk are passed as views, without a copy.

export function recordStream(size, seal, { emptyFinal = true, header } = {}) {
  const buffer = new Uint8Array(size);
  let filled = 0;
  let index = 0;
  return new TransformStream({
    start(controller) {
      if (header) controller.enqueue(header);
    },
    async transform(chunk, controller) {
      let src = chunk;
      while (src.length > 0) {
        if (filled === 0 && src.length > size) {
          // a whole record inside the chunk, and more after it: no copy
          controller.enqueue(await seal(src.subarray(0, size), index++, false));
          src = src.subarray(size);
          continue;
        }
        const n = Math.min(size - filled, src.length);
        buffer.set(src.subarray(0, n), filled);
        filled += n;
        src = src.subarray(n);
        if (filled === size && src.length > 0) {
          controller.enqueue(await seal(buffer, index++, false));
          filled = 0;
        }
      }
    },
    async flush(controller) {
      // A full buffer is held back until we know whether more input follows: it may be the last.
      if (filled > 0 || emptyFinal || index === 0) {
        controller.enqueue(await seal(buffer.subarray(0, filled), index++, true));
      }
    },
  });
}
