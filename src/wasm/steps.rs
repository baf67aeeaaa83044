//! Keyring steps across the boundary: JavaScript runs a keyring of any kind through the core's
//! state machines ([`crate::keyring::step`]) and makes the calls they ask for.
//!
//! ```text
//! const run = new KeyringRun(keyring)          // a keyring object, or a ForeignKeyring for a JS one
//! let step = run.wrap(materials)               // or run.unwrapMessage(decryptor) / run.unwrap(materials, edks)
//! while (step.call) {                          // { path, kind: 'kms', operation, keyId, body } | { path, kind: 'wrap' | 'unwrap' }
//!   const answer = await ...                   // { text } (the KMS answer) | {} (wrapped) | { key } | { error }
//!   step = run.wrap(materials, answer)
//! }                                            // { done: true } (run.unwrap: { done: true, key })
//! ```
//!
//! An error a JavaScript answer carries (a transport's, a keyring's) comes back out of the run as
//! the same object; several at once come as one `NO_MATCHING_KEY` whose `errors` holds them.

use std::sync::Arc;

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::crypto::secret::DataKey;
use crate::error::Error;
use crate::format::{EncryptedDataKey, EncryptionContext};
use crate::keyring::{Answer, Call, ForeignKeyring as CoreForeign, Keyring, Poll, Progress, Request};
use crate::materials::DecryptionMaterials;

use super::args::{bytes, edks_from_js};
use super::errors::{describe, type_error, JsResult};
use super::header::ObjectBuilder;
use super::keyrings::keyring_from_js;
use super::materials::{decryption_materials, EncryptionMaterialsHandle};
use super::stream::DecryptorHandle;

/// A keyring the core does not hold (JavaScript class `ForeignKeyring`, internal): an
/// application's own JavaScript keyring, run by JavaScript whenever a step asks.
#[doc(hidden)]
#[wasm_bindgen]
pub struct ForeignKeyring {
    inner: Arc<dyn Keyring>,
}

#[wasm_bindgen]
impl ForeignKeyring {
    /// `new ForeignKeyring(description)`: `description` names it in errors.
    #[wasm_bindgen(constructor)]
    pub fn new(description: String) -> ForeignKeyring {
        ForeignKeyring { inner: Arc::new(CoreForeign::new(description)) }
    }
}

keyring_class!(ForeignKeyring);

/// `keyringNeedsCaller(keyring)`: whether running `keyring` (an envseal keyring object) may ask
/// JavaScript for calls (a `KmsKeyring`, an application's keyring, a multi-keyring with one);
/// the others run inside the core in one go.
///
/// # Errors
/// `TypeError` if `keyring` is not an envseal keyring object.
#[wasm_bindgen(js_name = keyringNeedsCaller)]
pub fn keyring_needs_caller(keyring: &JsValue) -> JsResult<bool> {
    Ok(keyring_from_js(keyring, "keyring")?.needs_caller())
}

/// What the pending call was, to read its answer.
#[derive(Clone, Copy)]
enum Pending {
    /// A KMS request, by operation.
    Kms(&'static str),
    Wrap,
    Unwrap,
}

/// One keyring wrapping or unwrapping one data key, step by step (JavaScript class
/// `KeyringRun`, internal; see the module documentation).
#[doc(hidden)]
#[wasm_bindgen]
pub struct KeyringRun {
    keyring: Arc<dyn Keyring>,
    progress: Progress,
    pending: Option<Pending>,
    /// Errors JavaScript answers carried, by slot (see [`Error::Relayed`]).
    relayed: Vec<JsValue>,
    /// `run.unwrap`: the materials and EDKs, read at the first step.
    search: Option<(crate::suite::AlgorithmSuite, EncryptionContext, Vec<EncryptedDataKey>)>,
}

#[wasm_bindgen]
impl KeyringRun {
    /// `new KeyringRun(keyring)`: any envseal keyring object (a JavaScript keyring goes in a
    /// `ForeignKeyring`).
    ///
    /// # Errors
    /// `TypeError` if `keyring` is not one.
    #[wasm_bindgen(constructor)]
    pub fn new(keyring: &JsValue) -> JsResult<KeyringRun> {
        Ok(KeyringRun {
            keyring: keyring_from_js(keyring, "KeyringRun: keyring")?,
            progress: Progress::default(),
            pending: None,
            relayed: Vec::new(),
            search: None,
        })
    }

    /// One step of wrapping (generating, if none is set) the data key of `materials`.
    ///
    /// # Errors
    /// The keyring's error (an error an answer carried: that same object).
    pub fn wrap(&mut self, materials: &mut EncryptionMaterialsHandle, answer: &JsValue) -> JsResult<JsValue> {
        let answer = self.take_answer(answer)?;
        let m = materials.get_mut()?;
        let outcome = self.keyring.wrap_step(&mut self.progress, m, answer);
        self.step_out(outcome, |()| ObjectBuilder::new().set("done", true).build().into())
    }

    /// One step of unwrapping the data key of `decryptor` (state `need-data-key`); when found,
    /// the decryptor verifies its header with it.
    ///
    /// # Errors
    /// As the decryptor's `unwrapWith`, with errors answers carried as those objects.
    #[wasm_bindgen(js_name = unwrapMessage)]
    pub fn unwrap_message(&mut self, decryptor: &mut DecryptorHandle, answer: &JsValue) -> JsResult<JsValue> {
        let answer = self.take_answer(answer)?;
        let outcome = decryptor.unwrap_step(&*self.keyring, &mut self.progress, answer);
        self.step_out(outcome, |()| ObjectBuilder::new().set("done", true).build().into())
    }

    /// One step of unwrapping a data key from `edks` for `{ suiteId, encryptionContext }` (read at
    /// the first step). Ends with `{ done: true, key }`: the key (a copy: wipe it once used), or
    /// `null` if none of `edks` was the keyring's.
    ///
    /// # Errors
    /// `TypeError` for bad arguments; the keyring's error.
    pub fn unwrap(&mut self, materials: &JsValue, edks: &JsValue, answer: &JsValue) -> JsResult<JsValue> {
        if self.search.is_none() {
            let (suite, context) = decryption_materials(materials, "KeyringRun.unwrap")?;
            self.search = Some((suite, context, edks_from_js(edks, "KeyringRun.unwrap: edks")?));
        }
        let answer = self.take_answer(answer)?;
        let (suite, context, edks) = self.search.as_ref().ok_or(Error::InvalidState("search"))?;
        let materials = DecryptionMaterials::new(*suite, context);
        let outcome = self.keyring.unwrap_step(&mut self.progress, &materials, edks, answer);
        self.step_out(outcome, |key: Option<DataKey>| {
            let key = key.map_or(JsValue::NULL, |k| Uint8Array::from(k.as_bytes()).into());
            ObjectBuilder::new().set("done", true).set("key", key).build().into()
        })
    }
}

impl KeyringRun {
    /// The answer JavaScript gave to the pending call (`undefined` at the first step).
    fn take_answer(&mut self, answer: &JsValue) -> JsResult<Option<Answer>> {
        let Some(pending) = self.pending.take() else {
            if answer.is_undefined() {
                return Ok(None);
            }
            return Err(Error::InvalidState("an answer, but no call is pending").into());
        };
        if !answer.is_object() {
            return Err(type_error(&format!("KeyringRun: an answer must be an object, got {}", describe(answer))));
        }
        let get = |key: &str| Reflect::get(answer, &JsValue::from_str(key));
        let error = get("error")?;
        let failed = !error.is_undefined();
        Ok(Some(match pending {
            Pending::Kms(_) if failed => Answer::Kms(Err(self.relay(error))),
            Pending::Kms(operation) => Answer::Kms(kms_answer(&get("text")?, operation)),
            Pending::Wrap if failed => Answer::Wrapped(Err(self.relay(error))),
            Pending::Wrap => Answer::Wrapped(Ok(())),
            Pending::Unwrap if failed => Answer::Unwrapped(Err(self.relay(error))),
            Pending::Unwrap => {
                let key = get("key")?;
                let key = if key.is_null() { None } else { Some(DataKey::new(bytes(&key, "KeyringRun: answer.key")?)) };
                Answer::Unwrapped(Ok(key))
            }
        }))
    }

    /// Keeps a JavaScript error an answer carried; the core sees it as [`Error::Relayed`].
    fn relay(&mut self, error: JsValue) -> Error {
        let field = |key: &str| Reflect::get(&error, &JsValue::from_str(key)).ok().and_then(|v| v.as_string());
        let message = field("message").unwrap_or_else(|| error.as_string().unwrap_or_else(|| "an error".into()));
        let no_matching_key = field("code").as_deref() == Some("NO_MATCHING_KEY");
        self.relayed.push(error);
        Error::Relayed { slot: self.relayed.len() - 1, message, no_matching_key }
    }

    /// A step's outcome for JavaScript: `done` as `finished` makes it, a call, or the error.
    fn step_out<T>(
        &mut self,
        outcome: crate::Result<Poll<T>>,
        finished: impl FnOnce(T) -> JsValue,
    ) -> JsResult<JsValue> {
        match outcome {
            Ok(Poll::Ready(value)) => Ok(finished(value)),
            Ok(Poll::Pending(call)) => Ok(self.call_out(call)),
            Err(e) => Err(self.error_out(e)),
        }
    }

    /// `{ call: true, path, kind, ... }`, and remembers what it was.
    fn call_out(&mut self, call: Call) -> JsValue {
        let path: Array = call.path.iter().map(|&i| JsValue::from(i as f64)).collect();
        let out = ObjectBuilder::new().set("call", true).set("path", path);
        let (pending, out) = match call.request {
            Request::Kms { operation, key_id, body } => {
                // An Encrypt request holds the data key (base64): wipe the Rust copy of the text.
                let body = Zeroizing::new(body.to_string());
                let out = out.set("kind", "kms").set("operation", operation).set("keyId", key_id);
                (Pending::Kms(operation), out.set("body", body.as_str()))
            }
            Request::Wrap => (Pending::Wrap, out.set("kind", "wrap")),
            Request::Unwrap => (Pending::Unwrap, out.set("kind", "unwrap")),
        };
        self.pending = Some(pending);
        out.build().into()
    }

    /// The JavaScript error for `e`: a relayed error is the original object again; several
    /// failures are one `NO_MATCHING_KEY` with their errors in `errors`.
    fn error_out(&self, e: Error) -> JsValue {
        match e {
            Error::Relayed { slot, message, .. } => {
                self.relayed.get(slot).cloned().unwrap_or_else(|| Error::Keyring(message).into())
            }
            Error::KeyringsFailed(failures) => {
                let errors: Array = failures.iter().map(|f| self.error_out(f.clone())).collect();
                let js: JsValue = Error::KeyringsFailed(failures).into();
                // Replacing a data property of a fresh Error object cannot fail.
                let _ = Reflect::set(&js, &JsValue::from_str("errors"), &errors);
                js
            }
            e => e.into(),
        }
    }
}

/// A KMS answer's JSON text, read once here: it must be a JSON object.
fn kms_answer(text: &JsValue, operation: &str) -> crate::Result<serde_json::Value> {
    let bad = |why: String| Error::KmsBadResponse(format!("{operation} response {why}"));
    let text = text.as_string().ok_or_else(|| bad("is missing: the transport answered no JSON text".into()))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|_| {
        let shown: String = text.chars().take(80).collect();
        let more = if shown.len() < text.len() { "..." } else { "" };
        bad(format!("is not JSON: {shown:?}{more}"))
    })?;
    let kind = match &value {
        serde_json::Value::Object(_) => return Ok(value),
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Null => "null",
    };
    Err(bad(format!("must be a JSON object, got {kind}")))
}
