//! `MessageDecryptor`: decrypts one message pushed in pieces. The header is read first, then a
//! data key is supplied (unwrapped here by a keyring, or at the JavaScript edge by an async one),
//! then the body is decrypted by the core's AES-GCM (`push`/`finish`) or, after `intoBody`, frame
//! by frame by an external AES-GCM engine (`next`, `absorb`, `finish`).

use js_sys::{Object, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use crate::crypto::secret::DataKey;
use crate::error::Error;
use crate::format::MessageHeader;
use crate::keyring::{Answer, Keyring, Poll, Progress};
use crate::stream::{BodyDecryptor, BodyStep, DecryptState, MessageDecryptor};

use super::super::args::{byte_view, bytes, decrypt_options, safe_integer};
use super::super::errors::JsResult;
use super::super::header::{context_to_js, header_to_js, ObjectBuilder};
use super::super::keyrings::keyring_from_js;
use super::{api_label, frame_params_to_js, hash_out_to_js, need_to_js};

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
    Message(Box<MessageDecryptor>),
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
            inner: Inner::Message(Box::new(MessageDecryptor::new(options))),
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

    /// Feeds header bytes; returns how many it took: all of them, or those up to the end of the
    /// header (the state is then `need-data-key`). Nothing past the header is taken or held, so
    /// the caller keeps the rest for the body.
    ///
    /// # Errors
    /// `TypeError` for non-bytes; any header or policy error, after which the state is `failed`.
    #[wasm_bindgen(js_name = readHeader)]
    pub fn read_header(&mut self, ciphertext: &JsValue) -> JsResult<u32> {
        let ciphertext = bytes(ciphertext, "MessageDecryptor.readHeader: ciphertext")?;
        let result = self.message().and_then(|inner| {
            let used = inner.read_header(&ciphertext)?;
            Ok((used, inner.state()))
        });
        match result {
            // `used` <= the input's length, itself < 2^32 in wasm32.
            Ok((used, state)) => {
                self.state = HandleState::Core(state);
                Ok(used as u32)
            }
            Err(e) => Err(self.fail(e)),
        }
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
    pub fn finish(&mut self, held: Option<u32>) -> JsResult<Uint8Array> {
        self.usable()?;
        let mut out = core::mem::take(&mut self.out);
        out.clear();
        let result = match core::mem::replace(&mut self.inner, Inner::Ended) {
            Inner::Message(inner) => inner.finish(&mut out),
            Inner::Body(body) => body.finish_external(held.unwrap_or(0) as usize),
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

    /// Ranged decryption: once the header verified (state `body`) and before any body byte was
    /// given, turns the handle into a `RangeDecryptor` over a stored message of `size` bytes.
    /// `tail`: for signed suites, the message's last `min(size, 130)` bytes (undefined
    /// otherwise); signed suites are refused (`SIGNED_MESSAGE_REFUSED`) unless `allowSigned`.
    /// The handle cannot be used afterwards.
    ///
    /// # Errors
    /// `INVALID_STATE` before the header verified or after body bytes; `INVALID_ARGUMENT` for
    /// `frameIvs: 'unique'`; `TRUNCATED`/`MALFORMED_BODY` for a size no framed message of this
    /// header has.
    #[wasm_bindgen(js_name = intoRanges)]
    pub fn into_ranges(
        &mut self,
        size: &JsValue,
        tail: &JsValue,
        allow_signed: bool,
    ) -> JsResult<super::range::RangeHandle> {
        let size = safe_integer(size, "decryptRange: the source's size")?;
        let tail = if tail.is_undefined() { None } else { Some(bytes(tail, "MessageDecryptor.intoRanges: tail")?) };
        if self.state != HandleState::Core(DecryptState::Body) {
            return Err(Error::InvalidState("intoRanges needs state 'body' (a verified header)").into());
        }
        let Inner::Message(inner) = core::mem::replace(&mut self.inner, Inner::Ended) else {
            return Err(Error::InvalidState("intoRanges after intoBody").into());
        };
        self.state = HandleState::Finished;
        match inner.into_ranges(size, tail.as_deref(), allow_signed) {
            Ok(ranges) => Ok(super::range::RangeHandle::new(ranges)),
            Err(e) => {
                self.state = HandleState::Failed;
                Err(e.into())
            }
        }
    }

    /// Rewrapping: keep a copy of the data key once the header verified with it (call before the
    /// key is given), for `rewrapMaterials`.
    #[wasm_bindgen(js_name = keepDataKey)]
    pub fn keep_data_key(&mut self) -> JsResult<()> {
        match &mut self.inner {
            Inner::Message(m) => {
                m.keep_data_key();
                Ok(())
            }
            _ => Err(Error::InvalidState("keepDataKey after intoBody or finish").into()),
        }
    }

    /// Rewrapping: the materials of the new header (the old suite and stored context, a signed
    /// suite's public key replaced, the kept data key), for the new keyring to wrap.
    ///
    /// # Errors
    /// `INVALID_STATE` unless the header verified with a kept key; `INVALID_ARGUMENT` for a legacy
    /// message or required (unstored) context pairs.
    #[wasm_bindgen(js_name = rewrapMaterials)]
    pub fn rewrap_materials(&mut self) -> JsResult<crate::wasm::materials::EncryptionMaterialsHandle> {
        let Inner::Message(m) = &mut self.inner else {
            return Err(Error::InvalidState("rewrapMaterials after intoBody or finish").into());
        };
        let frame_length = m.header().map_or(0, |h| h.frame_length);
        let materials = crate::stream::Rewrapper::materials(m)?;
        Ok(crate::wasm::materials::EncryptionMaterialsHandle::wrap(materials, frame_length))
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

    /// Frame-level API: what to do next with the `held` bytes the engine holds from the current
    /// position, of which `bytes` is the start (24 bytes show any frame prefix; show more when
    /// asked). Returns one of
    /// - `{ need }`: call again once `need` bytes are held (showing that many);
    /// - `{ seq, isFinal, len, iv, aad, prefixLen, sealedLen }`: the whole frame is held and the
    ///   decryptor moved past it: take its `prefixLen + sealedLen` bytes, `absorb` them all if the
    ///   message is `signed`, open the `sealedLen` sealed ones (ciphertext || tag) with `iv` and `aad`,
    ///   abandon the message if the tag fails (`decryptFailedError()`), and hold the final frame's
    ///   plaintext until `finish` succeeded;
    /// - `{ footer }`: the signature footer, its first `footer` bytes, verified;
    /// - `{ done: true }`: the message is complete; call `finish`.
    ///
    /// # Errors
    /// `MALFORMED_BODY` for a frame out of order, with a wrong IV or too long; `SIGNATURE_INVALID`;
    /// `TRAILING_DATA` for bytes held after the message; `INVALID_STATE` before `intoBody` or for a
    /// non-framed body. Errors fail the decryptor.
    pub fn next(&mut self, bytes_: &JsValue, held: u32) -> JsResult<Object> {
        let input = bytes(bytes_, "MessageDecryptor.next: bytes")?;
        let result = self.body()?.next(&input, held as usize);
        match result {
            Ok(BodyStep::Need(need)) => Ok(need_to_js(need)),
            Ok(BodyStep::Frame(frame)) => Ok(frame_params_to_js(&frame.params)
                .set("prefixLen", frame.prefix_len as f64)
                .set("sealedLen", frame.sealed_len as f64)
                .build()),
            Ok(BodyStep::Footer(used)) => Ok(ObjectBuilder::new().set("footer", used as f64).build()),
            Ok(BodyStep::Done) => Ok(ObjectBuilder::new().set("done", true).build()),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Frame-level API: feeds a frame's bytes (prefix, ciphertext, tag) to the signature hash.
    /// Not needed (a no-op) for suites that do not sign, or once the hash was handed out.
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

    /// Frame-level API, signed messages: hands the signature hash to the caller, who has a
    /// faster one, before any frame. Returns `{ hash, prelude }`: hash `prelude` (the header as
    /// read) with `hash`, then every byte `absorb` would get, and hand in the digest with
    /// `setDigest` before `next` reaches the footer.
    ///
    /// # Errors
    /// `INVALID_STATE` for an unsigned message, once a frame was absorbed, or before `intoBody`.
    #[wasm_bindgen(js_name = handOutHash)]
    pub fn hand_out_hash(&mut self) -> JsResult<Object> {
        Ok(hash_out_to_js(self.body()?.hand_out_hash()?))
    }

    /// Frame-level API: the digest of the hash taken with `handOutHash`, over every frame.
    ///
    /// # Errors
    /// `TypeError` for non-bytes; `INVALID_ARGUMENT` for a wrong length; `INVALID_STATE` unless
    /// the hash was handed out and no digest came yet. Errors fail the decryptor.
    #[wasm_bindgen(js_name = setDigest)]
    pub fn set_digest(&mut self, digest: &JsValue) -> JsResult<()> {
        let digest = bytes(digest, "MessageDecryptor.setDigest: digest")?;
        let result = self.body()?.set_digest(&digest);
        result.map_err(|e| self.fail(e))
    }
}

/// The core's error for a frame whose tag did not verify, for an external AES-GCM engine.
#[wasm_bindgen(js_name = decryptFailedError)]
pub fn decrypt_failed_error() -> JsValue {
    Error::DecryptFailed.into()
}

impl DecryptorHandle {
    /// One step of unwrapping the data key with `keyring` (state `need-data-key`), for a
    /// [`KeyringRun`](crate::wasm::steps::KeyringRun): when the key is found the header is
    /// verified and the state becomes `body`; an error fails the decryptor.
    ///
    /// # Errors
    /// `INVALID_STATE` (the decryptor is unchanged) unless the state is `need-data-key`; the
    /// keyring's or the verification's error.
    pub(crate) fn unwrap_step(
        &mut self,
        keyring: &dyn Keyring,
        progress: &mut Progress,
        answer: Option<Answer>,
    ) -> Result<Poll<()>, Error> {
        let inner = self.awaiting_key()?;
        match inner.unwrap_step(keyring, progress, answer) {
            Ok(Poll::Ready(())) => {
                self.state = HandleState::Core(DecryptState::Body);
                Ok(Poll::Ready(()))
            }
            Ok(pending) => Ok(pending),
            Err(e @ Error::InvalidState(_)) => Err(e),
            Err(e) => {
                self.state = HandleState::Failed;
                self.inner = Inner::Ended;
                Err(e)
            }
        }
    }

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

impl DecryptorHandle {
    /// The core decryptor, for a handle that takes it over (`Rewrapper.start`); this handle is
    /// finished afterwards.
    pub(super) fn take_message(&mut self) -> JsResult<MessageDecryptor> {
        if self.state != HandleState::Core(DecryptState::Body) {
            return Err(Error::InvalidState("the header has not verified (state 'body')").into());
        }
        match core::mem::replace(&mut self.inner, Inner::Ended) {
            Inner::Message(m) => {
                self.state = HandleState::Finished;
                Ok(*m)
            }
            other => {
                self.inner = other;
                Err(Error::InvalidState("the decryptor was already taken over").into())
            }
        }
    }
}
