//! Running one case against hawser: the bytes sent, every status line read back, and whether
//! hawser keeps reading the connection afterwards.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::case::{Case, Send, Then};
use crate::support::http::json;
use crate::support::raw::{RawConnection, Read};
use crate::support::wait::eventually;

/// The request that follows a case's bytes on its connection, when it is still open.
pub const SENTINEL: &str = "/rec/__sentinel";
const SENTINEL_REQUEST: &[u8] =
    b"GET /rec/__sentinel HTTP/1.1\r\nHost: c.test\r\nConnection: close\r\n\r\n";

/// No single read may take longer.
const PATIENCE: Duration = Duration::from_secs(10);

/// What hawser did with a case's connection(s).
#[derive(Debug, Default)]
pub struct Seen {
    pub statuses: Vec<u16>,
    pub then: Option<Then>,
    pub problems: Vec<String>,
}

/// The address the `index`th held connection of a spread crowd comes from.
fn crowd_address(index: usize) -> IpAddr {
    let index = u8::try_from(index % 250).unwrap_or(0);
    IpAddr::V4(Ipv4Addr::new(127, 78, 0, index + 1))
}

pub async fn run(case: &Case, source: IpAddr, proxy: SocketAddr, admin: &str) -> Seen {
    match &case.send {
        Send::Raw(bytes) => raw(case, source, proxy, bytes, false).await,
        Send::RawThenEnd(bytes) => raw(case, source, proxy, bytes, true).await,
        Send::Crowd {
            held,
            spread,
            after,
        } => crowd(source, proxy, admin, *held, *spread, after.as_deref()).await,
    }
}

async fn raw(case: &Case, source: IpAddr, proxy: SocketAddr, bytes: &[u8], end: bool) -> Seen {
    let mut seen = Seen::default();
    let mut connection = match RawConnection::connect(source, proxy).await {
        Ok(connection) => connection,
        Err(err) => {
            seen.problems.push(format!("cannot connect: {err}"));
            return seen;
        }
    };
    // A refusal may close the connection before every byte is written; what was answered
    // is read all the same.
    let _ = connection.send(bytes).await;
    if end {
        connection.half_close().await;
    }
    for _ in 0..case.statuses.len() {
        match connection.read(PATIENCE).await {
            Read::Response(response) => seen.statuses.push(response.status),
            Read::Closed => {
                seen.then = Some(Then::Closed);
                return seen;
            }
            other => {
                seen.problems.push(format!("reading a response: {other:?}"));
                return seen;
            }
        }
    }
    if !end && connection.send(SENTINEL_REQUEST).await.is_err() {
        seen.then = Some(Then::Closed);
        return seen;
    }
    // Whatever comes now is either the sentinel's answer or something the case smuggled.
    loop {
        match connection.read(PATIENCE).await {
            Read::Closed => {
                seen.then.get_or_insert(Then::Closed);
                return seen;
            }
            Read::Response(response)
                if !end
                    && seen.then.is_none()
                    && response.status == 200
                    && response.body == format!("rec {SENTINEL}\n").as_bytes() =>
            {
                seen.then = Some(Then::Open);
            }
            Read::Response(response) => seen.problems.push(format!(
                "an unexpected response {}: {:?}",
                response.status,
                String::from_utf8_lossy(&response.body)
            )),
            other => {
                seen.problems
                    .push(format!("after the responses: {other:?}"));
                return seen;
            }
        }
    }
}

/// Open client connections, as hawser counts them.
async fn open_connections(admin: &str) -> u64 {
    json(admin).await["connections_open"]
        .as_u64()
        .unwrap_or(u64::MAX)
}

async fn crowd(
    source: IpAddr,
    proxy: SocketAddr,
    admin: &str,
    held: usize,
    spread: bool,
    after: Option<&[u8]>,
) -> Seen {
    let mut seen = Seen::default();
    let overview = format!("{admin}/api/overview");
    eventually(PATIENCE, "earlier cases' connections to close", || async {
        (open_connections(&overview).await == 0).then_some(())
    })
    .await;
    let mut crowd = Vec::with_capacity(held);
    for index in 0..held {
        let from = if spread { crowd_address(index) } else { source };
        match RawConnection::connect(from, proxy).await {
            Ok(connection) => crowd.push(connection),
            Err(err) => {
                seen.problems
                    .push(format!("crowd connection {index}: {err}"));
                return seen;
            }
        }
    }
    let want = held as u64;
    eventually(PATIENCE, "hawser to count the crowd", || async {
        (open_connections(&overview).await == want).then_some(())
    })
    .await;
    let mut probe = match RawConnection::connect(source, proxy).await {
        Ok(probe) => probe,
        Err(err) => {
            seen.problems.push(format!("probe: {err}"));
            return seen;
        }
    };
    match probe.read(PATIENCE).await {
        Read::Response(response) => seen.statuses.push(response.status),
        other => seen.problems.push(format!("probe: {other:?}")),
    }
    if !matches!(probe.read(PATIENCE).await, Read::Closed) {
        seen.problems
            .push("the refused connection stayed open".into());
    }
    seen.then = Some(Then::Closed);
    drop(crowd);
    let Some(after) = after else {
        return seen;
    };
    let status = eventually(PATIENCE, "a slot to come back", || async {
        let mut connection = RawConnection::connect(source, proxy).await.ok()?;
        connection.send(after).await.ok()?;
        match connection.read(PATIENCE).await {
            Read::Response(response) if response.status != 503 => Some(response.status),
            _ => None,
        }
    })
    .await;
    seen.statuses.push(status);
    seen
}
