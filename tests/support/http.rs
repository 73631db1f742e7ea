//! A small HTTP client for tests.

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// A new connection per request, so nothing is shared between requests.
pub async fn get(url: &str) -> Result<Reply, String> {
    request(Method::GET, url, &[]).await
}

pub async fn request(method: Method, url: &str, headers: &[(&str, &str)]) -> Result<Reply, String> {
    let client: Client<HttpConnector, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build_http();
    let mut builder = Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(Empty::new()).map_err(|err| err.to_string())?;
    let response = client
        .request(request)
        .await
        .map_err(|err| format!("{url}: {err:?}"))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|err| err.to_string())?
        .to_bytes();
    Ok(Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// The JSON an admin endpoint answers.
pub async fn json(url: &str) -> serde_json::Value {
    let reply = get(url).await.expect("admin answers");
    assert_eq!(reply.status, StatusCode::OK, "{url}: {}", reply.body);
    serde_json::from_str(&reply.body).expect("valid JSON")
}

/// A response's whole body as text.
pub async fn text<B>(response: http::Response<B>) -> String
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    String::from_utf8_lossy(&body).into_owned()
}
