//! Streaming handles over the core's sans-io state machines: `MessageEncryptor` and
//! `MessageDecryptor`. Bytes in, bytes out; the Web Streams adapters (`encryptStream`,
//! `decryptStream` in the package's `streams.js`) are built on these in JavaScript.
//!
//! Each handle can be driven two ways, never both:
//!
//! ```text
//! // 1. the core's own AES-GCM (the 'wasm' engine)
//! const enc = new MessageEncryptor(keyring, options)   // header available at once
//! out = enc.push(chunk) ... out = enc.finish()          // concatenated: the message
//!
//! const dec = new MessageDecryptor(options)
//! out = dec.push(chunk)                  // state 'header' -> 'need-data-key' (or: used = dec.readHeader(chunk))
//! dec.unwrapWith(keyring)  or  dec.provideDataKey(key)   // (after an async unwrap of dec.header)
//! out = dec.push(chunk) ... out = dec.finish()          // state 'body' -> 'complete' -> 'finished'
//!
//! // 2. frame by frame with an external AES-GCM engine (WebCrypto, the 'webcrypto' engine):
//! //    the core computes every IV, AAD and frame prefix and checks order; JavaScript only
//! //    seals and opens.
//! enc.takeHeader(); enc.contentKey(); step = enc.nextFrame(available, ended); enc.absorb(bytes); enc.footer()
//! dec.intoBody(); dec.contentKey(); step = dec.next(bytes, held); dec.absorb(frame); dec.finish(held)
//!
//! // signed suites, with a faster hash than the core's (node:crypto in Node): before any frame,
//! { hash, prelude } = enc.handOutHash()   // hash prelude, then every byte absorb would get
//! enc.setDigest(digest)                    // before footer (dec: before next reaches the footer)
//! ```

mod decrypt;
mod encrypt;
mod range;
mod rewrap;

use js_sys::{Object, Uint8Array};

use crate::stream::FrameParams;
use crate::suite::SignatureAlgorithm;

use super::header::ObjectBuilder;

pub use decrypt::{decrypt_failed_error, DecryptorHandle};
pub use encrypt::EncryptorHandle;

/// A frame's parameters as a plain object:
/// `{ seq, isFinal, len, iv: Uint8Array, aad: Uint8Array, prefix: Uint8Array }`.
fn frame_params_to_js(p: &FrameParams) -> ObjectBuilder {
    ObjectBuilder::new()
        .set("seq", p.seq)
        .set("isFinal", p.is_final)
        .set("len", p.len)
        .set("iv", Uint8Array::from(&p.iv[..]))
        .set("aad", Uint8Array::from(p.aad.as_slice()))
        .set("prefix", Uint8Array::from(p.prefix.as_slice()))
}

/// `{ hash: 'SHA-256' | 'SHA-384', prelude: Uint8Array }`: a signature hash handed out to an
/// engine, and the bytes it begins with.
fn hash_out_to_js((alg, prelude): (SignatureAlgorithm, Vec<u8>)) -> Object {
    ObjectBuilder::new().set("hash", alg.hash_name()).set("prelude", Uint8Array::from(prelude.as_slice())).build()
}

/// `{ need }`: the input must hold at least `need` bytes (from where it starts) before the call
/// can make progress.
fn need_to_js(need: usize) -> Object {
    // `need` is a position in a buffer that fits in wasm32 memory, or usize::MAX (exact in f64
    // to within rounding, which only says "more than you can give").
    ObjectBuilder::new().set("need", need as f64).build()
}

/// The label of a streaming API in argument errors: the handle's own name unless JavaScript says
/// which public function it serves.
fn api_label(api: Option<String>, default: &'static str) -> &'static str {
    const PUBLIC: [&str; 8] = [
        "encrypt",
        "decrypt",
        "encryptStream",
        "decryptStream",
        "encryptFile",
        "decryptFile",
        "createEncryptStream",
        "createDecryptStream",
    ];
    api.and_then(|api| PUBLIC.into_iter().find(|name| *name == api)).unwrap_or(default)
}
