//! Streaming handles over the core's sans-io state machines: `MessageEncryptor` and
//! `MessageDecryptor`. Bytes in, bytes out; the Web Streams adapters (`encryptStream`,
//! `decryptStream`) are built on these in JavaScript.
//!
//! ```text
//! const enc = new MessageEncryptor(keyring, options)   // header available at once
//! out = enc.push(chunk) ... out = enc.finish()          // concatenated: the message
//!
//! const dec = new MessageDecryptor(options)
//! out = dec.push(chunk)                  // state 'header' -> 'need-data-key'
//! dec.unwrapWith(keyring)  or  dec.provideDataKey(key)   // (after an async unwrap of dec.header)
//! out = dec.push(chunk) ... out = dec.finish()          // state 'body' -> 'complete' -> 'finished'
//! ```

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::secret::DataKey;
use crate::error::Error;
use crate::format::MessageHeader;
use crate::stream::{DecryptState, MessageDecryptor, MessageEncryptor};

use super::args::{bytes, decrypt_options, encrypt_options};
use super::errors::JsResult;
use super::header::{context_to_js, header_to_js};
use super::keyrings::keyring_from_js;

/// Encrypts one message pushed in pieces (JavaScript class `MessageEncryptor`).
#[wasm_bindgen(js_name = MessageEncryptor)]
pub struct EncryptorHandle {
    /// `None` once `finish` ran.
    inner: Option<MessageEncryptor>,
    header: MessageHeader,
    /// Plaintext length of the finished message.
    finished_len: u64,
    /// Reused output buffer (ciphertext: no need to wipe).
    out: Vec<u8>,
}

#[wasm_bindgen(js_class = MessageEncryptor)]
impl EncryptorHandle {
    /// `new MessageEncryptor(keyring, { encryptionContext?, suite?, frameLength? })`: wraps a
    /// fresh data key with `keyring` and prepares the header.
    ///
    /// # Errors
    /// As `encrypt`.
    #[wasm_bindgen(constructor)]
    pub fn new(keyring: &JsValue, options: &JsValue) -> JsResult<EncryptorHandle> {
        let keyring = keyring_from_js(keyring, "MessageEncryptor: keyring")?;
        let options = encrypt_options(options, "MessageEncryptor")?;
        let inner = crate::encryptor(&*keyring, &options)?;
        let header = inner.header().clone();
        Ok(EncryptorHandle { inner: Some(inner), header, finished_len: 0, out: Vec::new() })
    }

    /// Encrypts `plaintext`; returns the bytes of the message completed so far (the header on the
    /// first call, then whole frames; possibly empty).
    ///
    /// # Errors
    /// `TypeError` for non-bytes; `INVALID_STATE` after `finish`; `LIMIT_EXCEEDED` past 2^32 - 1 frames.
    pub fn push(&mut self, plaintext: &JsValue) -> JsResult<Uint8Array> {
        let plaintext = Zeroizing::new(bytes(plaintext, "MessageEncryptor.push: plaintext")?);
        let inner = self.inner.as_mut().ok_or(Error::InvalidState("the encryptor already finished"))?;
        self.out.clear();
        inner.push(&plaintext, &mut self.out)?;
        Ok(Uint8Array::from(self.out.as_slice()))
    }

    /// Writes the final frame (and the signature for signing suites); returns the last bytes of
    /// the message. The encryptor cannot be used afterwards.
    ///
    /// # Errors
    /// `INVALID_STATE` if called twice.
    pub fn finish(&mut self) -> JsResult<Uint8Array> {
        let inner = self.inner.take().ok_or(Error::InvalidState("the encryptor already finished"))?;
        self.finished_len = inner.plaintext_len();
        self.out.clear();
        inner.finish(&mut self.out)?;
        Ok(Uint8Array::from(self.out.as_slice()))
    }

    /// The header this encryptor writes (plain object, as in `encrypt`'s result).
    #[wasm_bindgen(getter)]
    pub fn header(&self) -> JsResult<js_sys::Object> {
        header_to_js(&self.header)
    }

    /// Plaintext bytes accepted so far.
    #[wasm_bindgen(getter = plaintextLength)]
    pub fn plaintext_length(&self) -> f64 {
        // Exact up to 2^53 bytes.
        self.inner.as_ref().map_or(self.finished_len, MessageEncryptor::plaintext_len) as f64
    }
}

/// Where a [`DecryptorHandle`] is, as the strings JavaScript sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HandleState {
    Core(DecryptState),
    Finished,
    Failed,
}

impl HandleState {
    fn name(self) -> &'static str {
        match self {
            HandleState::Core(DecryptState::Header) => "header",
            HandleState::Core(DecryptState::NeedDataKey) => "need-data-key",
            HandleState::Core(DecryptState::Body) => "body",
            HandleState::Core(DecryptState::Complete) => "complete",
            HandleState::Finished => "finished",
            HandleState::Failed => "failed",
        }
    }
}

/// Decrypts one message pushed in pieces (JavaScript class `MessageDecryptor`), in two phases:
/// the header is read first, then a data key is supplied (unwrapped here by a keyring, or at the
/// JavaScript edge by an async one), then the frames are decrypted.
#[wasm_bindgen(js_name = MessageDecryptor)]
pub struct DecryptorHandle {
    /// `None` once `finish` ran.
    inner: Option<MessageDecryptor>,
    state: HandleState,
    /// The verified header, kept after `finish`.
    finished_header: Option<MessageHeader>,
    /// Reused output buffer, wiped after each call (it held plaintext).
    out: Vec<u8>,
}

impl Drop for DecryptorHandle {
    fn drop(&mut self) {
        self.out.zeroize();
    }
}

#[wasm_bindgen(js_class = MessageDecryptor)]
impl DecryptorHandle {
    /// `new MessageDecryptor({ encryptionContext?, commitmentPolicy?, maxEncryptedDataKeys?,
    /// maxFrameLength? })`.
    ///
    /// # Errors
    /// `TypeError`/`RangeError` for bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue) -> JsResult<DecryptorHandle> {
        let options = decrypt_options(options, "MessageDecryptor")?;
        Ok(DecryptorHandle {
            inner: Some(MessageDecryptor::new(options)),
            state: HandleState::Core(DecryptState::Header),
            finished_header: None,
            out: Vec::new(),
        })
    }

    /// Feeds ciphertext; returns the plaintext of the frames that verified (possibly empty).
    /// Input pushed while the state is `need-data-key` is held until the key is supplied.
    ///
    /// # Errors
    /// `TypeError` for non-bytes; any header, policy or body error, after which the state is
    /// `failed` and every call fails with `INVALID_STATE`.
    pub fn push(&mut self, ciphertext: &JsValue) -> JsResult<Uint8Array> {
        let ciphertext = bytes(ciphertext, "MessageDecryptor.push: ciphertext")?;
        let inner = self.inner.as_mut().ok_or(Error::InvalidState("the decryptor already finished"))?;
        self.out.clear();
        let result = inner.push(&ciphertext, &mut self.out);
        self.track(result.map(HandleState::Core))?;
        Ok(self.take_out())
    }

    /// Unwraps the data key with `keyring` and verifies the header's key commitment and tag.
    ///
    /// # Errors
    /// `TypeError` for a non-keyring; `NO_MATCHING_KEY`; `INVALID_STATE` unless the state is
    /// `need-data-key`; verification errors (`COMMITMENT_MISMATCH`, `DECRYPT_FAILED`, ...).
    #[wasm_bindgen(js_name = unwrapWith)]
    pub fn unwrap_with(&mut self, keyring: &JsValue) -> JsResult<()> {
        let keyring = keyring_from_js(keyring, "MessageDecryptor.unwrapWith: keyring")?;
        let inner = self.awaiting_key()?;
        let result = inner.unwrap_with(&*keyring);
        self.track(result.map(|()| HandleState::Core(DecryptState::Body)))
    }

    /// Supplies a data key unwrapped elsewhere (e.g. by KMS at the JavaScript edge) and verifies
    /// the header with it. The key is copied once into wasm memory and wiped after use.
    ///
    /// # Errors
    /// As `unwrapWith`.
    #[wasm_bindgen(js_name = provideDataKey)]
    pub fn provide_data_key(&mut self, data_key: &JsValue) -> JsResult<()> {
        let key = DataKey::new(bytes(data_key, "MessageDecryptor.provideDataKey: dataKey")?);
        let inner = self.awaiting_key()?;
        let result = inner.provide_data_key(key);
        self.track(result.map(|()| HandleState::Core(DecryptState::Body)))
    }

    /// Ends the message: checks it is complete with nothing after it and returns the last
    /// plaintext (the final frame is released only here).
    ///
    /// # Errors
    /// `TRUNCATED` if the input ended early; `INVALID_STATE` before a data key or when called twice.
    pub fn finish(&mut self) -> JsResult<Uint8Array> {
        let inner = self.inner.take().ok_or(Error::InvalidState("the decryptor already finished"))?;
        self.out.clear();
        let result = inner.finish(&mut self.out).map(|header| self.finished_header = Some(header));
        self.track(result.map(|()| HandleState::Finished))?;
        Ok(self.take_out())
    }

    /// `'header'`, `'need-data-key'`, `'body'`, `'complete'` (all input verified; call `finish`),
    /// `'finished'` or `'failed'`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        self.state.name().to_owned()
    }

    /// The header once read, else `undefined`. Until a data key verified it (state `body` or
    /// later), nothing in it is authenticated.
    #[wasm_bindgen(getter)]
    pub fn header(&self) -> JsResult<JsValue> {
        let header = self.finished_header.as_ref().or_else(|| self.inner.as_ref().and_then(|d| d.header()));
        match header {
            Some(h) => Ok(header_to_js(h)?.into()),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// In state `need-data-key`: the encryption context a keyring must bind while unwrapping (the
    /// header's pairs plus the caller's required pairs); otherwise `undefined`.
    #[wasm_bindgen(getter = keyringContext)]
    pub fn keyring_context(&self) -> JsResult<JsValue> {
        match self.inner.as_ref().and_then(|d| d.keyring_context()) {
            Some(c) => Ok(context_to_js(c)?.into()),
            None => Ok(JsValue::UNDEFINED),
        }
    }
}

impl DecryptorHandle {
    /// The decryptor, if it waits for a data key. Checked here so that a call in the wrong state
    /// is refused without failing the decryption.
    fn awaiting_key(&mut self) -> Result<&mut MessageDecryptor, Error> {
        match (&mut self.inner, self.state) {
            (Some(inner), HandleState::Core(DecryptState::NeedDataKey)) => Ok(inner),
            _ => Err(Error::InvalidState("no data key is awaited: the state is not 'need-data-key'")),
        }
    }

    /// Records the state after a core call; a failed call fails the handle.
    fn track(&mut self, result: Result<HandleState, Error>) -> JsResult<()> {
        match result {
            Ok(state) => {
                self.state = state;
                Ok(())
            }
            Err(e) => {
                self.state = HandleState::Failed;
                self.out.zeroize();
                Err(e.into())
            }
        }
    }

    /// Copies the plaintext out to JavaScript and wipes the wasm copy.
    fn take_out(&mut self) -> Uint8Array {
        let view = Uint8Array::from(self.out.as_slice());
        self.out.zeroize();
        view
    }
}
