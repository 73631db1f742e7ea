//! Waiting for a condition, with a deadline: never a fixed sleep.

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` every `every` until it returns `Ok(Some(_))`; an error after `within`, naming
/// `what` and the last thing `check` said.
pub async fn until<T, F, Fut>(
    within: Duration,
    every: Duration,
    what: &str,
    mut check: F,
) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, String>>,
{
    let deadline = Instant::now() + within;
    let mut last = String::from("no answer yet");
    loop {
        match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(err) => last = err,
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "timed out after {:.1} s waiting for {what} (last: {last})",
                within.as_secs_f64()
            ));
        }
        tokio::time::sleep(every).await;
    }
}

/// [`until`] for tests that fail at once: polls every 20 ms and panics after `within`.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let checked = until(within, Duration::from_millis(20), what, || {
        let polled = check();
        async move { Ok(polled.await) }
    });
    checked.await.unwrap_or_else(|err| panic!("{err}"))
}
