// The envseal demo page. It uses only envseal's public npm API, served from ./pkg/: the crypto
// runs in module Workers (worker/crypto-worker.js) with `envseal`, and the demo key service
// (`envseal/demo-kms`) runs in this page (js/kms-client.js says why). No framework.

import { setupAuditPanel } from './js/audit-panel.js';
import { announce } from './js/dom.js';
import { setupEncryptPanel } from './js/encrypt-panel.js';
import { errorSummary } from './js/header-view.js';
import { setupKeyringPicker } from './js/keyring-picker.js';
import { refreshKeys, setupKeysPanel } from './js/keys-panel.js';
import { connectKeyService } from './js/kms-client.js';
import { refreshObjects, setupObjectsPanel } from './js/objects-panel.js';
import { setupRawKeys } from './js/raw-keys.js';

async function main() {
  announce('Starting the demo key service…');
  if (!globalThis.crypto?.subtle) {
    throw Object.assign(new Error('WebCrypto is missing: open the demo on http://127.0.0.1 or http://localhost (or https)'), { code: 'INSECURE_CONTEXT' });
  }
  const kms = await connectKeyService({
    onWaiting: () => announce('The demo key service is open in another tab of this browser: close that tab, and this one takes over.', 'error'),
  });
  setupKeysPanel(kms);
  setupRawKeys();
  setupKeyringPicker();
  setupEncryptPanel(kms, { onUploaded: (name) => refreshObjects(name) });
  setupObjectsPanel(kms);
  await setupAuditPanel(kms);
  await Promise.all([refreshKeys(), refreshObjects()]);
  document.body.dataset.ready = 'true';
  announce('Ready. Create or choose a key, then encrypt a file.');
}

main().catch((e) => {
  document.body.dataset.ready = 'failed';
  announce(`The demo could not start. ${errorSummary(e)}`, 'error');
});
