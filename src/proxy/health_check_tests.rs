use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::Duration;

use http::{HeaderMap, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use tokio::net::TcpListener;

use super::*;
use crate::routing::load_balancer::{BalancerSettings, HealthCheckMode};
use crate::routing::spec::{BackendDef, BalancerDef, RoutingSpec};
use crate::stats::StatsRegistry;

/// What the test server saw: path, Host and headers of each request.
type Seen = Arc<Mutex<Vec<(String, HeaderMap)>>>;

/// A server answering `/ok` 200, `/fail` 500, `/moved` 302 to `/ok`, `/loop` 302 to itself,
/// `/slow` after a second, `/teapot` 418; over HTTP/2 (prior knowledge) when `h2c`.
async fn server(h2c: bool) -> (SocketAddr, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let seen: Seen = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<Incoming>| {
                    let log = log.clone();
                    async move {
                        let path = request.uri().path().to_owned();
                        log.lock()
                            .expect("lock")
                            .push((path.clone(), request.headers().clone()));
                        let mut response = Response::new(Full::new(Bytes::from_static(b"x")));
                        let status = match path.as_str() {
                            "/ok" => 200,
                            "/moved" => {
                                response
                                    .headers_mut()
                                    .insert(LOCATION, "/ok".parse().expect("header"));
                                302
                            }
                            "/loop" => {
                                response
                                    .headers_mut()
                                    .insert(LOCATION, "/loop".parse().expect("header"));
                                302
                            }
                            "/slow" => {
                                tokio::time::sleep(Duration::from_secs(1)).await;
                                200
                            }
                            "/teapot" => 418,
                            _ => 500,
                        };
                        *response.status_mut() = StatusCode::from_u16(status).expect("status");
                        Ok::<_, Infallible>(response)
                    }
                });
                let io = TokioIo::new(stream);
                if h2c {
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(io, service)
                        .await;
                } else {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                }
            });
        }
    });
    (address, seen)
}

fn check(path: &str) -> HealthCheck {
    HealthCheck {
        path: path.into(),
        scheme: None,
        mode: HealthCheckMode::Http,
        method: "GET".into(),
        status: None,
        port: None,
        interval: Duration::from_secs(30),
        unhealthy_interval: Duration::from_secs(30),
        timeout: Duration::from_millis(300),
        hostname: None,
        follow_redirects: true,
        headers: BTreeMap::new(),
    }
}

/// A one-backend table, for a [`Backend`] to probe.
fn table_with(address: SocketAddr) -> RoutingTable {
    let def = BalancerDef {
        backends: vec![BackendDef {
            task_id: Some("t1".into()),
            service: "app".into(),
            slot: None,
            node_id: None,
            node: None,
            address,
            weight: 1,
        }],
        settings: BalancerSettings::default(),
    };
    let spec = RoutingSpec {
        balancers: BTreeMap::from([("app@swarm".to_owned(), def)]),
        ..RoutingSpec::default()
    };
    RoutingTable::build(spec, 1, &StatsRegistry::default())
}

async fn outcome(check: &HealthCheck, scheme: Scheme, address: SocketAddr) -> Result<(), String> {
    let table = table_with(address);
    let balancer = table.balancer("app@swarm").expect("balancer");
    probe(check, scheme, &balancer.backends[0]).await
}

#[tokio::test]
async fn statuses_decide_health_as_traefik_does() {
    let (address, _) = server(false).await;
    assert_eq!(outcome(&check("/ok"), Scheme::Http, address).await, Ok(()));
    assert_eq!(
        outcome(&check("/fail"), Scheme::Http, address).await,
        Err("GET /fail: status 500".into())
    );
    assert_eq!(
        outcome(&check("/teapot"), Scheme::Http, address).await,
        Err("GET /teapot: status 418".into())
    );
    let mut teapot = check("/teapot");
    teapot.status = Some(418);
    assert_eq!(outcome(&teapot, Scheme::Http, address).await, Ok(()));
    let mut exact = check("/ok");
    exact.status = Some(204);
    assert!(
        outcome(&exact, Scheme::Http, address).await.is_err(),
        "only 204 counts"
    );
}

#[tokio::test]
async fn redirects_are_followed_unless_told_not_to() {
    let (address, seen) = server(false).await;
    assert_eq!(
        outcome(&check("/moved"), Scheme::Http, address).await,
        Ok(())
    );
    let paths: Vec<String> = seen
        .lock()
        .expect("lock")
        .iter()
        .map(|(p, _)| p.clone())
        .collect();
    assert_eq!(paths, vec!["/moved", "/ok"]);
    let looping = outcome(&check("/loop"), Scheme::Http, address).await;
    assert_eq!(looping, Err(format!("more than {MAX_REDIRECTS} redirects")));
    let mut unfollowed = check("/loop");
    unfollowed.follow_redirects = false;
    assert_eq!(
        outcome(&unfollowed, Scheme::Http, address).await,
        Ok(()),
        "a 3xx not followed is healthy, as in Traefik"
    );
}

#[tokio::test]
async fn timeouts_and_refusals_are_failures_with_reasons() {
    let (address, _) = server(false).await;
    let slow = outcome(&check("/slow"), Scheme::Http, address).await;
    assert_eq!(slow, Err("no answer within 300ms".into()));
    let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let nobody = closed.local_addr().expect("address");
    drop(closed);
    let refused = outcome(&check("/ok"), Scheme::Http, nobody).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|reason| reason.starts_with("connect ")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn port_hostname_headers_and_method_are_sent() {
    let (address, seen) = server(false).await;
    let mut custom = check("ok");
    custom.port = Some(address.port());
    custom.hostname = Some("app.internal".into());
    custom.method = "HEAD".into();
    custom.headers.insert("X-Check".into(), "yes".into());
    // The backend's own port is wrong: the check's port is used.
    let elsewhere = SocketAddr::new(address.ip(), 1);
    assert_eq!(outcome(&custom, Scheme::Http, elsewhere).await, Ok(()));
    let seen = seen.lock().expect("lock");
    let (path, headers) = &seen[0];
    assert_eq!(path, "/ok", "a path without / gets one");
    assert_eq!(headers["host"], "app.internal");
    assert_eq!(headers["x-check"], "yes");
}

#[tokio::test]
async fn h2c_backends_are_checked_over_http2() {
    let (address, _) = server(true).await;
    assert_eq!(outcome(&check("/ok"), Scheme::H2c, address).await, Ok(()));
    let over_http1 = outcome(&check("/ok"), Scheme::Http, address).await;
    assert!(
        over_http1.is_err(),
        "an HTTP/2-only server refuses HTTP/1.1"
    );
    let mut forced = check("/ok");
    forced.scheme = Some(Scheme::H2c);
    assert_eq!(outcome(&forced, Scheme::Http, address).await, Ok(()));
}
