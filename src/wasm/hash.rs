//! `RunningHash`: the core's SHA-256/SHA-384, for an engine that hashes a signed message on
//! another thread (a Web Worker of the 'workers' engine). The core still decides which bytes are
//! hashed (`handOutHash` on a stream handle); this hashes what it is given and hands the digest
//! back, which the handle then signs or verifies (`setDigest`).

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use crate::crypto::signature::MessageHasher;
use crate::error::Error;
use crate::suite::SignatureAlgorithm;

use super::args::byte_view;
use super::errors::JsResult;

/// A running SHA-256 or SHA-384.
#[wasm_bindgen]
pub struct RunningHash {
    inner: Option<MessageHasher>,
    /// Reused for the bytes of each `update` (copied out of JavaScript's memory).
    scratch: Vec<u8>,
}

#[wasm_bindgen]
impl RunningHash {
    /// Starts a hash: `name` is 'SHA-256' or 'SHA-384' (as `handOutHash` names it).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for another name.
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str) -> JsResult<RunningHash> {
        let alg = SignatureAlgorithm::from_hash_name(name)
            .ok_or_else(|| Error::arg(format!("RunningHash: expected 'SHA-256' or 'SHA-384', got {name:?}")))?;
        Ok(RunningHash { inner: Some(MessageHasher::new(alg)), scratch: Vec::new() })
    }

    /// Adds `bytes` (any ArrayBufferView or ArrayBuffer).
    ///
    /// # Errors
    /// `TypeError` for non-bytes; `INVALID_STATE` after `digest`.
    pub fn update(&mut self, bytes: &JsValue) -> JsResult<()> {
        let view = byte_view(bytes, "RunningHash.update: bytes")?;
        let hasher = self.inner.as_mut().ok_or(Error::InvalidState("the hash was already finished"))?;
        self.scratch.resize(view.length() as usize, 0);
        view.copy_to(&mut self.scratch);
        hasher.update(&self.scratch);
        Ok(())
    }

    /// Finishes the hash: its digest (32 or 48 bytes).
    ///
    /// # Errors
    /// `INVALID_STATE` when called twice.
    pub fn digest(&mut self) -> JsResult<Uint8Array> {
        let hasher = self.inner.take().ok_or(Error::InvalidState("the hash was already finished"))?;
        self.scratch = Vec::new();
        Ok(Uint8Array::from(hasher.finalize().as_slice()))
    }
}
