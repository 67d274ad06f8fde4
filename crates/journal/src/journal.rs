//! `Journal`: open (verify, replay, recover a torn tail) and append (group commit).
//!
//! Opening reads the file front to back through a bounded window (memory stays at about one
//! chunk, not the file size) and hands each entry to the caller in order. Every record must
//! have a valid frame and checksum, the next sequence number, the right chain value and a
//! decodable payload.
//!
//! Torn tail versus corruption. At the first record that cannot be read whole and intact (the
//! file ends inside its frame or body, its length is impossible, or its checksum fails), the
//! rest of the file is scanned, byte by byte, for any intact record (plausible length, a
//! sequence number at or after the one expected, matching checksum). If there is none, the
//! damage is a torn tail, the remains of a write that never completed: it is truncated away,
//! the truncation synced, and reported in `Recovery::torn_tail`. If an intact record follows,
//! the damage is in the middle of the log and `open` fails naming the record (the sequence
//! number it should have had, and its byte offset). A record whose checksum is valid is never
//! torn: a wrong sequence number, a broken chain or an undecodable payload are always errors.
//! Nothing is ever skipped. Before `open` returns, the storage is synced once: what was
//! replayed may have been only in the page cache (bytes of a failed batch, after a process
//! crash), and nothing may be built on bytes a power loss could still take away.
//!
//! Appending. `append` takes a batch of `(Seq, Entry)`, checks that the sequence numbers
//! continue the log (`last_seq + 1`, `+2`, ...) and that a command's own `seq` equals its
//! record's, encodes the batch into one buffer, and issues one write and one `sync`. Only
//! when both succeed does it return `Ok` and advance `last_seq`: that is the acknowledgement.
//!
//! After a failed write or sync, the storage may hold part or all of the batch past the last
//! acknowledged byte. The journal truncates back to that length and syncs at once; if that
//! fails too (a disk gone read-only), it remembers and does it first thing on the next
//! `append`, which fails until the roll-back succeeds. So a half record is never left in the
//! middle of the log. The caller must treat an `Err` batch as not done (no engine apply, no
//! reply other than an error) and may retry it with the same sequence numbers. As with any
//! write whose outcome is unknown, a crash between the failure and a successful roll-back can
//! leave complete records of that batch on disk, which a later replay then includes.

use std::fmt;
use std::io;
use std::path::Path;

use types::Seq;

use crate::entry::{DecodeError, Entry};
use crate::format::{self, BODY_FIXED_LEN, BODY_MAX, BODY_MIN, FILE_HEADER_LEN, FRAME_LEN, MAGIC, RECORD_MIN, VERSION};
use crate::storage::{FileStorage, Storage};

/// Bytes read from storage at a time while replaying.
const READ_CHUNK: usize = 1 << 20;

/// Errors of the journal. I/O errors carry the operation; damage names the record.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal {op} failed: {source}")]
    Io {
        op: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("not a pmx journal: the file starts with {found:02x?} instead of the magic bytes")]
    NotAJournal { found: Vec<u8> },
    #[error(
        "journal format version {found} is not supported: this build reads version {supported} only. Data directories written by other versions of pmx are not read; recreate the data directory (move it away or delete it, then start again)"
    )]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("the journal's file header is damaged (checksum mismatch)")]
    BadHeader,
    #[error("record {seq} at byte {offset} is damaged ({damage}) and intact records follow it")]
    Damaged { seq: Seq, offset: u64, damage: Damage },
    #[error("record at byte {offset} has sequence number {found} where {expected} was expected")]
    OutOfSequence { expected: Seq, found: Seq, offset: u64 },
    #[error(
        "record {seq} at byte {offset} does not chain to the record before it (a record was dropped, reordered or replaced)"
    )]
    ChainBroken { seq: Seq, offset: u64 },
    #[error("record {seq} at byte {offset} has a valid checksum but its payload does not decode: {source}")]
    Undecodable {
        seq: Seq,
        offset: u64,
        #[source]
        source: DecodeError,
    },
    #[error("batch entry {index} has sequence number {found}, but the journal needs {expected} next")]
    SeqNotNext { index: usize, expected: Seq, found: Seq },
    #[error("batch entry {seq} holds a command stamped with sequence number {command}; they must be equal")]
    CommandSeqMismatch { seq: Seq, command: Seq },
    #[error("entry {seq} encodes to a {len}-byte record body, more than the {max}-byte limit")]
    EntryTooLarge { seq: Seq, len: usize, max: usize },
}

/// Errors of `Journal::open`: the journal's own, or the caller's callback refusing an entry.
#[derive(Debug, thiserror::Error)]
pub enum OpenError<E> {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("replaying record {seq} failed: {source}")]
    Apply { seq: Seq, source: E },
}

/// What is wrong with a record that cannot be read whole and intact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Damage {
    /// The file is shorter than its header (a crash while creating it).
    FileHeader,
    /// The file ends inside the record's 8-byte frame.
    ShortFrame { available: usize },
    /// The length field is outside the possible range.
    BadLength { len: u32 },
    /// The record's body would extend past the end of the file.
    PastEnd { len: u32, available: u64 },
    /// The body's checksum does not match.
    Checksum { stored: u32, computed: u32 },
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Damage::FileHeader => write!(f, "the file is shorter than its header"),
            Damage::ShortFrame { available } => {
                write!(f, "the file ends {available} bytes into the {FRAME_LEN}-byte record frame")
            }
            Damage::BadLength { len } => {
                write!(f, "length {len} is outside {BODY_MIN}..={BODY_MAX}")
            }
            Damage::PastEnd { len, available } => {
                write!(f, "the {len}-byte body extends past the end of the file ({available} bytes left)")
            }
            Damage::Checksum { stored, computed } => {
                write!(f, "checksum {stored:#010x} stored, {computed:#010x} computed")
            }
        }
    }
}

/// A torn tail found and truncated by `open`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TornTail {
    /// Where the torn record started; the journal now ends here.
    pub offset: u64,
    /// How many bytes were cut off.
    pub bytes_dropped: u64,
    /// The sequence number the torn record would have had.
    pub seq: Seq,
    /// What was wrong with it.
    pub damage: Damage,
}

/// What `open` found and did; the server logs it (`Display` gives one line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recovery {
    /// The journal file was new (or held only a torn header) and has been initialised.
    pub created: bool,
    /// Entries replayed.
    pub records: u64,
    /// The last sequence number replayed (0 when empty).
    pub last_seq: Seq,
    /// Length of the journal in bytes after recovery.
    pub bytes: u64,
    /// A torn tail that was truncated away, if any.
    pub torn_tail: Option<TornTail>,
}

impl fmt::Display for Recovery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.created {
            write!(f, "journal created")?;
        } else {
            write!(f, "journal replayed {} records up to seq {} ({} bytes)", self.records, self.last_seq, self.bytes)?;
        }
        if let Some(torn) = &self.torn_tail {
            write!(
                f,
                "; torn tail truncated: {} bytes at offset {} (record {}: {})",
                torn.bytes_dropped, torn.offset, torn.seq, torn.damage
            )?;
        }
        Ok(())
    }
}

/// The durable, append-only log of sequenced entries. See the module doc.
#[derive(Debug)]
pub struct Journal<S = FileStorage> {
    storage: S,
    /// Bytes of acknowledged (synced) records, header included.
    len: u64,
    last_seq: Seq,
    /// Digest of the last record's body: the next record's `prev`.
    chain: u64,
    /// A failed append may have left bytes past `len`; cut them before writing again.
    roll_back_pending: bool,
    /// The write buffer, reused across batches.
    buf: Vec<u8>,
}

impl Journal<FileStorage> {
    /// Opens the journal file in `dir` (creating both if missing) and replays it; see `open`.
    pub fn open_dir<E>(
        dir: impl AsRef<Path>,
        on_entry: impl FnMut(Seq, Entry) -> Result<(), E>,
    ) -> Result<(Journal<FileStorage>, Recovery), OpenError<E>> {
        let storage = FileStorage::open(dir.as_ref()).map_err(io_error("open"))?;
        Journal::open(storage, on_entry)
    }
}

impl<S: Storage> Journal<S> {
    /// Verifies the whole journal, calling `on_entry` for each entry in order, truncates a
    /// torn tail, and returns the journal positioned for appending with a report.
    ///
    /// Empty storage becomes a new journal (header written and synced). Entries are handed
    /// over as they are verified, so on an error the caller has seen a prefix: discard what
    /// was built from it. An error from `on_entry` stops the replay (`OpenError::Apply`).
    pub fn open<E>(
        storage: S,
        on_entry: impl FnMut(Seq, Entry) -> Result<(), E>,
    ) -> Result<(Journal<S>, Recovery), OpenError<E>> {
        Journal::open_after(storage, Seq(0), on_entry)
    }

    /// Like `open`, but entries up to `covered` (what a snapshot already holds) are verified
    /// (frame, checksum, sequence, chain) without being decoded or handed to `on_entry`; only
    /// the tail after `covered` is. `Recovery::records` still counts every record.
    pub fn open_after<E>(
        mut storage: S,
        covered: Seq,
        mut on_entry: impl FnMut(Seq, Entry) -> Result<(), E>,
    ) -> Result<(Journal<S>, Recovery), OpenError<E>> {
        let size = storage.size().map_err(io_error("size"))?;
        let header = format::file_header();
        if size < FILE_HEADER_LEN as u64 {
            let recovery = initialise(&mut storage, size, &header)?;
            return Ok((Journal::positioned(storage, FILE_HEADER_LEN as u64, Seq(0), format::genesis()), recovery));
        }
        let mut window = Window { buf: Vec::new(), base: 0, size };
        check_header(window.get(&mut storage, 0, FILE_HEADER_LEN)?, &header)?;

        let mut offset = FILE_HEADER_LEN as u64;
        let mut last_seq = Seq(0);
        let mut chain = format::genesis();
        let mut torn_tail = None;
        while offset < size {
            let expected = Seq(last_seq.0 + 1);
            let body = match read_record(&mut storage, &mut window, offset)? {
                Ok(body) => body,
                Err(damage) => {
                    if intact_record_after(&mut storage, &mut window, offset, expected)? {
                        return Err(JournalError::Damaged { seq: expected, offset, damage }.into());
                    }
                    storage.truncate(offset).map_err(io_error("truncate of the torn tail"))?;
                    storage.sync().map_err(io_error("sync after truncating the torn tail"))?;
                    torn_tail = Some(TornTail { offset, bytes_dropped: size - offset, seq: expected, damage });
                    break;
                }
            };
            let found = Seq(format::read_u64(body, 0));
            if found != expected {
                return Err(JournalError::OutOfSequence { expected, found, offset }.into());
            }
            if format::read_u64(body, 8) != chain {
                return Err(JournalError::ChainBroken { seq: expected, offset }.into());
            }
            let entry = if expected > covered {
                let entry = Entry::decode(expected, &body[BODY_FIXED_LEN..])
                    .map_err(|source| JournalError::Undecodable { seq: expected, offset, source })?;
                Some(entry)
            } else {
                None
            };
            chain = format::digest(body);
            offset += (FRAME_LEN + body.len()) as u64;
            last_seq = expected;
            if let Some(entry) = entry {
                on_entry(expected, entry).map_err(|source| OpenError::Apply { seq: expected, source })?;
            }
        }
        // What was replayed may sit only in the page cache (a batch whose append failed just
        // before a process crash); make it durable before anything is built on it.
        if torn_tail.is_none() {
            storage.sync().map_err(io_error("sync after replay"))?;
        }
        let recovery = Recovery { created: false, records: last_seq.0, last_seq, bytes: offset, torn_tail };
        Ok((Journal::positioned(storage, offset, last_seq, chain), recovery))
    }

    fn positioned(storage: S, len: u64, last_seq: Seq, chain: u64) -> Journal<S> {
        Journal { storage, len, last_seq, chain, roll_back_pending: false, buf: Vec::new() }
    }

    /// Appends a batch durably: one write and one sync. `Ok` is the acknowledgement.
    ///
    /// `entries[i].0` must be `last_seq() + 1 + i`, and a command's `seq` must equal it; a
    /// batch that breaks either rule (or holds an entry over the size limit) is refused before
    /// anything is written. An empty batch does nothing. On an I/O error nothing is
    /// acknowledged, `last_seq` does not move, and the bytes of the failed batch are rolled
    /// back (now, or at the start of the next append if the roll-back fails too).
    pub fn append(&mut self, entries: &[(Seq, Entry)]) -> Result<(), JournalError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.buf.clear();
        let mut chain = self.chain;
        let mut expected = Seq(self.last_seq.0 + 1);
        for (index, (seq, entry)) in entries.iter().enumerate() {
            if *seq != expected {
                return Err(JournalError::SeqNotNext { index, expected, found: *seq });
            }
            if let Entry::Command(command) = entry
                && command.seq != *seq
            {
                return Err(JournalError::CommandSeqMismatch { seq: *seq, command: command.seq });
            }
            chain = put_record(&mut self.buf, *seq, chain, entry)?;
            expected = Seq(expected.0 + 1);
        }
        if self.roll_back_pending {
            self.roll_back()?;
        }
        if let Err(source) = self.storage.append(&self.buf) {
            self.abandon_batch();
            return Err(JournalError::Io { op: "write", source });
        }
        if let Err(source) = self.storage.sync() {
            self.abandon_batch();
            return Err(JournalError::Io { op: "sync", source });
        }
        self.len += self.buf.len() as u64;
        self.last_seq = Seq(expected.0 - 1);
        self.chain = chain;
        Ok(())
    }

    /// After a failed write or sync: roll back now if possible, else before the next write.
    fn abandon_batch(&mut self) {
        self.roll_back_pending = true;
        // A failure here is reported by the next append, which retries the roll-back first.
        let _ = self.roll_back();
    }

    /// Cuts the storage back to the acknowledged length and makes that durable.
    fn roll_back(&mut self) -> Result<(), JournalError> {
        self.storage.truncate(self.len).map_err(io_error("truncate after a failed append"))?;
        self.storage.sync().map_err(io_error("sync after a failed append"))?;
        self.roll_back_pending = false;
        Ok(())
    }

    /// The sequence number of the last acknowledged entry (`Seq(0)` when empty).
    pub fn last_seq(&self) -> Seq {
        self.last_seq
    }

    /// The sequence number the next appended entry must have.
    pub fn next_seq(&self) -> Seq {
        Seq(self.last_seq.0 + 1)
    }

    /// Length in bytes of the acknowledged journal, header included.
    pub fn len_bytes(&self) -> u64 {
        self.len
    }

    /// The underlying storage.
    pub fn storage(&self) -> &S {
        &self.storage
    }
}

/// Writes the header into empty storage, or over a header torn while the file was created.
fn initialise<S: Storage>(
    storage: &mut S,
    size: u64,
    header: &[u8; FILE_HEADER_LEN],
) -> Result<Recovery, JournalError> {
    let mut existing = vec![0; size as usize];
    read_exact_at(storage, 0, &mut existing)?;
    if existing[..] != header[..existing.len()] {
        if !MAGIC.starts_with(&existing[..existing.len().min(MAGIC.len())]) {
            return Err(JournalError::NotAJournal { found: existing });
        }
        return Err(JournalError::BadHeader);
    }
    let torn_tail =
        (size > 0).then_some(TornTail { offset: 0, bytes_dropped: size, seq: Seq(1), damage: Damage::FileHeader });
    if size > 0 {
        storage.truncate(0).map_err(io_error("truncate of a torn header"))?;
    }
    storage.append(header).map_err(io_error("write of the file header"))?;
    storage.sync().map_err(io_error("sync of the file header"))?;
    Ok(Recovery { created: true, records: 0, last_seq: Seq(0), bytes: FILE_HEADER_LEN as u64, torn_tail })
}

fn check_header(found: &[u8], header: &[u8; FILE_HEADER_LEN]) -> Result<(), JournalError> {
    if found[..MAGIC.len()] != MAGIC {
        return Err(JournalError::NotAJournal { found: found[..MAGIC.len()].to_vec() });
    }
    if crc32c::crc32c(&found[..12]) != format::read_u32(found, 12) {
        return Err(JournalError::BadHeader);
    }
    let version = format::read_u32(found, 8);
    if version != VERSION {
        return Err(JournalError::UnsupportedVersion { found: version, supported: VERSION });
    }
    debug_assert_eq!(found, header);
    Ok(())
}

/// Reads the record at `offset`: its intact body, or what is wrong with it.
fn read_record<'w, S: Storage>(
    storage: &mut S,
    window: &'w mut Window,
    offset: u64,
) -> Result<Result<&'w [u8], Damage>, JournalError> {
    let available = window.size - offset;
    if available < FRAME_LEN as u64 {
        return Ok(Err(Damage::ShortFrame { available: available as usize }));
    }
    let frame = window.get(storage, offset, FRAME_LEN)?;
    let len = format::read_u32(frame, 0);
    let stored = format::read_u32(frame, 4);
    if !(BODY_MIN..=BODY_MAX).contains(&(len as usize)) {
        return Ok(Err(Damage::BadLength { len }));
    }
    let available = available - FRAME_LEN as u64;
    if u64::from(len) > available {
        return Ok(Err(Damage::PastEnd { len, available }));
    }
    let body = window.get(storage, offset + FRAME_LEN as u64, len as usize)?;
    let computed = crc32c::crc32c(body);
    if computed != stored {
        return Ok(Err(Damage::Checksum { stored, computed }));
    }
    Ok(Ok(body))
}

/// True when an intact record starts anywhere after `damaged` (see the module doc). To stay
/// linear, a candidate's checksum is computed only when its length fits and its sequence
/// number is one the rest of the file could still hold.
fn intact_record_after<S: Storage>(
    storage: &mut S,
    window: &mut Window,
    damaged: u64,
    expected: Seq,
) -> Result<bool, JournalError> {
    let size = window.size;
    let seq_max = expected.0.saturating_add((size - damaged) / RECORD_MIN as u64);
    let mut offset = damaged + 1;
    while offset + RECORD_MIN as u64 <= size {
        let head = window.get(storage, offset, FRAME_LEN + 8)?;
        let len = format::read_u32(head, 0);
        let stored = format::read_u32(head, 4);
        let seq = format::read_u64(head, FRAME_LEN);
        let body_start = offset + FRAME_LEN as u64;
        if (BODY_MIN..=BODY_MAX).contains(&(len as usize))
            && body_start + u64::from(len) <= size
            && (expected.0..=seq_max).contains(&seq)
            && crc32c::crc32c(window.get(storage, body_start, len as usize)?) == stored
        {
            return Ok(true);
        }
        offset += 1;
    }
    Ok(false)
}

/// Appends one record (frame and body) for `entry` to `buf`; returns its digest.
fn put_record(buf: &mut Vec<u8>, seq: Seq, prev: u64, entry: &Entry) -> Result<u64, JournalError> {
    let start = buf.len();
    buf.extend_from_slice(&[0; FRAME_LEN]);
    buf.extend_from_slice(&seq.0.to_le_bytes());
    buf.extend_from_slice(&prev.to_le_bytes());
    entry.encode(buf);
    let body = &buf[start + FRAME_LEN..];
    if body.len() > BODY_MAX {
        let len = body.len();
        buf.truncate(start);
        return Err(JournalError::EntryTooLarge { seq, len, max: BODY_MAX });
    }
    let len = body.len() as u32;
    let checksum = crc32c::crc32c(body);
    let digest = format::digest(body);
    buf[start..start + 4].copy_from_slice(&len.to_le_bytes());
    buf[start + 4..start + FRAME_LEN].copy_from_slice(&checksum.to_le_bytes());
    Ok(digest)
}

/// A read buffer over the storage: `get` returns a slice of the file, refilling by chunks.
struct Window {
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    base: u64,
    /// File size; callers never ask past it.
    size: u64,
}

impl Window {
    fn get<S: Storage>(&mut self, storage: &mut S, offset: u64, len: usize) -> Result<&[u8], JournalError> {
        let end = offset + len as u64;
        debug_assert!(end <= self.size, "window read past the end of the file");
        if offset < self.base || end > self.base + self.buf.len() as u64 {
            let want = (len.max(READ_CHUNK) as u64).min(self.size - offset) as usize;
            self.buf.resize(want, 0);
            read_exact_at(storage, offset, &mut self.buf)?;
            self.base = offset;
        }
        let start = (offset - self.base) as usize;
        Ok(&self.buf[start..start + len])
    }
}

fn read_exact_at<S: Storage>(storage: &mut S, offset: u64, buf: &mut [u8]) -> Result<(), JournalError> {
    let mut filled = 0;
    while filled < buf.len() {
        let count = storage.read_at(offset + filled as u64, &mut buf[filled..]).map_err(io_error("read"))?;
        if count == 0 {
            let source = io::Error::new(io::ErrorKind::UnexpectedEof, "the journal shrank while being read");
            return Err(JournalError::Io { op: "read", source });
        }
        filled += count;
    }
    Ok(())
}

fn io_error(op: &'static str) -> impl Fn(io::Error) -> JournalError {
    move |source| JournalError::Io { op, source }
}
