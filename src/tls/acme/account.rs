//! A resolver's ACME account: created once, kept in storage with the directory it belongs
//! to, restored from there after a restart, and forgotten when the CA no longer knows it.

use instant_acme::{Account, AccountCredentials, NewAccount};
use tracing::{error, info, warn};

use super::client::AcmeHttpClient;
use super::settings::CertResolverSettings;
use super::storage::{AccountRecord, Storage};
use crate::tls::TlsError;
use std::sync::Arc;

/// One resolver's settings, storage, HTTP client and account.
pub struct Resolver {
    pub settings: CertResolverSettings,
    pub storage: Arc<Storage>,
    http: AcmeHttpClient,
    account: tokio::sync::Mutex<Option<Account>>,
}

impl Resolver {
    pub fn new(
        settings: CertResolverSettings,
        storage: Arc<Storage>,
    ) -> Result<Resolver, TlsError> {
        Ok(Resolver {
            http: AcmeHttpClient::new(settings.ca_root.as_deref())?,
            settings,
            storage,
            account: tokio::sync::Mutex::new(None),
        })
    }

    /// The account: in memory, else from storage (same directory), else a new one. Orders
    /// wait here for the first of them to make it.
    pub async fn account(&self) -> Result<Account, TlsError> {
        let mut cell = self.account.lock().await;
        if let Some(account) = cell.as_ref() {
            return Ok(account.clone());
        }
        let settings = &self.settings;
        let stored = self
            .storage
            .resolver(&settings.name)
            .account
            .filter(|account| account.directory == settings.ca);
        let account = match stored {
            Some(record) => {
                let credentials: AccountCredentials = serde_json::from_value(record.credentials)
                    .map_err(|err| TlsError::Storage {
                        path: self.storage.path().to_owned(),
                        reason: format!("account of {}: {err}", settings.name),
                    })?;
                self.http
                    .account_builder()
                    .from_credentials(credentials)
                    .await
                    .map_err(|err| TlsError::acme("account", err))?
            }
            None => self.create().await?,
        };
        *cell = Some(account.clone());
        Ok(account)
    }

    async fn create(&self) -> Result<Account, TlsError> {
        let settings = &self.settings;
        let contact: Vec<String> = settings
            .email
            .iter()
            .map(|email| format!("mailto:{email}"))
            .collect();
        let contact: Vec<&str> = contact.iter().map(String::as_str).collect();
        let new = NewAccount {
            contact: &contact,
            terms_of_service_agreed: true,
            only_return_existing: false,
        };
        let (account, credentials) = self
            .http
            .account_builder()
            .create(&new, settings.ca.clone(), None)
            .await
            .map_err(|err| TlsError::acme("account", err))?;
        let credentials =
            serde_json::to_value(&credentials).map_err(|err| TlsError::acme("account", err))?;
        info!(resolver = %settings.name, ca = %settings.ca, "ACME account created");
        let saved = self.storage.update(&settings.name, |record| {
            record.account = Some(AccountRecord {
                directory: settings.ca.clone(),
                email: settings.email.clone(),
                credentials,
            });
        });
        if let Err(err) = saved {
            error!(error = %err, "ACME account not stored; a new one is made after a restart");
        }
        Ok(account)
    }

    /// The CA no longer knows the account (a CA reset, a deactivated account): the next
    /// order makes a new one.
    pub async fn forget_account(&self) {
        *self.account.lock().await = None;
        let name = &self.settings.name;
        warn!(resolver = %name, "the CA does not know this account; a new one will be created");
        if let Err(err) = self.storage.update(name, |record| record.account = None) {
            error!(error = %err, "stale ACME account not removed from storage");
        }
    }
}
