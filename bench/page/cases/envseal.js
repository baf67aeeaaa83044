// envseal through its documented streaming API:
//   readable.pipeThrough(encryptStream(keyring, { encryptionContext, suite, frameLength, engine }))
//   readable.pipeThrough(decryptStream(keyring, { encryptionContext, engine }))
// with a RawAesKeyring. 'envseal' resolves through the page's import map to the installed package.

import { NotAvailable } from '../not-available.js';

export default async function setup({ suite, engine, frameLength }) {
  const envseal = await import('envseal');
  await envseal.init();
  for (const name of ['encryptStream', 'decryptStream']) {
    if (typeof envseal[name] !== 'function') {
      throw new NotAvailable(`the built package (pkg/index.js) does not export ${name}`);
    }
  }
  const keyring = new envseal.RawAesKeyring({
    keyNamespace: 'bench',
    keyName: 'k1',
    wrappingKey: crypto.getRandomValues(new Uint8Array(32)),
  });
  const encryptionContext = { purpose: 'bench' };
  return {
    kind: 'stream',
    config: { suite: `0x${suite.toString(16).padStart(4, '0')}`, engine, frameLength },
    encrypt: (readable) =>
      readable.pipeThrough(envseal.encryptStream(keyring, { encryptionContext, suite, frameLength, engine })),
    decrypt: (readable) => readable.pipeThrough(envseal.decryptStream(keyring, { encryptionContext, engine })),
  };
}
