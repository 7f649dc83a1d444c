// The REST API as the console uses it: the same public calls any client
// makes, with the key the user typed. Every failure is an ApiError.

/** A failed call: `status` 0 and code `unreachable` when no answer came. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The filename of a Content-Disposition header: filename* first, then filename. */
export function dispositionFilename(header) {
  if (!header) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // A malformed encoding: fall back to the plain name.
    }
  }
  const plain = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
  return plain ? plain[1].replace(/\\(.)/g, '$1') : null;
}

export class Api {
  /** @param {string} key the API key, sent as `Authorization: Bearer` */
  constructor(key) {
    this.key = key;
  }

  /** Sends one request; answers the response, throws ApiError unless 2xx. */
  async send(method, path, { body, json, signal } = {}) {
    const headers = { Authorization: `Bearer ${this.key}` };
    if (json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(json);
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body, signal, cache: 'no-store' });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, 'unreachable', 'The server cannot be reached.');
    }
    if (!response.ok) {
      let code = 'http_' + response.status;
      let message = `The server answered ${response.status}.`;
      try {
        const err = (await response.json()).error;
        if (err && err.code) code = err.code;
        if (err && err.message) message = err.message;
      } catch {
        // Not the API's JSON error (e.g. a proxy's page): keep the status.
      }
      throw new ApiError(response.status, code, message);
    }
    return response;
  }

  /** A call answering JSON. */
  async json(method, path, options) {
    return (await this.send(method, path, options)).json();
  }

  engines() {
    return this.json('GET', '/renderocr/engines');
  }

  jobs(signal) {
    return this.json('GET', '/renderocr/jobs', { signal });
  }

  files(signal) {
    return this.json('GET', '/files', { signal });
  }

  /** Holds until the job finishes or `wait` seconds pass. */
  waitJob(jobId, wait, signal) {
    return this.json('GET', `/renderocr/jobs/${encodeURIComponent(jobId)}?wait=${wait}`, { signal });
  }

  createJob(request, signal) {
    return this.json('POST', '/renderocr/jobs', { json: request, signal });
  }

  /** The content of a file: its bytes and the name the server gives it. */
  async download(fileId) {
    const r = await this.send('GET', `/files/${encodeURIComponent(fileId)}/content`);
    return {
      blob: await r.blob(),
      filename: dispositionFilename(r.headers.get('Content-Disposition')),
    };
  }
}
