//! Debian's pebble (a test ACME CA) and pebble-challtestsrv (its DNS), each test with its
//! own: a listener certificate made here, ports the kernel chose, challtestsrv answering
//! 127.0.0.1 for every name, and pebble's issuing root fetched once it answers.
//!
//! Without `/usr/bin/pebble` (`apt-get install pebble`) the tests skip, unless
//! `HAWSER_REQUIRE_PEBBLE` is set (scripts/test sets it), which makes them fail instead.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tempfile::TempDir;
use tokio::process::{Child, Command};
use tokio_rustls::rustls;

use super::http::{Reply, get_on};
use super::wait::until;

pub const PEBBLE: &str = "/usr/bin/pebble";
pub const CHALLTESTSRV: &str = "/usr/bin/pebble-challtestsrv";
const START_DEADLINE: Duration = Duration::from_secs(30);

/// Whether pebble is installed; otherwise the caller skips (or fails, when required).
pub fn available(test: &str) -> bool {
    let missing: Vec<&str> = [PEBBLE, CHALLTESTSRV]
        .into_iter()
        .filter(|path| !Path::new(path).is_file())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let missing = missing.join(" and ");
    assert!(
        std::env::var_os("HAWSER_REQUIRE_PEBBLE").is_none(),
        "HAWSER_REQUIRE_PEBBLE is set but {missing} is missing: apt-get install pebble"
    );
    println!("{test} skipped: {missing} not found (apt-get install pebble)");
    false
}

/// A port the kernel handed out, free for TCP (and UDP when asked) at the time of asking.
pub fn free_port(udp_too: bool) -> u16 {
    loop {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free port");
        let port = listener.local_addr().expect("address").port();
        if !udp_too || UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
}

/// Where pebble's validation authority connects to, and how long certificates live.
pub struct PebbleOptions {
    pub http_port: u16,
    pub tls_port: u16,
    /// `certificateValidityPeriod` in seconds; pebble's default (about 5 years) when `None`.
    pub validity_seconds: Option<u64>,
    /// `domainBlocklist`: names pebble refuses to order (`rejectedIdentifier`).
    pub refused: Vec<String>,
    /// Where pebble's ACME and management listeners bind (loopback unless a container must
    /// reach it), and the address challtestsrv answers for every name.
    pub listen_ip: Ipv4Addr,
    pub names_resolve_to: Ipv4Addr,
}

impl PebbleOptions {
    /// Loopback everywhere, pebble's default validity, nothing refused.
    pub fn ports(http_port: u16, tls_port: u16) -> PebbleOptions {
        PebbleOptions {
            http_port,
            tls_port,
            validity_seconds: None,
            refused: Vec::new(),
            listen_ip: Ipv4Addr::LOCALHOST,
            names_resolve_to: Ipv4Addr::LOCALHOST,
        }
    }
}

pub struct Pebble {
    directory: TempDir,
    config: PathBuf,
    dns: SocketAddr,
    pub listen: SocketAddr,
    management: SocketAddr,
    challtestsrv: Child,
    pebble: Option<Child>,
    /// Trusts pebble's listener certificate: the resolver's `ca-root`.
    pub listener_ca: PathBuf,
    listener_ca_pem: String,
}

impl Pebble {
    /// Configured, its DNS running, pebble itself not started yet.
    pub async fn prepare(options: PebbleOptions) -> Pebble {
        let directory = tempfile::Builder::new()
            .prefix("pebble-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("temp dir");
        let dir = directory.path();
        let (ca_pem, cert_pem, key_pem) = listener_certificate(options.listen_ip);
        let listener_ca = dir.join("listener-ca.pem");
        std::fs::write(&listener_ca, &ca_pem).expect("write");
        std::fs::write(dir.join("cert.pem"), cert_pem).expect("write");
        std::fs::write(dir.join("key.pem"), key_pem).expect("write");
        let listen = SocketAddr::from((options.listen_ip, free_port(false)));
        let management = SocketAddr::from((options.listen_ip, free_port(false)));
        let dns = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port(true)));
        let dns_management = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port(false)));
        let mut settings = serde_json::json!({
            "listenAddress": listen.to_string(),
            "managementListenAddress": management.to_string(),
            "certificate": dir.join("cert.pem"),
            "privateKey": dir.join("key.pem"),
            "httpPort": options.http_port,
            "tlsPort": options.tls_port,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false,
            "domainBlocklist": options.refused,
        });
        if let Some(seconds) = options.validity_seconds {
            settings["certificateValidityPeriod"] = seconds.into();
        }
        let config = dir.join("pebble-config.json");
        std::fs::write(
            &config,
            serde_json::json!({ "pebble": settings }).to_string(),
        )
        .expect("write");
        let log = std::fs::File::create(dir.join("challtestsrv.log")).expect("log");
        let challtestsrv = Command::new(CHALLTESTSRV)
            .args(["-dns01", &dns.to_string()])
            .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
            .args(["-management", &dns_management.to_string()])
            .args(["-defaultIPv4", &options.names_resolve_to.to_string()])
            .args(["-defaultIPv6", ""])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("start pebble-challtestsrv");
        let mut pebble = Pebble {
            directory,
            config,
            dns,
            listen,
            management,
            challtestsrv,
            pebble: None,
            listener_ca,
            listener_ca_pem: ca_pem,
        };
        let ready = until(
            START_DEADLINE,
            Duration::from_millis(50),
            "challtestsrv",
            || {
                let address = dns_management;
                async move {
                    Ok(tokio::net::TcpStream::connect(address)
                        .await
                        .ok()
                        .map(|_| ()))
                }
            },
        )
        .await;
        if let Err(err) = ready {
            pebble.fail(&err);
        }
        pebble
    }

    /// Configured and answering.
    pub async fn start(options: PebbleOptions) -> Pebble {
        let mut pebble = Pebble::prepare(options).await;
        pebble.run().await;
        pebble
    }

    /// Starts pebble and waits until its directory answers.
    pub async fn run(&mut self) {
        let log = std::fs::File::create(self.directory.path().join("pebble.log")).expect("log");
        let child = Command::new(PEBBLE)
            .arg("-config")
            .arg(&self.config)
            .args(["-dnsserver", &self.dns.to_string()])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .env("PEBBLE_AUTHZREUSE", "0")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("start pebble");
        self.pebble = Some(child);
        let url = self.directory_url();
        let listen = self.listen;
        let ca = self.listener_ca_pem.clone();
        let answered = until(
            START_DEADLINE,
            Duration::from_millis(100),
            "pebble's /dir",
            || {
                let ca = ca.clone();
                let url = url.clone();
                async move {
                    match https_get(listen, &ca, "/dir").await {
                        Ok(reply) if reply.status == 200 => Ok(Some(())),
                        Ok(reply) => Err(format!("{url}: {}", reply.status)),
                        Err(err) => Err(err),
                    }
                }
            },
        )
        .await;
        if let Err(err) = answered {
            self.fail(&err);
        }
    }

    pub fn directory_url(&self) -> String {
        format!("https://{}/dir", self.listen)
    }

    /// The root that signs what pebble issues (made anew at each pebble start).
    pub async fn issuing_root(&self) -> String {
        let reply = https_get(self.management, &self.listener_ca_pem, "/roots/0")
            .await
            .unwrap_or_else(|err| panic!("pebble's /roots/0: {err}"));
        assert_eq!(reply.status, 200, "pebble's /roots/0: {}", reply.body);
        reply.body
    }

    /// pebble's own log, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.directory.path().join("pebble.log")).unwrap_or_default()
    }

    fn fail(&mut self, err: &str) -> ! {
        let dir = self.directory.path().to_owned();
        // Kept for a look.
        let _ =
            std::mem::replace(&mut self.directory, tempfile::tempdir().expect("temp dir")).keep();
        panic!("{err}; logs in {}", dir.display());
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.challtestsrv.start_kill();
        if let Some(pebble) = &mut self.pebble {
            let _ = pebble.start_kill();
        }
    }
}

/// A CA and a certificate for `ip`, 127.0.0.1 and localhost it signed, as PEM: pebble's
/// listener (Debian's package ships none).
fn listener_certificate(ip: Ipv4Addr) -> (String, String, String) {
    let ca_key = KeyPair::generate().expect("key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "pebble listener CA (hawser tests)");
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("key");
    let mut names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
    if !ip.is_loopback() {
        names.push(ip.to_string());
    }
    let leaf = CertificateParams::new(names)
        .expect("params")
        .signed_by(&key, &issuer)
        .expect("listener certificate");
    (ca.pem(), leaf.pem(), key.serialize_pem())
}

/// `GET path` over TLS from `address`, trusting only `ca_pem`.
async fn https_get(address: SocketAddr, ca_pem: &str, path: &str) -> Result<Reply, String> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    let ca = rustls::pki_types::CertificateDer::from_pem_slice(ca_pem.as_bytes())
        .map_err(|err| err.to_string())?;
    roots.add(ca).map_err(|err| err.to_string())?;
    let name = address.ip().to_string();
    let stream = super::tls::connect(address, &name, Arc::new(roots), &[]).await?;
    get_on(stream, &address.to_string(), path)
        .await
        .map_err(|err| err.to_string())
}
