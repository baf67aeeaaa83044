// One panel's job on screen: its progress, the header, the error, the result link and the
// Cancel button, for a job started with runJob. Used by the encrypt and decrypt panels.

import { $, announce, clearLink } from './dom.js';
import { errorSummary, renderError, renderHeader } from './header-view.js';
import { runJob } from './jobs.js';
import { ProgressView } from './progress.js';

export class JobView {
  /** @param {string} prefix element id prefix: `enc` or `dec` */
  constructor(prefix, { start, cancel }) {
    this.prefix = prefix;
    this.startButtons = start;
    this.cancelButton = cancel;
    this.header = $(`${prefix}-header`);
    this.error = $(`${prefix}-error`);
    this.link = $(`${prefix}-download`);
    this.progress = new ProgressView({
      box: $(`${prefix}-progress-box`),
      bar: $(`${prefix}-progress`),
      stats: $(`${prefix}-stats`),
      uploadBar: document.getElementById(`${prefix}-upload-progress`) ?? undefined,
      uploadRow: document.getElementById(`${prefix}-upload-row`) ?? undefined,
    });
    this.running = null;
    cancel.addEventListener('click', () => this.running?.cancel());
  }

  get busy() {
    return this.running !== null;
  }

  /**
   * Runs `job` in a Worker and shows it. Resolves with the Worker's result, or null if it failed
   * (the error is shown).
   * @param {{ job: object, transfer?: Transferable[], total?: number, upload?: boolean,
   *   headerCaption: string, startText: string, failText: string }} run
   */
  async run({ job, transfer, total, upload = false, headerCaption, startText, failText }) {
    this.header.hidden = true;
    this.error.hidden = true;
    clearLink(this.link);
    this.progress.start(total, { upload });
    for (const b of this.startButtons) b.disabled = true;
    this.cancelButton.hidden = false;
    announce(startText);
    this.running = runJob(job, {
      transfer,
      onProgress: (p) => this.progress.update(p),
      onHeader: (header) => renderHeader(this.header, header, headerCaption),
    });
    try {
      const result = await this.running.done;
      renderHeader(this.header, result.header, headerCaption);
      return result;
    } catch (e) {
      const cancelled = e.code === 'CANCELLED';
      this.progress.fail(cancelled ? 'Cancelled.' : `Failed: ${e.code ?? e.name}`);
      if (!cancelled) renderError(this.error, e, failText);
      announce(cancelled ? 'Cancelled.' : `${failText} ${errorSummary(e)}`, cancelled ? 'info' : 'error');
      return null;
    } finally {
      this.running = null;
      for (const b of this.startButtons) b.disabled = false;
      this.cancelButton.hidden = true;
    }
  }
}
