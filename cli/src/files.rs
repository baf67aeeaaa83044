//! Where bytes come from and go to: files or stdin/stdout.
//!
//! An output file is written as `OUT.envseal-partial` next to `OUT` and renamed to `OUT` by
//! [`Output::commit`]; dropping an uncommitted [`Output`] (any error, or a panic) deletes the
//! partial file, so `OUT` never holds unverified or incomplete output. The rename makes the result
//! appear at once; it does not `fsync`, so it is not a durability guarantee across power loss.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::args::Endpoint;
use crate::error::{CliError, CliResult};

/// Suffix of the temporary file an output is written to before the rename.
pub const PARTIAL_SUFFIX: &str = ".envseal-partial";

/// A byte source with a name for error messages.
pub struct Input {
    reader: Box<dyn Read>,
    label: PathBuf,
}

impl Input {
    /// Opens a file, or stdin for `-`.
    ///
    /// # Errors
    /// [`CliError::Io`] if the file cannot be opened.
    pub fn open(endpoint: &Endpoint) -> CliResult<Self> {
        match endpoint {
            Endpoint::Std => Ok(Input { reader: Box::new(io::stdin().lock()), label: PathBuf::from("stdin") }),
            Endpoint::Path(p) => Self::open_file(p),
        }
    }

    /// Opens a file.
    ///
    /// # Errors
    /// [`CliError::Io`] if it cannot be opened.
    pub fn open_file(path: &Path) -> CliResult<Self> {
        let file = File::open(path).map_err(|e| CliError::io("opening", path, e))?;
        Ok(Input { reader: Box::new(file), label: path.to_owned() })
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
    /// Starts writing to `endpoint` (stdout for `-`).
    ///
    /// # Errors
    /// [`CliError::Io`] if the partial file cannot be created.
    pub fn create(endpoint: &Endpoint) -> CliResult<Self> {
        match endpoint {
            Endpoint::Std => Ok(Output::Stdout(io::stdout().lock())),
            Endpoint::Path(p) => Ok(Output::File(PartialFile::create(p)?)),
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

/// A file written under a temporary name and renamed into place on success.
pub struct PartialFile {
    file: Option<File>,
    partial: PathBuf,
    dest: PathBuf,
}

impl PartialFile {
    /// Creates (or truncates) `dest` + [`PARTIAL_SUFFIX`].
    ///
    /// # Errors
    /// [`CliError::Io`] if it cannot be created.
    pub fn create(dest: &Path) -> CliResult<Self> {
        let partial = partial_path(dest);
        let file = File::create(&partial).map_err(|e| CliError::io("creating", &partial, e))?;
        Ok(PartialFile { file: Some(file), partial, dest: dest.to_owned() })
    }

    fn put(&mut self, bytes: &[u8]) -> CliResult<()> {
        let file = self.file.as_mut().ok_or_else(|| CliError::io("writing", &self.partial, closed()))?;
        file.write_all(bytes).map_err(|e| CliError::io("writing", &self.partial, e))
    }

    /// Closes the file and renames it to its destination.
    ///
    /// # Errors
    /// [`CliError::Io`]; the partial file is deleted then.
    pub fn commit(mut self) -> CliResult<()> {
        let file = self.file.take().ok_or_else(|| CliError::io("writing", &self.partial, closed()))?;
        drop(file);
        fs::rename(&self.partial, &self.dest).map_err(|e| CliError::io("renaming the output to", &self.dest, e))
        // On success the partial path no longer exists, so Drop's removal is a no-op.
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        drop(self.file.take());
        // Absent after a successful rename: nothing to do then.
        let _ = fs::remove_file(&self.partial);
    }
}

fn closed() -> io::Error {
    io::Error::other("the output was already closed")
}

/// `dir/name` -> `dir/name.envseal-partial` (same directory, so the rename stays on one filesystem).
pub fn partial_path(dest: &Path) -> PathBuf {
    let mut name = OsString::from(dest.as_os_str());
    name.push(PARTIAL_SUFFIX);
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

    #[test]
    fn commit_renames_and_drop_deletes() {
        let dir = scratch("partial");
        let dest = dir.join("out.bin");
        let mut f = PartialFile::create(&dest).unwrap();
        f.put(b"hello").unwrap();
        assert!(partial_path(&dest).exists() && !dest.exists());
        f.commit().unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"hello");
        assert!(!partial_path(&dest).exists());

        let other = dir.join("other.bin");
        let mut g = PartialFile::create(&other).unwrap();
        g.put(b"unverified").unwrap();
        drop(g);
        assert!(!other.exists() && !partial_path(&other).exists());
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
        let mut input = Input { reader: Box::new(std::io::Cursor::new(wrapped)), label: "t".into() }.base64_decoded();
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
        let mut bad =
            Input { reader: Box::new(std::io::Cursor::new(b"AAA*".to_vec())), label: "t".into() }.base64_decoded();
        assert!(bad.read_chunk(&mut buf).unwrap_err().to_string().contains("not valid base64"));
    }

    #[test]
    fn partial_path_appends_the_suffix() {
        assert_eq!(partial_path(Path::new("a/b.txt")), PathBuf::from("a/b.txt.envseal-partial"));
    }
}
