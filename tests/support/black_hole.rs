//! A backend address that drops SYNs, as a node that is gone or cut off does: a listener whose
//! accept queue is full and never drained (Linux then drops further SYNs, and the client
//! retransmits them until its connect times out).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// Holds the full queue; dropping it frees the address.
pub struct BlackHole {
    _listener: TcpListener,
    _queued: Vec<TcpStream>,
}

impl BlackHole {
    /// At `address`, once a connect to it no longer completes.
    pub async fn at(address: SocketAddr) -> BlackHole {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("SO_REUSEADDR");
        socket.bind(address).expect("bind the black hole");
        let listener = socket.listen(1).expect("listen");
        let mut queued = Vec::new();
        loop {
            let connect = TcpStream::connect(address);
            match tokio::time::timeout(Duration::from_millis(300), connect).await {
                Ok(Ok(stream)) => queued.push(stream),
                Ok(Err(err)) => panic!("filling the black hole's queue: {err}"),
                Err(_) => break,
            }
            assert!(queued.len() < 64, "the accept queue never filled");
        }
        BlackHole {
            _listener: listener,
            _queued: queued,
        }
    }
}
