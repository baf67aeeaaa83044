// The AWS Encryption SDK for JavaScript in browsers (@aws-crypto/client-browser), with a
// RawAesKeyringWebCrypto. Its encrypt and decrypt take and return one Uint8Array: the whole
// plaintext and the whole ciphertext are in memory at once (that is the API, not a harness choice).

import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  RawAesKeyringWebCrypto,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-browser';

export default async function setup({ variant }) {
  const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const wrappingSuite = RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING;
  const masterKey = await RawAesKeyringWebCrypto.importCryptoKey(crypto.getRandomValues(new Uint8Array(32)), wrappingSuite);
  const keyring = new RawAesKeyringWebCrypto({ keyNamespace: 'bench', keyName: 'k1', wrappingSuite, masterKey });
  const encryptionContext = { purpose: 'bench' };
  // 'default': no options, as a developer would call it (suite 0x0578, 4096-byte frames in 4.2.2).
  // 'fastest': 0x0478 (no signature) with 64 KiB frames.
  const options =
    variant === 'fastest'
      ? { encryptionContext, suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY, frameLength: 65536 }
      : { encryptionContext };
  let header;
  return {
    kind: 'buffer',
    config:
      variant === 'fastest'
        ? { suite: '0x0478', frameLength: 65536 }
        : { suite: 'default', frameLength: 'default' },
    async encrypt(plaintext) {
      const { result, messageHeader } = await encrypt(keyring, plaintext, options);
      header = messageHeader;
      return result;
    },
    async decrypt(ciphertext) {
      const { plaintext } = await decrypt(keyring, ciphertext);
      return plaintext;
    },
    describe: () => header && { suite: `0x${header.suiteId.toString(16).padStart(4, '0')}`, frameLength: header.frameLength },
  };
}
