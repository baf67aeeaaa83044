// @ts-check
// A ready-made module service worker for the demo key service: it answers the KMS JSON protocol
// at a local path, with keys in IndexedDB, and broadcasts each audit entry on the
// BroadcastChannel `envseal-demo-kms-audit` for a live view in the page.
//
// Register it as a module worker whose scope covers the pages that call it (see
// registerKmsServiceWorker and docs/demo-kms.md). Settings come from the worker URL's query:
//   path       endpoint path or URL (default /demo-kms/)
//   database   IndexedDB database name (default envseal-demo-kms)
//   region, accountId   used in ARNs
//
// An application with its own service worker can instead import DemoKeyService and
// kmsFetchListener from ./index.js and add the listener itself.

/// <reference lib="webworker" />

import { kmsFetchListener } from './fetch.js';
import { IndexedDbKeyStore } from './indexeddb-store.js';
import { AUDIT_CHANNEL } from './register.js';
import { DemoKeyService } from './service.js';

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (globalThis));
const settings = new URL(sw.location.href).searchParams;
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(AUDIT_CHANNEL) : undefined;

export const service = new DemoKeyService({
  store: new IndexedDbKeyStore(settings.get('database') ?? undefined),
  region: settings.get('region') ?? undefined,
  accountId: settings.get('accountId') ?? undefined,
  onAudit: (entry) => channel?.postMessage(entry),
});

sw.addEventListener('install', () => {
  sw.skipWaiting();
});
sw.addEventListener('activate', (event) => {
  event.waitUntil(sw.clients.claim());
});
sw.addEventListener('fetch', kmsFetchListener(service, { path: settings.get('path') ?? '/demo-kms/' }));
