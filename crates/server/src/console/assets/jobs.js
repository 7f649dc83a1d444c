// The job list: the user's jobs (newest first) and the uploads still on
// their way, kept up to date by long polls on the oldest unfinished job.

import { buildPreview } from './preview.js';

/** Seconds a poll may be held: short, so the bar moves page by page. */
const WAIT = 1;
/** With no unfinished job, the list is read again this often (ms). */
const IDLE_MS = 30000;

/** What a failure code means, in words; the server's message follows it. */
const REASONS = {
  unsupported_format: 'This is not a PDF, TIFF, JPEG, PNG or BMP file.',
  unsupported_conversion: 'The engine cannot make this output format from this file.',
  unsupported_language: 'A chosen language is not installed on the server.',
  corrupt_input: 'The file is damaged or incomplete.',
  encrypted_pdf: 'The PDF is protected by a password.',
  limit_exceeded: 'The document is beyond the safety limits (pages, pixels or resolution).',
  ocr_failed: 'The text could not be recognised.',
  timeout: 'Reading took too long.',
  file_too_large: 'The file is too large.',
  quota_exceeded: 'Your storage or job quota is used up; try again later.',
  shutting_down: 'The server is shutting down; try again when it is back.',
  unavailable: 'The server cannot reach its database; try again in a moment.',
  unreachable: 'The server cannot be reached.',
  internal: 'The server failed; its log has the details.',
};

/** The words for an error `{code, message}`: the reason, then the detail. */
export function describe(error) {
  const reason = REASONS[error.code];
  if (!reason) return error.message || error.code;
  return error.message && error.message !== reason ? `${reason} ${error.message}` : reason;
}

const finished = (status) => status === 'completed' || status === 'failed';

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

/** Changes a button's words, keeping the entry's name in its accessible label. */
function label(button, text) {
  button.textContent = text;
  button.setAttribute('aria-label', `${text} ${button.dataset.target}`);
}

function element(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

export class JobList {
  /**
   * @param {object} o
   * @param {import('./api.js').Api} o.api
   * @param {HTMLOListElement} o.list where the entries go
   * @param {HTMLElement} o.empty shown when there is nothing to list
   * @param {HTMLElement} o.announce a polite live region for finished jobs
   * @param {() => string[]} o.languages the languages chosen now (for previews)
   * @param {() => void} o.onUnauthorized the key stopped working
   * @param {(error: ?Error) => void} o.onReachability null once the server answers again
   */
  constructor({ api, list, empty, announce, languages, onUnauthorized, onReachability }) {
    Object.assign(this, { api, list, empty, announce, languages, onUnauthorized, onReachability });
    this.jobs = [];
    this.names = new Map();
    this.local = [];
    this.items = new Map();
    this.seen = new Map();
    this.nextLocal = 0;
    this.controller = null;
    this.wakeUp = () => {};
  }

  start() {
    this.controller = new AbortController();
    this.loop(this.controller.signal);
  }

  stop() {
    if (this.controller) this.controller.abort();
    this.controller = null;
    this.jobs = [];
    this.local = [];
    this.names.clear();
    this.seen.clear();
    this.items.clear();
    this.list.replaceChildren();
  }

  /** Aborted when the list stops (sign-out): uploads under way stop too. */
  get signal() {
    return this.controller ? this.controller.signal : AbortSignal.abort();
  }

  /** Reads the list now (a job was just created). */
  wake() {
    this.wakeUp();
  }

  /** A file on its way: the entry to pass to `progress`, `fail` and `remove`. */
  addUpload(name) {
    const entry = { key: `upload-${this.nextLocal++}`, name, sent: 0, total: 0, error: null };
    this.local.unshift(entry);
    this.render();
    return entry;
  }

  progress(entry, sent, total) {
    Object.assign(entry, { sent, total });
    this.render();
  }

  fail(entry, error) {
    entry.error = error;
    this.render();
  }

  remove(entry) {
    this.local = this.local.filter((e) => e !== entry);
    this.render();
  }

  async loop(signal) {
    let delay = 1000;
    while (!signal.aborted) {
      try {
        await this.refresh(signal);
        this.onReachability(null);
        delay = 1000;
        const active = this.jobs.filter((j) => !finished(j.status)).pop();
        if (active) {
          await this.api.waitJob(active.job_id, WAIT, signal);
        } else {
          await new Promise((resolve) => {
            this.wakeUp = resolve;
            sleep(IDLE_MS, signal).then(resolve);
          });
        }
      } catch (e) {
        if (signal.aborted || e.name === 'AbortError') return;
        if (e.status === 401) {
          this.onUnauthorized();
          return;
        }
        this.onReachability(e);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 10000);
      }
    }
  }

  async refresh(signal) {
    const jobs = (await this.api.jobs(signal)).data;
    const unknown = jobs.some((j) => !this.names.has(j.file_id)
      || (j.output_file_id && !this.names.has(j.output_file_id)));
    if (unknown) {
      for (const f of (await this.api.files(signal)).data) this.names.set(f.file_id, f.filename);
    }
    if (signal.aborted) return;
    for (const j of jobs) {
      const before = this.seen.get(j.job_id);
      if (before && !finished(before) && finished(j.status)) {
        const name = this.names.get(j.file_id) || 'A file';
        this.announce.textContent = j.status === 'completed' ? `${name} is ready.` : `${name} failed.`;
      }
      this.seen.set(j.job_id, j.status);
    }
    this.jobs = jobs;
    this.render();
  }

  /** Updates the entries in place (a focused button keeps its focus). */
  render() {
    if (!this.controller) return;
    const wanted = [
      ...this.local.map((u) => [u.key, (li) => this.fillUpload(li, u)]),
      ...this.jobs.map((j) => [j.job_id, (li) => this.fillJob(li, j)]),
    ];
    const keys = new Set(wanted.map(([k]) => k));
    for (const [k, li] of this.items) {
      if (!keys.has(k)) {
        li.remove();
        this.items.delete(k);
      }
    }
    let previous = null;
    for (const [key, fill] of wanted) {
      let li = this.items.get(key);
      if (!li) {
        li = this.skeleton(key);
        this.items.set(key, li);
      }
      fill(li);
      const place = previous ? previous.nextSibling : this.list.firstChild;
      if (place !== li) this.list.insertBefore(li, place);
      previous = li;
    }
    this.empty.hidden = wanted.length > 0;
  }

  skeleton(key) {
    const li = element('li', 'entry');
    li.dataset.key = key;
    const head = element('div', 'entry-head');
    const name = element('span', 'entry-name');
    name.id = `name-${key}`;
    head.append(name, element('span', 'entry-status'));
    const bar = element('progress', 'entry-bar');
    bar.max = 100;
    bar.setAttribute('aria-labelledby', name.id);
    const actions = element('div', 'entry-actions');
    const preview = element('div', 'entry-preview');
    preview.hidden = true;
    li.append(head, bar, element('p', 'entry-error'), actions, preview);
    return li;
  }

  set(li, { name, status, state, value, error, buttons }) {
    li.dataset.status = state;
    li.querySelector('.entry-name').textContent = name;
    li.querySelector('.entry-status').textContent = status;
    const bar = li.querySelector('.entry-bar');
    bar.hidden = value === null;
    if (value !== null) bar.value = value;
    const err = li.querySelector('.entry-error');
    if (!li.dataset.actionError) {
      err.hidden = !error;
      err.textContent = error || '';
    }
    // The buttons are made again only when the set changes (focus stays).
    const actions = li.querySelector('.entry-actions');
    const wanted = buttons.map((b) => b.action).join(' ');
    if (actions.dataset.actions !== wanted) {
      actions.dataset.actions = wanted;
      actions.replaceChildren(...buttons.map((button) => {
        const b = element('button', `button ${button.action}`, button.label);
        b.type = 'button';
        b.dataset.target = button.target;
        label(b, button.label);
        b.addEventListener('click', () => button.run(b));
        return b;
      }));
    }
    actions.hidden = !buttons.length;
  }

  fillUpload(li, u) {
    li.dataset.jobId = '';
    const pct = u.total ? Math.floor((u.sent * 100) / u.total) : 0;
    this.set(li, {
      name: u.name,
      state: u.error ? 'upload-failed' : 'uploading',
      status: u.error ? 'Not sent' : `Uploading · ${pct} %`,
      value: u.error ? null : pct,
      error: u.error ? describe(u.error) : null,
      buttons: u.error
        ? [{ action: 'dismiss', label: 'Dismiss', target: u.name, run: () => this.remove(u) }]
        : [],
    });
  }

  fillJob(li, j) {
    li.dataset.jobId = j.job_id;
    const name = this.names.get(j.file_id) || `file ${j.file_id.slice(0, 8)}`;
    const pages = j.usage && j.usage.input_pages ? j.usage.input_pages : 0;
    const status = {
      queued: 'Queued',
      processing: `Reading · ${j.progress} %`,
      completed: pages === 1 ? 'Done · 1 page' : pages ? `Done · ${pages} pages` : 'Done',
      failed: 'Failed',
    }[j.status] || j.status;
    const output = j.output_file_id ? this.names.get(j.output_file_id) || name : name;
    this.set(li, {
      name,
      state: j.status,
      status,
      value: j.status === 'failed' ? null : j.progress,
      error: j.error ? describe(j.error) : null,
      buttons: j.status === 'completed'
        ? [
          { action: 'download', label: 'Download', target: output, run: (b) => this.download(li, j, b) },
          { action: 'preview', label: 'Preview', target: name, run: (b) => this.preview(li, j, b) },
        ]
        : [],
    });
  }

  /** Runs `work` for a button of `li`; its failure is shown in the entry. */
  async act(li, button, work) {
    button.disabled = true;
    const err = li.querySelector('.entry-error');
    err.hidden = true;
    delete li.dataset.actionError;
    try {
      await work();
    } catch (e) {
      if (e.status === 401) {
        this.onUnauthorized();
        return;
      }
      li.dataset.actionError = '1';
      err.textContent = e.status === 404 ? 'The file may have expired.' : describe(e);
      err.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  download(li, job, button) {
    return this.act(li, button, async () => {
      const { blob, filename } = await this.api.download(job.output_file_id);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = filename || this.names.get(job.output_file_id) || 'output';
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    });
  }

  /** Shows or hides the preview; it is built once, on first use. */
  preview(li, job, button) {
    const box = li.querySelector('.entry-preview');
    if (box.dataset.built) {
      box.hidden = !box.hidden;
      label(button, box.hidden ? 'Preview' : 'Hide preview');
      return Promise.resolve();
    }
    box.hidden = false;
    return this.act(li, button, async () => {
      try {
        await buildPreview(this.api, job, this.languages(), box);
        box.dataset.built = '1';
        label(button, 'Hide preview');
      } catch (e) {
        box.hidden = true;
        box.replaceChildren();
        throw e;
      }
    });
  }
}
