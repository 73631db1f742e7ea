//! Test support: a CA, certificates it signs, and rustls handshakes in memory (no sockets).

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};

use super::certificate::Certificate;
use super::provider;

pub struct Pki {
    pub ca_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Pki {
    pub fn new() -> Pki {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).expect("CA");
        Pki {
            ca_pem: ca.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf for `names`, as (chain PEM, key PEM).
    pub fn leaf_pem(&self, names: &[&str]) -> (String, String) {
        let key = KeyPair::generate().expect("key");
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let leaf = CertificateParams::new(names)
            .expect("params")
            .signed_by(&key, &self.issuer)
            .expect("leaf");
        (leaf.pem(), key.serialize_pem())
    }

    pub fn leaf(&self, names: &[&str]) -> Certificate {
        let (chain, key) = self.leaf_pem(names);
        Certificate::from_pem(chain.as_bytes(), key.as_bytes()).expect("leaf loads")
    }

    pub fn roots(&self) -> RootCertStore {
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(self.ca_pem.as_bytes()).expect("CA PEM"))
            .expect("root");
        roots
    }

    /// A client that trusts this CA, optionally presenting a certificate `(issuer, names)`.
    pub fn client(
        &self,
        versions: &[&'static rustls::SupportedProtocolVersion],
        identity: Option<(&Pki, &[&str])>,
        alpn: &[&str],
    ) -> Arc<ClientConfig> {
        let builder = ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(versions)
            .expect("versions")
            .with_root_certificates(self.roots());
        let mut config = match identity {
            None => builder.with_no_client_auth(),
            Some((issuer, names)) => {
                let (chain, key) = issuer.leaf_pem(names);
                builder
                    .with_client_auth_cert(
                        vec![CertificateDer::from_pem_slice(chain.as_bytes()).expect("PEM")],
                        PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("PEM"),
                    )
                    .expect("client certificate")
            }
        };
        config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
        Arc::new(config)
    }
}

/// Runs a whole handshake between the two configs; the server's connection, or the first
/// error either side saw.
pub fn handshake(
    server: Arc<ServerConfig>,
    client: Arc<ClientConfig>,
    name: &str,
) -> Result<ServerConnection, String> {
    let name = ServerName::try_from(name.to_owned()).map_err(|e| e.to_string())?;
    let mut client = ClientConnection::new(client, name).map_err(|e| e.to_string())?;
    let mut server = ServerConnection::new(server).map_err(|e| e.to_string())?;
    for _ in 0..20 {
        let mut bytes = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut bytes).map_err(|e| e.to_string())?;
        }
        if !bytes.is_empty() {
            server
                .read_tls(&mut &bytes[..])
                .map_err(|e| e.to_string())?;
            server
                .process_new_packets()
                .map_err(|e| format!("server: {e}"))?;
        }
        bytes.clear();
        while server.wants_write() {
            server.write_tls(&mut bytes).map_err(|e| e.to_string())?;
        }
        if !bytes.is_empty() {
            client
                .read_tls(&mut &bytes[..])
                .map_err(|e| e.to_string())?;
            client
                .process_new_packets()
                .map_err(|e| format!("client: {e}"))?;
        }
        if !client.is_handshaking() && !server.is_handshaking() {
            // TLS 1.3 tickets follow the handshake: hand them to the client's session store.
            let mut tickets = Vec::new();
            while server.wants_write() {
                server.write_tls(&mut tickets).map_err(|e| e.to_string())?;
            }
            if !tickets.is_empty() {
                client
                    .read_tls(&mut &tickets[..])
                    .map_err(|e| e.to_string())?;
                client
                    .process_new_packets()
                    .map_err(|e| format!("client: {e}"))?;
            }
            return Ok(server);
        }
    }
    Err("the handshake did not finish".into())
}
