//! A raw HTTP/1 client: bytes exactly as written, from a chosen loopback address, and the
//! responses read back one at a time, so a test sees every status line hawser sends and
//! whether it closed the connection.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// One response as it came.
#[derive(Clone, Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header == name)
            .map(|(_, value)| value.as_str())
    }
}

/// What reading a response ended with.
#[derive(Debug)]
pub enum Read {
    Response(RawResponse),
    /// The connection closed (or was reset) before another response began.
    Closed,
    /// Bytes that are not an HTTP/1 response, or one cut short.
    Garbled(String),
    TimedOut,
}

pub struct RawConnection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl RawConnection {
    /// Connects to `target` from `source` (any address of 127.0.0.0/8 works on Linux).
    pub async fn connect(source: IpAddr, target: SocketAddr) -> io::Result<RawConnection> {
        let socket = match source {
            IpAddr::V4(_) => TcpSocket::new_v4()?,
            IpAddr::V6(_) => TcpSocket::new_v6()?,
        };
        socket.bind(SocketAddr::new(source, 0))?;
        let stream = socket.connect(target).await?;
        let _ = stream.set_nodelay(true);
        Ok(RawConnection {
            stream,
            buffer: Vec::new(),
        })
    }

    /// Writes `bytes` in one go; an error means the peer is gone.
    pub async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await
    }

    /// No more bytes from this side; reading goes on.
    pub async fn half_close(&mut self) {
        let _ = self.stream.shutdown().await;
    }

    /// The next response, within `within`.
    pub async fn read(&mut self, within: Duration) -> Read {
        match tokio::time::timeout(within, self.read_response()).await {
            Ok(read) => read,
            Err(_) => Read::TimedOut,
        }
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(read) => {
                self.buffer.extend_from_slice(&chunk[..read]);
                true
            }
        }
    }

    async fn read_response(&mut self) -> Read {
        let (status, headers, head_length) = loop {
            let mut parsed = [httparse::EMPTY_HEADER; 64];
            let mut response = httparse::Response::new(&mut parsed);
            match response.parse(&self.buffer) {
                Ok(httparse::Status::Complete(length)) => {
                    let headers = response
                        .headers
                        .iter()
                        .map(|header| {
                            (
                                header.name.to_ascii_lowercase(),
                                String::from_utf8_lossy(header.value).into_owned(),
                            )
                        })
                        .collect::<Vec<_>>();
                    break (response.code.unwrap_or(0), headers, length);
                }
                Ok(httparse::Status::Partial) => {
                    if !self.fill().await {
                        return if self.buffer.is_empty() {
                            Read::Closed
                        } else {
                            Read::Garbled(String::from_utf8_lossy(&self.buffer).into_owned())
                        };
                    }
                }
                Err(err) => {
                    return Read::Garbled(format!(
                        "{err}: {:?}",
                        String::from_utf8_lossy(&self.buffer)
                    ));
                }
            }
        };
        self.buffer.drain(..head_length);
        let mut response = RawResponse {
            status,
            headers,
            body: Vec::new(),
        };
        if (100..200).contains(&status) || status == 204 || status == 304 {
            return Read::Response(response);
        }
        let length = response
            .header("content-length")
            .and_then(|length| length.parse::<usize>().ok());
        let chunked = response
            .header("transfer-encoding")
            .is_some_and(|coding| coding.eq_ignore_ascii_case("chunked"));
        if chunked {
            return match self.read_chunked().await {
                Some(body) => {
                    response.body = body;
                    Read::Response(response)
                }
                None => Read::Garbled("a chunked response cut short".into()),
            };
        }
        match length {
            Some(length) => {
                while self.buffer.len() < length {
                    if !self.fill().await {
                        return Read::Garbled("a response body cut short".into());
                    }
                }
                response.body = self.buffer.drain(..length).collect();
            }
            None => while self.fill().await {},
        }
        if length.is_none() {
            response.body = std::mem::take(&mut self.buffer);
        }
        Read::Response(response)
    }

    async fn read_chunked(&mut self) -> Option<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                match self.buffer.windows(2).position(|pair| pair == b"\r\n") {
                    Some(end) => break end,
                    None if self.fill().await => {}
                    None => return None,
                }
            };
            let line = String::from_utf8_lossy(&self.buffer[..line_end]).into_owned();
            let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
            self.buffer.drain(..line_end + 2);
            while self.buffer.len() < size + 2 {
                if !self.fill().await {
                    return None;
                }
            }
            body.extend(self.buffer.drain(..size));
            self.buffer.drain(..2);
            if size == 0 {
                return Some(body);
            }
        }
    }
}
