//! The names one certificate is ordered for: a main domain and its SANs, as a router's
//! `tls.domains` (or its `Host` rule) will give them.

use std::net::IpAddr;

use instant_acme::Identifier;

use crate::tls::TlsError;
use crate::tls::certificate::{is_host_name, normalize_name};

/// Normalized (lowercase, no trailing dot), the main name first, no duplicates.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainSet {
    main: String,
    sans: Vec<String>,
}

impl DomainSet {
    pub fn new(main: &str, sans: &[String]) -> Result<DomainSet, TlsError> {
        let main = checked(main)?;
        let mut kept: Vec<String> = Vec::new();
        for san in sans {
            let san = checked(san)?;
            if san != main && !kept.contains(&san) {
                kept.push(san);
            }
        }
        Ok(DomainSet { main, sans: kept })
    }

    pub fn main(&self) -> &str {
        &self.main
    }

    pub fn sans(&self) -> &[String] {
        &self.sans
    }

    /// The main name, then the SANs.
    pub fn names(&self) -> Vec<String> {
        std::iter::once(self.main.clone())
            .chain(self.sans.iter().cloned())
            .collect()
    }

    pub fn wildcard(&self) -> Option<&str> {
        self.names_iter().find(|name| name.starts_with("*."))
    }

    fn names_iter(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.main.as_str()).chain(self.sans.iter().map(String::as_str))
    }

    pub fn identifiers(&self) -> Vec<Identifier> {
        self.names_iter()
            .map(|name| match name.parse::<IpAddr>() {
                Ok(address) => Identifier::Ip(address),
                Err(_) => Identifier::Dns(name.to_owned()),
            })
            .collect()
    }
}

impl std::fmt::Display for DomainSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.names().join(","))
    }
}

fn checked(name: &str) -> Result<String, TlsError> {
    let normalized = normalize_name(name);
    if normalized.parse::<IpAddr>().is_ok() {
        return Ok(normalized);
    }
    if !is_host_name(&normalized) || normalized.contains('_') {
        return Err(TlsError::Domain {
            domain: name.to_owned(),
            reason: "not a DNS name (letters, digits, '-' and '.'; '*.' only as the first label)"
                .into(),
        });
    }
    if !normalized.contains('.') {
        return Err(TlsError::Domain {
            domain: name.to_owned(),
            reason: "a public CA issues only fully qualified names".into(),
        });
    }
    Ok(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalized_and_deduplicated_with_the_main_first() {
        let set = DomainSet::new(
            "Example.COM.",
            &[
                "www.example.com".into(),
                "example.com".into(),
                "WWW.example.com".into(),
            ],
        )
        .expect("valid");
        assert_eq!(set.names(), ["example.com", "www.example.com"]);
        assert_eq!(set.to_string(), "example.com,www.example.com");
        assert_eq!(set.wildcard(), None);
        let wild = DomainSet::new("example.com", &["*.example.com".into()]).expect("valid");
        assert_eq!(wild.wildcard(), Some("*.example.com"));
    }

    #[test]
    fn identifiers_are_dns_names_or_ip_addresses() {
        let set = DomainSet::new("a.example.com", &["127.0.0.1".into()]).expect("valid");
        assert_eq!(
            set.identifiers(),
            [
                Identifier::Dns("a.example.com".into()),
                Identifier::Ip("127.0.0.1".parse().expect("ip"))
            ]
        );
    }

    #[test]
    fn bad_names_are_errors_naming_them() {
        for bad in [
            "",
            "exa mple.com",
            "a..b.com",
            "foo.*.com",
            "-a.com",
            "localhost",
            "a_b.com",
        ] {
            let err = DomainSet::new(bad, &[]).expect_err(bad);
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
        let err = DomainSet::new("ok.example.com", &["bad name".into()]).expect_err("san");
        assert!(err.to_string().contains("bad name"), "{err}");
    }
}
