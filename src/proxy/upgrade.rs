//! Protocol upgrades (WebSocket): once the backend answered `101 Switching Protocols`, the two
//! connections are spliced and bytes flow both ways until either side closes. The handler runs
//! each tunnel as one of its worker's connections, so a shutdown gives it the grace period and
//! closes it after that, as it does an HTTP connection.

use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tracing::debug;

pub async fn tunnel(client: OnUpgrade, backend: OnUpgrade, route: String) {
    let (client, backend) = match tokio::try_join!(client, backend) {
        Ok(both) => both,
        Err(err) => {
            debug!(route, error = %err, "upgrade did not complete");
            return;
        }
    };
    let mut client = TokioIo::new(client);
    let mut backend = TokioIo::new(backend);
    match tokio::io::copy_bidirectional(&mut client, &mut backend).await {
        Ok((sent, received)) => debug!(route, sent, received, "upgraded connection closed"),
        Err(err) => debug!(route, error = %err, "upgraded connection ended with an error"),
    }
}
