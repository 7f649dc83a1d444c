// The preview of a finished job: its pages with the recognised words drawn
// as boxes (colour by confidence; hovering one shows its text and
// confidence). The words come from the JSON output of a second job on the
// same input; the page image is the input itself when a browser can show
// it (PNG, JPEG, BMP), otherwise the boxes are drawn on a blank page.

const SHOWN = ['image/png', 'image/jpeg', 'image/bmp'];

function element(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Waits for `jobId` to finish, with long polls; answers the job. */
async function finished(api, jobId) {
  for (;;) {
    const job = await api.waitJob(jobId, 10);
    if (job.status === 'completed' || job.status === 'failed') return job;
  }
}

/** Every word of a page of the JSON output. */
function words(page) {
  return page.blocks.flatMap((b) => b.lines.flatMap((l) => l.words));
}

function confidenceClass(c) {
  return c >= 80 ? 'good' : c >= 60 ? 'fair' : 'poor';
}

/**
 * Builds the preview of `job` into `box`; answers a short description.
 * Throws ApiError (or an Error with `code`) when a step fails.
 * @param {import('./api.js').Api} api
 * @param {object} job a completed job
 * @param {string[]} languages the languages to read with
 * @param {HTMLElement} box where the preview goes
 */
export async function buildPreview(api, job, languages, box) {
  const status = element('p', 'hint', 'Reading the words…');
  box.replaceChildren(status);
  const input = await api.download(job.file_id);
  const created = await api.createJob({
    engine: job.engine, file_id: job.file_id, languages, output_format: 'json',
  });
  const done = await finished(api, created.job_id);
  if (done.status === 'failed') {
    throw Object.assign(new Error(done.error.message), { code: done.error.code });
  }
  const result = JSON.parse(await (await api.download(done.output_file_id)).blob.text());
  const pages = result.pages.filter((p) => p.ocr);
  if (!pages.length) {
    status.textContent = 'No page of this file was read (its pages already had text).';
    return;
  }
  const image = SHOWN.includes(input.blob.type) ? URL.createObjectURL(input.blob) : null;
  const tip = element('span', 'preview-tip');
  tip.hidden = true;
  const sheet = element('div', 'preview-sheet');
  const nav = element('div', 'preview-nav');
  let index = 0;

  const show = () => {
    const page = pages[index];
    sheet.replaceChildren(tip);
    tip.hidden = true;
    sheet.style.aspectRatio = `${page.width_px} / ${page.height_px}`;
    const pictured = image !== null && index === 0;
    sheet.classList.toggle('blank', !pictured);
    if (pictured) {
      const img = element('img', 'preview-image');
      img.src = image;
      img.alt = `Page ${page.index + 1}`;
      sheet.append(img);
    }
    for (const w of words(page)) {
      const [x0, y0, x1, y1] = w.bbox_px;
      const b = element('span', `preview-word ${confidenceClass(w.confidence)}`);
      b.style.left = `${(x0 * 100) / page.width_px}%`;
      b.style.top = `${(y0 * 100) / page.height_px}%`;
      b.style.width = `${((x1 - x0) * 100) / page.width_px}%`;
      b.style.height = `${((y1 - y0) * 100) / page.height_px}%`;
      b.dataset.text = w.text;
      b.dataset.confidence = String(Math.round(w.confidence));
      if (!pictured) b.textContent = w.text;
      sheet.append(b);
    }
    const count = words(page).length;
    nav.querySelector('.preview-where').textContent = `Page ${page.index + 1} · ${count} words · mean confidence ${Math.round(page.mean_confidence)} %`;
    nav.querySelector('.prev').disabled = index === 0;
    nav.querySelector('.next').disabled = index === pages.length - 1;
  };

  const prev = element('button', 'button prev', 'Previous page');
  const next = element('button', 'button next', 'Next page');
  for (const [b, step] of [[prev, -1], [next, 1]]) {
    b.type = 'button';
    b.addEventListener('click', () => {
      index = Math.min(pages.length - 1, Math.max(0, index + step));
      show();
    });
  }
  prev.hidden = next.hidden = pages.length === 1;
  nav.append(prev, element('span', 'preview-where'), next);
  // The tip stands above the word, its edge on the word's side nearer the
  // middle, so it stays inside the page.
  sheet.addEventListener('mouseover', (event) => {
    const w = event.target.closest('.preview-word');
    if (!w) return;
    tip.textContent = `“${w.dataset.text}” · confidence ${w.dataset.confidence} %`;
    const left = parseFloat(w.style.left);
    const right = 100 - left - parseFloat(w.style.width);
    tip.style.left = left <= right ? w.style.left : '';
    tip.style.right = left <= right ? '' : `${right}%`;
    tip.style.top = w.style.top;
    tip.classList.toggle('below', parseFloat(w.style.top) < 8);
    if (tip.classList.contains('below')) {
      tip.style.top = `${parseFloat(w.style.top) + parseFloat(w.style.height)}%`;
    }
    tip.hidden = false;
  });
  sheet.addEventListener('mouseleave', () => { tip.hidden = true; });
  const colours = 'Point at a word to see it and its confidence: green 80 % and above, amber 60-79 %, red below 60 %.';
  const note = image ? colours : `The browser cannot show this file type: the words stand on a blank page. ${colours}`;
  box.replaceChildren(nav, sheet, element('p', 'hint', note));
  show();
}
