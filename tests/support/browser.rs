//! Chromium driven through ChromeDriver (WebDriver, via fantoccini) for the dashboard test:
//! found or skipped, started on a free port, one fresh profile per session.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use http::StatusCode;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use super::http::get;

pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target")
}

/// The window height that shows the whole page.
pub async fn full_page_height(client: &Client) -> u32 {
    let (_, height) = client.get_window_size().await.expect("window size");
    let sizes = client
        .execute(
            "return [document.documentElement.scrollHeight, window.innerHeight];",
            vec![],
        )
        .await
        .expect("page height");
    let content = sizes[0].as_u64().expect("height");
    let viewport = sizes[1].as_u64().expect("height");
    let chrome = height.saturating_sub(viewport);
    u32::try_from((content + chrome).clamp(600, 4000)).expect("height")
}

pub async fn save_screenshot(client: &Client, path: &Path) {
    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::create_dir_all(path.parent().expect("directory")).expect("target directory");
    std::fs::write(path, png).expect("save the screenshot");
    println!("screenshot: {}", path.display());
}

pub struct Browser {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl Browser {
    /// The browser and its driver, or `None` (the test is skipped) when they are not installed.
    pub fn locate() -> Option<Browser> {
        let path = |variable: &str, default: &str| {
            PathBuf::from(std::env::var_os(variable).unwrap_or_else(|| default.into()))
        };
        let browser = Browser {
            chromium: path("HAWSER_CHROMIUM", "/usr/bin/chromium"),
            chromedriver: path("HAWSER_CHROMEDRIVER", "/usr/bin/chromedriver"),
        };
        let missing: Vec<String> = [&browser.chromium, &browser.chromedriver]
            .into_iter()
            .filter(|path| !path.is_file())
            .map(|path| path.display().to_string())
            .collect();
        if missing.is_empty() {
            return Some(browser);
        }
        let missing = missing.join(" and ");
        assert!(
            std::env::var_os("HAWSER_REQUIRE_BROWSER").is_none(),
            "HAWSER_REQUIRE_BROWSER is set but {missing} is missing: \
             apt-get install chromium chromium-driver"
        );
        println!(
            "browser test skipped: {missing} not found \
             (apt-get install chromium chromium-driver, or set HAWSER_CHROMIUM/HAWSER_CHROMEDRIVER)"
        );
        None
    }
}

pub struct Driver {
    child: Child,
    url: String,
    /// Kept when the test fails.
    log: PathBuf,
}

impl Driver {
    /// Starts chromedriver on a free loopback port and waits until it is ready.
    pub async fn start(browser: &Browser) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("chromedriver-{port}.log"));
        let child = Command::new(&browser.chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|err| panic!("start {}: {err}", browser.chromedriver.display()));
        let url = format!("http://127.0.0.1:{port}");
        let mut driver = Driver { child, url, log };
        let status = format!("{}/status", driver.url);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(reply) = get(&status).await {
                let ready = serde_json::from_str::<Value>(&reply.body)
                    .is_ok_and(|status| status["value"]["ready"] == true);
                if reply.status == StatusCode::OK && ready {
                    return driver;
                }
            }
            if let Ok(Some(exit)) = driver.child.try_wait() {
                panic!(
                    "chromedriver exited with {exit}; see {}",
                    driver.log.display()
                );
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer {status} within 20 s; see {}",
                driver.log.display()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A new session in a new headless Chromium with a fresh profile (kept until it is dropped).
    pub async fn session(&self, browser: &Browser, extra: &[&str]) -> (Client, tempfile::TempDir) {
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--hide-scrollbars".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        args.extend(extra.iter().map(|arg| (*arg).to_owned()));
        let options = json!({ "binary": browser.chromium, "args": args });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a WebDriver session with headless Chromium");
        (client, profile)
    }

    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
        let _ = std::fs::remove_file(&self.log);
    }
}
