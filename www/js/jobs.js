// Runs one encrypt or decrypt job in a fresh module Worker (worker/crypto-worker.js) and reports
// its progress and header. Cancelling terminates the Worker: nothing half-done survives it.

const WORKER_URL = new URL('../worker/crypto-worker.js', import.meta.url);

/** Rebuilds an error the Worker described (name, code, kmsType, message, causes). */
function revive(described) {
  const error = new Error(described.message);
  Object.assign(error, described);
  return error;
}

/**
 * @param {object} job the job message (see crypto-worker.js)
 * @param {{ transfer?: Transferable[], onProgress?: Function, onHeader?: Function }} hooks
 * @returns {{ done: Promise<object>, cancel: () => void }}
 */
export function runJob(job, { transfer = [], onProgress, onHeader } = {}) {
  const worker = new Worker(WORKER_URL, { type: 'module', name: `envseal ${job.op}` });
  let settle;
  const done = new Promise((resolve, reject) => {
    settle = (error, value) => {
      worker.terminate();
      settle = () => {};
      error ? reject(error) : resolve(value);
    };
  });
  worker.onmessage = ({ data }) => {
    if (data.type === 'progress') onProgress?.(data);
    else if (data.type === 'header') onHeader?.(data.header);
    else if (data.type === 'done') settle(null, data);
    else if (data.type === 'error') settle(revive(data.error));
  };
  worker.onerror = (event) => {
    event.preventDefault();
    settle(Object.assign(new Error(`the crypto Worker failed: ${event.message || 'it could not load'}`), { code: 'WORKER_ERROR' }));
  };
  worker.onmessageerror = () => settle(Object.assign(new Error('a message from the crypto Worker could not be read'), { code: 'WORKER_ERROR' }));
  worker.postMessage(job, transfer);
  return {
    done,
    cancel: () => settle(Object.assign(new Error('cancelled'), { code: 'CANCELLED' })),
  };
}
