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
    fn partial_path_appends_the_suffix() {
        assert_eq!(partial_path(Path::new("a/b.txt")), PathBuf::from("a/b.txt.envseal-partial"));
    }
}
