//! The HTTPS flags, resolved into [`TlsSettings`].

use std::path::PathBuf;

use super::{ConfigError, Options, defaults};
use crate::tls::acme::parse_cert_resolvers;
use crate::tls::config::parse_cipher_suites;
use crate::tls::{
    AcmeTiming, CertificateFiles, ClientAuth, ClientAuthMode, PairFiles, TlsOptions, TlsSettings,
};

impl Options {
    /// The HTTPS settings: certificate files, options, certificate resolvers.
    pub(super) fn tls_settings(&self) -> Result<TlsSettings, ConfigError> {
        let certs = self.tls_cert.clone().unwrap_or_default();
        let keys = self.tls_key.clone().unwrap_or_default();
        if certs.len() != keys.len() {
            return Err(ConfigError::Invalid(format!(
                "--tls-cert and --tls-key come in pairs, in order: {} certificate(s), {} key(s)",
                certs.len(),
                keys.len()
            )));
        }
        let pairs = certs
            .into_iter()
            .zip(keys)
            .map(|(cert, key)| PairFiles { cert, key })
            .collect();
        let default = match (&self.tls_default_cert, &self.tls_default_key) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(PairFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => {
                return Err(ConfigError::Invalid(
                    "--tls-default-cert and --tls-default-key go together".into(),
                ));
            }
        };
        let version = |flag: &str, value: &Option<String>, default: &str| {
            value
                .as_deref()
                .unwrap_or(default)
                .parse()
                .map_err(|reason| ConfigError::Invalid(format!("--{flag}: {reason}")))
        };
        let client_auth = match (&self.tls_client_ca, &self.tls_client_auth) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(ConfigError::Invalid(
                    "--tls-client-auth needs --tls-client-ca: the CAs client certificates are checked against".into(),
                ));
            }
            (Some(ca_files), mode) => Some(ClientAuth {
                ca_files: ca_files.clone(),
                mode: match mode {
                    None => ClientAuthMode::default(),
                    Some(mode) => mode.parse().map_err(|reason| {
                        ConfigError::Invalid(format!("--tls-client-auth: {reason}"))
                    })?,
                },
            }),
        };
        let options = TlsOptions {
            min_version: version(
                "tls-min-version",
                &self.tls_min_version,
                defaults::TLS_MIN_VERSION,
            )?,
            max_version: version(
                "tls-max-version",
                &self.tls_max_version,
                defaults::TLS_MAX_VERSION,
            )?,
            cipher_suites: parse_cipher_suites(
                self.tls_cipher_suites.as_deref().unwrap_or_default(),
            )?,
            client_auth,
            sni_strict: self.tls_sni_strict.unwrap_or(defaults::TLS_SNI_STRICT),
            session_tickets: self
                .tls_session_tickets
                .unwrap_or(defaults::TLS_SESSION_TICKETS),
            ..TlsOptions::default()
        };
        if options.min_version > options.max_version {
            return Err(ConfigError::Invalid(format!(
                "--tls-min-version {} is above --tls-max-version {}",
                options.min_version, options.max_version
            )));
        }
        let default_storage = PathBuf::from(defaults::ACME_STORAGE);
        let resolvers = parse_cert_resolvers(
            self.certresolver.as_deref().unwrap_or_default(),
            &default_storage,
        )?;
        Ok(TlsSettings {
            files: CertificateFiles {
                pairs,
                directories: self.tls_cert_dir.clone().unwrap_or_default(),
                default,
            },
            poll_interval: self
                .tls_poll_interval
                .map_or(defaults::TLS_POLL_INTERVAL, |d| d.0),
            options,
            resolvers,
            acme: AcmeTiming {
                retry_min: defaults::ACME_RETRY_MIN,
                retry_max: defaults::ACME_RETRY_MAX,
                order_timeout: defaults::ACME_ORDER_TIMEOUT,
                poll_initial_delay: defaults::ACME_POLL_INITIAL_DELAY,
                poll_timeout: defaults::ACME_POLL_TIMEOUT,
                max_concurrent_orders: defaults::ACME_MAX_CONCURRENT_ORDERS,
            },
        })
    }
}
