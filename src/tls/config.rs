//! TLS options (Traefik's `tls.options`: versions, cipher suites, client certificates, strict
//! SNI, ALPN, session tickets) and the rustls `ServerConfig` built from them. Entry points and
//! routes will name a [`TlsOptions`]; [`TlsConfigs`] picks the config for a ClientHello's SNI.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::crypto::ring::{DEFAULT_CIPHER_SUITES, Ticketer};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::server::{NoServerSessionStorage, WebPkiClientVerifier};
use rustls::{CipherSuite, RootCertStore, ServerConfig, SupportedCipherSuite};

use super::resolver::CertResolver;
use super::store::{CertificateStore, NameMap};
use super::{TlsError, provider};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

impl TlsVersion {
    fn rustls(self) -> &'static rustls::SupportedProtocolVersion {
        match self {
            TlsVersion::Tls12 => &rustls::version::TLS12,
            TlsVersion::Tls13 => &rustls::version::TLS13,
        }
    }

    fn of(suite: &SupportedCipherSuite) -> TlsVersion {
        match suite {
            SupportedCipherSuite::Tls12(_) => TlsVersion::Tls12,
            SupportedCipherSuite::Tls13(_) => TlsVersion::Tls13,
        }
    }
}

impl std::fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TlsVersion::Tls12 => "1.2",
            TlsVersion::Tls13 => "1.3",
        })
    }
}

impl FromStr for TlsVersion {
    type Err = String;

    /// `1.2`, `1.3`, or Traefik's `VersionTLS12`/`VersionTLS13`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "1.2" | "tls1.2" | "versiontls12" => Ok(TlsVersion::Tls12),
            "1.3" | "tls1.3" | "versiontls13" => Ok(TlsVersion::Tls13),
            "1.0" | "1.1" | "tls1.0" | "tls1.1" | "versiontls10" | "versiontls11" => Err(format!(
                "{text:?}: TLS 1.0 and 1.1 are not supported (rustls has neither); use 1.2 or 1.3"
            )),
            _ => Err(format!("{text:?} is not a TLS version: use 1.2 or 1.3")),
        }
    }
}

/// Which clients must present a certificate signed by one of the CAs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClientAuthMode {
    /// Traefik's `RequireAndVerifyClientCert`, its default once CA files are given.
    #[default]
    Require,
    /// Traefik's `VerifyClientCertIfGiven`.
    VerifyIfGiven,
}

impl FromStr for ClientAuthMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "require" | "RequireAndVerifyClientCert" => Ok(ClientAuthMode::Require),
            "verify-if-given" | "VerifyClientCertIfGiven" => Ok(ClientAuthMode::VerifyIfGiven),
            "RequestClientCert" | "RequireAnyClientCert" => Err(format!(
                "{text}: hawser verifies every client certificate it accepts; \
                 use require or verify-if-given"
            )),
            "NoClientCert" => Err("NoClientCert: leave the client CA unset instead".into()),
            _ => Err(format!(
                "{text:?}: the client authentication mode is require or verify-if-given"
            )),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAuth {
    pub ca_files: Vec<PathBuf>,
    pub mode: ClientAuthMode,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsOptions {
    pub min_version: TlsVersion,
    pub max_version: TlsVersion,
    /// Empty: rustls's defaults. For each TLS version the list names suites of, only those are
    /// offered (in the list's order); a version it names none of keeps its defaults.
    pub cipher_suites: Vec<CipherSuite>,
    pub client_auth: Option<ClientAuth>,
    /// Refuse the handshake when no certificate matches the SNI, instead of the default one.
    pub sni_strict: bool,
    pub alpn_protocols: Vec<String>,
    /// Stateless tickets and the session cache; off: no resumption at all (as Go, and so
    /// Traefik's `disableSessionTickets`, behaves).
    pub session_tickets: bool,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            min_version: TlsVersion::Tls12,
            max_version: TlsVersion::Tls13,
            cipher_suites: Vec::new(),
            client_auth: None,
            sni_strict: false,
            alpn_protocols: vec!["h2".into(), "http/1.1".into()],
            session_tickets: true,
        }
    }
}

/// The names a cipher suite is accepted by: rustls's (`TLS13_AES_128_GCM_SHA256`,
/// `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`) and the IANA/Go names Traefik uses
/// (`TLS_AES_128_GCM_SHA256`, Go's old `..._CHACHA20_POLY1305` without `_SHA256`).
fn suite_names(suite: CipherSuite) -> Vec<String> {
    let rustls_name = format!("{suite:?}");
    let mut names = vec![rustls_name.clone()];
    if let Some(rest) = rustls_name.strip_prefix("TLS13_") {
        names.push(format!("TLS_{rest}"));
    }
    if let Some(legacy) = rustls_name.strip_suffix("_CHACHA20_POLY1305_SHA256")
        && rustls_name.starts_with("TLS_ECDHE_")
    {
        names.push(format!("{legacy}_CHACHA20_POLY1305"));
    }
    names
}

/// Parses cipher suite names (case-insensitive); an unknown one is an error listing those
/// rustls has.
pub fn parse_cipher_suites(names: &[String]) -> Result<Vec<CipherSuite>, TlsError> {
    let mut suites = Vec::new();
    for name in names
        .iter()
        .map(|name| name.trim())
        .filter(|n| !n.is_empty())
    {
        let found = DEFAULT_CIPHER_SUITES
            .iter()
            .map(|s| s.suite())
            .find(|suite| {
                suite_names(*suite)
                    .iter()
                    .any(|known| known.eq_ignore_ascii_case(name))
            });
        match found {
            Some(suite) if !suites.contains(&suite) => suites.push(suite),
            Some(_) => {}
            None => {
                return Err(TlsError::option(
                    "cipher suites",
                    format!(
                        "{name:?} is unknown or not supported by rustls; supported: {}",
                        supported_cipher_suites().join(", ")
                    ),
                ));
            }
        }
    }
    Ok(suites)
}

pub fn supported_cipher_suites() -> Vec<String> {
    DEFAULT_CIPHER_SUITES
        .iter()
        .map(|suite| format!("{:?}", suite.suite()))
        .collect()
}

impl TlsOptions {
    /// The versions from `min_version` to `max_version`.
    fn versions(&self) -> Vec<TlsVersion> {
        [TlsVersion::Tls12, TlsVersion::Tls13]
            .into_iter()
            .filter(|version| (self.min_version..=self.max_version).contains(version))
            .collect()
    }

    /// The ring provider with the cipher suites these options allow.
    fn provider(&self) -> Result<CryptoProvider, TlsError> {
        if self.min_version > self.max_version {
            return Err(TlsError::option(
                "versions",
                format!(
                    "the minimum version {} is above the maximum {}",
                    self.min_version, self.max_version
                ),
            ));
        }
        let versions = self.versions();
        let named: Vec<SupportedCipherSuite> = self
            .cipher_suites
            .iter()
            .filter_map(|wanted| {
                DEFAULT_CIPHER_SUITES
                    .iter()
                    .find(|suite| suite.suite() == *wanted)
                    .copied()
            })
            .collect();
        if let Some(unusable) = named
            .iter()
            .find(|suite| !versions.contains(&TlsVersion::of(suite)))
        {
            return Err(TlsError::option(
                "cipher suites",
                format!(
                    "{:?} is a TLS {} suite, but only TLS {} is enabled",
                    unusable.suite(),
                    TlsVersion::of(unusable),
                    versions
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            ));
        }
        let mut suites = Vec::new();
        for version in &versions {
            let chosen: Vec<SupportedCipherSuite> = named
                .iter()
                .filter(|suite| TlsVersion::of(suite) == *version)
                .copied()
                .collect();
            if chosen.is_empty() {
                suites.extend(
                    DEFAULT_CIPHER_SUITES
                        .iter()
                        .filter(|suite| TlsVersion::of(suite) == *version),
                );
            } else {
                suites.extend(chosen);
            }
        }
        let mut provider = provider().as_ref().clone();
        provider.cipher_suites = suites;
        Ok(provider)
    }

    /// A `ServerConfig` whose certificates come from `store`, checked and ready to serve.
    pub fn server_config(
        &self,
        store: Arc<CertificateStore>,
    ) -> Result<Arc<ServerConfig>, TlsError> {
        let provider = Arc::new(self.provider()?);
        let versions: Vec<&'static rustls::SupportedProtocolVersion> = self
            .versions()
            .into_iter()
            .map(TlsVersion::rustls)
            .collect();
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .map_err(|err| TlsError::option("versions", err))?;
        let builder = match &self.client_auth {
            None => builder.with_no_client_auth(),
            Some(auth) => {
                let roots = Arc::new(client_roots(&auth.ca_files)?);
                let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider);
                let verifier = match auth.mode {
                    ClientAuthMode::Require => verifier,
                    ClientAuthMode::VerifyIfGiven => verifier.allow_unauthenticated(),
                };
                let verifier = verifier
                    .build()
                    .map_err(|err| TlsError::option("client authentication", err))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut config =
            builder.with_cert_resolver(Arc::new(CertResolver::new(store, self.sni_strict)));
        config.alpn_protocols = self
            .alpn_protocols
            .iter()
            .map(|protocol| protocol.as_bytes().to_vec())
            .collect();
        if self.session_tickets {
            config.ticketer =
                Ticketer::new().map_err(|err| TlsError::option("session tickets", err))?;
        } else {
            config.session_storage = Arc::new(NoServerSessionStorage {});
            config.send_tls13_tickets = 0;
        }
        Ok(Arc::new(config))
    }
}

fn client_roots(files: &[PathBuf]) -> Result<RootCertStore, TlsError> {
    if files.is_empty() {
        return Err(TlsError::option(
            "client authentication",
            "needs at least one CA file",
        ));
    }
    let mut roots = RootCertStore::empty();
    for path in files {
        let text = std::fs::read(path).map_err(|err| TlsError::file(path, err))?;
        let mut found = 0;
        for certificate in CertificateDer::pem_slice_iter(&text) {
            let certificate =
                certificate.map_err(|err| TlsError::file(path, format!("bad PEM: {err}")))?;
            roots
                .add(certificate)
                .map_err(|err| TlsError::file(path, format!("unusable CA certificate: {err}")))?;
            found += 1;
        }
        if found == 0 {
            return Err(TlsError::file(path, "holds no PEM CA certificate"));
        }
    }
    Ok(roots)
}

/// The `ServerConfig` for each SNI: a route's options for its host names, else the entry
/// point's (Traefik picks TLS options by the SNI matching a router's `Host`).
#[derive(Clone, Debug)]
pub struct TlsConfigs {
    default: Arc<ServerConfig>,
    by_name: NameMap<Arc<ServerConfig>>,
}

impl TlsConfigs {
    pub fn new(default: Arc<ServerConfig>) -> TlsConfigs {
        TlsConfigs {
            default,
            by_name: NameMap::default(),
        }
    }

    /// Uses `config` for these names (`*.parent` allowed); the first one given for a name wins.
    pub fn with_names(mut self, names: &[String], config: &Arc<ServerConfig>) -> TlsConfigs {
        for name in names {
            self.by_name.insert_if_absent(name, config.clone());
        }
        self
    }

    pub fn select(&self, sni: Option<&str>) -> Arc<ServerConfig> {
        sni.and_then(|name| self.by_name.lookup(name))
            .map_or_else(|| self.default.clone(), |(config, _)| config.clone())
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
