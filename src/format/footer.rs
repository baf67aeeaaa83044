//! Message footer, after the body of a signed message: `u16 signature length || signature`.
//! The signature (DER-encoded ECDSA) covers every byte of the message before the footer.
//!
//! spec: data-format/message-footer.md

use crate::crypto::signature::MAX_SIGNATURE_LEN;
use crate::error::{Error, Result};
use crate::format::codec::{put_u16_prefixed, Need, Reader};
use crate::format::frame::exactly;

/// Appends the footer holding `signature`.
///
/// # Errors
/// [`Error::InvalidArgument`] for a signature over [`MAX_SIGNATURE_LEN`] bytes.
pub fn write(signature: &[u8], out: &mut Vec<u8>) -> Result<()> {
    if signature.len() > MAX_SIGNATURE_LEN {
        return Err(Error::arg(format!("a signature of {} bytes is over {MAX_SIGNATURE_LEN}", signature.len())));
    }
    put_u16_prefixed(out, signature);
    Ok(())
}

/// Reads a footer: the signature bytes.
///
/// # Errors
/// [`Error::MalformedBody`] for a length over [`MAX_SIGNATURE_LEN`], checked before the
/// signature is awaited.
pub(crate) fn read<'a>(r: &mut Reader<'a>) -> Result<core::result::Result<&'a [u8], Need>> {
    let len = match r.u16() {
        Ok(len) => usize::from(len),
        Err(need) => return Ok(Err(need)),
    };
    if len > MAX_SIGNATURE_LEN {
        return Err(Error::body(format!("signature length {len} exceeds {MAX_SIGNATURE_LEN} bytes")));
    }
    Ok(r.take(len))
}

/// Parses `bytes`, which must be exactly one footer: the signature bytes.
///
/// # Errors
/// As [`read`]; [`Error::Truncated`] if `bytes` ends inside it; [`Error::MalformedBody`] if bytes
/// follow it.
pub fn parse(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut r = Reader::new(bytes);
    let signature = read(&mut r)?.map_err(|Need(n)| Error::Truncated(format!("the footer needs {n} more bytes")))?;
    exactly(&r, "footer")?;
    Ok(signature.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footers_round_trip_and_refuse_short_long_or_oversized_input() {
        let signature: Vec<u8> = (0..103).collect();
        let mut wire = Vec::new();
        write(&signature, &mut wire).unwrap();
        assert_eq!(&wire[..2], &[0, 103]);
        assert_eq!(parse(&wire).unwrap(), signature);
        assert_eq!(parse(&wire[..wire.len() - 1]).unwrap_err().code(), "TRUNCATED");
        assert_eq!(parse(&wire[..1]).unwrap_err().code(), "TRUNCATED");
        wire.push(0);
        assert_eq!(parse(&wire).unwrap_err().code(), "MALFORMED_BODY");
        // The length is checked before anything waits for the signature's bytes.
        assert_eq!(parse(&[0, 129]).unwrap_err().code(), "MALFORMED_BODY");
        assert_eq!(write(&[0; 129], &mut Vec::new()).unwrap_err().code(), "INVALID_ARGUMENT");
        assert_eq!(parse(&[0, 0]).unwrap(), Vec::<u8>::new(), "the format allows an empty signature");
    }
}
