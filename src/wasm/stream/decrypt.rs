//! `MessageDecryptor`: decrypts one message pushed in pieces. The header is read first, then a
//! data key is supplied (unwrapped here by a keyring, or at the JavaScript edge by an async one),
//! then the body is decrypted by the core's AES-GCM (`push`/`finish`) or, after `intoBody`, frame
//! by frame by an external AES-GCM engine (`beginFrame`, `absorb`, `readFooter`, `finish`).

use js_sys::{Object, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use crate::crypto::secret::DataKey;
use crate::error::Error;
use crate::format::MessageHeader;
use crate::stream::{BodyDecryptor, DecryptState, MessageDecryptor};

use super::super::args::{byte_view, bytes, decrypt_options};
use super::super::errors::JsResult;
use super::super::header::{context_to_js, header_to_js, ObjectBuilder};
use super::super::keyrings::keyring_from_js;
use super::{api_label, frame_params_to_js, need_to_js};

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

/// What the handle drives.
enum Inner {
    /// The whole message, pushed in pieces (the core decrypts).
    Message(MessageDecryptor),
    /// The body, frame by frame, for an external AES-GCM engine (after `intoBody`).
    Body(Box<BodyDecryptor>),
    /// After `finish`, or after an error that consumed the decryptor.
    Ended,
}

/// Decrypts one message pushed in pieces (JavaScript class `MessageDecryptor`).
#[wasm_bindgen(js_name = MessageDecryptor)]
pub struct DecryptorHandle {
    inner: Inner,
    state: HandleState,
    /// The verified header, kept after `finish`.
    finished_header: Option<MessageHeader>,
    /// Reused output buffer, wiped after each call (it held plaintext).
    out: Vec<u8>,
    /// Reused buffer for `absorb` (ciphertext: no need to wipe).
    scratch: Vec<u8>,
}

impl Drop for DecryptorHandle {
    fn drop(&mut self) {
        self.out.zeroize();
    }
}

#[wasm_bindgen(js_class = MessageDecryptor)]
impl DecryptorHandle {
    /// `new MessageDecryptor({ encryptionContext?, commitmentPolicy?, maxEncryptedDataKeys?,
    /// maxFrameLength? }, api?)`. `api` (`'decryptStream'`) only changes the name argument errors give.
    ///
    /// # Errors
    /// `TypeError`/`RangeError` for bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue, api: Option<String>) -> JsResult<DecryptorHandle> {
        let options = decrypt_options(options, api_label(api, "MessageDecryptor"))?;
        Ok(DecryptorHandle {
            inner: Inner::Message(MessageDecryptor::new(options)),
            state: HandleState::Core(DecryptState::Header),
            finished_header: None,
            out: Vec::new(),
            scratch: Vec::new(),
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
        self.message()?;
        let mut out = core::mem::take(&mut self.out);
        out.clear();
        let result = self.message().and_then(|inner| inner.push(&ciphertext, &mut out));
        self.out = out;
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
    /// plaintext (the final frame is released only here; after `intoBody` nothing is returned,
    /// the external engine holds the final frame itself).
    ///
    /// # Errors
    /// `TRUNCATED` if the input ended early; `INVALID_STATE` before a data key or when called twice.
    pub fn finish(&mut self) -> JsResult<Uint8Array> {
        self.usable()?;
        let mut out = core::mem::take(&mut self.out);
        out.clear();
        let result = match core::mem::replace(&mut self.inner, Inner::Ended) {
            Inner::Message(inner) => inner.finish(&mut out),
            Inner::Body(body) => body.finish(&mut out),
            Inner::Ended => Err(Error::InvalidState("the decryptor already finished")),
        };
        self.out = out;
        let result = result.map(|header| self.finished_header = Some(header));
        self.track(result.map(|()| HandleState::Finished))?;
        Ok(self.take_out())
    }

    /// `'header'`, `'need-data-key'`, `'body'`, `'complete'` (all input verified; call `finish`),
    /// `'finished'` or `'failed'`. After `intoBody` it stays `'body'` until `finish`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        self.state.name().to_owned()
    }

    /// The header once read, else `undefined`. Until a data key verified it (state `body` or
    /// later), nothing in it is authenticated.
    #[wasm_bindgen(getter)]
    pub fn header(&self) -> JsResult<JsValue> {
        match self.current_header() {
            Some(h) => Ok(header_to_js(h)?.into()),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Whether the message's suite signs (`undefined` until the header was read). Known, like
    /// the header, before any key was unwrapped: a caller can refuse signed messages early.
    #[wasm_bindgen(getter)]
    pub fn signed(&self) -> Option<bool> {
        self.current_header().map(|h| h.suite.signature().is_some())
    }

    /// In state `need-data-key`: the encryption context a keyring must bind while unwrapping (the
    /// header's pairs plus the caller's required pairs); otherwise `undefined`.
    #[wasm_bindgen(getter = keyringContext)]
    pub fn keyring_context(&self) -> JsResult<JsValue> {
        let context = match &self.inner {
            Inner::Message(d) => d.keyring_context(),
            _ => None,
        };
        match context {
            Some(c) => Ok(context_to_js(c)?.into()),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    // ---- frame-level API for an external AES-GCM engine ----------------------------------

    /// Frame-level API: once the header verified (state `body`) and before any body byte was
    /// decrypted by `push`, switches to frame-by-frame decryption and returns the input received
    /// beyond the header so far (the body's first bytes). `push` cannot be used afterwards.
    ///
    /// # Errors
    /// `INVALID_STATE` before the header verified, after body bytes were pushed, or after an error.
    #[wasm_bindgen(js_name = intoBody)]
    pub fn into_body(&mut self) -> JsResult<Uint8Array> {
        if self.state != HandleState::Core(DecryptState::Body) {
            return Err(Error::InvalidState("intoBody needs state 'body' (a verified header)").into());
        }
        let Inner::Message(inner) = core::mem::replace(&mut self.inner, Inner::Ended) else {
            return Err(Error::InvalidState("intoBody was already called").into());
        };
        match inner.into_body() {
            Ok((body, leftover)) => {
                self.inner = Inner::Body(Box::new(body));
                Ok(Uint8Array::from(leftover.as_slice()))
            }
            Err(e) => {
                self.state = HandleState::Failed;
                Err(e.into())
            }
        }
    }

    /// Frame-level API: a copy of the content-encryption key, to import into an external AES-GCM
    /// engine.
    ///
    /// # Security
    /// Import it as a non-extractable key and wipe the returned array (`fill(0)`) at once.
    ///
    /// # Errors
    /// `INVALID_STATE` before `intoBody` or after `finish`.
    #[wasm_bindgen(js_name = contentKey)]
    pub fn content_key(&mut self) -> JsResult<Uint8Array> {
        Ok(Uint8Array::from(self.body()?.content_key().as_bytes()))
    }

    /// Frame-level API: reads the prefix of the next frame from the start of `bytes` (a few dozen
    /// bytes are enough) and checks its sequence number and length. Returns
    /// `{ seq, isFinal, len, iv, aad, prefix, prefixLen, sealedLen }`, after which the decryptor
    /// has moved past the frame: open the `sealedLen` bytes (ciphertext || tag) that follow the
    /// `prefixLen` prefix bytes with `iv` and `aad`, `absorb` the frame's bytes if the message is
    /// `signed`, abandon the message if the tag fails, and hold the final frame's plaintext until
    /// `finish` succeeded. Returns `{ need }` (nothing changed) if `bytes` is too short.
    ///
    /// # Errors
    /// `MALFORMED_BODY` for a frame out of order or too long; `INVALID_STATE` when no frame is
    /// expected (non-framed body, footer, end of message). Errors fail the decryptor.
    #[wasm_bindgen(js_name = beginFrame)]
    pub fn begin_frame(&mut self, bytes_: &JsValue) -> JsResult<Object> {
        let input = bytes(bytes_, "MessageDecryptor.beginFrame: bytes")?;
        let result = self.body()?.begin_frame(&input);
        match result {
            Ok(Ok(frame)) => Ok(frame_params_to_js(&frame.params)
                .set("prefixLen", frame.prefix_len as f64)
                .set("sealedLen", frame.sealed_len as f64)
                .build()),
            Ok(Err(need)) => Ok(need_to_js(need.0)),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Frame-level API: feeds a frame's wire bytes (prefix, ciphertext, tag; in order, in any
    /// pieces) to the signature hash. Not needed (a no-op) for suites that do not sign.
    ///
    /// # Errors
    /// `TypeError` for non-bytes; `INVALID_STATE` before `intoBody` or after `finish`.
    pub fn absorb(&mut self, frame_bytes: &JsValue) -> JsResult<()> {
        let view = byte_view(frame_bytes, "MessageDecryptor.absorb: bytes")?;
        let mut scratch = core::mem::take(&mut self.scratch);
        scratch.resize(view.length() as usize, 0);
        view.copy_to(&mut scratch);
        let result = self.body().map(|body| body.absorb(&scratch));
        self.scratch = scratch;
        result?;
        Ok(())
    }

    /// Frame-level API: whether the signature footer is the next thing to read.
    #[wasm_bindgen(getter = expectsFooter)]
    pub fn expects_footer(&self) -> bool {
        matches!(&self.inner, Inner::Body(body) if body.expects_footer())
    }

    /// Frame-level API: reads and verifies the signature footer from the start of `bytes`.
    /// Returns `{ used }` (bytes of `bytes` it took; anything after them is not part of the
    /// message), or `{ need }` if `bytes` is too short.
    ///
    /// # Errors
    /// `SIGNATURE_INVALID`; `MALFORMED_BODY` for an oversized signature; `INVALID_STATE` if no
    /// footer is expected. Errors fail the decryptor.
    #[wasm_bindgen(js_name = readFooter)]
    pub fn read_footer(&mut self, bytes_: &JsValue) -> JsResult<Object> {
        let input = bytes(bytes_, "MessageDecryptor.readFooter: bytes")?;
        let result = self.body()?.read_footer(&input);
        match result {
            Ok(Ok(used)) => Ok(ObjectBuilder::new().set("used", used as f64).build()),
            Ok(Err(need)) => Ok(need_to_js(need.0)),
            Err(e) => Err(self.fail(e)),
        }
    }
}

impl DecryptorHandle {
    fn current_header(&self) -> Option<&MessageHeader> {
        match &self.inner {
            Inner::Message(d) => d.header(),
            Inner::Body(b) => Some(b.header()),
            Inner::Ended => self.finished_header.as_ref(),
        }
    }

    /// The whole-message decryptor (`push`), unless the frame-level API took over or it ended.
    fn message(&mut self) -> Result<&mut MessageDecryptor, Error> {
        self.usable()?;
        match &mut self.inner {
            Inner::Message(d) => Ok(d),
            Inner::Body(_) => Err(Error::InvalidState("push after intoBody: use the frame-level API")),
            Inner::Ended => Err(Error::InvalidState("the decryptor already finished")),
        }
    }

    /// The body decryptor of the frame-level API (after `intoBody`), while the handle is usable.
    fn body(&mut self) -> Result<&mut BodyDecryptor, Error> {
        self.usable()?;
        match &mut self.inner {
            Inner::Body(b) => Ok(b),
            Inner::Message(_) => Err(Error::InvalidState("the frame-level API needs intoBody() first")),
            Inner::Ended => Err(Error::InvalidState("the decryptor already finished")),
        }
    }

    /// Refuses every call after an error.
    fn usable(&self) -> Result<(), Error> {
        if self.state == HandleState::Failed {
            return Err(Error::InvalidState("an earlier error ended this decryption"));
        }
        Ok(())
    }

    /// The decryptor, if it waits for a data key. Checked here so that a call in the wrong state
    /// is refused without failing the decryption.
    fn awaiting_key(&mut self) -> Result<&mut MessageDecryptor, Error> {
        match (&mut self.inner, self.state) {
            (Inner::Message(inner), HandleState::Core(DecryptState::NeedDataKey)) => Ok(inner),
            _ => Err(Error::InvalidState("no data key is awaited: the state is not 'need-data-key'")),
        }
    }

    /// Fails the handle with `e` (every later call is refused).
    fn fail(&mut self, e: Error) -> JsValue {
        self.state = HandleState::Failed;
        self.inner = Inner::Ended;
        self.out.zeroize();
        e.into()
    }

    /// Records the state after a core call; a failed call fails the handle.
    fn track(&mut self, result: Result<HandleState, Error>) -> JsResult<()> {
        match result {
            Ok(state) => {
                self.state = state;
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Copies the plaintext out to JavaScript and wipes the wasm copy.
    fn take_out(&mut self) -> Uint8Array {
        let view = Uint8Array::from(self.out.as_slice());
        self.out.zeroize();
        view
    }
}
