//! Scenario 13: the seed stack over HTTPS with a certificate from pebble. pebble runs on the
//! host, listening on the lab bridge's leader address (which hawser's container reaches), and
//! its DNS answers 127.0.0.1 for every name, so its HTTP-01 validations reach hawser's
//! host-mode port 80 on the leader. hawser is updated to add a `websecure` entry point on 443
//! and a `pebble` resolver (the CA's listener root given to it as a Swarm config); a service
//! with a `Host(`demo.lab.test`)` router naming that resolver makes hawser order the
//! certificate. Then `/ping` and `/hello/<name>` are fetched over HTTPS for that name, by
//! HTTP/1.1 and HTTP/2, verified against pebble's root. Afterwards hawser's previous spec is
//! restored (`docker service rollback`) and the service and the config are removed.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use http::Version;

use super::Report;
use super::answered_by;
use super::lab::*;
use crate::support::pebble::{Pebble, PebbleOptions, available};
use crate::support::tls::{https_get, roots, served};
use crate::support::wait::until;

/// The lab bridge's leader address (scripts/lab-lib/common.sh: LEADER_IP).
const LEADER_IP: Ipv4Addr = Ipv4Addr::new(10, 213, 77, 1);
const NAME: &str = "demo.lab.test";
const HTTPS: &str = "127.0.0.1:443";
const CA_CONFIG: &str = "e2e_pebble_ca";
const CA_IN_CONTAINER: &str = "/run/pebble-ca.pem";

/// hawser's arguments with the TLS entry point and the resolver (the stack's own first).
fn tls_args(directory: &str) -> String {
    format!(
        "--access-log common --entrypoint web=:80,websecure=:443;tls \
         --certresolver pebble.ca={directory},ca-root={CA_IN_CONTAINER},storage=/tmp/acme.json,\
         email=e2e@lab.test,challenge=http"
    )
}

pub async fn https(lab: &Lab, report: &mut Report) -> Outcome {
    if !available("e2e scenario 13 (HTTPS)") {
        return Err("pebble is not installed on the host: apt-get install pebble".into());
    }
    let pebble = Pebble::start(PebbleOptions {
        listen_ip: LEADER_IP,
        ..PebbleOptions::ports(80, 443)
    })
    .await;
    let outcome = serve_over_https(lab, report, &pebble).await;
    let restored = restore(lab).await;
    if outcome.is_err() {
        report.detail("pebble's log (last 20 lines)", &tail(&pebble.log(), 20));
    }
    outcome.and(restored)
}

async fn serve_over_https(lab: &Lab, report: &mut Report, pebble: &Pebble) -> Outcome {
    let ca = pebble.listener_ca.to_str().ok_or("listener CA path")?;
    lab.docker.cli(&["config", "create", CA_CONFIG, ca]).await?;
    let router = [
        format!("traefik.http.routers.{TLS_ROUTER}.rule=Host(`{NAME}`) && PathPrefix(`/tls/`)"),
        format!("traefik.http.routers.{TLS_ROUTER}.tls.certresolver=pebble"),
        format!("traefik.http.services.{TLS_ROUTER}.loadbalancer.server.port=8080"),
    ];
    let mut create = vec![
        "service",
        "create",
        "--detach",
        "--no-resolve-image",
        "--name",
        TLS,
        "--network",
        NETWORK,
    ];
    for label in &router {
        create.extend(["--label", label.as_str()]);
    }
    create.extend(["python:3-alpine", "python", "-c", TMP_SERVER]);
    lab.docker.cli(&create).await?;
    let t0 = Instant::now();
    let args = tls_args(&pebble.directory_url());
    lab.docker
        .cli(&[
            "service",
            "update",
            "--detach",
            "--no-resolve-image",
            "--config-add",
            &format!("source={CA_CONFIG},target={CA_IN_CONTAINER},mode=0444"),
            "--publish-add",
            "mode=host,target=443,published=443",
            "--args",
            &args,
            HAWSER,
        ])
        .await?;
    report.fact(format!(
        "{HAWSER} updated: `{args}`, port 443 published; pebble on {}",
        pebble.listen
    ));

    let root = roots(&pebble.issuing_root().await);
    let https: SocketAddr = HTTPS.parse().expect("address");
    let facts = until(
        Duration::from_secs(120),
        Duration::from_millis(250),
        "a certificate from pebble for demo.lab.test",
        || async { Ok(served(https, NAME, root.clone()).await.ok()) },
    )
    .await?;
    report.check(
        facts.issuer.contains("Pebble") && facts.names == [NAME],
        format!(
            "{NAME} served with pebble's certificate {} s after the update (issuer {:?}, names {:?}), verified with pebble's root",
            secs(t0.elapsed().as_secs_f64()),
            facts.issuer,
            facts.names
        ),
    );

    let hello = containers(&lab.docker.serving(HELLO).await?);
    let ping = containers(&lab.docker.serving(PING).await?);
    for (path, alpn, version, from) in [
        ("/ping", "http/1.1", Version::HTTP_11, &ping),
        ("/hello/world", "http/1.1", Version::HTTP_11, &hello),
        ("/ping", "h2", Version::HTTP_2, &ping),
        ("/hello/viktor", "h2", Version::HTTP_2, &hello),
    ] {
        let (reply, got, _) = https_get(https, NAME, path, root.clone(), &[alpn])
            .await
            .map_err(|err| format!("HTTPS GET {path}: {err}"))?;
        let body = reply.body.trim().to_owned();
        let host = answered_by(&body);
        report.check(
            reply.status == 200 && got == version && host.is_some_and(|h| from.contains(&h)),
            format!(
                "HTTPS GET https://{NAME}{path} ({alpn}) -> {} {got:?} {body:?}",
                reply.status
            ),
        );
    }
    let (reply, _, _) = https_get(https, NAME, "/tls/x", root.clone(), &["h2"])
        .await
        .map_err(|err| format!("HTTPS GET /tls/x: {err}"))?;
    report.check(
        reply.status == 200 && reply.body.starts_with("Tmp from "),
        format!(
            "the router that ordered it, /tls/x -> {} {:?}",
            reply.status,
            reply.body.trim()
        ),
    );
    let certificates = lab.admin("/api/certificates").await?;
    let row = certificates
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["domain"] == NAME))
        .cloned()
        .unwrap_or_default();
    report.check(
        row["resolver"] == "pebble" && row["state"] == "valid",
        format!(
            "/api/certificates: {NAME} resolver {} state {}",
            row["resolver"], row["state"]
        ),
    );
    Ok(())
}

/// hawser's spec before the update, no TLS service, no CA config.
async fn restore(lab: &Lab) -> Outcome {
    let spec = lab.docker.service(HAWSER).await?;
    if spec["PreviousSpec"].is_object()
        && spec["Spec"]["TaskTemplate"]["ContainerSpec"]["Args"]
            .as_array()
            .is_some_and(|args| args.iter().any(|arg| arg == "--certresolver"))
    {
        lab.docker
            .cli(&["service", "rollback", "--detach", HAWSER])
            .await?;
    }
    if lab.docker.service_exists(TLS).await? {
        lab.docker.cli(&["service", "rm", TLS]).await?;
    }
    // The config stays in use until the rolled-back task replaced the old one.
    until(
        Duration::from_secs(90),
        Duration::from_millis(500),
        "the CA config to be removable",
        || async {
            let listed = lab
                .docker
                .cli(&["config", "ls", "--format", "{{.Name}}"])
                .await?;
            if !listed.lines().any(|name| name == CA_CONFIG) {
                return Ok(Some(()));
            }
            Ok(lab
                .docker
                .cli(&["config", "rm", CA_CONFIG])
                .await
                .ok()
                .map(|_| ()))
        },
    )
    .await
}

fn tail(text: &str, n: usize) -> Vec<String> {
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

fn secs(value: f64) -> String {
    format!("{value:.1}")
}
