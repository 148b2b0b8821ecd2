//! A small WebDriver harness: Debian's `chromedriver` on a free port driving Debian's
//! headless `chromium` with a fresh profile, through the `fantoccini` client.
//!
//! Missing browsers fail the test (they do not skip it): `scripts/test-all` installs
//! `chromium` and `chromium-driver`.
#![allow(dead_code)]

use std::future::Future;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// Chromium flags: headless in a container, and quiet on the network. Without the
/// background-networking flags Chromium keeps trying to reach Google's services, which
/// this machine (and a kiosk) cannot reach.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--window-size=1280,900",
    "--lang=en-US",
];

/// Serialises browser sessions within a test binary: two Chromiums at once on a
/// small shared machine make every timing in the tests flaky.
static ONE_BROWSER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// A headless Chromium under chromedriver; both are killed on drop.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Browser {
    /// Starts chromedriver and a Chromium session (language `lang`, e.g. "en-US").
    pub async fn start() -> Browser {
        let turn = ONE_BROWSER_AT_A_TIME.lock().await;
        let chromium = find_program(&["chromium", "chromium-browser"]).expect(
            "chromium is not installed: the browser tests need Debian's chromium and \
             chromium-driver (scripts/test-all installs them)",
        );
        let chromedriver = find_program(&["chromedriver"]).expect(
            "chromedriver is not installed: the browser tests need Debian's chromium-driver \
             (scripts/test-all installs it)",
        );
        let port = super::common::free_port();
        // Its own process group, so that drop can end chromedriver *and* the Chromium
        // processes it started, even when a test fails half-way.
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("spawn chromedriver");
        let mut browser_driver = DriverGuard(Some(driver));
        let url = format!("http://127.0.0.1:{port}");
        wait_for_driver(&url).await;

        let profile = tempfile::tempdir().expect("profile dir");
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args,
                "prefs": {"intl.accept_languages": "en-US,en"},
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&url)
            .await
            .expect("start a Chromium session through chromedriver");
        Browser {
            client,
            driver: browser_driver.0.take().expect("driver"),
            _profile: profile,
            _turn: turn,
        }
    }

    /// Ends the session (Chromium quits) and chromedriver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// The `textContent` of the element with `id` (also when its panel is hidden).
    pub async fn text(&self, id: &str) -> String {
        let value = self
            .client
            .execute(
                "const e = document.getElementById(arguments[0]); return e ? e.textContent : null;",
                vec![json!(id)],
            )
            .await
            .expect("execute script");
        value
            .as_str()
            .unwrap_or_else(|| panic!("no element #{id}"))
            .to_string()
    }

    /// An attribute of the element with `id`.
    pub async fn attr(&self, id: &str, name: &str) -> Option<String> {
        self.client
            .execute(
                "const e = document.getElementById(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
                vec![json!(id), json!(name)],
            )
            .await
            .expect("execute script")
            .as_str()
            .map(str::to_string)
    }

    /// Runs `script` (a function body; `arguments` available) and returns its value.
    pub async fn eval(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .expect("execute script")
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Replaces the value of the input matched by `css` with `text`, as typed.
    pub async fn type_into(&self, css: &str, text: &str) {
        let input = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"));
        input.clear().await.expect("clear");
        input.send_keys(text).await.expect("type");
    }

    /// Opens the page's tab `name` (live, calibration, capture, status, history, ocr).
    pub async fn tab(&self, name: &str) {
        self.click(&format!(".tab[data-tab={name}]")).await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
    }
}

/// Kills chromedriver's process group if `Browser::start` fails before it is built.
struct DriverGuard(Option<Child>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            kill_group(child);
        }
    }
}

fn kill_group(child: &mut Child) {
    // The group id is chromedriver's pid (process_group(0) above).
    let pgid = child.id() as libc::pid_t;
    // SAFETY: killpg only sends a signal to the group this harness created.
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
    let _ = child.wait();
}

async fn wait_for_driver(url: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client.get(format!("{url}/status")).send().await {
            if let Ok(body) = r.json::<Value>().await {
                if body["value"]["ready"] == true {
                    return;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls `probe` until it gives `Some`, or panics with `what` after `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
