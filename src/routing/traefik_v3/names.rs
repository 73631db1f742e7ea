//! Names as Traefik's Swarm provider makes and qualifies them: `normalize` turns a service name
//! into a router or service name, and a reference without `@` belongs to the provider of the
//! object that makes it (`pkg/server/provider/provider.go` `GetQualifiedName`).

use std::fmt;

/// hawser's provider for labels, whatever the Traefik version: v2 called it `docker`, v3
/// `swarm`, and labels written for either refer to the same objects here.
pub const SWARM: &str = "swarm";

/// Traefik's `provider.Normalize`: every run of characters that are neither letters nor
/// numbers becomes one `-`, none at either end; case is kept. Go's `unicode.IsLetter` is the
/// general category L; Rust's `is_alphabetic` also admits a few marks (Other_Alphabetic), which
/// only matters for names no Host rule accepts anyway.
pub fn normalize(name: &str) -> String {
    name.split(|ch: char| !(ch.is_alphabetic() || ch.is_numeric()))
        .filter(|field| !field.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Which provider an object comes from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Provider {
    /// Labels on Swarm services: `@swarm`, or `@docker` as Traefik v2 wrote it.
    Swarm,
    /// hawser's static file provider: it has services, but no middlewares.
    File,
    /// A provider hawser does not have (`@internal`, `@kubernetescrd`...).
    Other(String),
}

/// A reference with its provider made explicit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Qualified {
    pub name: String,
    pub provider: Provider,
}

impl Qualified {
    /// `name` as written in a label of an object of provider `from`.
    pub fn parse(reference: &str, from: &Provider) -> Qualified {
        let reference = reference.trim();
        match reference.rsplit_once('@') {
            None => Qualified {
                name: reference.to_owned(),
                provider: from.clone(),
            },
            Some((name, provider)) => Qualified {
                name: name.to_owned(),
                provider: match provider {
                    "swarm" | "docker" => Provider::Swarm,
                    "file" => Provider::File,
                    other => Provider::Other(other.to_owned()),
                },
            },
        }
    }

    pub fn swarm(name: &str) -> Qualified {
        Qualified {
            name: name.to_owned(),
            provider: Provider::Swarm,
        }
    }
}

impl fmt::Display for Qualified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let provider = match &self.provider {
            Provider::Swarm => SWARM,
            Provider::File => "file",
            Provider::Other(other) => other,
        };
        write!(f, "{}@{provider}", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Examples from research §2.6 (`provider.Normalize`).
    #[test]
    fn normalize_follows_traefik() {
        for (name, normalized) in [
            ("mystack_web", "mystack-web"),
            ("MyStack_Web", "MyStack-Web"),
            ("my.stack--web", "my-stack-web"),
            ("_web_", "web"),
            ("web.1", "web-1"),
            ("ünï_cödé", "ünï-cödé"),
            ("", ""),
            ("__", ""),
        ] {
            assert_eq!(normalize(name), normalized, "{name}");
        }
    }

    /// Research §2.9: no `@` means the referencing object's provider; `@docker` (v2) and
    /// `@swarm` (v3) are the same provider here.
    #[test]
    fn references_are_qualified_with_the_referencing_provider() {
        let swarm = Provider::Swarm;
        let cases = [
            ("strip", "strip@swarm", Provider::Swarm),
            ("strip@docker", "strip@swarm", Provider::Swarm),
            (" strip@swarm ", "strip@swarm", Provider::Swarm),
            ("auth@file", "auth@file", Provider::File),
            (
                "api@internal",
                "api@internal",
                Provider::Other("internal".into()),
            ),
        ];
        for (reference, full, provider) in cases {
            let qualified = Qualified::parse(reference, &swarm);
            assert_eq!(qualified.to_string(), full, "{reference}");
            assert_eq!(qualified.provider, provider, "{reference}");
        }
        let from_file = Qualified::parse("auth", &Provider::File);
        assert_eq!(from_file.to_string(), "auth@file");
    }
}
