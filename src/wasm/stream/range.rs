//! `RangeDecryptor`: frames of a stored message read at random (ranged decryption), after a
//! `MessageDecryptor` read and verified the header (`intoRanges`). The core locates every frame a
//! range needs and checks each one's place; the bytes are read and opened in JavaScript
//! (`decryptRange` in the package's `ranges.js`), with WebCrypto or node:crypto, or here (`open`).

use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::stream::RangeDecryptor;

use super::super::args::{bytes, safe_integer, MAX_SAFE_INTEGER};
use super::super::errors::JsResult;
use super::super::header::{header_to_js, ObjectBuilder};
use super::frame_params_to_js;

/// A stored message read at random (JavaScript class `RangeDecryptor`).
#[wasm_bindgen(js_name = RangeDecryptor)]
pub struct RangeHandle {
    inner: RangeDecryptor,
}

impl RangeHandle {
    pub(super) fn new(inner: RangeDecryptor) -> Self {
        RangeHandle { inner }
    }
}

/// A byte count or offset within a message that fits in memory here: exact as a JS number.
fn number(n: u64) -> f64 {
    // Offsets of a message whose size was given as a safe integer: at most 2^53 - 1.
    n.min(MAX_SAFE_INTEGER) as f64
}

#[wasm_bindgen(js_class = RangeDecryptor)]
impl RangeHandle {
    /// The verified header.
    ///
    /// # Errors
    /// Only if building the object fails.
    #[wasm_bindgen(getter)]
    pub fn header(&self) -> JsResult<Object> {
        header_to_js(self.inner.header())
    }

    /// Plaintext bytes of the whole message, as its size says.
    #[wasm_bindgen(getter = plaintextLength)]
    pub fn plaintext_length(&self) -> f64 {
        number(self.inner.plaintext_len())
    }

    /// `{ first, last, final }`: the frames to read for plaintext `[start, end)`, `first` to
    /// `last` (both `null` for an empty range), and the final frame's index (read in every case:
    /// it proves the message's size). Where each is: `readOf(index)`.
    ///
    /// # Errors
    /// `TypeError`/`RangeError` for offsets that are not whole numbers; `INVALID_ARGUMENT` unless
    /// `start <= end <= plaintextLength`.
    #[wasm_bindgen(js_name = framesFor)]
    pub fn frames_for(&self, start: &JsValue, end: &JsValue) -> JsResult<Object> {
        let start = safe_integer(start, "decryptRange: start")?;
        let end = safe_integer(end, "decryptRange: end")?;
        let needed = self.inner.frames_for(start, end)?;
        let index = |i: Option<u64>| i.map_or(JsValue::NULL, |i| JsValue::from(number(i)));
        Ok(ObjectBuilder::new()
            .set("first", index(needed.map(|(first, _)| first)))
            .set("last", index(needed.map(|(_, last)| last)))
            .set("final", number(self.inner.final_index()))
            .build())
    }

    /// `{ offset, length }`: where frame `index` lies in the message.
    ///
    /// # Errors
    /// `TypeError`/`RangeError` for an index that is not a whole number.
    #[wasm_bindgen(js_name = readOf)]
    pub fn read_of(&self, index: &JsValue) -> JsResult<Object> {
        let r = self.inner.read_of(safe_integer(index, "RangeDecryptor.readOf: index")?);
        Ok(ObjectBuilder::new().set("offset", number(r.offset)).set("length", number(r.len)).build())
    }

    /// `[from, to]`: the offsets within frame `index`'s plaintext of the bytes it holds of the
    /// plaintext range `[start, end)`.
    ///
    /// # Errors
    /// `TypeError`/`RangeError` for values that are not whole numbers.
    #[wasm_bindgen(js_name = sliceOf)]
    pub fn slice_of(&self, index: &JsValue, start: &JsValue, end: &JsValue) -> JsResult<Array> {
        let (from, to) = self.inner.slice_of(
            safe_integer(index, "RangeDecryptor.sliceOf: index")?,
            safe_integer(start, "RangeDecryptor.sliceOf: start")?,
            safe_integer(end, "RangeDecryptor.sliceOf: end")?,
        );
        Ok(Array::of2(&JsValue::from(from as f64), &JsValue::from(to as f64)))
    }

    /// Checks frame `index` (`length` bytes in all) by its first bytes (`prefix`, 24 bytes or the
    /// whole frame if shorter): `{ seq, isFinal, len, iv, aad, prefix, prefixLen, sealedLen }`,
    /// to open its sealed bytes (ciphertext and tag, after `prefixLen`) with an AES-GCM.
    ///
    /// # Errors
    /// `MALFORMED_BODY` for a frame that does not belong at `index`; `TRUNCATED` for a wrong length.
    pub fn frame(&self, index: &JsValue, length: &JsValue, prefix: &JsValue) -> JsResult<Object> {
        let index = safe_integer(index, "RangeDecryptor.frame: index")?;
        let length = safe_integer(length, "RangeDecryptor.frame: length")?;
        let prefix = bytes(prefix, "RangeDecryptor.frame: prefix")?;
        let f = self.inner.frame(index, length, &prefix)?;
        Ok(frame_params_to_js(&f.params)
            .set("prefixLen", f.prefix_len as u32)
            .set("sealedLen", f.sealed_len as u32)
            .build())
    }

    /// Opens frame `index` from all its bytes with the core's AES-GCM (the 'wasm' engine).
    ///
    /// # Errors
    /// As `frame`; `DECRYPT_FAILED` if its tag fails.
    pub fn open(&self, index: &JsValue, frame: &JsValue) -> JsResult<Uint8Array> {
        let index = safe_integer(index, "RangeDecryptor.open: index")?;
        let frame = bytes(frame, "RangeDecryptor.open: frame")?;
        let plaintext = zeroize::Zeroizing::new(self.inner.open(index, &frame)?);
        Ok(Uint8Array::from(plaintext.as_slice()))
    }

    /// A copy of the content-encryption key, to import into an external AES-GCM engine.
    ///
    /// # Security
    /// Import it as a non-extractable key and wipe the returned array (`fill(0)`) at once.
    #[wasm_bindgen(js_name = contentKey)]
    pub fn content_key(&self) -> Uint8Array {
        Uint8Array::from(self.inner.content_key().as_bytes())
    }
}
