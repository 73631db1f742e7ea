//! What a route asks of TLS (Traefik's `RouterTLSConfig`): kept with the route so that TLS
//! entry points can honour it. A route with TLS is served on TLS entry points only (see
//! [`super::entry_points`]); its resolver and domains say which certificates to order.

use serde::Serialize;

use super::options::{OptionError, Options};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RouteTls {
    /// The ACME resolver that gets the certificates (not provider-qualified: resolvers are
    /// static configuration).
    pub cert_resolver: Option<String>,
    /// Certificates to get; empty: the hosts of the rule's `Host` matchers.
    pub domains: Vec<TlsDomain>,
    /// Provider-qualified TLS options name (`default` stays `default`).
    pub options: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlsDomain {
    pub main: String,
    pub sans: Vec<String>,
}

impl RouteTls {
    /// The options under a router's `tls`; `qualify` gives the options name its provider.
    pub fn from_options(
        options: &Options<'_>,
        qualify: impl Fn(&str) -> String,
    ) -> Result<Self, OptionError> {
        let mut domains = Vec::new();
        for domain in options.indexed("domains")? {
            let main = domain.string("main").unwrap_or_default().trim().to_owned();
            let sans: Vec<String> = domain
                .list("sans")
                .unwrap_or_default()
                .into_iter()
                .map(str::to_owned)
                .collect();
            domain.finish()?;
            if main.is_empty() && sans.is_empty() {
                return Err(domain.error("main", "a TLS domain needs main or sans"));
            }
            domains.push(TlsDomain { main, sans });
        }
        let tls = RouteTls {
            cert_resolver: non_empty(options.string("certresolver")),
            domains,
            options: non_empty(options.string("options")).map(|name| {
                if name == "default" {
                    name
                } else {
                    qualify(&name)
                }
            }),
        };
        if tls.options.as_deref().is_some_and(|name| name != "default") {
            options.warn(
                "options",
                "hawser has one set of TLS options (the --tls-* flags); the router is served with those",
            );
        }
        options.finish()?;
        Ok(tls)
    }
}

fn non_empty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<RouteTls, OptionError> {
        let mut options = Options::new("traefik.http.routers.r.tls");
        for (key, value) in pairs {
            options.push(key, key, value);
        }
        RouteTls::from_options(&options, |name| match name.contains('@') {
            true => name.to_owned(),
            false => format!("{name}@swarm"),
        })
    }

    /// The docs' label reference: `tls.certresolver`, `tls.domains[0].main/.sans` (comma list,
    /// trimmed), `tls.options` (qualified with the router's provider, research §2.9).
    #[test]
    fn every_tls_option_is_read() {
        let tls = read(&[
            ("certresolver", "le"),
            ("domains[0].main", "example.org"),
            ("domains[0].sans", "a.example.org, b.example.org"),
            ("domains[1].main", "example.com"),
            ("options", "modern"),
        ])
        .expect("valid");
        assert_eq!(tls.cert_resolver.as_deref(), Some("le"));
        assert_eq!(tls.options.as_deref(), Some("modern@swarm"));
        assert_eq!(
            tls.domains,
            [
                TlsDomain {
                    main: "example.org".into(),
                    sans: vec!["a.example.org".into(), "b.example.org".into()],
                },
                TlsDomain {
                    main: "example.com".into(),
                    sans: vec![],
                },
            ]
        );
    }

    #[test]
    fn named_tls_options_warn_that_the_flags_apply() {
        let mut options = Options::new("traefik.http.routers.r.tls");
        options.push("options", "traefik.http.routers.r.tls.options", "modern");
        RouteTls::from_options(&options, str::to_owned).expect("valid");
        let warnings = options.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("traefik.http.routers.r.tls.options"),
            "{warnings:?}"
        );
        assert!(warnings[0].contains("--tls-*"), "{warnings:?}");

        let mut options = Options::new("traefik.http.routers.r.tls");
        options.push("options", "options", "default");
        RouteTls::from_options(&options, str::to_owned).expect("valid");
        assert!(options.warnings().is_empty());
    }

    #[test]
    fn default_is_never_qualified_and_a_qualified_name_is_kept() {
        let tls = |name| read(&[("options", name)]).expect("valid").options;
        assert_eq!(tls("default").as_deref(), Some("default"));
        assert_eq!(tls("modern@file").as_deref(), Some("modern@file"));
    }

    #[test]
    fn bad_tls_options_name_their_label() {
        for (key, value, label) in [
            ("certresolvr", "le", "certresolvr"),
            ("domains.main", "example.org", "domains.main"),
            ("domains[0].mian", "x", "domains[0].mian"),
            (
                "domains[0].sans",
                "",
                "traefik.http.routers.r.tls.domains[0].main",
            ),
        ] {
            let err = read(&[(key, value)]).expect_err(key);
            assert_eq!(err.label, label, "{err}");
        }
    }
}
