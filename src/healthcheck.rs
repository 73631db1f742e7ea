//! `hawser healthcheck`: the runtime image has no curl, so the binary checks itself.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Asks `GET /ping` on the admin listener; `Ok` when it answers 200.
pub fn check(address: &str, timeout: Duration) -> Result<(), String> {
    let authority = address
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .trim_end_matches("/ping");
    let target: SocketAddr = authority
        .to_socket_addrs()
        .map_err(|err| format!("{authority}: {err}"))?
        .next()
        .ok_or_else(|| format!("{authority}: no address"))?;
    let mut stream =
        TcpStream::connect_timeout(&target, timeout).map_err(|err| format!("{target}: {err}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|err| err.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|err| err.to_string())?;
    let request = format!("GET /ping HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|err| format!("{target}: {err}"))?;
    let mut head = [0u8; 12];
    stream
        .read_exact(&mut head)
        .map_err(|err| format!("{target}: {err}"))?;
    match &head {
        b"HTTP/1.1 200" | b"HTTP/1.0 200" => Ok(()),
        other => Err(format!(
            "{target} answered {:?}",
            String::from_utf8_lossy(other)
        )),
    }
}

/// The address to check by default: the admin listener, with a wildcard read as loopback.
pub fn default_address(admin_listen: SocketAddr) -> String {
    let mut address = admin_listen;
    if address.ip().is_unspecified() {
        address.set_ip(match address {
            SocketAddr::V4(_) => [127, 0, 0, 1].into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    address.to_string()
}
