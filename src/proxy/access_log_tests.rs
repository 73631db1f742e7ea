use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, UNIX_EPOCH};

use http_body_util::BodyExt;

use super::*;

#[test]
fn times_format_as_clf_and_rfc3339_in_utc() {
    // 2026-11-22T09:05:03.042Z
    let time = UNIX_EPOCH + Duration::from_millis(1_795_338_303_042);
    assert_eq!(clf_time(time), "22/Nov/2026:09:05:03 +0000");
    assert_eq!(rfc3339(time), "2026-11-22T09:05:03.042Z");
    assert_eq!(clf_time(UNIX_EPOCH), "01/Jan/1970:00:00:00 +0000");
    let leap_day = UNIX_EPOCH + Duration::from_secs(951_782_400);
    assert_eq!(rfc3339(leap_day), "2000-02-29T00:00:00.000Z");
}

fn entry(route: Option<&str>) -> Entry {
    Entry {
        client: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)),
        started: UNIX_EPOCH + Duration::from_secs(1_795_338_303),
        arrived: Instant::now(),
        method: Method::GET,
        target: "/hello/world?x=1".into(),
        version: Version::HTTP_11,
        status: 200,
        referer: None,
        user_agent: Some(HeaderValue::from_static("curl/8.0 \"quoted\"")),
        route: route.map(str::to_owned),
        backend_url: route.map(|_| "http://10.0.1.4:8080".to_owned()),
    }
}

#[test]
fn common_lines_follow_traefik_v1() {
    let line = common_line(&entry(Some("demo_hello")), 31, Duration::from_millis(3), 7);
    assert_eq!(
        line,
        "192.0.2.7 - - [22/Nov/2026:09:05:03 +0000] \"GET /hello/world?x=1 HTTP/1.1\" 200 31 \
         \"-\" \"curl/8.0 \\\"quoted\\\"\" 7 \"demo_hello\" \"http://10.0.1.4:8080\" 3ms\n"
    );
    let unrouted = common_line(&entry(None), 19, Duration::ZERO, 8);
    assert!(unrouted.ends_with(" 8 - - 0ms\n"), "{unrouted}");
}

#[test]
fn json_lines_carry_the_same_fields() {
    let line = json_line(&entry(Some("demo_hello")), 31, Duration::from_millis(3), 7);
    let json: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    assert_eq!(json["ClientHost"], "192.0.2.7");
    assert_eq!(json["RequestMethod"], "GET");
    assert_eq!(json["RequestPath"], "/hello/world?x=1");
    assert_eq!(json["RequestProtocol"], "HTTP/1.1");
    assert_eq!(json["OriginStatus"], 200);
    assert_eq!(json["OriginContentSize"], 31);
    assert_eq!(json["RequestCount"], 7);
    assert_eq!(json["FrontendName"], "demo_hello");
    assert_eq!(json["BackendURL"], "http://10.0.1.4:8080");
    assert_eq!(json["Duration"], 3_000_000);
    assert_eq!(json["StartUTC"], "2026-11-22T09:05:03.000Z");
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_line_is_written_with_the_bytes_actually_sent() {
    let captured = Captured::default();
    let log =
        AccessLog::start_with(AccessLogFormat::Common, Box::new(captured.clone())).expect("log on");
    let body = log.wrap(ProxyBody::text("hello, world"), entry(Some("web")));
    let collected = body.collect().await.expect("body").to_bytes();
    assert_eq!(&collected[..], b"hello, world");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf8");
        if let Some(line) = text.lines().next() {
            assert!(line.contains("\" 200 12 "), "{line}");
            assert!(line.contains(" 1 \"web\" "), "{line}");
            break;
        }
        assert!(Instant::now() < deadline, "no access log line within 5 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(AccessLog::start(AccessLogFormat::Off).is_none());
    assert_eq!(log.dropped(), 0);
}
