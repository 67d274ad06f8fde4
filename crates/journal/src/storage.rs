//! `Storage`: the few file operations the journal needs, and `FileStorage`, the real file.
//!
//! The journal never touches `std::fs` itself: everything goes through this trait, so the
//! fault-injecting `MemStorage` (in `memory`) can stand in for the disk in tests.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::format::FILE_NAME;

/// A byte store with append-only writes and an explicit durability barrier.
///
/// Contract the journal relies on:
/// - `append` writes after the current end; on error, any prefix of the bytes may have been
///   written (the journal then truncates back);
/// - nothing is durable until `sync` returns `Ok`; after a failed `sync`, the bytes written
///   since the last successful one may or may not survive a crash;
/// - `truncate` shortens (it is never asked to grow), becoming durable with the next `sync`;
/// - `read_at` returns fewer bytes than asked only at the end of the data.
pub trait Storage {
    /// Current length in bytes, including bytes not yet synced.
    fn size(&mut self) -> io::Result<u64>;
    /// Reads into `buf` from `offset`; returns the count read (short only at the end).
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
    /// Appends `bytes` at the end.
    fn append(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Makes everything written so far durable (`fdatasync`).
    fn sync(&mut self) -> io::Result<()>;
    /// Cuts the data to `len` bytes.
    fn truncate(&mut self, len: u64) -> io::Result<()>;
}

impl<S: Storage + ?Sized> Storage for Box<S> {
    fn size(&mut self) -> io::Result<u64> {
        (**self).size()
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read_at(offset, buf)
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        (**self).append(bytes)
    }

    fn sync(&mut self) -> io::Result<()> {
        (**self).sync()
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        (**self).truncate(len)
    }
}

/// The journal file `journal.pmx` in a data directory, locked against a second writer.
#[derive(Debug)]
pub struct FileStorage {
    file: File,
    path: PathBuf,
}

impl FileStorage {
    /// Opens (creating the directory and the file if needed) `dir/journal.pmx` and takes an
    /// exclusive lock on it: a second process opening the same journal gets an error. The
    /// entries of newly created directories and of a new file are synced, so they survive a
    /// crash.
    pub fn open(dir: &Path) -> io::Result<FileStorage> {
        // Directories about to be created, deepest first; each one's entry must be synced in
        // its parent.
        let missing: Vec<&Path> =
            dir.ancestors().take_while(|ancestor| !ancestor.as_os_str().is_empty() && !ancestor.is_dir()).collect();
        fs::create_dir_all(dir)?;
        for created in missing.iter().rev() {
            if let Some(parent) = created.parent() {
                sync_dir(parent)?;
            }
        }
        let path = dir.join(FILE_NAME);
        let (file, created) = match OpenOptions::new().read(true).write(true).create_new(true).open(&path) {
            Ok(file) => (file, true),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                (OpenOptions::new().read(true).write(true).open(&path)?, false)
            }
            Err(error) => return Err(error),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!("{} is locked: another pmx process is using this data directory", path.display()),
                ));
            }
            Err(TryLockError::Error(error)) => return Err(error),
        }
        if created {
            sync_dir(dir)?;
        }
        Ok(FileStorage { file, path })
    }

    /// The journal file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Makes a directory's entries durable (a no-op where directories cannot be opened).
fn sync_dir(dir: &Path) -> io::Result<()> {
    if cfg!(unix) {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

impl Storage for FileStorage {
    fn size(&mut self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.file.seek(SeekFrom::Start(offset))?;
        let mut filled = 0;
        while filled < buf.len() {
            match self.file.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(count) => filled += count,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(filled)
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.seek(SeekFrom::End(0))?;
        self.file.write_all(bytes)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }
}
