//! `Rewrapper`: a stored message copied under a new header with new encrypted data keys (its
//! body byte for byte; signed suites signed again), for `rewrap`/`rewrapStream` in the package's
//! `rewrap.js`. The steps, each a keyring's turn at the JavaScript edge:
//!
//! ```text
//! dec = new MessageDecryptor(options); dec.keepDataKey(); dec.readHeader(bytes)
//! (unwrap: dec.unwrapWith(keyring), or step by step)      // verifies the old header, keeps the key
//! materials = dec.rewrapMaterials()                        // old suite and context, the data key
//! (wrap: materials.wrapWith(keyring), or step by step)     // the new encrypted data keys
//! rw = Rewrapper.start(dec, materials); out = rw.push(rest) ... out = rw.finish()
//! ```

use js_sys::{Object, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::error::Error;
use crate::stream::Rewrapper;

use super::super::args::bytes;
use super::super::errors::JsResult;
use super::super::header::{header_to_js, ObjectBuilder};
use super::super::materials::EncryptionMaterialsHandle;
use super::decrypt::DecryptorHandle;

/// Copies one message under a new header (JavaScript class `Rewrapper`).
#[wasm_bindgen(js_name = Rewrapper)]
pub struct RewrapHandle {
    /// `None` once `finish` ran.
    inner: Option<Rewrapper>,
    out: Vec<u8>,
}

#[wasm_bindgen(js_class = Rewrapper)]
impl RewrapHandle {
    /// Writes the new header from `materials` (wrapped by the new keyring) and takes over the
    /// decryptor's body. Both are used up.
    ///
    /// # Errors
    /// `INVALID_STATE` unless the decryptor's header verified with a kept key and the materials
    /// are unused; `INVALID_ARGUMENT` if no keyring wrapped the data key.
    pub fn start(decryptor: &mut DecryptorHandle, materials: &mut EncryptionMaterialsHandle) -> JsResult<RewrapHandle> {
        let dec = decryptor.take_message()?;
        let rewrapper = Rewrapper::start(dec, materials.take()?)?;
        Ok(RewrapHandle { inner: Some(rewrapper), out: Vec::new() })
    }

    /// The new header.
    ///
    /// # Errors
    /// `INVALID_STATE` after `finish`.
    #[wasm_bindgen(getter)]
    pub fn header(&self) -> JsResult<Object> {
        header_to_js(self.inner.as_ref().ok_or(Error::InvalidState("the rewrap finished"))?.header())
    }

    /// Takes old body bytes; returns the new message's bytes completed so far (the new header
    /// first, then whole frames, unchanged).
    ///
    /// # Errors
    /// `TypeError` for non-bytes; `MALFORMED_BODY`, `SIGNATURE_INVALID`, `TRAILING_DATA`.
    pub fn push(&mut self, input: &JsValue) -> JsResult<Uint8Array> {
        let input = bytes(input, "Rewrapper.push: bytes")?;
        let inner = self.inner.as_mut().ok_or(Error::InvalidState("the rewrap finished"))?;
        self.out.clear();
        inner.push(&input, &mut self.out)?;
        Ok(Uint8Array::from(self.out.as_slice()))
    }

    /// Signed suites, for a faster hash than the core's (node:crypto): `{ hash, oldPrelude,
    /// newPrelude }`. Hash each prelude, then every frame `push` returns (after the new header,
    /// which is the first `newPrelude.length` bytes of the output) with both; when
    /// `needsDigests`, hand both digests in with `setDigests` and push on.
    ///
    /// # Errors
    /// `INVALID_STATE` for an unsigned suite, or once a frame was copied.
    #[wasm_bindgen(js_name = handOutHashes)]
    pub fn hand_out_hashes(&mut self) -> JsResult<Object> {
        let inner = self.inner.as_mut().ok_or(Error::InvalidState("the rewrap finished"))?;
        let (alg, old, new) = inner.hand_out_hashes()?;
        Ok(ObjectBuilder::new()
            .set("hash", alg.hash_name())
            .set("oldPrelude", Uint8Array::from(old.as_slice()))
            .set("newPrelude", Uint8Array::from(new.as_slice()))
            .build())
    }

    /// Whether `push` waits for `setDigests` (the final frame was copied).
    #[wasm_bindgen(getter = needsDigests)]
    pub fn needs_digests(&self) -> bool {
        self.inner.as_ref().is_some_and(Rewrapper::needs_digests)
    }

    /// The digests of the old message and of the new one, for hashes handed out.
    ///
    /// # Errors
    /// `INVALID_STATE` unless handed out and not yet given; `INVALID_ARGUMENT` for a wrong length.
    #[wasm_bindgen(js_name = setDigests)]
    pub fn set_digests(&mut self, old: &JsValue, new: &JsValue) -> JsResult<()> {
        let old = bytes(old, "Rewrapper.setDigests: old")?;
        let new = bytes(new, "Rewrapper.setDigests: new")?;
        let inner = self.inner.as_mut().ok_or(Error::InvalidState("the rewrap finished"))?;
        Ok(inner.set_digests(&old, &new)?)
    }

    /// Checks the old message ended here; returns the last bytes (the new footer, signed suites).
    ///
    /// # Errors
    /// `TRUNCATED` if the old message was incomplete; `INVALID_STATE` when called twice.
    pub fn finish(&mut self) -> JsResult<Uint8Array> {
        let inner = self.inner.take().ok_or(Error::InvalidState("the rewrap finished"))?;
        self.out.clear();
        inner.finish(&mut self.out)?;
        Ok(Uint8Array::from(self.out.as_slice()))
    }
}
