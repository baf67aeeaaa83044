// Every export of `envseal/node`, used as a Node application would. Type-checked by types.test.mjs
// (tsc --strict); not run.

import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

import { RawAesKeyring, init, type MessageHeader } from 'envseal';
import { createDecryptStream, createEncryptStream, decryptFile, encryptFile, type FileResult, type MessageTransform } from 'envseal/node';

await init();
const keyring = new RawAesKeyring({ keyNamespace: 'app', keyName: 'k', wrappingKey: new Uint8Array(32) });

const written: FileResult = await encryptFile(keyring, 'report.pdf', new URL('file:///tmp/report.pdf.enc'), {
  encryptionContext: { file: 'report.pdf' },
  suite: 0x0578,
  frameLength: 65536,
  engine: 'node',
  onProgress: ({ bytesIn, bytesOut }) => console.log(bytesIn, bytesOut),
});
const header: MessageHeader = written.header;
const sizes: number = written.bytesRead + written.bytesWritten;
const read = await decryptFile(keyring, 'report.pdf.enc', 'report.pdf', {
  overwrite: true,
  encryptionContext: { file: 'report.pdf' },
  rejectSigned: false,
});
console.log(header.suiteId, sizes, read.header.frameLength);

const encrypting: MessageTransform = createEncryptStream(keyring, { frameLength: 4096 });
await pipeline(createReadStream('in'), encrypting, createWriteStream('in.enc'));
const decrypting = createDecryptStream(keyring, { maxEncryptedDataKeys: 1 });
await pipeline(createReadStream('in.enc'), decrypting, createWriteStream('out'));
const verified: MessageHeader = await decrypting.header;
console.log(verified.messageId, (await encrypting.header).frameLength);
