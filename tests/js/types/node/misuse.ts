// Mistakes the declarations of `envseal/node` must catch: each line below is a type error, and tsc
// fails if one is not (that is what @ts-expect-error checks).

import { RawAesKeyring } from 'envseal';
import { createDecryptStream, decryptFile, encryptFile } from 'envseal/node';

const keyring = new RawAesKeyring({ keyNamespace: 'app', keyName: 'k', wrappingKey: new Uint8Array(32) });
// @ts-expect-error paths are strings or URLs, not bytes
await encryptFile(keyring, new Uint8Array(4), 'out');
// @ts-expect-error the output path is required
await decryptFile(keyring, 'in');
// @ts-expect-error overwrite is a boolean
await encryptFile(keyring, 'in', 'out', { overwrite: 'yes' });
// @ts-expect-error decrypting takes no suite
await decryptFile(keyring, 'in', 'out', { suite: 0x0478 });
// @ts-expect-error encrypting takes no rejectSigned
await encryptFile(keyring, 'in', 'out', { rejectSigned: true });
// @ts-expect-error the header is a promise
createDecryptStream(keyring).header.suiteId;
