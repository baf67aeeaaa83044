// Mistakes the declarations must catch: each line below is a type error, and tsc fails if one is
// not (that is what @ts-expect-error checks).

import { RawAesKeyring, decrypt, decryptRange, decryptStream, encrypt, encryptStream, init, rewrap, type ErrorCode } from 'envseal';
import { DemoKeyService } from 'envseal/demo-kms';

// (init's source is not checked here: it may be a WebAssembly.Module, an empty interface in
// TypeScript's lib, which every value but null and undefined satisfies.)
// @ts-expect-error init takes at most one argument
await init('/envseal_bg.wasm', {});
// @ts-expect-error the wrapping key is bytes, not a string
new RawAesKeyring({ keyNamespace: 'app', keyName: 'k', wrappingKey: 'secret' });
// @ts-expect-error keyName is required
new RawAesKeyring({ keyNamespace: 'app', wrappingKey: new Uint8Array(32) });
const keyring = new RawAesKeyring({ keyNamespace: 'app', keyName: 'k', wrappingKey: new Uint8Array(32) });
// @ts-expect-error strings are not bytes: encode them first
await encrypt(keyring, 'plaintext');
// @ts-expect-error context values are strings
await encrypt(keyring, new Uint8Array(1), { encryptionContext: { n: 1 } });
// @ts-expect-error not a keyring
await decrypt({}, new Uint8Array(1));
// @ts-expect-error no such commitment policy
await decrypt(keyring, new Uint8Array(1), { commitmentPolicy: 'ALLOW_EVERYTHING' });
// @ts-expect-error frameIvs is 'sequential' or 'unique'
await decrypt(keyring, new Uint8Array(1), { frameIvs: 'random' });
// @ts-expect-error no such engine
encryptStream(keyring, { engine: 'gpu' });
// @ts-expect-error only a stream given plaintextLength has ciphertextLength
void encryptStream(keyring, {}).ciphertextLength;
// @ts-expect-error rewrap takes two keyrings
void rewrap(keyring, new Uint8Array(1));
// @ts-expect-error a range needs its end
void decryptRange(keyring, new Blob([]), { start: 0 });
// @ts-expect-error no frameIvs for ranges (each frame's IV is checked alone)
void decryptRange(keyring, new Blob([]), { start: 0, end: 1, frameIvs: 'unique' });
// @ts-expect-error workers is a number of workers
decryptStream(keyring, { engine: 'workers', workers: '2' });
// @ts-expect-error rejectSigned is a decryptStream option
encryptStream(keyring, { rejectSigned: true });
// @ts-expect-error a stream's header is a promise
const frames: number = decryptStream(keyring).header.frameLength;
// @ts-expect-error no such error code
const code: ErrorCode = 'OOPS';
// @ts-expect-error keyName is read-only
keyring.keyName = 'other';
// @ts-expect-error Decrypt's CiphertextBlob is required
await new DemoKeyService().request('Decrypt', { KeyId: 'k' });

export const used = [frames, code];
