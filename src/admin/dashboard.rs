//! The operator dashboard: one page, a script and a stylesheet, compiled into the binary.
//!
//! The page has no server-side rendering: `app.js` polls the JSON API (`/api/overview`,
//! `/api/routes`, `/api/services`, `/api/discovery`, `/api/certificates`) and builds the DOM with `textContent`, so
//! labels from the swarm are never parsed as HTML. The Content-Security-Policy allows nothing but
//! this origin's own files: no inline script, no inline style markup, no third-party requests.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

use super::AdminResponse;

const INDEX_HTML: &str = include_str!("dashboard/index.html");
const APP_JS: &str = include_str!("dashboard/app.js");
const STYLE_CSS: &str = include_str!("dashboard/style.css");

/// Where `/` and `/dashboard` send the browser.
pub const LOCATION: &str = "/dashboard/";

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'none'; \
     object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `GET /dashboard/`: the page.
pub fn page() -> AdminResponse {
    asset(INDEX_HTML, "text/html; charset=utf-8")
}

/// `GET /dashboard/app.js`.
pub fn script() -> AdminResponse {
    asset(APP_JS, "text/javascript; charset=utf-8")
}

/// `GET /dashboard/style.css`.
pub fn stylesheet() -> AdminResponse {
    asset(STYLE_CSS, "text/css; charset=utf-8")
}

/// `GET /` and `GET /dashboard`: a redirect to the page.
pub fn redirect() -> AdminResponse {
    let mut response = Response::new(Full::new(Bytes::from_static(b"see /dashboard/\n")));
    *response.status_mut() = StatusCode::FOUND;
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, HeaderValue::from_static(LOCATION));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn asset(body: &'static str, content_type: &'static str) -> AdminResponse {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    fn header(response: &AdminResponse, name: header::HeaderName) -> &str {
        response
            .headers()
            .get(&name)
            .unwrap_or_else(|| panic!("no {name}"))
            .to_str()
            .expect("ASCII header")
    }

    async fn body(response: AdminResponse) -> String {
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        String::from_utf8(bytes.to_vec()).expect("UTF-8")
    }

    #[tokio::test]
    async fn each_file_is_served_with_its_type_and_strict_headers() {
        for (response, content_type, start) in [
            (page(), "text/html; charset=utf-8", "<!doctype html>"),
            (
                script(),
                "text/javascript; charset=utf-8",
                "// hawser dashboard",
            ),
            (
                stylesheet(),
                "text/css; charset=utf-8",
                "/* hawser dashboard",
            ),
        ] {
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(header(&response, header::CONTENT_TYPE), content_type);
            assert_eq!(header(&response, header::CACHE_CONTROL), "no-cache");
            assert_eq!(header(&response, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
            let policy = header(&response, header::CONTENT_SECURITY_POLICY);
            assert!(policy.starts_with("default-src 'self';"), "{policy}");
            assert!(!policy.contains("unsafe"), "{policy}");
            let text = body(response).await;
            assert!(text.starts_with(start), "{content_type}: {:.40}", text);
        }
    }

    #[tokio::test]
    async fn the_root_and_the_bare_path_redirect_to_the_page() {
        let response = redirect();
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(header(&response, header::LOCATION), "/dashboard/");
    }

    #[test]
    fn the_page_loads_only_its_own_files_and_has_no_inline_code() {
        assert!(INDEX_HTML.contains(r#"<script src="app.js" defer></script>"#));
        assert!(INDEX_HTML.contains(r#"<link rel="stylesheet" href="style.css">"#));
        assert!(INDEX_HTML.contains(r#"<meta name="viewport""#));
        assert_eq!(INDEX_HTML.matches("<script").count(), 1, "one script tag");
        for inline in [" style=", " onclick=", " onload=", "<style", "javascript:"] {
            assert!(!INDEX_HTML.contains(inline), "inline code: {inline}");
        }
        for external in ["http://", "https://", "//cdn", "@import"] {
            assert!(
                !INDEX_HTML.contains(external),
                "external resource: {external}"
            );
            assert!(
                !STYLE_CSS.contains(external),
                "external resource: {external}"
            );
        }
    }

    #[test]
    fn the_script_never_parses_api_data_as_html() {
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
        ] {
            assert!(!APP_JS.contains(sink), "app.js uses {sink}");
        }
        assert!(!APP_JS.contains("eval("));
        assert!(!APP_JS.contains("location.reload"));
    }
}
