//! Contents in a folder: the embedded default.
//!
//! ```text
//! <data>/files/<file_id>   one file's bytes, complete (written to tmp/, fsynced, renamed)
//! <data>/tmp/              uploads and job outputs being written; emptied at start
//! ```
//! Folders are 0700 and files 0600, whatever the umask: uploads are the
//! users' documents.

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::durability::Durability;
use crate::error::Error;
use crate::ids::{random_chars, FileId};
use crate::store::{ContentStore, LocalFile, Stored};

/// Contents in `<root>/files`, written through `<root>/tmp`.
pub(crate) struct FolderContent {
    root: PathBuf,
    durability: Durability,
}

impl FolderContent {
    /// Opens (creating if needed) the folders under `root`.
    pub(crate) fn open(root: &Path, durability: Durability) -> Result<Self, Error> {
        for p in [root.to_path_buf(), root.join("files"), root.join("tmp")] {
            private_dir(&p).map_err(|e| Error::io(format!("creating {}", p.display()), e))?;
        }
        Ok(FolderContent {
            root: root.to_path_buf(),
            durability,
        })
    }

    fn path(&self, id: &FileId) -> PathBuf {
        self.root.join("files").join(id.as_str())
    }

    fn temp_path(&self, hint: &str) -> Result<PathBuf, Error> {
        Ok(self
            .root
            .join("tmp")
            .join(format!("{hint}-{}.part", random_chars(12)?)))
    }

    /// Fsyncs `tmp` (unless durability is `NoSync`) and renames it to the
    /// content path of `id`, then fsyncs the folder so the rename itself is
    /// durable.
    fn persist(&self, tmp: &Path, id: &FileId) -> Result<(), Error> {
        let sync = |p: &Path| -> std::io::Result<()> { fs::File::open(p)?.sync_all() };
        if self.durability != Durability::NoSync {
            sync(tmp).map_err(|e| Error::io(format!("syncing {}", tmp.display()), e))?;
        }
        let dest = self.path(id);
        fs::rename(tmp, &dest)
            .map_err(|e| Error::io(format!("renaming to {}", dest.display()), e))?;
        if self.durability != Durability::NoSync {
            sync_dir(&self.root.join("files"));
        }
        Ok(())
    }
}

impl ContentStore for FolderContent {
    fn put(&self, id: &FileId, reader: &mut dyn Read, max: u64) -> Result<u64, Error> {
        let tmp = self.temp_path(id.as_str())?;
        let written = copy_limited(reader, &tmp, max).and_then(|size| {
            self.persist(&tmp, id)?;
            Ok(size)
        });
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written
    }

    fn put_file(&self, id: &FileId, path: &Path) -> Result<u64, Error> {
        let size = fs::metadata(path)
            .map_err(|e| Error::io(format!("reading the output {}", path.display()), e))?
            .len();
        self.persist(path, id)?;
        Ok(size)
    }

    fn append(&self, id: &FileId, offset: u64, chunk: &[u8]) -> Result<(), Error> {
        let path = self.path(id);
        let io = |e| Error::io(format!("appending to {}", path.display()), e);
        let mut f = fs::OpenOptions::new().write(true).open(&path).map_err(io)?;
        f.set_len(offset).map_err(io)?;
        f.seek(SeekFrom::Start(offset)).map_err(io)?;
        f.write_all(chunk).map_err(io)?;
        if self.durability != Durability::NoSync {
            f.sync_all().map_err(io)?;
        }
        Ok(())
    }

    fn get(&self, id: &FileId, start: u64, len: u64) -> Result<Box<dyn Read + Send>, Error> {
        let path = self.path(id);
        let mut file = fs::File::open(&path)
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        file.seek(SeekFrom::Start(start))
            .map_err(|e| Error::io(format!("seeking {}", path.display()), e))?;
        // `take` also hides bytes past the committed size (an append
        // being written right now).
        Ok(Box::new(file.take(len)))
    }

    fn local(&self, id: &FileId) -> Result<LocalFile, Error> {
        Ok(LocalFile::Stored(self.path(id)))
    }

    fn scratch(&self, hint: &str) -> Result<PathBuf, Error> {
        let p = self.temp_path(hint)?;
        create_private(&p).map_err(|e| Error::io("creating a job's output", e))?;
        Ok(p)
    }

    fn delete(&self, id: &FileId) {
        let p = self.path(id);
        if let Err(e) = fs::remove_file(&p) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %p.display(), error = %e, "could not remove content");
            }
        }
    }

    fn list(&self) -> Result<Vec<Stored>, Error> {
        let mut out = Vec::new();
        for path in read_dir(&self.root.join("files"))? {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            // A content removed while listing is not listed.
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            out.push(Stored {
                id: name.to_owned(),
                size: meta.len(),
                modified: meta.modified().unwrap_or_else(|_| SystemTime::now()),
            });
        }
        Ok(out)
    }

    fn truncate(&self, id: &FileId, size: u64) -> Result<(), Error> {
        let path = self.path(id);
        fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_len(size).and_then(|()| f.sync_all()))
            .map_err(|e| Error::io(format!("truncating {}", path.display()), e))
    }

    fn clear_scratch(&self) -> Result<(), Error> {
        for entry in read_dir(&self.root.join("tmp"))? {
            let _ = fs::remove_file(entry);
        }
        Ok(())
    }
}

/// Streams `reader` into a new file at `path`, refusing more than `max` bytes.
pub(crate) fn copy_limited(reader: &mut dyn Read, path: &Path, max: u64) -> Result<u64, Error> {
    let io = |e| Error::io(format!("writing {}", path.display()), e);
    let mut out = create_private(path).map_err(io)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io("reading the upload", e)),
        };
        total = total.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        if total > max {
            return Err(Error::FileTooLarge { max });
        }
        out.write_all(&buf[..n]).map_err(io)?;
    }
    Ok(total)
}

/// Creates `dir` (and its parents) if missing and makes it the owner's
/// only (0700), whatever the umask, also when it existed.
pub(crate) fn private_dir(dir: &Path) -> std::io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

/// Creates (or truncates) a file readable and writable by its owner only
/// (0600), whatever the umask.
pub(crate) fn create_private(path: &Path) -> std::io::Result<fs::File> {
    let f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.set_permissions(fs::Permissions::from_mode(0o600))?;
    Ok(f)
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    fs::read_dir(dir)
        .and_then(|it| it.map(|e| e.map(|e| e.path())).collect())
        .map_err(|e| Error::io(format!("listing {}", dir.display()), e))
}

/// Fsyncs a folder so that renames in it survive power loss. Best effort:
/// some platforms cannot open folders for syncing.
fn sync_dir(dir: &Path) {
    if let Err(e) = fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::debug!(path = %dir.display(), error = %e, "folder fsync failed");
    }
}
