//! Snapshot files: an opaque payload (the server's encoded state) covering the journal up to
//! a sequence number, so start-up replays only the journal's tail.
//!
//! One file per snapshot in the data directory, `snapshot-<seq, 20 digits>.pmx`. All integers
//! little-endian:
//!
//! ```text
//!  0  magic     8 bytes  "pmx-snap"
//!  8  version   u32      1
//! 12  seq       u64      the last journal record the payload covers
//! 20  len       u64      payload length in bytes
//! 28  checksum  u32      crc32c of the payload
//! 32  header    u32      crc32c of bytes 0..32
//! 36  payload
//! ```
//!
//! Writing (`write`): the file is written as `snapshot.tmp`, synced, renamed to its final name,
//! and the directory synced, so a crash leaves either the old set of snapshots or the new one,
//! never a half file under a snapshot name. Then all but the newest `KEEP` snapshots are
//! deleted. The journal itself is never truncated: it stays the source of truth, and a
//! snapshot is only a shortcut.
//!
//! Loading (`load_newest`): candidates are tried newest first; one whose header, length or
//! checksum is wrong is reported in `Loaded::rejected` (the caller logs it) and the next older
//! one is tried. With none valid, the caller replays the whole journal. A damaged snapshot is
//! therefore never used, and costs only start-up time.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use types::Seq;

/// The first eight bytes of every snapshot file.
pub const SNAPSHOT_MAGIC: [u8; 8] = *b"pmx-snap";
/// The snapshot file format version this build writes and reads.
pub const SNAPSHOT_FILE_VERSION: u32 = 1;
/// Bytes of the snapshot file header.
pub const SNAPSHOT_HEADER_LEN: usize = 36;
/// Snapshots kept after a new one is written (the newest ones).
pub const KEEP: usize = 2;

const TEMP_NAME: &str = "snapshot.tmp";

/// The file name of the snapshot covering `seq`.
pub fn file_name(seq: Seq) -> String {
    format!("snapshot-{:020}.pmx", seq.get())
}

/// The sequence number in a snapshot file name, if it is one.
fn seq_of(name: &str) -> Option<Seq> {
    let digits = name.strip_prefix("snapshot-")?.strip_suffix(".pmx")?;
    (digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.parse().ok().map(Seq))?
}

/// Why a snapshot file was not used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotFileError {
    #[error("reading it failed: {0}")]
    Io(#[from] io::Error),
    #[error("it is shorter than its {SNAPSHOT_HEADER_LEN}-byte header")]
    Short,
    #[error("it does not start with the snapshot magic bytes")]
    BadMagic,
    #[error("its header checksum does not match")]
    BadHeader,
    #[error("format version {0} is not supported (this build reads {SNAPSHOT_FILE_VERSION})")]
    UnsupportedVersion(u32),
    #[error("its header says seq {header} but its name says {name}")]
    SeqMismatch { header: Seq, name: Seq },
    #[error("its payload is {found} bytes where the header says {expected}")]
    Length { expected: u64, found: u64 },
    #[error("its payload checksum does not match ({stored:#010x} stored, {computed:#010x} computed)")]
    Checksum { stored: u32, computed: u32 },
}

/// A valid snapshot.
#[derive(Debug)]
pub struct Snapshot {
    /// The last journal record it covers.
    pub seq: Seq,
    pub payload: Vec<u8>,
    pub path: PathBuf,
}

/// What `load_newest` found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The newest valid snapshot, if any.
    pub snapshot: Option<Snapshot>,
    /// Newer snapshot files that were damaged and skipped, newest first.
    pub rejected: Vec<(PathBuf, SnapshotFileError)>,
}

/// The header of a snapshot of `payload` covering `seq`.
pub fn header(seq: Seq, payload: &[u8]) -> [u8; SNAPSHOT_HEADER_LEN] {
    let mut header = [0; SNAPSHOT_HEADER_LEN];
    header[..8].copy_from_slice(&SNAPSHOT_MAGIC);
    header[8..12].copy_from_slice(&SNAPSHOT_FILE_VERSION.to_le_bytes());
    header[12..20].copy_from_slice(&seq.get().to_le_bytes());
    header[20..28].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    header[28..32].copy_from_slice(&crc32c::crc32c(payload).to_le_bytes());
    let checksum = crc32c::crc32c(&header[..32]);
    header[32..].copy_from_slice(&checksum.to_le_bytes());
    header
}

/// Writes the snapshot of `payload` covering `seq` into `dir` durably (temp file, sync,
/// rename, directory sync), then deletes all but the newest `KEEP` snapshots. Returns the
/// file's path.
pub fn write(dir: &Path, seq: Seq, payload: &[u8]) -> io::Result<PathBuf> {
    let temp = dir.join(TEMP_NAME);
    let path = dir.join(file_name(seq));
    {
        let mut file = File::create(&temp)?;
        file.write_all(&header(seq, payload))?;
        file.write_all(payload)?;
        file.sync_all()?;
    }
    fs::rename(&temp, &path)?;
    sync_dir(dir)?;
    let mut all = list(dir)?;
    all.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    for (_, old) in all.iter().skip(KEEP) {
        fs::remove_file(old)?;
    }
    Ok(path)
}

/// The snapshot files in `dir`, by sequence number (any order).
fn list(dir: &Path) -> io::Result<Vec<(Seq, PathBuf)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if let Some(seq) = entry.file_name().to_str().and_then(seq_of) {
            found.push((seq, entry.path()));
        }
    }
    Ok(found)
}

/// Loads the newest valid snapshot in `dir` (see the module doc). A missing directory has
/// none.
pub fn load_newest(dir: &Path) -> io::Result<Loaded> {
    let mut all = match list(dir) {
        Ok(all) => all,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Loaded::default()),
        Err(error) => return Err(error),
    };
    all.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    let mut loaded = Loaded::default();
    for (seq, path) in all {
        match read(&path, seq) {
            Ok(payload) => {
                loaded.snapshot = Some(Snapshot { seq, payload, path });
                break;
            }
            Err(error) => loaded.rejected.push((path, error)),
        }
    }
    Ok(loaded)
}

/// Reads and verifies one snapshot file named for `seq`; returns its payload.
pub fn read(path: &Path, seq: Seq) -> Result<Vec<u8>, SnapshotFileError> {
    let mut bytes = fs::read(path)?;
    if bytes.len() < SNAPSHOT_HEADER_LEN {
        return Err(SnapshotFileError::Short);
    }
    if bytes[..8] != SNAPSHOT_MAGIC {
        return Err(SnapshotFileError::BadMagic);
    }
    if crc32c::crc32c(&bytes[..32]) != crate::format::read_u32(&bytes, 32) {
        return Err(SnapshotFileError::BadHeader);
    }
    let version = crate::format::read_u32(&bytes, 8);
    if version != SNAPSHOT_FILE_VERSION {
        return Err(SnapshotFileError::UnsupportedVersion(version));
    }
    let header_seq = Seq(crate::format::read_u64(&bytes, 12));
    if header_seq != seq {
        return Err(SnapshotFileError::SeqMismatch { header: header_seq, name: seq });
    }
    let expected = crate::format::read_u64(&bytes, 20);
    let found = (bytes.len() - SNAPSHOT_HEADER_LEN) as u64;
    if expected != found {
        return Err(SnapshotFileError::Length { expected, found });
    }
    let stored = crate::format::read_u32(&bytes, 28);
    let computed = crc32c::crc32c(&bytes[SNAPSHOT_HEADER_LEN..]);
    if stored != computed {
        return Err(SnapshotFileError::Checksum { stored, computed });
    }
    bytes.drain(..SNAPSHOT_HEADER_LEN);
    Ok(bytes)
}

/// Makes a directory's entries durable (a no-op where directories cannot be opened).
fn sync_dir(dir: &Path) -> io::Result<()> {
    if cfg!(unix) {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}
