//! `--metadata-output`: one JSON line per processed file, what the official CLI's users read to
//! learn what a message holds without decrypting it again.
//!
//! ```text
//! {"mode": "encrypt" | "decrypt", "input": PATH | "-", "output": PATH | "-",
//!  "header": {"version": 1 | 2, "suite": "0x0478", "message_id": BASE64,
//!             "content_type": "framed" | "non-framed", "frame_length": N,
//!             "encryption_context": {K: V},
//!             "encrypted_data_keys": [{"provider_id": ID, "provider_info": BASE64,
//!                                      "key_name": NAME (raw AES and RSA keys, KMS key ARNs)}]}}
//! ```

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use envseal::format::header::ContentType;
use envseal::format::EncryptedDataKey;
use envseal::MessageHeader;
use serde_json::{json, Value};

use crate::args::Endpoint;
use crate::error::{CliError, CliResult};

/// Where metadata lines go, if anywhere.
pub struct Metadata {
    out: Option<(Box<dyn Write>, PathBuf)>,
}

impl Metadata {
    /// Opens `target` (`-` is stdout; a file is appended to, or truncated with `overwrite`);
    /// `None` writes nothing.
    ///
    /// # Errors
    /// [`CliError::Io`] if the file cannot be opened.
    pub fn open(target: Option<&str>, overwrite: bool) -> CliResult<Self> {
        let out: Option<(Box<dyn Write>, PathBuf)> = match target {
            None => None,
            Some("-") => Some((Box::new(io::stdout()), PathBuf::from("stdout"))),
            Some(path) => {
                let file = OpenOptions::new()
                    .create(true)
                    .write(true)
                    .append(!overwrite)
                    .truncate(overwrite)
                    .open(path)
                    .map_err(|e| CliError::io("opening", Path::new(path), e))?;
                Some((Box::new(file), PathBuf::from(path)))
            }
        };
        Ok(Metadata { out })
    }

    /// Writes the line of one finished file.
    ///
    /// # Errors
    /// [`CliError::Io`] on a write error.
    pub fn record(&mut self, mode: &str, input: &Endpoint, output: &Endpoint, header: &MessageHeader) -> CliResult<()> {
        let Some((out, path)) = &mut self.out else { return Ok(()) };
        let line = json!({ "mode": mode, "input": name(input), "output": name(output), "header": header_json(header) });
        writeln!(out, "{line}").and_then(|()| out.flush()).map_err(|e| CliError::io("writing", path, e))
    }
}

fn name(e: &Endpoint) -> String {
    match e {
        Endpoint::Std => "-".into(),
        Endpoint::Path(p) => p.display().to_string(),
    }
}

/// The header as the metadata line shows it.
pub fn header_json(h: &MessageHeader) -> Value {
    json!({
        "version": h.version as u8,
        "suite": format!("0x{:04x}", h.suite.id()),
        "message_id": STANDARD.encode(&h.message_id),
        "content_type": if h.content_type == ContentType::Framed { "framed" } else { "non-framed" },
        "frame_length": h.frame_length,
        "encryption_context": h.encryption_context,
        "encrypted_data_keys": h.encrypted_data_keys.iter().map(edk_json).collect::<Vec<_>>(),
    })
}

fn edk_json(edk: &EncryptedDataKey) -> Value {
    let mut v = json!({ "provider_id": edk.provider_id, "provider_info": STANDARD.encode(&edk.provider_info) });
    if let Some(name) = key_name(&edk.provider_info) {
        v["key_name"] = Value::String(name.to_owned());
    }
    v
}

/// The key name in a provider info: a raw AES one is `name || u32 128 || u32 12 || IV(12)`; raw
/// RSA and AWS KMS ones are the name (or key ARN) itself.
fn key_name(info: &[u8]) -> Option<&str> {
    const AES_LAYOUT: [u8; 8] = [0, 0, 0, 128, 0, 0, 0, 12];
    let name = match info.len().checked_sub(20) {
        Some(n) if info.get(n..n + 8) == Some(&AES_LAYOUT[..]) => info.get(..n)?,
        _ => info,
    };
    core::str::from_utf8(name).ok().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_from_provider_info() {
        let mut aes = b"aes-256".to_vec();
        aes.extend_from_slice(&[0, 0, 0, 128, 0, 0, 0, 12]);
        aes.extend_from_slice(&[0xff; 12]);
        assert_eq!(key_name(&aes), Some("aes-256"));
        assert_eq!(key_name(b"rsa-4096-private"), Some("rsa-4096-private"));
        assert_eq!(
            key_name(b"arn:aws:kms:us-west-2:111122223333:key/k"),
            Some("arn:aws:kms:us-west-2:111122223333:key/k")
        );
        assert_eq!(key_name(&[0xff, 0xfe]), None);
        assert_eq!(key_name(&[]), None);
    }
}
