// @ts-check
// Page side of the service-worker endpoint: registers the demo key service worker and waits
// until it controls the page, so that the next fetch to the endpoint reaches it.

/** The BroadcastChannel on which service-worker.js posts each new audit entry. */
export const AUDIT_CHANNEL = 'envseal-demo-kms-audit';

/**
 * @typedef {object} RegisterOptions
 * @property {string} [path] endpoint path the worker answers; default `/demo-kms/`
 * @property {string} [database] IndexedDB database name; default `envseal-demo-kms`
 * @property {string} [region]
 * @property {string} [accountId]
 * @property {string} [scope] service worker scope; it must contain the pages that call the endpoint
 */

/**
 * Registers `scriptUrl` (a module service worker that runs `service-worker.js`) and resolves once
 * it controls this page. The options travel to the worker as query parameters of its URL.
 * @param {string | URL} scriptUrl
 * @param {RegisterOptions} [options]
 * @returns {Promise<ServiceWorkerRegistration>}
 */
export async function registerKmsServiceWorker(scriptUrl, options = {}) {
  const container = globalThis.navigator?.serviceWorker;
  if (!container) throw new TypeError('registerKmsServiceWorker: service workers are not available here (a secure context is required)');
  const url = new URL(scriptUrl, globalThis.location?.href);
  for (const name of /** @type {const} */ (['path', 'database', 'region', 'accountId'])) {
    const value = options[name];
    if (value !== undefined) url.searchParams.set(name, value);
  }
  const registration = await container.register(url, { type: 'module', ...(options.scope ? { scope: options.scope } : {}) });
  await container.ready;
  if (!container.controller) {
    await new Promise((resolve) => container.addEventListener('controllerchange', resolve, { once: true }));
  }
  return registration;
}
