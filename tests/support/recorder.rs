//! A recording backend: raw TCP listeners that write down exactly what each request they get
//! looked like on the wire (request line, header lines in order, body framing and bytes), and
//! answer `200` with `<listener> <target>` once a request is whole. A request whose body never
//! completes is recorded as cut, and never answered.
//!
//! Each listener stands for one task of one route, so a record also tells which route the
//! request was matched to.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::wait::eventually;

/// How a recorded request's body was framed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Framing {
    /// Neither `Content-Length` nor `Transfer-Encoding`.
    None,
    Length(Vec<u8>),
    /// The decoded data, and the trailer lines after the last chunk.
    Chunked {
        data: Vec<u8>,
        trailers: Vec<(String, Vec<u8>)>,
    },
    /// The connection ended before the body (or the head) was whole.
    Cut {
        received: Vec<u8>,
    },
    /// The framing headers themselves were contradictory or malformed.
    Invalid(String),
}

/// One request as a task received it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The listener (task) that got it.
    pub listener: String,
    pub method: String,
    pub target: String,
    /// `1` for HTTP/1.1, `0` for HTTP/1.0.
    pub minor_version: u8,
    /// Names lowercased, in the order sent.
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Framing,
    /// The head exactly as it arrived.
    pub raw_head: Vec<u8>,
}

impl Received {
    /// Every value of header `name` (lowercase).
    pub fn values(&self, name: &str) -> Vec<&[u8]> {
        self.headers
            .iter()
            .filter(|(header, _)| header == name)
            .map(|(_, value)| value.as_slice())
            .collect()
    }

    /// The one value of `name` as text, if it was sent exactly once.
    pub fn value(&self, name: &str) -> Option<String> {
        match self.values(name).as_slice() {
            [one] => Some(String::from_utf8_lossy(one).into_owned()),
            _ => None,
        }
    }
}

#[derive(Default)]
struct Log {
    received: Vec<Received>,
    /// Connections with part of a request read.
    mid_request: usize,
}

pub struct Recorder {
    /// Each listener's name and address.
    pub listeners: Vec<(String, SocketAddr)>,
    log: Arc<Mutex<Log>>,
    servers: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Recorder {
    fn drop(&mut self) {
        for server in &self.servers {
            server.abort();
        }
    }
}

impl Recorder {
    /// One listener per name, each on `127.0.0.1` and a port of its own.
    pub async fn start(names: &[&str]) -> Recorder {
        let log = Arc::new(Mutex::new(Log::default()));
        let mut listeners = Vec::new();
        let mut servers = Vec::new();
        for name in names {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            listeners.push(((*name).to_owned(), listener.local_addr().expect("address")));
            let log = log.clone();
            let name = (*name).to_owned();
            servers.push(tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve(stream, name.clone(), log.clone()));
                }
            }));
        }
        Recorder {
            listeners,
            log,
            servers,
        }
    }

    pub fn address(&self, name: &str) -> SocketAddr {
        self.listeners
            .iter()
            .find(|(listener, _)| listener == name)
            .map(|(_, address)| *address)
            .unwrap_or_else(|| panic!("no listener {name}"))
    }

    pub fn received(&self) -> Vec<Received> {
        self.log.lock().expect("log").received.clone()
    }

    /// Waits until no connection is part-way through a request (each request in flight has
    /// been recorded, whole or cut).
    pub async fn settle(&self, within: Duration) {
        eventually(within, "the recorder to finish every request", || async {
            (self.log.lock().expect("log").mid_request == 0).then_some(())
        })
        .await;
    }
}

/// Reads requests off one connection until it closes, recording and answering each.
async fn serve(mut stream: TcpStream, listener: String, log: Arc<Mutex<Log>>) {
    let mut buffer = Vec::new();
    loop {
        let started = !buffer.is_empty() || wait_readable(&mut stream, &mut buffer).await;
        if !started {
            return;
        }
        log.lock().expect("log").mid_request += 1;
        let outcome = read_request(&mut stream, &mut buffer, &listener).await;
        let answer = {
            let mut log = log.lock().expect("log");
            log.mid_request -= 1;
            match outcome {
                Ok(received) => {
                    let answer = format!("{} {}\n", received.listener, received.target);
                    log.received.push(received);
                    answer
                }
                Err(cut) => {
                    log.received.push(*cut);
                    return;
                }
            }
        };
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Waits for the first bytes of a request; false when the connection closed first.
async fn wait_readable(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(read) => {
            buffer.extend_from_slice(&chunk[..read]);
            true
        }
    }
}

/// More bytes into `buffer`; false at the end of the stream.
async fn fill(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(read) => {
            buffer.extend_from_slice(&chunk[..read]);
            true
        }
    }
}

/// One request from the front of `buffer` (reading more as needed); the cut-short record when
/// the connection ends first.
async fn read_request(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    listener: &str,
) -> Result<Received, Box<Received>> {
    let cut = |head: Option<Received>, received: Vec<u8>| {
        let mut record = head.unwrap_or_else(|| Received {
            listener: listener.to_owned(),
            method: String::new(),
            target: String::new(),
            minor_version: 1,
            headers: Vec::new(),
            body: Framing::None,
            raw_head: Vec::new(),
        });
        record.body = Framing::Cut { received };
        Box::new(record)
    };
    let (mut record, head_length) = loop {
        match parse_head(buffer, listener) {
            Some(parsed) => break parsed,
            None if fill(stream, buffer).await => continue,
            None => return Err(cut(None, std::mem::take(buffer))),
        }
    };
    buffer.drain(..head_length);
    let lengths = record.values("content-length");
    let chunked = record
        .values("transfer-encoding")
        .iter()
        .any(|value| value.eq_ignore_ascii_case(b"chunked"));
    record.body = match (lengths.as_slice(), chunked) {
        ([], false) => Framing::None,
        ([], true) => match read_chunked(stream, buffer).await {
            Ok(body) => body,
            Err(received) => return Err(cut(Some(record), received)),
        },
        ([length], false) => {
            let Some(length) = std::str::from_utf8(length)
                .ok()
                .and_then(|length| length.parse::<usize>().ok())
            else {
                record.body = Framing::Invalid("unreadable content-length".into());
                return Ok(record);
            };
            while buffer.len() < length {
                if !fill(stream, buffer).await {
                    return Err(cut(Some(record), std::mem::take(buffer)));
                }
            }
            Framing::Length(buffer.drain(..length).collect())
        }
        _ => Framing::Invalid("content-length and transfer-encoding, or two lengths".into()),
    };
    Ok(record)
}

fn parse_head(buffer: &[u8], listener: &str) -> Option<(Received, usize)> {
    let mut headers = [httparse::EMPTY_HEADER; 256];
    let mut request = httparse::Request::new(&mut headers);
    let httparse::Status::Complete(length) = request.parse(buffer).ok()? else {
        return None;
    };
    let record = Received {
        listener: listener.to_owned(),
        method: request.method?.to_owned(),
        target: request.path?.to_owned(),
        minor_version: request.version?,
        headers: request
            .headers
            .iter()
            .map(|header| (header.name.to_ascii_lowercase(), header.value.to_vec()))
            .collect(),
        body: Framing::None,
        raw_head: buffer[..length].to_vec(),
    };
    Some((record, length))
}

/// A chunked body; on a cut, everything received of it.
async fn read_chunked(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<Framing, Vec<u8>> {
    loop {
        match chunked_body(&buffer[..]) {
            Chunked::Done {
                data,
                trailers,
                length,
            } => {
                buffer.drain(..length);
                return Ok(Framing::Chunked { data, trailers });
            }
            Chunked::Invalid(reason) => return Ok(Framing::Invalid(reason)),
            Chunked::Partial => {
                if !fill(stream, buffer).await {
                    return Err(std::mem::take(buffer));
                }
            }
        }
    }
}

enum Chunked {
    Done {
        data: Vec<u8>,
        trailers: Vec<(String, Vec<u8>)>,
        length: usize,
    },
    Partial,
    Invalid(String),
}

/// Decodes a whole chunked body at the front of `bytes`, strictly (CRLF line ends only).
fn chunked_body(bytes: &[u8]) -> Chunked {
    let mut data = Vec::new();
    let mut at = 0;
    loop {
        let Some(line_end) = find_crlf(&bytes[at..]) else {
            return Chunked::Partial;
        };
        let line = &bytes[at..at + line_end];
        let size_text = line.split(|&byte| byte == b';').next().unwrap_or(line);
        let Some(size) = std::str::from_utf8(size_text)
            .ok()
            .and_then(|text| usize::from_str_radix(text, 16).ok())
        else {
            return Chunked::Invalid(format!(
                "chunk size line {:?}",
                String::from_utf8_lossy(line)
            ));
        };
        at += line_end + 2;
        if size == 0 {
            let mut trailers = Vec::new();
            loop {
                let Some(line_end) = find_crlf(&bytes[at..]) else {
                    return Chunked::Partial;
                };
                let line = &bytes[at..at + line_end];
                at += line_end + 2;
                if line.is_empty() {
                    return Chunked::Done {
                        data,
                        trailers,
                        length: at,
                    };
                }
                let (name, value) = match line.iter().position(|&byte| byte == b':') {
                    Some(colon) => (&line[..colon], line[colon + 1..].trim_ascii()),
                    None => (line, &[][..]),
                };
                trailers.push((
                    String::from_utf8_lossy(name).to_ascii_lowercase(),
                    value.to_vec(),
                ));
            }
        }
        if bytes.len() < at + size + 2 {
            return Chunked::Partial;
        }
        data.extend_from_slice(&bytes[at..at + size]);
        if &bytes[at + size..at + size + 2] != b"\r\n" {
            return Chunked::Invalid("chunk data not followed by CRLF".into());
        }
        at += size + 2;
    }
}

fn find_crlf(bytes: &[u8]) -> Option<usize> {
    bytes.windows(2).position(|pair| pair == b"\r\n")
}
