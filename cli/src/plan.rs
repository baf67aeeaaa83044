//! Which files a command processes: one IN and OUT, a file into an existing directory, or with
//! `-r` every file below a directory into the same relative paths under another.

use std::fs;
use std::path::{Path, PathBuf};

use crate::args::{Endpoint, IoArgs};
use crate::error::{CliError, CliResult};
use crate::files::PARTIAL_SUFFIX;

/// Default suffix of outputs written into a directory, as the official CLI names them.
pub const ENCRYPT_SUFFIX: &str = ".encrypted";
pub const DECRYPT_SUFFIX: &str = ".decrypted";
pub const REWRAP_SUFFIX: &str = ".rewrapped";

/// One input and where its output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub input: Endpoint,
    pub output: Endpoint,
}

/// The jobs `io` asks for; `default_suffix` names outputs written into a directory.
///
/// # Errors
/// [`CliError::Usage`] for combinations that cannot work (a directory without `-r`, `-r` with
/// stdin); [`CliError::Io`] if a directory cannot be read or created.
pub fn jobs(io: &IoArgs, default_suffix: &str) -> CliResult<Vec<Job>> {
    let input = io.input.as_deref().or(io.input_pos.as_deref()).ok_or_else(|| CliError::usage("IN is missing"))?;
    let output = io.output.as_deref().or(io.output_pos.as_deref()).ok_or_else(|| CliError::usage("OUT is missing"))?;
    let suffix = io.suffix.as_deref().unwrap_or(default_suffix);
    let (input, output) = (Endpoint::from_arg(input), Endpoint::from_arg(output));
    if io.recursive {
        let (Endpoint::Path(in_dir), Endpoint::Path(out_dir)) = (&input, &output) else {
            return Err(CliError::usage("-r needs a directory IN and a directory OUT, not -"));
        };
        return directory_jobs(in_dir, out_dir, suffix);
    }
    let output = match (&input, &output) {
        (Endpoint::Path(i), _) if i.is_dir() => {
            return Err(CliError::usage(format!(
                "IN {} is a directory: add -r to process the files below it",
                i.display()
            )))
        }
        (Endpoint::Path(i), Endpoint::Path(o)) if o.is_dir() => {
            let name = i.file_name().ok_or_else(|| CliError::usage(format!("IN {} names no file", i.display())))?;
            Endpoint::Path(o.join(with_suffix(Path::new(name), suffix)))
        }
        (Endpoint::Std, Endpoint::Path(o)) if o.is_dir() => {
            return Err(CliError::usage("with IN = -, OUT must be a file or -, not a directory"))
        }
        _ => output,
    };
    Ok(vec![Job { input, output }])
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Every regular file below `in_dir` (symbolic links are not followed), sorted, each to
/// `out_dir/relative path + suffix`; the output directories are created.
fn directory_jobs(in_dir: &Path, out_dir: &Path, suffix: &str) -> CliResult<Vec<Job>> {
    if !in_dir.is_dir() {
        return Err(CliError::usage(format!("-r: IN {} is not a directory", in_dir.display())));
    }
    let mut files = Vec::new();
    collect_files(in_dir, Path::new(""), &mut files)?;
    files.sort();
    let mut jobs = Vec::with_capacity(files.len());
    for rel in files {
        let dest = out_dir.join(with_suffix(&rel, suffix));
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(|e| CliError::io("creating", parent, e))?;
        }
        jobs.push(Job { input: Endpoint::Path(in_dir.join(&rel)), output: Endpoint::Path(dest) });
    }
    Ok(jobs)
}

fn collect_files(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> CliResult<()> {
    let dir = root.join(rel);
    let entries = fs::read_dir(&dir).map_err(|e| CliError::io("reading", &dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| CliError::io("reading", &dir, e))?;
        let kind = entry.file_type().map_err(|e| CliError::io("reading", &entry.path(), e))?;
        let child = rel.join(entry.file_name());
        if kind.is_dir() {
            collect_files(root, &child, out)?;
        } else if kind.is_file() && !entry.file_name().to_string_lossy().contains(PARTIAL_SUFFIX) {
            out.push(child);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(input: &str, output: &str, recursive: bool) -> IoArgs {
        use clap::Parser;
        let mut argv = vec!["envseal", "decrypt", "--keys", "k", "--key", "a"];
        if recursive {
            argv.push("-r");
        }
        argv.extend([input, output]);
        match crate::args::Cli::parse_from(argv).command {
            crate::args::Command::Decrypt(d) => d.io,
            _ => unreachable!(),
        }
    }

    #[test]
    fn single_files_and_directories() {
        let dir = std::env::temp_dir().join(format!("envseal-plan-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("in/sub")).unwrap();
        fs::create_dir_all(dir.join("out")).unwrap();
        for f in ["in/b.txt", "in/a.txt", "in/sub/c.txt", "in/x.envseal-partial-0123"] {
            fs::write(dir.join(f), b"x").unwrap();
        }
        let p = |s: &str| dir.join(s).display().to_string();
        let path = |s: &str| Endpoint::Path(dir.join(s));
        assert_eq!(
            jobs(&io("-", "-", false), DECRYPT_SUFFIX).unwrap(),
            [Job { input: Endpoint::Std, output: Endpoint::Std }]
        );
        assert_eq!(
            jobs(&io(&p("in/a.txt"), &p("out"), false), ".d").unwrap(),
            [Job { input: path("in/a.txt"), output: path("out/a.txt.d") }]
        );
        let all = jobs(&io(&p("in"), &p("out2"), true), DECRYPT_SUFFIX).unwrap();
        let expect = ["a.txt", "b.txt", "sub/c.txt"]
            .map(|f| Job { input: path(&format!("in/{f}")), output: path(&format!("out2/{f}.decrypted")) });
        assert_eq!(all, expect);
        assert!(dir.join("out2/sub").is_dir(), "output directories are created");
        let err = |i: &str, o: &str, r: bool| match jobs(&io(i, o, r), ".x") {
            Err(CliError::Usage(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(err(&p("in"), &p("o"), false).contains("add -r"));
        assert!(err("-", &p("out"), true).contains("-r needs a directory"));
        assert!(err("-", &p("out"), false).contains("not a directory"));
        assert!(err(&p("in/a.txt"), &p("o"), true).contains("is not a directory"));
        fs::remove_dir_all(dir).unwrap();
    }
}
