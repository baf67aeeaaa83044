//! `MessageEncryptor`: encrypts one message pushed in pieces, with the core's AES-GCM
//! (`push`/`finish`) or frame by frame with an external AES-GCM engine (`nextFrame` ...).

use js_sys::{Object, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::crypto::secret::DataKey;
use crate::error::Error;
use crate::format::header::MAX_FRAME_LEN;
use crate::format::{EncryptedDataKey, MessageHeader};
use crate::materials::EncryptionMaterials;
use crate::stream::{MessageEncryptor, SealStep, DEFAULT_FRAME_LEN};
use crate::suite::AlgorithmSuite;

use super::super::args::{byte_view, bytes, encrypt_options, safe_integer, Options, MAX_SAFE_INTEGER};
use super::super::errors::JsResult;
use super::super::header::{header_to_js, ObjectBuilder};
use super::super::keyrings::keyring_from_js;
use super::{api_label, frame_params_to_js, hash_out_to_js, need_to_js};

/// How a handle is being driven; the two ways cannot be mixed (the header is written once, and
/// the core's own framing holds plaintext the frame-level API does not know about).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Fresh,
    /// `push` / `finish`.
    Push,
    /// `takeHeader` / `nextFrame` / `absorb` / `footer`.
    Frames,
}

/// Encrypts one message pushed in pieces (JavaScript class `MessageEncryptor`).
#[wasm_bindgen(js_name = MessageEncryptor)]
pub struct EncryptorHandle {
    /// `None` once `finish` or `footer` ran.
    inner: Option<MessageEncryptor>,
    header: MessageHeader,
    /// Plaintext length of the finished message.
    finished_len: u64,
    /// Reused output buffer (ciphertext: no need to wipe).
    out: Vec<u8>,
    /// Reused buffer for `absorb` (ciphertext: no need to wipe).
    scratch: Vec<u8>,
    mode: Mode,
}

#[wasm_bindgen(js_class = MessageEncryptor)]
impl EncryptorHandle {
    /// `new MessageEncryptor(keyring, { encryptionContext?, suite?, frameLength? }, api?)`: wraps a
    /// fresh data key with `keyring` and prepares the header. `api` (`'encryptStream'`) only
    /// changes the name argument errors give.
    ///
    /// # Errors
    /// As `encrypt`.
    #[wasm_bindgen(constructor)]
    pub fn new(keyring: &JsValue, options: &JsValue, api: Option<String>) -> JsResult<EncryptorHandle> {
        let api = api_label(api, "MessageEncryptor");
        let keyring = keyring_from_js(keyring, &format!("{api}: keyring"))?;
        let options = encrypt_options(options, api)?;
        Ok(Self::wrap(crate::encryptor(&*keyring, &options)?))
    }

    /// **For tests only; never for data you care about.** An encryptor whose output is fully
    /// determined by its options: `{ dataKey, messageId, suite?, frameLength?, encryptionContext? }`.
    /// Its one encrypted data key is a placeholder (provider id `envseal-testing`) that no keyring
    /// can unwrap. For signing suites the signing key (hence the header's public key and the
    /// footer) is still random; the frames are determined.
    ///
    /// # Security
    /// Reusing a data key with a message id repeats the frame keys and IVs of another message.
    ///
    /// # Errors
    /// `TypeError`/`RangeError` for bad options; the core's errors for a key or id of the wrong length.
    #[wasm_bindgen(js_name = deterministicForTesting)]
    pub fn deterministic_for_testing(options: &JsValue) -> JsResult<EncryptorHandle> {
        let api = "MessageEncryptor.deterministicForTesting";
        let known = ["dataKey", "messageId", "suite", "frameLength", "encryptionContext"];
        let o = Options::read(options, api, &known, true)?;
        let suite = o.suite()?.unwrap_or(AlgorithmSuite::DEFAULT);
        let frame_length = o.integer("frameLength", 1, MAX_FRAME_LEN)?.unwrap_or(DEFAULT_FRAME_LEN);
        let mut materials = EncryptionMaterials::new(suite, o.encryption_context()?)?;
        materials.set_data_key(DataKey::new(bytes(o.required("dataKey")?, &o.label("dataKey"))?))?;
        materials.encrypted_data_keys.push(EncryptedDataKey {
            provider_id: "envseal-testing".into(),
            provider_info: b"placeholder".to_vec(),
            ciphertext: vec![0; 48],
        });
        let message_id = bytes(o.required("messageId")?, &o.label("messageId"))?;
        Ok(Self::wrap(MessageEncryptor::with_message_id(materials, frame_length, message_id)?))
    }

    /// Promises the plaintext length (a whole number of bytes, at most 2^53 - 1) before anything
    /// was encrypted; returns the exact length of the message. Plaintext of any other length then
    /// fails with `LENGTH_MISMATCH` before a frame of it is written.
    ///
    /// # Errors
    /// `TypeError`/`RangeError` for a length that is not a whole number of bytes; `INVALID_STATE`
    /// once a frame was begun or a length promised; `LIMIT_EXCEEDED` for more plaintext than a
    /// message holds at this frame length.
    #[wasm_bindgen(js_name = expectPlaintextLength)]
    pub fn expect_plaintext_length(&mut self, plaintext_length: &JsValue) -> JsResult<f64> {
        let n = safe_integer(plaintext_length, "MessageEncryptor.expectPlaintextLength: plaintextLength")?;
        let inner = self.inner.as_mut().ok_or(Error::InvalidState("the encryptor already finished"))?;
        let length = inner.expect_plaintext_len(n)?;
        if length > MAX_SAFE_INTEGER {
            return Err(Error::LimitExceeded(format!("the message would be {length} bytes, past 2^53 - 1")).into());
        }
        // Exact: at most 2^53 - 1.
        Ok(length as f64)
    }

    /// Encrypts `plaintext`; returns the bytes of the message completed so far (the header on the
    /// first call, then whole frames; possibly empty).
    ///
    /// # Errors
    /// `TypeError` for non-bytes; `INVALID_STATE` after `finish` or once the frame-level API was
    /// used; `LIMIT_EXCEEDED` past 2^32 - 1 frames.
    pub fn push(&mut self, plaintext: &JsValue) -> JsResult<Uint8Array> {
        let plaintext = Zeroizing::new(bytes(plaintext, "MessageEncryptor.push: plaintext")?);
        self.driven(Mode::Push)?;
        let mut out = core::mem::take(&mut self.out);
        out.clear();
        let result = self.driven(Mode::Push).and_then(|inner| inner.push(&plaintext, &mut out));
        self.out = out;
        result?;
        Ok(Uint8Array::from(self.out.as_slice()))
    }

    /// Writes the final frame (and the signature for signing suites); returns the last bytes of
    /// the message. The encryptor cannot be used afterwards.
    ///
    /// # Errors
    /// `INVALID_STATE` if called twice, or once the frame-level API was used.
    pub fn finish(&mut self) -> JsResult<Uint8Array> {
        self.driven(Mode::Push)?;
        let inner = self.inner.take().ok_or(Error::InvalidState("the encryptor already finished"))?;
        self.finished_len = inner.plaintext_len();
        self.out.clear();
        inner.finish(&mut self.out)?;
        Ok(Uint8Array::from(self.out.as_slice()))
    }

    /// The header this encryptor writes (plain object, as in `encrypt`'s result).
    #[wasm_bindgen(getter)]
    pub fn header(&self) -> JsResult<Object> {
        header_to_js(&self.header)
    }

    /// Plaintext bytes accepted so far (with the frame-level API: in frames begun so far).
    #[wasm_bindgen(getter = plaintextLength)]
    pub fn plaintext_length(&self) -> f64 {
        // Exact up to 2^53 bytes.
        self.inner.as_ref().map_or(self.finished_len, MessageEncryptor::plaintext_len) as f64
    }

    // ---- frame-level API for an external AES-GCM engine ----------------------------------

    /// Frame-level API: the header bytes, the first time only (`undefined` afterwards).
    ///
    /// # Errors
    /// `INVALID_STATE` once `push` was used, or after `footer`.
    #[wasm_bindgen(js_name = takeHeader)]
    pub fn take_header(&mut self) -> JsResult<Option<Uint8Array>> {
        Ok(self.driven(Mode::Frames)?.take_header().map(|h| Uint8Array::from(h.as_slice())))
    }

    /// Frame-level API: a copy of the content-encryption key, to import into an external AES-GCM
    /// engine.
    ///
    /// # Security
    /// This key encrypts every frame of the message. Import it as a non-extractable key and wipe
    /// the returned array (`fill(0)`) at once.
    ///
    /// # Errors
    /// `INVALID_STATE` once `push` was used, or after `footer`.
    #[wasm_bindgen(js_name = contentKey)]
    pub fn content_key(&mut self) -> JsResult<Uint8Array> {
        Ok(Uint8Array::from(self.driven(Mode::Frames)?.content_key().as_bytes()))
    }

    /// Frame-level API: what to do next, holding `available` plaintext bytes not yet framed
    /// (pass at most 2^32 - 1; anything from the frame length up means the same) and whether the
    /// input `ended`:
    /// - `{ need }`: gather `need` bytes (or end the input), then ask again;
    /// - `{ seq, isFinal, len, iv, aad, prefix }`: seal the next `len` bytes as this frame (begun);
    /// - `{ done: true }`: the final frame was begun; `absorb` every frame, then call `footer`.
    ///
    /// # Errors
    /// `INVALID_STATE` once `push` was used or after `footer`; `LIMIT_EXCEEDED` past 2^32 - 1 frames.
    #[wasm_bindgen(js_name = nextFrame)]
    pub fn next_frame(&mut self, available: u32, ended: bool) -> JsResult<Object> {
        Ok(match self.driven(Mode::Frames)?.next_frame(available as usize, ended)? {
            SealStep::Need(need) => need_to_js(need),
            SealStep::Frame(params) => frame_params_to_js(&params).build(),
            SealStep::Done => ObjectBuilder::new().set("done", true).build(),
        })
    }

    /// Frame-level API: whether the suite signs, i.e. `absorb` must see every frame's bytes.
    #[wasm_bindgen(getter = isSigning)]
    pub fn is_signing(&self) -> bool {
        self.inner.as_ref().is_some_and(MessageEncryptor::is_signing)
    }

    /// Frame-level API: feeds written frame bytes (prefix, then ciphertext and tag), in order, to
    /// the signature hash. Not needed (a no-op) for suites that do not sign.
    ///
    /// # Errors
    /// `TypeError` for non-bytes; `INVALID_STATE` once `push` was used, or after `footer`.
    pub fn absorb(&mut self, frame_bytes: &JsValue) -> JsResult<()> {
        let view = byte_view(frame_bytes, "MessageEncryptor.absorb: bytes")?;
        let mut scratch = core::mem::take(&mut self.scratch);
        scratch.resize(view.length() as usize, 0);
        view.copy_to(&mut scratch);
        let result = self.driven(Mode::Frames).map(|inner| inner.absorb(&scratch));
        self.scratch = scratch;
        result?;
        Ok(())
    }

    /// Frame-level API, signed suites: hands the signature hash to the caller, who has a faster
    /// one, before any frame was absorbed. Returns `{ hash, prelude }`: hash `prelude` with
    /// `hash` ('SHA-256' or 'SHA-384'), then every byte `absorb` would get, and hand in the
    /// digest with `setDigest` before `footer`. `absorb` does nothing afterwards.
    ///
    /// # Errors
    /// `INVALID_STATE` for an unsigned suite, once a frame was absorbed, once `push` was used,
    /// or after `footer`.
    #[wasm_bindgen(js_name = handOutHash)]
    pub fn hand_out_hash(&mut self) -> JsResult<Object> {
        Ok(hash_out_to_js(self.driven(Mode::Frames)?.hand_out_hash()?))
    }

    /// Frame-level API: the digest of the hash taken with `handOutHash` (32 or 48 bytes).
    ///
    /// # Errors
    /// `TypeError` for non-bytes; `INVALID_ARGUMENT` for a wrong length; `INVALID_STATE` unless
    /// the hash was handed out and no digest came yet.
    #[wasm_bindgen(js_name = setDigest)]
    pub fn set_digest(&mut self, digest: &JsValue) -> JsResult<()> {
        let digest = bytes(digest, "MessageEncryptor.setDigest: digest")?;
        Ok(self.driven(Mode::Frames)?.set_digest(&digest)?)
    }

    /// Frame-level API: the footer (the signature; empty for suites that do not sign), once the
    /// final frame was begun and every frame absorbed. The encryptor cannot be used afterwards.
    ///
    /// # Errors
    /// `INVALID_STATE` before the final frame, when called twice, or once `push` was used.
    pub fn footer(&mut self) -> JsResult<Uint8Array> {
        self.driven(Mode::Frames)?;
        let inner = self.inner.take().ok_or(Error::InvalidState("the encryptor already finished"))?;
        self.finished_len = inner.plaintext_len();
        Ok(Uint8Array::from(inner.footer()?.as_slice()))
    }
}

impl EncryptorHandle {
    /// A handle over an encryptor built elsewhere (e.g. from materials a JavaScript keyring completed).
    pub(crate) fn wrap(inner: MessageEncryptor) -> Self {
        let header = inner.header().clone();
        EncryptorHandle {
            inner: Some(inner),
            header,
            finished_len: 0,
            out: Vec::new(),
            scratch: Vec::new(),
            mode: Mode::Fresh,
        }
    }

    /// The encryptor, if it is (or may start being) driven in `mode`.
    fn driven(&mut self, mode: Mode) -> Result<&mut MessageEncryptor, Error> {
        if self.mode != Mode::Fresh && self.mode != mode {
            return Err(Error::InvalidState(
                "push/finish and the frame-level API (takeHeader, nextFrame, absorb, footer) cannot be mixed",
            ));
        }
        let inner = self.inner.as_mut().ok_or(Error::InvalidState("the encryptor already finished"))?;
        self.mode = mode;
        Ok(inner)
    }
}
