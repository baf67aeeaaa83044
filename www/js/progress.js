// A job's progress: bar(s), bytes done, throughput and time remaining.
// The numbers live in a plain element (not a live region: a screen reader would read every
// update); the page announces the start and the end of a job instead.

import { formatBytes, formatDuration } from './dom.js';

/** Throughput over the last RATE_WINDOW_MS of samples. */
const RATE_WINDOW_MS = 2000;

export class ProgressView {
  /** @param {{ box: HTMLElement, bar: HTMLProgressElement, stats: HTMLElement, uploadBar?: HTMLProgressElement, uploadRow?: HTMLElement }} parts */
  constructor(parts) {
    this.parts = parts;
    this.samples = [];
  }

  start(total, { upload = false } = {}) {
    const { box, bar, stats, uploadBar, uploadRow } = this.parts;
    this.total = total;
    this.started = performance.now();
    this.samples = [{ t: this.started, bytes: 0 }];
    this.updates = 0;
    box.hidden = false;
    box.dataset.state = 'running';
    box.dataset.job = String(Number(box.dataset.job ?? 0) + 1); // lets tests tell one job from the next
    if (total) {
      bar.max = total;
      bar.value = 0;
    } else {
      bar.removeAttribute('value'); // indeterminate
    }
    if (uploadRow) uploadRow.hidden = !upload;
    if (uploadBar && upload) {
      uploadBar.max = total || 1;
      uploadBar.value = 0;
    }
    stats.textContent = 'Starting…';
  }

  /** @param {{ bytesIn: number, bytesOut: number, uploaded?: number, total?: number }} p */
  update(p) {
    const { box, bar, stats, uploadBar } = this.parts;
    const now = performance.now();
    this.updates++;
    box.dataset.updates = String(this.updates);
    const total = this.total ?? p.total;
    this.samples.push({ t: now, bytes: p.bytesIn });
    while (this.samples.length > 2 && now - this.samples[0].t > RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0];
    const rate = now > first.t ? ((p.bytesIn - first.bytes) / (now - first.t)) * 1000 : 0;
    if (total) bar.value = Math.min(p.bytesIn, total);
    if (uploadBar && p.uploaded !== undefined) uploadBar.value = p.uploaded;
    const parts = [total ? `${formatBytes(p.bytesIn)} of ${formatBytes(total)} (${Math.floor((p.bytesIn / total) * 100)}%)` : formatBytes(p.bytesIn)];
    if (rate > 0) parts.push(`${formatBytes(rate)}/s`);
    if (total && rate > 0 && p.bytesIn < total) parts.push(`about ${formatDuration((total - p.bytesIn) / rate)} left`);
    if (p.uploaded !== undefined) parts.push(`uploaded ${formatBytes(p.uploaded)}`);
    stats.textContent = parts.join(' · ');
  }

  /** Fills the bar and shows the average throughput of the whole job. */
  finish(bytes, ms, extra = '') {
    const { box, bar, stats, uploadBar } = this.parts;
    box.dataset.state = 'done';
    bar.max = Math.max(bytes, 1);
    bar.value = bar.max;
    if (uploadBar && !this.parts.uploadRow?.hidden) uploadBar.value = uploadBar.max;
    const seconds = ms / 1000;
    const rate = seconds > 0 ? ` · ${formatBytes(bytes / seconds)}/s` : '';
    stats.textContent = `${formatBytes(bytes)} in ${seconds.toFixed(seconds < 10 ? 2 : 1)} s${rate}${extra}`;
  }

  fail(text) {
    this.parts.box.dataset.state = 'failed';
    this.parts.stats.textContent = text;
  }
}
