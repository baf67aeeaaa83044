//! AWS KMS key identifiers: `arn:<partition>:kms:<region>:<account>:key/<id>` (or `alias/<name>`).
//!
//! An ARN read from a message is written by whoever wrote the message and is not authenticated
//! when a discovery keyring reads it, so every part is checked against the ARN grammar, and the
//! KMS endpoint of a region is built only from a known partition's DNS suffix ([`kms_endpoint`]):
//! no ARN text reaches a URL unchecked.
//! spec: framework/aws-kms/aws-kms-key-arn.md

use crate::error::{Error, Result};

/// The partitions whose KMS endpoints envseal can name, with their DNS suffixes.
const PARTITIONS: [(&str, &str); 7] = [
    ("aws", "amazonaws.com"),
    ("aws-cn", "amazonaws.com.cn"),
    ("aws-us-gov", "amazonaws.com"),
    ("aws-iso", "c2s.ic.gov"),
    ("aws-iso-b", "sc2s.sgov.gov"),
    ("aws-iso-e", "cloud.adc-e.uk"),
    ("aws-iso-f", "csp.hci.ic.gov"),
];

/// `https://kms.<region>.<suffix>/`, the AWS KMS endpoint of `region` in `partition`.
///
/// # Errors
/// [`Error::InvalidArgument`] for a partition not in the table or a region that is not a region
/// name (`us-west-2`, `cn-north-1`, `us-gov-east-1`: letters, digits and single hyphens ending in a number).
pub fn kms_endpoint(partition: &str, region: &str) -> Result<String> {
    let suffix = PARTITIONS
        .iter()
        .find(|(p, _)| *p == partition)
        .map(|(_, s)| s)
        .ok_or_else(|| Error::arg(format!("unknown AWS partition {partition:?}: give an endpoint")))?;
    if !is_region(region) {
        return Err(Error::arg(format!("{region:?} is not an AWS region name (such as us-west-2)")));
    }
    Ok(format!("https://kms.{region}.{suffix}/"))
}

/// A region name: lowercase letters and digits in hyphen-separated parts, at least three parts
/// (`us-west-2`), the last one a number.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && s.len() <= 32
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && parts.first().is_some_and(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
}

/// A partition name: `aws`, or `aws-` and lowercase letters in hyphen-separated parts.
fn is_partition(s: &str) -> bool {
    s == "aws"
        || s.strip_prefix("aws-")
            .is_some_and(|rest| rest.split('-').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase())))
}

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
        if !is_partition(partition) {
            return Err(bad("the partition must be aws or aws-<name>"));
        }
        if next() != Some("kms") {
            return Err(bad("the service must be \"kms\""));
        }
        let region = next().ok_or_else(|| bad("no region"))?;
        if !is_region(region) {
            return Err(bad("the region must be a region name such as us-west-2"));
        }
        let account = next().ok_or_else(|| bad("no account"))?;
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the account must be 12 digits"));
        }
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
        assert_eq!(KmsArn::parse("arn:aws-cn:kms:cn-north-1:111122223333:alias/x/y").unwrap().resource_id, "x/y");
        assert_eq!(
            KmsArn::parse("arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/k").unwrap().region,
            "us-gov-west-1"
        );
        let a = "arn:aws:kms:us-west-2:111122223333";
        for bad in [
            "",
            "key/1",
            "arn:aws:s3:us-west-2:111122223333:key/x",
            &format!("{a}:key/"),
            &format!("{a}:grant/x"),
            "arn::kms:us-west-2:111122223333:key/x",
            // Regions and partitions that would steer a URL elsewhere.
            "arn:aws:kms:attacker.example/?:111122223333:key/x",
            "arn:aws:kms:attacker.example#:111122223333:key/x",
            "arn:aws:kms:us-west-2.evil.example:111122223333:key/x",
            "arn:aws:kms:US-WEST-2:111122223333:key/x",
            "arn:aws:kms:us-west:111122223333:key/x",
            "arn:aws:kms:us--west-2:111122223333:key/x",
            "arn:aws:kms:us-west-2@h:111122223333:key/x",
            "arn:aws.evil:kms:us-west-2:111122223333:key/x",
            "arn:evil:kms:us-west-2:111122223333:key/x",
            "arn:aws:kms:us-west-2:1:key/x",
            "arn:aws:kms:us-west-2:11112222333a:key/x",
        ] {
            assert!(KmsArn::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn endpoints_come_from_the_partition_table() {
        assert_eq!(kms_endpoint("aws", "us-west-2").unwrap(), "https://kms.us-west-2.amazonaws.com/");
        assert_eq!(kms_endpoint("aws-cn", "cn-north-1").unwrap(), "https://kms.cn-north-1.amazonaws.com.cn/");
        assert_eq!(kms_endpoint("aws-us-gov", "us-gov-east-1").unwrap(), "https://kms.us-gov-east-1.amazonaws.com/");
        for (p, r) in [("aws", "attacker.example/?"), ("aws", "a.b-c-1"), ("aws-mars", "mars-east-1"), ("aws", "")] {
            assert_eq!(kms_endpoint(p, r).unwrap_err().code(), "INVALID_ARGUMENT", "{p} {r}");
        }
    }
}
