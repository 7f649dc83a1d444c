// The console's entry module: signing in and out, the conversion choices,
// and files from a drop or the file picker.

import { Api } from './api.js';
import { upload } from './upload.js';
import { JobList, describe } from './jobs.js';

/** The key lives for this tab's session only; preferences are remembered. */
const KEY = 'ocrloom.key';
const PREFS = 'ocrloom.prefs';

const $ = (id) => document.getElementById(id);
const limits = {
  file: Number(document.body.dataset.maxFileSize),
  chunk: Number(document.body.dataset.maxChunkSize),
};

let api = null;
let jobs = null;
let engines = [];
/** Files go up one after the other, each job created when its file is up. */
let queue = Promise.resolve();

function megabytes(bytes) {
  return `${Math.round(bytes / 1e5) / 10} MB`;
}

function loadPrefs() {
  try {
    return JSON.parse(localStorage.getItem(PREFS)) || {};
  } catch {
    return {};
  }
}

function savePrefs() {
  localStorage.setItem(PREFS, JSON.stringify(choices()));
}

/** The engine, languages and output format chosen now. */
function choices() {
  const languages = [...document.querySelectorAll('#languages input:checked')].map((i) => i.value);
  return { engine: $('engine').value, format: $('format').value, languages };
}

function option(value, label) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  return o;
}

/** Fills the format and language choices for the selected engine. */
function showEngine(prefs) {
  const engine = engines.find((e) => e.id === $('engine').value) || engines[0];
  $('engine-description').textContent = engine.description;
  const formats = [...new Set(engine.supported_conversions.map((c) => c.to))];
  $('format').replaceChildren(...formats.map((f) => option(f, f)));
  $('format').value = formats.includes(prefs.format) ? prefs.format
    : formats.includes('pdf') ? 'pdf' : formats[0];
  const codes = engine.supported_languages.map((l) => l.code);
  let chosen = (prefs.languages || []).filter((c) => codes.includes(c));
  if (!chosen.length) chosen = codes.includes('eng') ? ['eng'] : codes.slice(0, 1);
  $('languages').replaceChildren(...engine.supported_languages.map((l) => {
    const label = document.createElement('label');
    label.className = 'choice';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = l.code;
    box.checked = chosen.includes(l.code);
    label.append(box, ` ${l.display_name}`);
    return label;
  }));
}

async function loadEngines() {
  engines = (await api.engines()).data;
  const prefs = loadPrefs();
  $('engine').replaceChildren(...engines.map((e) => option(e.id, e.display_name)));
  if (engines.some((e) => e.id === prefs.engine)) $('engine').value = prefs.engine;
  if (engines.length) showEngine(prefs);
  else $('engine-description').textContent = 'The server offers no engine.';
}

function showBanner(error) {
  $('banner').hidden = !error;
  $('banner').textContent = error
    ? `${describe(error)} Trying again…`
    : '';
}

function showSignIn(message) {
  $('app').hidden = true;
  $('signout').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message || '';
  $('signin-error').hidden = !message;
  $('key').value = '';
  $('key').focus();
}

function signOut(message) {
  sessionStorage.removeItem(KEY);
  if (jobs) jobs.stop();
  jobs = null;
  api = null;
  queue = Promise.resolve();
  showBanner(null);
  showSignIn(message);
}

/** Checks `key` with a call that needs it; opens the console if it works. */
async function signIn(key) {
  const candidate = new Api(key);
  $('signin-submit').disabled = true;
  try {
    await candidate.jobs();
  } catch (e) {
    sessionStorage.removeItem(KEY);
    showSignIn(e.status === 401
      ? 'This key was not accepted. Check it and try again.'
      : e.code === 'unreachable'
        ? 'The server cannot be reached. Is ocrloom serve still running?'
        : describe(e));
    return;
  } finally {
    $('signin-submit').disabled = false;
  }
  sessionStorage.setItem(KEY, key);
  api = candidate;
  $('signin').hidden = true;
  $('app').hidden = false;
  $('signout').hidden = false;
  jobs = new JobList({
    api,
    list: $('jobs'),
    empty: $('empty'),
    announce: $('announce'),
    languages: () => choices().languages,
    onUnauthorized: () => signOut('Your key is no longer accepted. Sign in again.'),
    onReachability: showBanner,
  });
  jobs.start();
  try {
    await loadEngines();
  } catch (e) {
    showBanner(e);
  }
  $('pick').focus();
}

/** Uploads `file` and creates its job with the current choices. */
async function convert(file, list, client) {
  const entry = list.addUpload(file.name);
  if (file.size > limits.file) {
    list.fail(entry, {
      code: 'file_too_large',
      message: `It has ${megabytes(file.size)}; the server takes up to ${megabytes(limits.file)}.`,
    });
    return;
  }
  const { engine, format, languages } = choices();
  const { signal } = list;
  try {
    const info = await upload(client, file, limits.chunk, (sent, total) => list.progress(entry, sent, total), signal);
    await client.createJob({ engine, file_id: info.file_id, languages, output_format: format }, signal);
    list.remove(entry);
    list.wake();
  } catch (e) {
    if (signal.aborted) return;
    if (e.status === 401) {
      signOut('Your key is no longer accepted. Sign in again.');
      return;
    }
    list.fail(entry, e);
  }
}

function take(files) {
  if (!jobs || !engines.length) return;
  const [list, client] = [jobs, api];
  for (const file of files) {
    queue = queue.then(() => (jobs === list ? convert(file, list, client) : undefined));
  }
}

$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = $('key').value.trim();
  if (key) signIn(key);
});
$('signout').addEventListener('click', () => signOut(null));
$('engine').addEventListener('change', () => {
  showEngine(choices());
  savePrefs();
});
$('format').addEventListener('change', savePrefs);
$('languages').addEventListener('change', savePrefs);
$('pick').addEventListener('click', () => $('file').click());
$('file').addEventListener('change', () => {
  take([...$('file').files]);
  $('file').value = '';
});

const drop = $('drop');
// A file dropped beside the zone must not make the browser leave the page.
for (const type of ['dragover', 'drop']) {
  window.addEventListener(type, (event) => event.preventDefault());
}
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  event.dataTransfer.dropEffect = 'copy';
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  take([...event.dataTransfer.files]);
});

const saved = sessionStorage.getItem(KEY);
if (saved) signIn(saved);
else showSignIn(null);
