// Connects the page to the demo key service (envseal/demo-kms).
//
// Where it runs: in this page, with its keys (non-extractable CryptoKeys) in IndexedDB. Each
// crypto Worker gets a MessagePort: the Worker's keyrings are `new KmsKeyring({ keyId, transport })`
// whose transport posts KMS JSON requests (`GenerateDataKey`, `Decrypt`) to the page, which answers
// them with `service.request(...)`, exactly the JSON a real KMS would send back.
//
// Why not the service-worker endpoint (`new KmsKeyring({ keyId, endpoint })`)? A service worker
// that controls the page also controls its Workers, so every request of the crypto Worker,
// including each uploaded part of the ciphertext, is dispatched to it. Measured in Chromium 156:
// the service worker keeps those request bodies until its next garbage collection, which an idle
// worker rarely runs: a 1 GiB upload left ~1 GB in the browser process, and a second one failed
// once Blob storage was full. The Static Routing API (`InstallEvent.addRoutes`) bypasses it for
// the page's own requests but not for a dedicated Worker's. With the service in the page, the
// ciphertext never meets a service worker, and multi-gigabyte uploads stay in bounded memory.
//
// One tab at a time runs the service (two services on one IndexedDB database can lose updates):
// a second tab waits for the Web Lock the first one holds.

import { DemoKeyService, IndexedDbKeyStore } from '../pkg/demo-kms/index.js';

const DATABASE = 'envseal-demo-kms';
const LOCK = 'envseal-demo-kms';
/** User agents recorded in the audit log for the page's own calls. */
export const CONSOLE_AGENT = 'envseal demo key console';
export const WORKER_AGENT = 'envseal demo crypto worker';

/** A KMS error as the page shows it. */
function kmsError(e) {
  const type = e.__type ?? e.code ?? e.name ?? 'KMSInternalException';
  return Object.assign(new Error(e.message || type), { name: type, code: type, kmsType: type });
}

/** Holds the Web Lock for this tab's life; resolves once it is held. */
function holdLock(onWaiting) {
  if (!navigator.locks) return Promise.resolve();
  return new Promise((resolve) => {
    navigator.locks.request(LOCK, { ifAvailable: true }, (lock) => {
      if (lock) {
        resolve();
        return new Promise(() => {}); // held until the tab closes
      }
      onWaiting();
      navigator.locks.request(LOCK, () => {
        resolve();
        return new Promise(() => {});
      });
      return undefined;
    });
  });
}

/**
 * Starts the demo key service in this page: `{ call(operation, input), workerAccess(),
 * onAudit(fn), auditLog(), exportAuditLog() }`.
 * @param {{ onWaiting?: () => void }} [hooks] `onWaiting`: another tab runs the service; this one waits
 */
export async function connectKeyService({ onWaiting = () => {} } = {}) {
  await holdLock(onWaiting);
  const listeners = new Set();
  const service = new DemoKeyService({
    store: new IndexedDbKeyStore(DATABASE),
    onAudit: (entry) => listeners.forEach((fn) => fn(entry)),
  });

  /** Answers a crypto Worker's KMS requests (see worker/keyrings.js, portTransport). */
  const answer = (port) => {
    port.onmessage = async ({ data: { id, operation, input } }) => {
      try {
        port.postMessage({ id, ok: true, output: await service.request(operation, input, { userAgent: WORKER_AGENT }) });
      } catch (e) {
        port.postMessage({ id, ok: false, error: { name: e.name, code: e.code, __type: e.__type ?? e.code, message: e.message } });
      }
    };
  };

  return {
    async call(operation, input = {}) {
      try {
        return await service.request(operation, input, { userAgent: CONSOLE_AGENT });
      } catch (e) {
        throw kmsError(e);
      }
    },
    /** What a crypto Worker's job message needs to reach the service: `{ kms, transfer }`. */
    workerAccess() {
      const { port1, port2 } = new MessageChannel();
      answer(port1);
      return { kms: { mode: 'port' }, transfer: [port2] };
    },
    onAudit: (fn) => listeners.add(fn),
    auditLog: () => service.auditLog(),
    exportAuditLog: () => service.exportAuditLog(),
  };
}
