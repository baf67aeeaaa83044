//! AWS Signature Version 4 for KMS JSON requests: a pure function of the request, the
//! credentials and the time (the caller supplies the clock).
//!
//! ```text
//! canonical request = method \n path \n query \n (name:value\n)* \n signed;names \n hex(sha256(body))
//! string to sign    = "AWS4-HMAC-SHA256" \n amz-date \n date/region/service/aws4_request \n hex(sha256(canonical))
//! signing key       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
//! ```

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// AWS credentials. The secret is wiped on drop.
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Zeroizing<String>,
    pub session_token: Option<String>,
}

impl core::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Credentials").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// The parts of an HTTP request that SigV4 covers.
pub struct SignableRequest<'a> {
    pub method: &'a str,
    /// `host[:port]` as sent in the Host header.
    pub host: &'a str,
    /// The URI path, already percent-encoded (`/` for KMS).
    pub path: &'a str,
    /// Headers to sign besides host, x-amz-date and x-amz-security-token (e.g. content-type, x-amz-target).
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// Signs `req`; returns the headers to add: `x-amz-date`, `x-amz-security-token` (with a session
/// token) and `authorization`.
///
/// # Errors
/// [`Error::InvalidArgument`] if `amz_date` is not `YYYYMMDDTHHMMSSZ` or a field is empty.
pub fn sign(
    req: &SignableRequest<'_>,
    creds: &Credentials,
    region: &str,
    service: &str,
    amz_date: &str,
) -> Result<Vec<(String, String)>> {
    let valid_date = amz_date.len() == 16
        && amz_date.as_bytes().get(8) == Some(&b'T')
        && amz_date.ends_with('Z')
        && amz_date.bytes().enumerate().all(|(i, b)| i == 8 || i == 15 || b.is_ascii_digit());
    if !valid_date {
        return Err(Error::arg(format!("SigV4 date must be YYYYMMDDTHHMMSSZ, got {amz_date:?}")));
    }
    if region.is_empty() || service.is_empty() || creds.access_key_id.is_empty() {
        return Err(Error::arg("SigV4 needs a region, a service and an access key id"));
    }
    let date = amz_date.get(..8).unwrap_or_default();

    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), normalize_value(v)))
        .filter(|(k, _)| !matches!(k.as_str(), "host" | "x-amz-date" | "x-amz-security-token" | "authorization"))
        .collect();
    headers.push(("host".into(), req.host.to_owned()));
    headers.push(("x-amz-date".into(), amz_date.to_owned()));
    if let Some(token) = &creds.session_token {
        headers.push(("x-amz-security-token".into(), token.clone()));
    }
    headers.sort();
    let signed_headers: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let signed_headers = signed_headers.join(";");
    let mut canonical = format!("{}\n{}\n\n", req.method.to_ascii_uppercase(), req.path);
    for (k, v) in &headers {
        canonical.push_str(k);
        canonical.push(':');
        canonical.push_str(v);
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(&signed_headers);
    canonical.push('\n');
    canonical.push_str(&hex(&Sha256::digest(req.body)));

    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign =
        format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex(&Sha256::digest(canonical.as_bytes())));
    let mut key = Zeroizing::new(format!("AWS4{}", &*creds.secret_access_key).into_bytes());
    for part in [date, region, service, "aws4_request"] {
        key = Zeroizing::new(hmac(&key, part.as_bytes()));
    }
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));

    let mut out = vec![("x-amz-date".to_owned(), amz_date.to_owned())];
    if let Some(token) = &creds.session_token {
        out.push(("x-amz-security-token".to_owned(), token.clone()));
    }
    out.push((
        "authorization".to_owned(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            creds.access_key_id
        ),
    ));
    Ok(out)
}

/// Trims and collapses runs of spaces, as SigV4 requires for header values.
fn normalize_value(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
