//! Errors as JavaScript sees them: `Error` objects with a stable `code` property.
//!
//! * a core [`Error`] becomes an `Error` whose `code` is [`Error::code`] and whose message is the
//!   core's `Display` text;
//! * an argument of the wrong type (a string where bytes belong, a missing option object) is a
//!   `TypeError`, and a number or name out of range a `RangeError`; both have code
//!   `INVALID_ARGUMENT`, like the core's own [`Error::InvalidArgument`].

use wasm_bindgen::{JsCast, JsValue};

use crate::error::Error;

/// Result of a binding: the `Err` value is thrown in JavaScript.
pub type JsResult<T> = Result<T, JsValue>;

/// The `code` of argument errors raised by the bindings.
pub const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";

impl From<Error> for JsValue {
    /// A JavaScript `Error` with `code` = [`Error::code`] and the `Display` message; for
    /// [`Error::Kms`] also `kmsType` (the KMS exception name, e.g. `DisabledException`) and
    /// `kmsMessage` (KMS's own message); for [`Error::KeyringsFailed`] the failures in `errors`.
    fn from(e: Error) -> JsValue {
        let js = with_code(js_sys::Error::new(&e.to_string()), e.code());
        let set = |key: &str, value: &JsValue| {
            // Setting a data property on a fresh Error object cannot fail.
            let _ = js_sys::Reflect::set(&js, &JsValue::from_str(key), value);
        };
        match e {
            Error::Kms { kind, message } => {
                set("kmsType", &JsValue::from_str(&kind));
                set("kmsMessage", &JsValue::from_str(&message));
            }
            Error::KeyringsFailed(failures) => {
                set("errors", &failures.into_iter().map(JsValue::from).collect::<js_sys::Array>());
            }
            _ => {}
        }
        js
    }
}

/// A `TypeError` with code `INVALID_ARGUMENT`: the argument has the wrong type or shape.
pub fn type_error(message: &str) -> JsValue {
    with_code(js_sys::TypeError::new(message).unchecked_into(), INVALID_ARGUMENT)
}

/// A `RangeError` with code `INVALID_ARGUMENT`: the argument has the right type but a value
/// outside what is accepted.
pub fn range_error(message: &str) -> JsValue {
    with_code(js_sys::RangeError::new(message).unchecked_into(), INVALID_ARGUMENT)
}

fn with_code(error: js_sys::Error, code: &str) -> JsValue {
    // Setting a data property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&error, &JsValue::from_str("code"), &JsValue::from_str(code));
    error.into()
}

/// How a JavaScript value is named in error messages: `a string`, `null`, `an array`, ...
pub fn describe(value: &JsValue) -> &'static str {
    if value.is_undefined() {
        "undefined"
    } else if value.is_null() {
        "null"
    } else if value.is_string() {
        "a string"
    } else if value.as_f64().is_some() {
        "a number"
    } else if value.as_bool().is_some() {
        "a boolean"
    } else if value.is_bigint() {
        "a bigint"
    } else if value.is_symbol() {
        "a symbol"
    } else if value.is_function() {
        "a function"
    } else if js_sys::Array::is_array(value) {
        "an array"
    } else {
        "an object"
    }
}
