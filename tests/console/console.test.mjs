// The web console of `ocrloom serve`, end to end in the system's headless
// Chromium: the real binary with the real OCR, a temporary data folder and
// keys file, and the page driven as a user would (typing the key, dropping
// files, clicking Download).
//
// Environment: OCRLOOM_BIN (default: $CARGO_TARGET_DIR or target, /debug/ocrloom),
// CHROMIUM (default /usr/bin/chromium), OCRLOOM_SCREENSHOTS (where the
// screenshots go; default: console-screenshots beside the binary; the README's
// copies are made with OCRLOOM_SCREENSHOTS=docs/console).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const targetDir = resolve(root, process.env.CARGO_TARGET_DIR || 'target');
const bin = process.env.OCRLOOM_BIN || join(targetDir, 'debug/ocrloom');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = resolve(root, process.env.OCRLOOM_SCREENSHOTS || join(targetDir, 'console-screenshots'));
const KEY = 'console-test-key-0123456789abcdefghij';
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 360, height: 780 };

/** Starts `ocrloom serve` on a free port; answers its base URL and process. */
async function startServer(dir) {
  const keys = join(dir, 'keys');
  writeFileSync(keys, `alice ${KEY}\n`, { mode: 0o600 });
  // One OCR thread: the pages of a job are read one after the other, so its
  // bar has values between 0 and 100 to show however fast the machine (with
  // two threads an idle machine read the 3 sample pages at once, 0 -> 100).
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--data-dir', join(dir, 'data'),
    '--keys-file', keys, '--jobs', '1'], {
    env: { ...process.env, OMP_THREAD_LIMIT: '1', OCRLOOM_LOG: 'info', NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const base = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${log}`)), 60000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = /listening addr=(\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        ok(`http://${m[1]}`);
      }
    });
    child.on('exit', (code) => fail(new Error(`server exited ${code}:\n${log}`)));
    child.on('error', (e) => { clearTimeout(timer); fail(e); });
  });
  return { base, child, log: () => log };
}

/** Puts `files` ([name, bytes, type]) on the drop zone as a real drop event. */
async function dropFiles(page, files) {
  const payload = files.map(([name, bytes, type]) => [name, bytes.toString('base64'), type]);
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const [name, b64, type] of list) {
      const raw = atob(b64);
      const bytes = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      dt.items.add(new File([bytes], name, { type }));
    }
    return dt;
  }, payload);
  await page.dispatchEvent('#drop', 'dragover', { dataTransfer: transfer });
  await page.dispatchEvent('#drop', 'drop', { dataTransfer: transfer });
}

/** Records every state of every entry of the list (50 ms samples). */
async function recordEntries(page) {
  await page.evaluate(() => {
    window.recorded = [];
    let last = '';
    setInterval(() => {
      const now = [...document.querySelectorAll('#jobs .entry')].map((li) => ({
        status: li.dataset.status,
        job: li.dataset.jobId,
        value: li.querySelector('progress').hidden ? null : li.querySelector('progress').value,
      }));
      const text = JSON.stringify(now);
      if (text !== last) window.recorded.push(now);
      last = text;
    }, 50);
  });
}

test('the console signs in, converts dropped files, downloads, and shows its error states', { timeout: 300000 }, async () => {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'ocrloom-console-'));
  mkdirSync(shots, { recursive: true });
  const server = await startServer(dir);
  const origin = new URL(server.base).origin;
  const browser = await chromium.launch({ executablePath: browserPath });
  try {
    const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    // Nothing may leave the server's origin: such requests are refused and listed.
    const foreign = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin || url.startsWith('blob:') || url.startsWith('data:')) {
        return route.continue();
      }
      foreign.push(url);
      return route.abort();
    });
    // CSP violations, reported by the page itself (this script is injected
    // by the browser's automation, not inline in the page).
    await context.addInitScript(() => {
      window.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.violations.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const page = await context.newPage();
    // Console errors, by phase: the wrong-key phase expects the browser's
    // own note about the 401 it received, nothing else.
    let phase = 'normal';
    const errors = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push({ phase, text: m.text() });
    });
    page.on('pageerror', (e) => errors.push({ phase, text: String(e) }));

    // ---- page and headers
    const response = await page.goto(server.base + '/');
    const headers = response.headers();
    assert.match(headers['content-security-policy'], /default-src 'self'/);
    assert.match(headers['content-security-policy'], /script-src 'self';/);
    assert.equal(headers['x-content-type-options'], 'nosniff');
    assert.equal(headers['content-type'], 'text/html; charset=utf-8');

    // ---- sign in with the keyboard only: the key field has the focus
    await page.waitForSelector('#key:focus');
    await page.keyboard.type(KEY);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#app:not([hidden])');
    await page.waitForSelector('#format option[value="pdf"]', { state: 'attached' });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('ocrloom.key')), KEY);
    assert.ok(await page.isVisible('#empty'), 'an empty list says so');
    await page.selectOption('#format', 'pdf');
    assert.deepEqual(
      await page.$$eval('#languages input:checked', (l) => l.map((i) => i.value)),
      ['eng'],
    );
    const auto = await page.$$eval('#languages input', (l) => l.map((i) => i.value));
    assert.ok(auto.includes('Auto'), `languages offered: ${auto}`);

    // ---- the sample scan (2.2 MB, 3 pages) by drag and drop: a chunked upload
    const scan = readFileSync(join(root, 'fixtures/sample/scan.pdf'));
    await recordEntries(page);
    await dropFiles(page, [['scan.pdf', scan, 'application/pdf']]);
    // The running screenshot once a page is read (or the job is done, if
    // that came first).
    await page.waitForFunction(() => {
      const bar = document.querySelector('.entry[data-status="processing"] progress');
      return (bar && bar.value > 0) || document.querySelector('.entry[data-status="completed"]');
    }, null, { timeout: 240000 });
    await page.screenshot({ path: join(shots, 'desktop-running.png'), fullPage: true });
    await page.waitForSelector('.entry[data-status="completed"]', { timeout: 240000 });
    await page.screenshot({ path: join(shots, 'desktop-done.png'), fullPage: true });
    const recorded = await page.evaluate(() => window.recorded);
    const uploads = recorded.flat().filter((e) => e.status === 'uploading').map((e) => e.value);
    const running = recorded.flat().filter((e) => e.status === 'processing').map((e) => e.value);
    assert.ok(uploads.some((v) => v > 0 && v < 100), `upload bar values: ${uploads}`);
    assert.ok(running.some((v) => v > 0 && v < 100), `job bar values: ${running}`);
    const done = recorded.flat().filter((e) => e.job).map((e) => e.value).filter((v) => v !== null);
    assert.deepEqual(done, [...done].sort((a, b) => a - b), 'the bar only grows');
    assert.equal(done.at(-1), 100);

    // ---- download with the keyboard: the PDF has a text layer
    const download = page.waitForEvent('download');
    await page.focus('.entry[data-status="completed"] button.download');
    await page.keyboard.press('Enter');
    const file = await download;
    assert.equal(file.suggestedFilename(), 'scan.pdf');
    const saved = join(dir, 'downloaded.pdf');
    await file.saveAs(saved);
    const text = execFileSync('pdftotext', [saved, '-'], { encoding: 'utf8' });
    const words = (s) => new Set(s.toLowerCase().match(/[a-z]{5,}/g));
    const truth = words(readFileSync(join(root, 'fixtures/sample/scan.gt.txt'), 'utf8'));
    const found = [...truth].filter((w) => words(text).has(w)).length;
    assert.ok(truth.size > 100, `ground truth words: ${truth.size}`);
    assert.ok(found / truth.size > 0.8, `text layer holds ${found} of ${truth.size} words`);

    // ---- a file above the server's limit is refused before any byte is sent
    const sentBefore = foreign.length;
    await page.evaluate(() => {
      const size = Number(document.body.dataset.maxFileSize) + 1;
      const dt = new DataTransfer();
      dt.items.add(new File([new ArrayBuffer(size)], 'huge.pdf', { type: 'application/pdf' }));
      document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForSelector('.entry[data-status="upload-failed"]');
    assert.match(await page.textContent('.entry[data-status="upload-failed"] .entry-error'), /too large/);
    await page.click('.entry[data-status="upload-failed"] button.dismiss');
    await page.waitForSelector('.entry[data-status="upload-failed"]', { state: 'detached' });
    assert.equal(foreign.length, sentBefore);

    // ---- sign out forgets the key; a wrong key shows the error state
    await page.click('#signout');
    await page.waitForSelector('#signin:not([hidden])');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('ocrloom.key')), null);
    assert.ok(!(await page.evaluate(() => JSON.stringify(localStorage))).includes(KEY));
    phase = 'wrong key';
    await page.fill('#key', 'not-a-key-of-this-server-0123456789');
    await page.click('#signin-submit');
    await page.waitForSelector('#signin-error:not([hidden])');
    assert.match(await page.textContent('#signin-error'), /not accepted/);
    await page.screenshot({ path: join(shots, 'desktop-wrong-key.png') });
    assert.ok(await page.isHidden('#app'));
    phase = 'normal';

    // ---- a batch of three files at phone width, output as text
    await page.setViewportSize(PHONE);
    await page.fill('#key', KEY);
    await page.click('#signin-submit');
    await page.waitForSelector('#app:not([hidden])');
    await page.waitForSelector('.entry[data-status="completed"]');
    // The output format was remembered; this batch asks for text.
    assert.equal(await page.inputValue('#format'), 'pdf');
    await page.selectOption('#format', 'txt');
    // Chosen with the file picker, from the keyboard.
    const fixture = (p) => readFileSync(join(root, 'fixtures/raster', p));
    const chooser = page.waitForEvent('filechooser');
    await page.focus('#pick');
    await page.keyboard.press('Enter');
    await (await chooser).setFiles(['same-page.png', 'same-page.tif', 'same-page.pdf']
      .map((f) => join(root, 'fixtures/raster', f)));
    await page.waitForFunction(() => document.querySelectorAll('.entry[data-job-id]:not([data-job-id=""])').length === 4);
    await page.screenshot({ path: join(shots, 'phone-running.png'), fullPage: true });
    await page.waitForFunction(() => document.querySelectorAll('.entry[data-status="completed"]').length === 4,
      null, { timeout: 240000 });
    await page.screenshot({ path: join(shots, 'phone-done.png'), fullPage: true });
    const names = await page.$$eval('.entry .entry-name', (l) => l.map((e) => e.textContent));
    assert.deepEqual(names, ['same-page.pdf', 'same-page.tif', 'same-page.png', 'scan.pdf'], 'newest first');
    // Nothing wider than the phone's screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= PHONE.width, `page is ${overflow} px wide at ${PHONE.width}`);

    // ---- a damaged PDF: the job fails, and the list says why in words
    await dropFiles(page, [['damaged.pdf', Buffer.from('%PDF-1.7\nnot a PDF after all\n'), 'application/pdf']]);
    const damaged = '.entry[data-status="failed"]';
    await page.waitForSelector(damaged, { timeout: 120000 });
    assert.equal(await page.textContent(`${damaged} .entry-name`), 'damaged.pdf');
    assert.match(await page.textContent(`${damaged} .entry-error`), /^The file is damaged or incomplete\. ./);

    // ---- the preview of the PNG: its image with a box per word
    await page.setViewportSize(DESKTOP);
    const png = '.entry:has(.entry-name:text-is("same-page.png"))';
    await page.click(`${png} button.preview`);
    await page.waitForSelector(`${png} .preview-image`, { timeout: 120000 });
    const boxes = await page.$$eval(`${png} .preview-word`, (l) => l.map((b) => b.dataset.text));
    assert.ok(boxes.length > 50, `${boxes.length} word boxes`);
    assert.ok(boxes.includes('quick') && boxes.includes('brown'), boxes.join(' '));
    assert.ok(await page.$eval(`${png} .preview-image`, (i) => i.complete && i.naturalWidth === 640));
    const word = `${png} .preview-word[data-text="quick"]`;
    await page.hover(word);
    assert.ok(await page.isVisible(`${png} .preview-tip`));
    assert.match(await page.textContent(`${png} .preview-tip`), /^“quick” · confidence \d+ %$/);
    await page.$eval(png, (e) => e.scrollIntoView());
    await page.screenshot({ path: join(shots, 'desktop-preview.png') });
    await page.click(`${png} button.preview`);
    assert.ok(await page.isHidden(`${png} .entry-preview`));

    // A reload keeps the key for this tab and the remembered choices.
    await page.reload();
    await page.waitForSelector('#app:not([hidden])');
    await page.waitForSelector('#format option[value="txt"]', { state: 'attached' });
    assert.equal(await page.inputValue('#format'), 'txt');

    // ---- what was seen: same origin only, no CSP violation, no error
    assert.deepEqual(foreign, [], 'requests outside the server origin');
    assert.deepEqual(await page.evaluate(() => window.violations), []);
    assert.deepEqual(errors.filter((e) => e.phase === 'normal'), []);
    const wrong = errors.filter((e) => e.phase !== 'normal');
    assert.ok(wrong.every((e) => /status of 401/.test(e.text)), JSON.stringify(wrong));

    // ---- the server goes away: the page says so
    const exited = new Promise((ok) => server.child.once('exit', ok));
    server.child.kill('SIGTERM');
    await exited;
    await dropFiles(page, [['same-page.png', fixture('same-page.png'), 'image/png']]);
    await page.waitForSelector('.entry[data-status="upload-failed"]');
    assert.match(await page.textContent('.entry[data-status="upload-failed"] .entry-error'), /cannot be reached/);
    await page.click('#signout');
    await page.fill('#key', KEY);
    await page.click('#signin-submit');
    await page.waitForSelector('#signin-error:not([hidden])');
    assert.match(await page.textContent('#signin-error'), /cannot be reached/);
  } finally {
    await browser.close();
    server.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`console test: ${seconds} s; screenshots in ${shots}`);
  for (const f of ['desktop-running', 'desktop-done', 'desktop-wrong-key', 'desktop-preview', 'phone-running', 'phone-done']) {
    assert.ok(statSync(join(shots, `${f}.png`)).size > 1000);
  }
});
