//! What a conformance case is: raw bytes sent to hawser, the status lines expected back, what
//! the connection does next, and exactly what the tasks receive.

use std::fmt;

/// The classes of the suite, in the order the summary lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Framing,
    HeaderSyntax,
    RequestLine,
    Paths,
    HopByHop,
    H2c,
    Limits,
    Pipelining,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::Framing => "framing",
            Class::HeaderSyntax => "header syntax",
            Class::RequestLine => "request line",
            Class::Paths => "paths",
            Class::HopByHop => "hop-by-hop",
            Class::H2c => "h2c upgrade",
            Class::Limits => "limits",
            Class::Pipelining => "pipelining",
        })
    }
}

/// How a case talks to hawser.
#[derive(Clone, Debug)]
pub enum Send {
    /// These bytes on one connection; then, if it is still open, a sentinel request
    /// (`GET /rec/__sentinel`, `Connection: close`) shows whether hawser reads on, and that
    /// nothing else was hiding in the bytes.
    Raw(Vec<u8>),
    /// These bytes, then the end of the client's stream (a body that never completes).
    RawThenEnd(Vec<u8>),
    /// `held` idle connections (each from an address of its own when `spread`, else all from
    /// the case's), then one more from the case's address that only reads; then, with
    /// `after`, the held ones closed and `after` sent until it is answered with other than 503.
    Crowd {
        held: usize,
        spread: bool,
        after: Option<Vec<u8>>,
    },
}

/// The connection once the expected responses are in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Then {
    /// hawser answers the sentinel on it.
    Open,
    /// hawser closed it.
    Closed,
}

/// The route (and so the recorder's listener) a request reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// `PathPrefix:/rec`
    Rec,
    /// `PathPrefix:/admin`
    Admin,
    /// `PathPrefixStrip:/strip`
    Strip,
}

impl Task {
    pub fn listener(self) -> &'static str {
        match self {
            Task::Rec => "rec",
            Task::Admin => "admin",
            Task::Strip => "strip",
        }
    }
}

/// A header the task must (not) receive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Want {
    /// Exactly once, with this value.
    Is(Vec<u8>),
    Absent,
    /// Exactly once, any value.
    Present,
    /// Exactly once: the address the case connected from.
    Client,
    /// Exactly once: this chain, `, `, then the address the case connected from.
    Appended(&'static str),
}

/// How the task receives the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// No body and no framing header.
    None,
    /// `Content-Length` and these bytes.
    Length(Vec<u8>),
    /// `Transfer-Encoding: chunked`, decoding to these bytes.
    Chunked(Vec<u8>),
    /// Never a whole request: the task may get the head, then the connection ends.
    Cut,
}

/// One request as a task must receive it.
#[derive(Clone, Debug)]
pub struct Forwarded {
    pub task: Task,
    pub method: String,
    /// The request target exactly as sent to the task.
    pub target: String,
    pub headers: Vec<(String, Want)>,
    pub body: Body,
}

impl Forwarded {
    pub fn new(task: Task, method: &str, target: &str) -> Forwarded {
        Forwarded {
            task,
            method: method.to_owned(),
            target: target.to_owned(),
            headers: Vec::new(),
            body: Body::None,
        }
    }

    pub fn header(mut self, name: &str, want: Want) -> Forwarded {
        self.headers.push((name.to_ascii_lowercase(), want));
        self
    }

    pub fn is(self, name: &str, value: &str) -> Forwarded {
        self.header(name, Want::Is(value.as_bytes().to_vec()))
    }

    pub fn absent(self, name: &str) -> Forwarded {
        self.header(name, Want::Absent)
    }

    pub fn body(mut self, body: Body) -> Forwarded {
        self.body = body;
        self
    }
}

/// `GET target` to `task`, no body.
pub fn get(task: Task, target: &str) -> Forwarded {
    Forwarded::new(task, "GET", target)
}

/// `POST target` to `task`.
pub fn post(task: Task, target: &str, body: Body) -> Forwarded {
    Forwarded::new(task, "POST", target).body(body)
}

#[derive(Clone, Debug)]
pub struct Case {
    pub name: &'static str,
    pub class: Class,
    /// The corpus or class the case is written from.
    pub source: &'static str,
    pub send: Send,
    /// The status of each response hawser sends for the case's own requests, in order.
    pub statuses: Vec<u16>,
    pub then: Then,
    /// Exactly what the tasks receive, in order; empty: nothing reaches a task.
    pub forwarded: Vec<Forwarded>,
    /// Set where hyper, not hawser, decides the outcome: what hyper does.
    pub hyper: Option<&'static str>,
}

impl Case {
    pub fn new(class: Class, name: &'static str, source: &'static str, send: Send) -> Case {
        Case {
            name,
            class,
            source,
            send,
            statuses: Vec::new(),
            then: Then::Open,
            forwarded: Vec::new(),
            hyper: None,
        }
    }

    pub fn answers(mut self, statuses: &[u16]) -> Case {
        self.statuses = statuses.to_vec();
        self
    }

    pub fn closes(mut self) -> Case {
        self.then = Then::Closed;
        self
    }

    pub fn forwards(mut self, forwarded: Forwarded) -> Case {
        self.forwarded.push(forwarded);
        self
    }

    /// Documents that hyper's parser decides this case, and how.
    pub fn by_hyper(mut self, what: &'static str) -> Case {
        self.hyper = Some(what);
        self
    }

    /// A request hawser refuses itself: this status, the connection closed, nothing forwarded.
    pub fn refused(self, status: u16) -> Case {
        self.answers(&[status]).closes()
    }
}

/// A request: head lines joined with CRLF, the blank line, then `body`.
pub fn request(lines: &[&str], body: &[u8]) -> Vec<u8> {
    let mut bytes = lines.join("\r\n").into_bytes();
    bytes.extend_from_slice(b"\r\n\r\n");
    bytes.extend_from_slice(body);
    bytes
}

/// [`Send::Raw`] of [`request`].
pub fn raw(lines: &[&str], body: &[u8]) -> Send {
    Send::Raw(request(lines, body))
}

/// [`Send::Raw`] of bytes written out by hand.
pub fn bytes(bytes: &[u8]) -> Send {
    Send::Raw(bytes.to_vec())
}

/// The `Host` every case sends unless it is about `Host`.
pub const HOST: &str = "Host: c.test";
