// How many bytes decryptRange reads for a small range of a large message (docs/ranges.md).
// Not part of `make test`:
//   node tools/range-bytes.mjs [SIZE_MIB=1024] [RANGE_BYTES=1024]
// Encrypts SIZE_MIB of pseudo-random bytes (0x0478, 256 KiB frames) into a temporary file, then
// reads ranges of RANGE_BYTES at the start, the middle and the end through a { size, read } source
// over the file that counts the bytes it reads, and checks each range against the plaintext.
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createWriteStream } from 'node:fs';

import { init, decryptRange, RawAesKeyring } from 'envseal';
import { createEncryptStream } from 'envseal/node';

const size = Number(process.argv[2] ?? 1024) * 2 ** 20;
const rangeBytes = Number(process.argv[3] ?? 1024);
await init();
const keyring = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey: new Uint8Array(32).fill(4) });
const block = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);
const byteAt = (p) => block[p % block.length];
const path = join(tmpdir(), `envseal-range-${process.pid}.enc`);
async function* plaintext() {
  for (let at = 0; at < size; at += block.length) yield block.subarray(0, Math.min(block.length, size - at));
}
await pipeline(Readable.from(plaintext()), createEncryptStream(keyring), createWriteStream(path));
const file = await open(path);
try {
  const { size: messageSize } = await file.stat();
  console.log(`message: ${messageSize} bytes for ${size} bytes of plaintext`);
  for (const start of [0, Math.floor(size / 2), size - rangeBytes]) {
    let read = 0;
    let reads = 0;
    const source = {
      size: messageSize,
      async read(offset, length) {
        const bytes = new Uint8Array(length);
        const { bytesRead } = await file.read(bytes, 0, length, offset);
        read += bytesRead;
        reads += 1;
        return bytes.subarray(0, bytesRead);
      },
    };
    const { plaintext: got } = await decryptRange(keyring, source, { start, end: start + rangeBytes });
    if (!got.every((b, i) => b === byteAt(start + i))) throw new Error(`range at ${start} differs`);
    console.log(`range ${start}-${start + rangeBytes}: ${read} bytes read in ${reads} reads (${((100 * read) / messageSize).toFixed(4)}% of the message)`);
  }
} finally {
  await file.close();
  await rm(path);
}
