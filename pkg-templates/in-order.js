// Runs asynchronous jobs (WebCrypto calls) several at a time and delivers their results strictly
// in the order they were started. A job that fails stops delivery: no later result is delivered,
// and the failure is reported once.

export class InOrder {
  #limit;
  #running = 0;
  /** Resolves when every result started so far was delivered (or delivery stopped). */
  #tail = Promise.resolve();
  /** @type {(() => void)[]} */
  #waiting = [];
  /** @type {unknown} The first failure; set once. */
  failure = undefined;
  failed = false;
  #onFailure;

  /**
   * @param {number} limit jobs in flight at most
   * @param {(error: unknown) => void} onFailure called once, with the first failure
   */
  constructor(limit, onFailure) {
    this.#limit = limit;
    this.#onFailure = onFailure;
  }

  /** Resolves once fewer than `limit` jobs are in flight (at once if so). */
  async slot() {
    while (this.#running >= this.#limit && !this.failed) {
      await new Promise((resolve) => this.#waiting.push(resolve));
    }
  }

  /**
   * Starts tracking `job` (a promise already running): `deliver(result)` runs after every earlier
   * job's delivery, unless something failed. A rejected job, or a `deliver` that throws, fails
   * the whole sequence with `mapError(error)`.
   * @template T
   * @param {Promise<T>} job
   * @param {(result: T) => void} deliver
   * @param {(error: unknown) => unknown} [mapError]
   */
  add(job, deliver, mapError = (e) => e) {
    this.#running++;
    // Never an unhandled rejection, even if delivery stopped before this job is awaited.
    job.catch(() => {});
    this.#tail = this.#tail.then(async () => {
      try {
        if (this.failed) return;
        let result;
        try {
          result = await job;
        } catch (error) {
          this.fail(mapError(error));
          return;
        }
        if (this.failed) return;
        deliver(result);
      } catch (error) {
        this.fail(error);
      } finally {
        this.#running--;
        this.#wake();
      }
    });
  }

  /** Resolves when every job added so far was delivered, or delivery stopped. */
  drained() {
    return this.#tail;
  }

  /** Stops delivery; `onFailure` hears about the first failure only. */
  fail(error) {
    if (this.failed) return;
    this.failed = true;
    this.failure = error;
    this.#wake();
    this.#onFailure(error);
  }

  /** Stops delivery without reporting a failure (the stream ended for another reason). */
  stop() {
    this.failed = true;
    this.failure ??= new Error('delivery stopped');
    this.#wake();
  }

  #wake() {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }
}
