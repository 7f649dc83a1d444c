//! Files: uploads (whole, streamed, or in chunks), metadata, contents
//! with byte ranges, and the per-user storage quota.

use std::fs;
use std::io::Read;
use std::path::Path;

use crate::error::Error;
use crate::filename::clean_filename;
use crate::ids::{FileId, UserId};
use crate::manager::{lock, Manager};
use crate::mime::sniff_content_type;
use crate::models::{FileInfo, List};
use crate::range::ByteRange;
use crate::store::{head, FileKind, FileRow};

/// A file's content, open for reading (whole or one range).
pub struct FileContent {
    /// The file.
    pub info: FileInfo,
    /// MIME type, from the bytes (inputs) or the output format (outputs).
    pub content_type: String,
    /// The first and last offsets served (included), for a range request.
    pub range: Option<(u64, u64)>,
    /// Bytes that [`Read`] will yield.
    pub length: u64,
    reader: Box<dyn Read + Send>,
}

impl std::fmt::Debug for FileContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileContent")
            .field("info", &self.info)
            .field("content_type", &self.content_type)
            .field("range", &self.range)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

impl Read for FileContent {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.reader.read(buf)
    }
}

impl FileContent {
    /// Reads everything that is served.
    pub fn into_bytes(mut self) -> std::io::Result<Vec<u8>> {
        let mut v = Vec::with_capacity(usize::try_from(self.length).unwrap_or(0));
        self.reader.read_to_end(&mut v)?;
        Ok(v)
    }
}

impl Manager {
    // ---- files -----------------------------------------------------------

    /// Stores `bytes` as a new file (`POST /files`).
    pub fn upload_file(
        &self,
        user: &UserId,
        filename: &str,
        bytes: &[u8],
    ) -> Result<FileInfo, Error> {
        let mut reader = bytes;
        self.upload_file_from_reader(user, filename, &mut reader)
    }

    /// Stores a file read from the local path `path`, named after its last component.
    pub fn upload_file_from_path(&self, user: &UserId, path: &Path) -> Result<FileInfo, Error> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut f = fs::File::open(path)
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        self.upload_file_from_reader(user, &name, &mut f)
    }

    /// Stores everything `reader` yields as a new file, streaming to disk
    /// (memory stays small whatever the size); over the size limit the upload
    /// is refused with `file_too_large` and nothing is kept.
    pub fn upload_file_from_reader(
        &self,
        user: &UserId,
        filename: &str,
        reader: &mut dyn Read,
    ) -> Result<FileInfo, Error> {
        let filename = clean_filename(filename)?;
        let jobs = &self.inner.jobs;
        let contents = &self.inner.contents;
        let id = FileId::generate()?;
        let size = contents.put(&id, reader, self.inner.config.max_file_size)?;
        // The content has no row yet: nobody sees it until `insert_file`.
        let content_type = match self
            .check_room(user, size)
            .and_then(|()| head(&**contents, &id, 1024))
        {
            Ok(h) => sniff_content_type(&h),
            Err(e) => {
                contents.delete(&id);
                return Err(e);
            }
        };
        let now = self.inner.clock.now();
        let row = FileRow {
            id: id.clone(),
            user: user.clone(),
            filename: filename.clone(),
            size,
            kind: FileKind::Upload,
            content_type,
            created_at: now,
            updated_at: now,
            expires_at: now.plus(self.inner.config.file_retention),
        };
        if let Err(e) = jobs.insert_file(&row) {
            contents.delete(&id);
            return Err(e);
        }
        tracing::debug!(file_id = %id, size, "file uploaded");
        Ok(row.info())
    }

    /// A file's metadata (`GET /files/{id}`).
    pub fn file_info(&self, user: &UserId, file_id: &str) -> Result<FileInfo, Error> {
        self.file_row(user, file_id).map(|r| r.info())
    }

    pub(crate) fn file_row(&self, user: &UserId, file_id: &str) -> Result<FileRow, Error> {
        self.inner
            .jobs
            .file(user, file_id, self.inner.clock.now())?
            .ok_or_else(|| Error::InvalidFileId(file_id.to_owned()))
    }

    /// The user's files, newest first (`GET /files`).
    pub fn list_files(&self, user: &UserId) -> Result<List<FileInfo>, Error> {
        Ok(List {
            data: self.inner.jobs.files(user, self.inner.clock.now())?,
        })
    }

    /// A file's bytes, whole or one range (`GET /files/{id}/content`).
    pub fn file_content(
        &self,
        user: &UserId,
        file_id: &str,
        range: Option<ByteRange>,
    ) -> Result<FileContent, Error> {
        let row = self.file_row(user, file_id)?;
        let (range, start, length) = match range {
            None => (None, 0, row.size),
            Some(r) => {
                let (a, b) = r
                    .resolve(row.size)
                    .ok_or(Error::InvalidRange { size: row.size })?;
                (Some((a, b)), a, b - a + 1)
            }
        };
        let reader = self.inner.contents.get(&row.id, start, length)?;
        Ok(FileContent {
            info: row.info(),
            content_type: row.content_type,
            range,
            length,
            reader,
        })
    }

    /// Creates an empty file for chunked upload (`POST /uploads`).
    pub fn create_upload(&self, user: &UserId, filename: &str) -> Result<FileInfo, Error> {
        let filename = clean_filename(filename)?;
        let contents = &self.inner.contents;
        let id = FileId::generate()?;
        contents.put(&id, &mut std::io::empty(), 0)?;
        let now = self.inner.clock.now();
        let row = FileRow {
            id: id.clone(),
            user: user.clone(),
            filename: filename.clone(),
            size: 0,
            kind: FileKind::Chunked,
            content_type: "application/octet-stream".to_owned(),
            created_at: now,
            updated_at: now,
            expires_at: now.plus(self.inner.config.file_retention),
        };
        if let Err(e) = self.inner.jobs.insert_file(&row) {
            contents.delete(&id);
            return Err(e);
        }
        Ok(row.info())
    }

    /// Appends one chunk to a file made by [`Manager::create_upload`]
    /// (`PUT /uploads/{id}`). The chunk is written and fsynced before the new
    /// size is committed, so a crash never exposes a partial chunk.
    pub fn append_upload(
        &self,
        user: &UserId,
        file_id: &str,
        chunk: &[u8],
    ) -> Result<FileInfo, Error> {
        let chunk_len = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        if chunk_len > self.inner.config.max_chunk_size {
            return Err(Error::ChunkTooLarge {
                size: chunk_len,
                max: self.inner.config.max_chunk_size,
            });
        }
        let _serial = lock(&self.inner.appends);
        let row = self.file_row(user, file_id)?;
        if row.kind != FileKind::Chunked {
            return Err(Error::InvalidRequest(
                "only files created with POST /uploads take chunks".to_owned(),
            ));
        }
        if self.inner.jobs.file_has_jobs(&row.id)? {
            return Err(Error::FileInUse(file_id.to_owned()));
        }
        self.check_room(user, chunk_len)?;
        let size = row.size.saturating_add(chunk_len);
        if size > self.inner.config.max_file_size {
            return Err(Error::FileTooLarge {
                max: self.inner.config.max_file_size,
            });
        }
        // Written at the committed size: bytes past it are leftovers of a
        // failed append and get overwritten.
        self.inner.contents.append(&row.id, row.size, chunk)?;
        let content_type = if row.size < 1024 {
            sniff_content_type(&head(&*self.inner.contents, &row.id, 1024)?)
        } else {
            row.content_type.clone()
        };
        let now = self.inner.clock.now();
        self.inner
            .jobs
            .set_file_size(&row.id, size, &content_type, now)?;
        Ok(FileInfo {
            size,
            updated_at: now,
            ..row.info()
        })
    }

    /// Refuses `more` bytes for `user` past the per-user storage quota (a
    /// job's output needs room too: with `more` = 0, a full quota refuses).
    pub(crate) fn check_room(&self, user: &UserId, more: u64) -> Result<(), Error> {
        let max = self.inner.config.max_stored_bytes_per_user;
        let now = self.inner.clock.now();
        let (stored, first_expiry) = self.inner.jobs.stored_bytes(user, now)?;
        let fits = if more == 0 {
            stored < max
        } else {
            stored.saturating_add(more) <= max
        };
        if fits {
            return Ok(());
        }
        let retry_after = first_expiry.map_or(self.inner.config.file_retention.as_secs(), |t| {
            u64::try_from(t.unix() - now.unix()).unwrap_or(0)
        });
        Err(Error::QuotaExceeded {
            what: format!("this user's files would take more than the {max} bytes allowed"),
            retry_after: retry_after.max(1),
        })
    }
}
