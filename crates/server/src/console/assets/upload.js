// Uploads: one multipart POST /files for a file that fits in one chunk,
// otherwise POST /uploads and one PUT /uploads/{id} per chunk, in order,
// reporting the bytes sent after each.

/** The base64 of a Blob, without the data-URL prefix. */
function base64(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).slice(String(reader.result).indexOf(',') + 1));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/**
 * Uploads `file`; answers the server's FileInfo.
 * @param {import('./api.js').Api} api
 * @param {File} file
 * @param {number} chunkSize bytes per chunk (the page's data-max-chunk-size)
 * @param {(sent: number, total: number) => void} onProgress
 * @param {AbortSignal} signal stops the upload (sign-out)
 */
export async function upload(api, file, chunkSize, onProgress, signal) {
  onProgress(0, file.size);
  if (file.size <= chunkSize) {
    const form = new FormData();
    form.append('file', file, file.name);
    const info = await api.json('POST', '/files', { body: form, signal });
    onProgress(file.size, file.size);
    return info;
  }
  let info = await api.json('POST', '/uploads', { json: { filename: file.name }, signal });
  for (let start = 0; start < file.size; start += chunkSize) {
    const data = await base64(file.slice(start, start + chunkSize));
    info = await api.json('PUT', `/uploads/${encodeURIComponent(info.file_id)}`, { json: { data }, signal });
    onProgress(Math.min(start + chunkSize, file.size), file.size);
  }
  return info;
}
