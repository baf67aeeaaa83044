//! wasm-bindgen bindings: the JavaScript face of the core, and nothing more.
//!
//! Thin by rule: no crypto and no format logic here. Each binding reads its JavaScript arguments
//! ([`args`]), calls the core, and turns the result into plain JavaScript values ([`header`]) or
//! the error into a JavaScript `Error` with a stable `code` ([`errors`]).
//!
//! | file | exports |
//! |---|---|
//! | [`keyrings`] | `RawAesKeyring`, `MultiKeyring` (and the internal `KeyringHandle`) |
//! | [`rsa`] | `RawRsaKeyring` |
//! | [`materials`] | `EncryptionMaterials`, `encryptorFromMaterials`, `generateDataKeyResult`: the materials a keyring run wraps a data key in |
//! | [`steps`] | `KeyringRun` (any keyring, step by step: JavaScript makes the calls a step asks for), `ForeignKeyring` (an application's JavaScript keyring, as a member) |
//! | [`kms`] | `CoreKmsKeyring` (the KMS keyring the JavaScript `KmsKeyring` holds), `kmsParseArn`, `kmsEndpoint`, `kmsErrorFromBody`, `kmsError`, `signSigV4` |
//! | [`api`] | `encrypt`, `decrypt`, `generateDataKey` (one-shot, synchronous here; `index.js` makes them async) |
//! | [`stream`] | `MessageEncryptor`, `MessageDecryptor` (sans-io handles the streaming adapters build on, with the frame-level API the WebCrypto engine drives) |
//! | [`hash`] | `RunningHash` (the core's SHA-256/384, for a signed message hashed on another thread) |
//!
//! No JavaScript input reaches an `unwrap` or an index: a wrong shape is a `TypeError`, a wrong
//! value a `RangeError` (both with code `INVALID_ARGUMENT`), and core errors keep their codes.

/// The methods every keyring class has, for a struct with an `inner: Arc<dyn Keyring>` field:
/// `toString()` (its description, never key material) and the internal `__keyringHandle()`,
/// through which any binding that takes a keyring gets to it ([`keyrings::keyring_from_js`]).
macro_rules! keyring_class {
    ($class:ident) => {
        #[wasm_bindgen::prelude::wasm_bindgen]
        impl $class {
            /// The keyring's description (`raw AES keyring "namespace"/"name"`); never a key.
            #[wasm_bindgen(js_name = toString)]
            pub fn describe(&self) -> String {
                crate::keyring::Keyring::describe(&*self.inner)
            }

            #[doc(hidden)]
            #[wasm_bindgen(js_name = __keyringHandle)]
            pub fn handle(&self) -> crate::wasm::keyrings::KeyringHandle {
                crate::wasm::keyrings::KeyringHandle::new(std::sync::Arc::clone(&self.inner))
            }
        }
    };
}

pub mod api;
pub mod args;
pub mod errors;
pub mod hash;
pub mod header;
pub mod keyrings;
pub mod kms;
pub mod materials;
pub mod rsa;
pub mod steps;
pub mod stream;

pub use api::{decrypt, encrypt, generate_data_key};
pub use keyrings::{KeyringHandle, MultiKeyring, RawAesKeyring};
pub use stream::{DecryptorHandle, EncryptorHandle};
