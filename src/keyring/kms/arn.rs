//! AWS KMS key identifiers: `arn:<partition>:kms:<region>:<account>:key/<id>` (or `alias/<name>`).

use crate::error::{Error, Result};

/// A parsed KMS ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsArn<'a> {
    pub partition: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    /// `key` or `alias`.
    pub resource_type: &'a str,
    pub resource_id: &'a str,
}

impl<'a> KmsArn<'a> {
    /// Parses a KMS key or alias ARN.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming what is wrong.
    pub fn parse(s: &'a str) -> Result<Self> {
        let bad = |why: &str| Error::arg(format!("{s:?} is not a KMS ARN: {why}"));
        let mut parts = s.splitn(6, ':');
        let mut next = || parts.next().filter(|p| !p.is_empty());
        if next() != Some("arn") {
            return Err(bad("it must start with \"arn:\""));
        }
        let partition = next().ok_or_else(|| bad("no partition"))?;
        if next() != Some("kms") {
            return Err(bad("the service must be \"kms\""));
        }
        let region = next().ok_or_else(|| bad("no region"))?;
        let account = next().ok_or_else(|| bad("no account"))?;
        let resource = next().ok_or_else(|| bad("no resource"))?;
        let (resource_type, resource_id) =
            resource.split_once('/').ok_or_else(|| bad("the resource must be key/... or alias/..."))?;
        if !matches!(resource_type, "key" | "alias") || resource_id.is_empty() {
            return Err(bad("the resource must be key/... or alias/..."));
        }
        Ok(KmsArn { partition, region, account, resource_type, resource_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_and_aliases() {
        let a = KmsArn::parse("arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab").unwrap();
        assert_eq!(
            (a.partition, a.region, a.account, a.resource_type, a.resource_id),
            ("aws", "us-west-2", "111122223333", "key", "1234abcd-12ab")
        );
        assert_eq!(KmsArn::parse("arn:aws-cn:kms:cn-north-1:1:alias/x/y").unwrap().resource_id, "x/y");
        for bad in [
            "",
            "key/1",
            "arn:aws:s3:r:1:key/x",
            "arn:aws:kms:r:1:key/",
            "arn:aws:kms:r:1:grant/x",
            "arn::kms:r:1:key/x",
        ] {
            assert!(KmsArn::parse(bad).is_err(), "{bad}");
        }
    }
}
