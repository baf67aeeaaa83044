//! Where bytes come from and go to: files or stdin/stdout.
//!
//! An output file is written as `OUT.envseal-partial-<random>` next to `OUT`, created exclusively
//! (an existing file or a planted symbolic link there is never opened) with mode 0600, and moved
//! to `OUT` by [`Output::commit`]: without `--overwrite` by a hard link that fails if `OUT` exists
//! (nothing is replaced, even by a file that appeared meanwhile), with it by a rename. Dropping an
//! uncommitted [`Output`] (any error, or a panic) deletes the partial file, so `OUT` never holds
//! unverified or incomplete output. It does not `fsync`: no durability guarantee across power loss.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::args::Endpoint;
use crate::error::{CliError, CliResult};

/// In the name of the temporary file an output is written to before it becomes `OUT`.
pub const PARTIAL_SUFFIX: &str = ".envseal-partial";

/// A byte source with a name for error messages.
pub struct Input {
    reader: Box<dyn Read>,
    label: PathBuf,
    /// Bytes it holds, when known before reading (a regular file, read as it is).
    len: Option<u64>,
    /// The file again, for reading at random (a regular file, read as it is).
    file: Option<File>,
}

impl Input {
    /// Opens a file, or stdin for `-`.
    ///
    /// # Errors
    /// [`CliError::Io`] if the file cannot be opened.
    pub fn open(endpoint: &Endpoint) -> CliResult<Self> {
        match endpoint {
            Endpoint::Std => {
                Ok(Input { reader: Box::new(io::stdin().lock()), label: PathBuf::from("stdin"), len: None, file: None })
            }
            Endpoint::Path(p) => Self::open_file(p),
        }
    }

    /// Opens a file.
    ///
    /// # Errors
    /// [`CliError::Io`] if it cannot be opened.
    pub fn open_file(path: &Path) -> CliResult<Self> {
        let file = File::open(path).map_err(|e| CliError::io("opening", path, e))?;
        let regular = file.metadata().ok().filter(|m| m.is_file());
        let len = regular.as_ref().map(std::fs::Metadata::len);
        let seekable = if regular.is_some() { file.try_clone().ok() } else { None };
        Ok(Input { reader: Box::new(file), label: path.to_owned(), len, file: seekable })
    }

    /// The input as a file to read at random: a regular file, not base64-decoded.
    pub fn seekable(&mut self) -> Option<&mut File> {
        self.file.as_mut()
    }

    /// Bytes the input holds, when known before reading: a regular file, not base64-decoded.
    pub fn len(&self) -> Option<u64> {
        self.len
    }

    /// The same input read as base64 (ASCII whitespace skipped): `--decode`.
    pub fn base64_decoded(self) -> Self {
        let label = self.label.clone();
        Input {
            reader: Box::new(Base64Reader {
                inner: self.reader,
                text: Vec::new(),
                bytes: Vec::new(),
                at: 0,
                done: false,
            }),
            label,
            len: None,
            file: None,
        }
    }

    /// Reads up to `buf.len()` bytes; 0 means the end of the input.
    ///
    /// # Errors
    /// [`CliError::Io`] on a read error.
    pub fn read_chunk(&mut self, buf: &mut [u8]) -> CliResult<usize> {
        loop {
            match self.reader.read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(CliError::io("reading", &self.label, e)),
            }
        }
    }
}

/// Where output bytes go.
pub trait Sink {
    /// Writes all of `bytes`.
    ///
    /// # Errors
    /// [`CliError::Io`] on a write error.
    fn put(&mut self, bytes: &[u8]) -> CliResult<()>;
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) -> CliResult<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// Decodes base64 text from `inner` in blocks of whole 4-character groups.
struct Base64Reader {
    inner: Box<dyn Read>,
    /// Characters read but not decoded yet (fewer than 4 between reads).
    text: Vec<u8>,
    /// Decoded bytes not handed out yet, from `at`.
    bytes: Vec<u8>,
    at: usize,
    done: bool,
}

impl Read for Base64Reader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use base64::Engine;
        while self.at == self.bytes.len() && !self.done {
            let mut raw = [0u8; 64 * 1024];
            let n = self.inner.read(&mut raw)?;
            self.done = n == 0;
            self.text.extend(raw.get(..n).unwrap_or_default().iter().filter(|b| !b.is_ascii_whitespace()));
            let whole = if self.done { self.text.len() } else { self.text.len() / 4 * 4 };
            self.bytes.clear();
            self.at = 0;
            base64::engine::general_purpose::STANDARD
                .decode_vec(self.text.get(..whole).unwrap_or_default(), &mut self.bytes)
                .map_err(|e| {
                    io::Error::new(io::ErrorKind::InvalidData, format!("the input is not valid base64 ({e})"))
                })?;
            self.text.drain(..whole);
        }
        let n = buf.len().min(self.bytes.len() - self.at);
        buf.get_mut(..n).unwrap_or_default().copy_from_slice(self.bytes.get(self.at..self.at + n).unwrap_or_default());
        self.at += n;
        Ok(n)
    }
}

/// Encodes what it is given as base64 into another sink (`--encode`); [`finish`](Self::finish)
/// writes the last group and its padding.
pub struct Base64Sink<'a> {
    inner: &'a mut dyn Sink,
    /// Up to 2 bytes that do not make a 3-byte group yet.
    carry: Vec<u8>,
}

impl<'a> Base64Sink<'a> {
    pub fn new(inner: &'a mut dyn Sink) -> Self {
        Base64Sink { inner, carry: Vec::with_capacity(3) }
    }

    /// Writes the remaining bytes, padded.
    ///
    /// # Errors
    /// As the inner sink's `put`.
    pub fn finish(self) -> CliResult<()> {
        use base64::Engine;
        if self.carry.is_empty() {
            return Ok(());
        }
        self.inner.put(base64::engine::general_purpose::STANDARD.encode(&self.carry).as_bytes())
    }
}

impl Sink for Base64Sink<'_> {
    fn put(&mut self, bytes: &[u8]) -> CliResult<()> {
        use base64::Engine;
        let mut joined = core::mem::take(&mut self.carry);
        joined.extend_from_slice(bytes);
        let whole = joined.len() / 3 * 3;
        let text = base64::engine::general_purpose::STANDARD.encode(joined.get(..whole).unwrap_or_default());
        self.carry = joined.split_off(whole);
        self.inner.put(text.as_bytes())
    }
}

/// stdout, or a partial file that becomes `OUT` on commit.
pub enum Output {
    Stdout(io::StdoutLock<'static>),
    File(PartialFile),
}

impl Output {
    /// Starts writing to `endpoint` (stdout for `-`); an existing file is replaced only with `overwrite`.
    ///
    /// # Errors
    /// [`CliError::OutputExists`]; [`CliError::Io`] if the partial file cannot be created.
    pub fn create(endpoint: &Endpoint, overwrite: bool) -> CliResult<Self> {
        match endpoint {
            Endpoint::Std => Ok(Output::Stdout(io::stdout().lock())),
            Endpoint::Path(p) => Ok(Output::File(PartialFile::create(p, overwrite)?)),
        }
    }

    /// Finishes the output: flushes stdout, or renames the partial file to its destination.
    ///
    /// # Errors
    /// [`CliError::Io`] if flushing or renaming fails (the partial file is then deleted).
    pub fn commit(self) -> CliResult<()> {
        match self {
            Output::Stdout(mut s) => s.flush().map_err(|e| CliError::io("writing", Path::new("stdout"), e)),
            Output::File(f) => f.commit(),
        }
    }
}

impl Sink for Output {
    fn put(&mut self, bytes: &[u8]) -> CliResult<()> {
        match self {
            Output::Stdout(s) => s.write_all(bytes).map_err(|e| CliError::io("writing", Path::new("stdout"), e)),
            Output::File(f) => f.put(bytes),
        }
    }
}

/// A file written under a temporary name and moved into place on success.
pub struct PartialFile {
    file: Option<File>,
    partial: PathBuf,
    dest: PathBuf,
    overwrite: bool,
}

impl PartialFile {
    /// Creates a new `dest` + [`PARTIAL_SUFFIX`] + `-<random>`, exclusively, mode 0600.
    ///
    /// # Errors
    /// [`CliError::OutputExists`] if `dest` exists and not `overwrite`; [`CliError::Io`] if the
    /// partial file cannot be created.
    pub fn create(dest: &Path, overwrite: bool) -> CliResult<Self> {
        if !overwrite && fs::symlink_metadata(dest).is_ok() {
            return Err(CliError::OutputExists(dest.to_owned()));
        }
        let mut attempts = 0;
        loop {
            let partial = partial_path(dest, &random_tag()?);
            match open_exclusive(&partial) {
                Ok(file) => return Ok(PartialFile { file: Some(file), partial, dest: dest.to_owned(), overwrite }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 8 => attempts += 1,
                Err(e) => return Err(CliError::io("creating", &partial, e)),
            }
        }
    }

    fn put(&mut self, bytes: &[u8]) -> CliResult<()> {
        let file = self.file.as_mut().ok_or_else(|| CliError::io("writing", &self.partial, closed()))?;
        file.write_all(bytes).map_err(|e| CliError::io("writing", &self.partial, e))
    }

    /// Closes the file and moves it to its destination.
    ///
    /// # Errors
    /// [`CliError::OutputExists`] if the destination appeared meanwhile (without `overwrite`);
    /// [`CliError::Io`]. The partial file is deleted then.
    pub fn commit(mut self) -> CliResult<()> {
        let file = self.file.take().ok_or_else(|| CliError::io("writing", &self.partial, closed()))?;
        drop(file);
        if self.overwrite {
            return fs::rename(&self.partial, &self.dest)
                .map_err(|e| CliError::io("renaming the output to", &self.dest, e));
        }
        // A hard link never replaces an existing name. Drop removes the partial name afterwards.
        match fs::hard_link(&self.partial, &self.dest) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(CliError::OutputExists(self.dest.clone())),
            // No hard links on this file system: check, then rename (a narrow race remains).
            Err(_) if fs::symlink_metadata(&self.dest).is_err() => {
                fs::rename(&self.partial, &self.dest).map_err(|e| CliError::io("renaming the output to", &self.dest, e))
            }
            Err(_) => Err(CliError::OutputExists(self.dest.clone())),
        }
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        drop(self.file.take());
        // After a rename it is absent; after a hard link it is the second name of OUT.
        let _ = fs::remove_file(&self.partial);
    }
}

/// Opens a new file for writing: fails if anything (a file, a symbolic link) has that name; 0600.
fn open_exclusive(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// 16 random hex digits for a partial file's name (unpredictable, so it cannot be planted ahead).
fn random_tag() -> CliResult<String> {
    let mut bytes = [0u8; 8];
    envseal::crypto::random_bytes(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn closed() -> io::Error {
    io::Error::other("the output was already closed")
}

/// `dir/name` -> `dir/name.envseal-partial-TAG` (same directory, so the move stays on one filesystem).
pub fn partial_path(dest: &Path, tag: &str) -> PathBuf {
    let mut name = OsString::from(dest.as_os_str());
    name.push(PARTIAL_SUFFIX);
    name.push("-");
    name.push(tag);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("envseal-cli-files-{name}-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn partials(dir: &Path) -> Vec<String> {
        let names = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned());
        names.filter(|n| n.contains(PARTIAL_SUFFIX)).collect()
    }

    #[test]
    fn commit_moves_into_place_and_drop_deletes() {
        let dir = scratch("partial");
        let dest = dir.join("out.bin");
        let mut f = PartialFile::create(&dest, false).unwrap();
        f.put(b"hello").unwrap();
        assert_eq!(partials(&dir).len(), 1);
        assert!(!dest.exists());
        f.commit().unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"hello");
        assert!(partials(&dir).is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&dest).unwrap().permissions().mode() & 0o777, 0o600);
        }

        let other = dir.join("other.bin");
        let mut g = PartialFile::create(&other, false).unwrap();
        g.put(b"unverified").unwrap();
        drop(g);
        assert!(!other.exists() && partials(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_existing_output_is_kept_unless_overwrite() {
        let dir = scratch("exists");
        let dest = dir.join("out.bin");
        fs::write(&dest, b"keep me").unwrap();
        assert!(matches!(PartialFile::create(&dest, false), Err(CliError::OutputExists(_))));
        // It appears while the output is being written: still not replaced.
        let late = dir.join("late.bin");
        let mut f = PartialFile::create(&late, false).unwrap();
        f.put(b"new").unwrap();
        fs::write(&late, b"appeared meanwhile").unwrap();
        assert!(matches!(f.commit(), Err(CliError::OutputExists(_))));
        assert_eq!(fs::read(&late).unwrap(), b"appeared meanwhile");
        let mut g = PartialFile::create(&dest, true).unwrap();
        g.put(b"replaced").unwrap();
        g.commit().unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"replaced");
        assert!(partials(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_never_written_through() {
        let dir = scratch("symlink");
        let victim = dir.join("victim");
        fs::write(&victim, b"precious").unwrap();
        let dest = dir.join("out.bin");
        // The name the partial file had before it was random, and OUT itself.
        std::os::unix::fs::symlink(&victim, dir.join("out.bin.envseal-partial")).unwrap();
        let mut f = PartialFile::create(&dest, false).unwrap();
        f.put(b"output").unwrap();
        f.commit().unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        let linked = dir.join("linked.bin");
        std::os::unix::fs::symlink(&victim, &linked).unwrap();
        assert!(matches!(PartialFile::create(&linked, false), Err(CliError::OutputExists(_))));
        let mut g = PartialFile::create(&linked, true).unwrap();
        g.put(b"output").unwrap();
        g.commit().unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"precious", "the link is replaced, not followed");
        assert_eq!(fs::read(&linked).unwrap(), b"output");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn base64_both_ways_in_any_pieces() {
        use base64::Engine;
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let expected = base64::engine::general_purpose::STANDARD.encode(&data);
        for piece in [1, 2, 3, 4, 999, 1000] {
            let mut text = Vec::new();
            let mut sink = Base64Sink::new(&mut text);
            for chunk in data.chunks(piece) {
                sink.put(chunk).unwrap();
            }
            sink.finish().unwrap();
            assert_eq!(String::from_utf8(text).unwrap(), expected, "piece {piece}");
        }
        // Decoding skips whitespace (line breaks every 76 characters, as `base64` writes).
        let wrapped: Vec<u8> = expected.as_bytes().chunks(76).flat_map(|l| l.iter().copied().chain(*b"\r\n")).collect();
        let mut input =
            Input { reader: Box::new(std::io::Cursor::new(wrapped)), label: "t".into(), len: None, file: None }
                .base64_decoded();
        let mut got = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            let n = input.read_chunk(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, data);
        let mut bad = Input {
            reader: Box::new(std::io::Cursor::new(b"AAA*".to_vec())),
            label: "t".into(),
            len: None,
            file: None,
        }
        .base64_decoded();
        assert!(bad.read_chunk(&mut buf).unwrap_err().to_string().contains("not valid base64"));
    }

    #[test]
    fn partial_path_appends_the_suffix() {
        assert_eq!(partial_path(Path::new("a/b.txt"), "00ff"), PathBuf::from("a/b.txt.envseal-partial-00ff"));
    }
}
