//! A real headless Chromium for tests of the pages, driven through chromedriver (WebDriver).
//!
//! `Browser::phone()` or `Browser::desktop()` starts `chromedriver` on a free loopback port as a
//! child process, opens a session on headless Chromium with a fresh profile, and ends both when
//! dropped. Missing Chromium, chromedriver or axe-core fail the test with a message naming
//! `scripts/browser-deps.sh`; browser tests are never skipped.
//!
//! Everything stays on loopback: WebDriver over plain HTTP to 127.0.0.1, and Chromium sends any
//! non-loopback request to a proxy address where nothing listens (so a page that pulled a font or
//! a script from elsewhere would show it broken, and nothing leaves the machine).
//!
//! Environment: `CHROMIUM` (default `/usr/bin/chromium`), `CHROMEDRIVER` (default: found on
//! `PATH`), `AXE_CORE_JS` (default `~/.cache/social-jobs/axe/node_modules/axe-core/axe.min.js`),
//! `SCREENSHOT_DIR` (default `target/screenshots` in the checkout).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::{
    fmt,
    io::{Read, Write},
    net::{Ipv4Addr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use serde_json::{Value, json};

const DEPS_HINT: &str = "run `scripts/browser-deps.sh` (installs Debian's chromium and \
     chromium-driver, and axe-core with npm); browser tests are never skipped";

/// The heaviest a page may be with everything it loads, for a slow mobile connection.
pub const PAGE_BUDGET_BYTES: u64 = 100 * 1000;

/// The window a page is seen in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewport {
    /// A phone held upright: 390×844 CSS pixels at device scale 1, mobile and touch emulated (so
    /// the page's `<meta name="viewport">` is honoured as on a phone).
    Phone,
    /// A laptop: a 1280×900 window.
    Desktop,
}

impl Viewport {
    pub fn size(self) -> (u32, u32) {
        match self {
            Viewport::Phone => (390, 844),
            Viewport::Desktop => (1280, 900),
        }
    }
}

/// What a page and everything it loaded weigh, as the browser's Performance API reports it.
#[derive(Debug, Clone)]
pub struct PageWeight {
    /// Bytes of the document and all its resources.
    pub total: u64,
    /// Each entry (URL, bytes): the document first, then its resources in load order.
    pub entries: Vec<(String, u64)>,
}

impl fmt::Display for PageWeight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes:", self.total)?;
        for (url, bytes) in &self.entries {
            write!(f, " {url} {bytes};")?;
        }
        Ok(())
    }
}

/// A headless Chromium session and the chromedriver serving it.
pub struct Browser {
    client: Client,
    viewport: Viewport,
    // Dropped after the client: it ends chromedriver, Chromium and the profile.
    driver: Driver,
}

impl Browser {
    /// A browser with a phone's screen (see [`Viewport::Phone`]).
    pub async fn phone() -> Browser {
        Browser::start(Viewport::Phone).await
    }

    /// A browser with a laptop's window (see [`Viewport::Desktop`]).
    pub async fn desktop() -> Browser {
        Browser::start(Viewport::Desktop).await
    }

    pub async fn start(viewport: Viewport) -> Browser {
        let chromium = chromium_path();
        let chromedriver = chromedriver_path();
        // Checked now, so a machine without it fails at the start, not half-way through a test.
        let _ = axe_path();
        let driver = Driver::start(&chromedriver);
        let (width, height) = viewport.size();
        let args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            format!("--user-data-dir={}", driver.profile.path().display()),
            format!("--window-size={width},{height}"),
            "--no-first-run".to_owned(),
            "--no-default-browser-check".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-extensions".to_owned(),
            "--disable-features=Translate,OptimizationHints,MediaRouter".to_owned(),
            // Loopback is never proxied; anything else goes to a port where nothing listens.
            "--proxy-server=http://127.0.0.1:9".to_owned(),
        ];
        let mut options = json!({
            "binary": chromium,
            "args": args,
            // Pages without `?lang=` see one fixed browser language, whatever the machine's.
            "prefs": { "intl.accept_languages": "en" },
        });
        if viewport == Viewport::Phone {
            options["mobileEmulation"] = json!({
                "deviceMetrics": {
                    "width": width, "height": height, "pixelRatio": 1.0,
                    "mobile": true, "touch": true,
                },
            });
        }
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "pageLoadStrategy": "normal",
            // axe on a large page takes a few seconds on a slow machine.
            "timeouts": { "script": 60_000, "pageLoad": 30_000, "implicit": 0 },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver could not start Chromium ({chromium}): {e}\n\
                     chromedriver's log:\n{}\nIf Chromium is missing or broken, {DEPS_HINT}.",
                    driver.log()
                )
            });
        Browser {
            client,
            viewport,
            driver,
        }
    }

    /// The underlying WebDriver client, for anything the helpers below do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn viewport(&self) -> Viewport {
        self.viewport
    }

    /// Opens `url` and waits until it has loaded (its stylesheets and images too).
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("could not open {url}: {e}"));
    }

    pub async fn current_url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// The element matching the CSS `selector`; fails the test if there is none.
    pub async fn find(&self, selector: &str) -> Element {
        match self.client.find(Locator::Css(selector)).await {
            Ok(e) => e,
            Err(e) => panic!(
                "no element matches {selector:?} on {}: {e}\n{}",
                self.current_url().await,
                self.text().await
            ),
        }
    }

    /// Every element matching `selector` (none is not a failure).
    pub async fn find_all(&self, selector: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(selector)).await.unwrap()
    }

    /// Clicks the element matching `selector` as a user would (it must be visible and not
    /// covered); a click that submits a form returns once the next page has loaded.
    pub async fn click(&self, selector: &str) {
        let element = self.find(selector).await;
        // As a person scrolls what she wants to the middle of the screen (not under a bar
        // that stays at the bottom).
        let arg = serde_json::to_value(&element).unwrap();
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center', inline: 'center'});",
                vec![arg],
            )
            .await
            .unwrap();
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("could not click {selector:?}: {e}"));
    }

    /// Replaces what the input matching `selector` holds by typing `value` into it.
    pub async fn fill(&self, selector: &str, value: &str) {
        let element = self.find(selector).await;
        element.clear().await.unwrap();
        element
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("could not type into {selector:?}: {e}"));
    }

    /// Sets an input's value as its picker would (a date or time input, whose typed form
    /// depends on the browser's locale), firing `input` and `change`.
    pub async fn set_value(&self, selector: &str, value: &str) {
        let element = self.find(selector).await;
        let arg = serde_json::to_value(&element).unwrap();
        self.client
            .execute(
                "arguments[0].value = arguments[1];
                 arguments[0].dispatchEvent(new Event('input', { bubbles: true }));
                 arguments[0].dispatchEvent(new Event('change', { bubbles: true }));",
                vec![arg, Value::String(value.to_owned())],
            )
            .await
            .unwrap();
    }

    /// Chooses the option with `value` in the select matching `selector`.
    pub async fn select(&self, selector: &str, value: &str) {
        self.find(selector)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("no option {value:?} in {selector:?}: {e}"));
    }

    /// Chooses the file at `path` in the file input matching `selector`.
    pub async fn upload(&self, selector: &str, path: &Path) {
        self.find(selector)
            .await
            .send_keys(&path.display().to_string())
            .await
            .unwrap_or_else(|e| panic!("could not choose {} in {selector:?}: {e}", path.display()));
    }

    /// Submits the form matching `selector` by clicking its submit button.
    pub async fn submit(&self, selector: &str) {
        let form = self
            .client
            .form(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no form matches {selector:?}: {e}"));
        form.submit()
            .await
            .unwrap_or_else(|e| panic!("could not submit {selector:?}: {e}"));
    }

    /// The page's visible text (`document.body.innerText`).
    pub async fn text(&self) -> String {
        self.client
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The visible text of the element matching `selector`.
    pub async fn text_of(&self, selector: &str) -> String {
        self.find(selector).await.text().await.unwrap()
    }

    /// Waits (up to 10 s) until the page's text contains `needle`; returns the text.
    pub async fn wait_for_text(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.text().await;
            if text.contains(needle) {
                return text;
            }
            if Instant::now() > deadline {
                panic!(
                    "{needle:?} did not appear on {}; the page says:\n{text}",
                    self.current_url().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The page's layout viewport in CSS pixels (`innerWidth`, `innerHeight`).
    pub async fn inner_size(&self) -> (u64, u64) {
        let v = self
            .client
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .unwrap();
        (v[0].as_u64().unwrap(), v[1].as_u64().unwrap())
    }

    /// Writes what the viewport shows as a PNG at `path` (folders made as needed); returns the
    /// path. [`screenshot_dir`] is where tests put them.
    pub async fn screenshot(&self, path: impl AsRef<Path>) -> PathBuf {
        let path = path.as_ref().to_path_buf();
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(&path, png)
            .unwrap_or_else(|e| panic!("could not write {}: {e}", path.display()));
        path
    }

    /// Runs axe-core on the current page and fails the test with every violation of `serious`
    /// or `critical` impact (rule, help, the elements at fault), naming the page by `page`.
    /// Returns the lesser (minor, moderate) violations, which do not fail it.
    pub async fn axe(&self, page: &str) -> Vec<Value> {
        let source = std::fs::read_to_string(axe_path()).unwrap();
        // Through WebDriver, not a <script> tag: the pages' Content-Security-Policy allows no
        // script, and the check must not need the page to change.
        let loaded = self
            .client
            .execute(&format!("{source}\n;return typeof window.axe;"), vec![])
            .await
            .unwrap_or_else(|e| panic!("axe-core could not be loaded into {page}: {e}"));
        assert_eq!(loaded, "object", "axe-core did not load into {page}");
        let outcome = self
            .client
            .execute_async(
                r"const done = arguments[arguments.length - 1];
                  axe.run(document, { resultTypes: ['violations'] })
                    .then(r => done({ violations: r.violations }))
                    .catch(e => done({ error: String(e && e.stack || e) }));",
                vec![],
            )
            .await
            .unwrap_or_else(|e| panic!("axe-core did not finish on {page}: {e}"));
        if let Some(error) = outcome.get("error") {
            panic!("axe-core failed on {page}: {error}");
        }
        let violations = outcome["violations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let (bad, lesser): (Vec<Value>, Vec<Value>) = violations
            .into_iter()
            .partition(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")));
        if !bad.is_empty() {
            let mut report = format!(
                "{} serious or critical accessibility violation(s) on {page} ({}):\n",
                bad.len(),
                self.current_url().await
            );
            for v in &bad {
                report.push_str(&format!(
                    "- {} ({}): {}\n  {}\n",
                    v["id"].as_str().unwrap_or("?"),
                    v["impact"].as_str().unwrap_or("?"),
                    v["help"].as_str().unwrap_or("?"),
                    v["helpUrl"].as_str().unwrap_or(""),
                ));
                for node in v["nodes"].as_array().into_iter().flatten() {
                    report.push_str(&format!(
                        "    at {}: {}\n",
                        node["target"],
                        node["failureSummary"]
                            .as_str()
                            .unwrap_or("")
                            .replace('\n', " ")
                    ));
                }
            }
            panic!("{report}");
        }
        for v in &lesser {
            eprintln!(
                "axe on {page}: {} ({}): {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or("?")
            );
        }
        lesser
    }

    /// What the current page weighs: the document and every resource it loaded, each counted
    /// as its bytes over the network (`transferSize`, headers included) or, when it came from
    /// the cache, as its body (`encodedBodySize`), so a page reached from another one that
    /// shares its stylesheet weighs what it would on a first visit.
    pub async fn page_weight(&self) -> PageWeight {
        let v = self
            .client
            .execute(
                r"const size = e => Math.max(e.transferSize || 0, e.encodedBodySize || 0);
                  const nav = performance.getEntriesByType('navigation');
                  const res = performance.getEntriesByType('resource');
                  return nav.concat(res).map(e => [e.name, size(e)]);",
                vec![],
            )
            .await
            .unwrap();
        let entries: Vec<(String, u64)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e[0].as_str().unwrap().to_owned(),
                    e[1].as_u64().unwrap_or(0),
                )
            })
            .collect();
        assert!(
            entries.first().is_some_and(|(_, bytes)| *bytes > 0),
            "the Performance API reported no navigation: {entries:?}"
        );
        PageWeight {
            total: entries.iter().map(|(_, b)| b).sum(),
            entries,
        }
    }
}

/// Where tests write screenshots: `SCREENSHOT_DIR`, or `target/screenshots` in the checkout.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("SCREENSHOT_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"))
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn chromium_path() -> String {
    let path = env_path("CHROMIUM").unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.is_file(),
        "Chromium is not at {} (set CHROMIUM to another binary, or {DEPS_HINT})",
        path.display()
    );
    path.display().to_string()
}

fn chromedriver_path() -> PathBuf {
    if let Some(path) = env_path("CHROMEDRIVER") {
        assert!(
            path.is_file(),
            "CHROMEDRIVER={} is not a file ({DEPS_HINT})",
            path.display()
        );
        return path;
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("chromedriver"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("chromedriver is not on PATH (set CHROMEDRIVER to its path, or {DEPS_HINT})")
        })
}

fn axe_path() -> PathBuf {
    let path = env_path("AXE_CORE_JS").unwrap_or_else(|| {
        let home = env_path("HOME").unwrap_or_else(|| PathBuf::from("/root"));
        home.join(".cache/social-jobs/axe/node_modules/axe-core/axe.min.js")
    });
    assert!(
        path.is_file(),
        "axe-core is not at {} (set AXE_CORE_JS to axe.min.js, or {DEPS_HINT})",
        path.display()
    );
    path
}

/// A chromedriver child process in a process group of its own, with Chromium's profile.
struct Driver {
    child: Child,
    port: u16,
    log_path: PathBuf,
    profile: tempfile::TempDir,
}

impl Driver {
    fn start(exe: &Path) -> Driver {
        let profile = tempfile::Builder::new()
            .prefix("sj-chromium-")
            .tempdir()
            .unwrap();
        let log_path = profile.path().join("chromedriver.log");
        // A free port could be taken between asking and binding; then try another.
        for _ in 0..3 {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let log = std::fs::File::create(&log_path).unwrap();
            let mut child = {
                use std::os::unix::process::CommandExt;
                Command::new(exe)
                    .arg(format!("--port={port}"))
                    .arg("--allowed-ips=127.0.0.1")
                    // Its own group, so Chromium and its helpers can all be ended together.
                    .process_group(0)
                    .stdin(Stdio::null())
                    .stdout(log.try_clone().unwrap())
                    .stderr(log)
                    .spawn()
                    .unwrap_or_else(|e| {
                        panic!("could not run {}: {e} ({DEPS_HINT})", exe.display())
                    })
            };
            if wait_ready(&mut child, port) {
                return Driver {
                    child,
                    port,
                    log_path,
                    profile,
                };
            }
            end_group(&mut child);
            eprintln!(
                "chromedriver on port {port} did not come up; trying another port. Its log:\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
        panic!("chromedriver did not start in three tries ({DEPS_HINT})")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

/// Whether chromedriver answers `/status` as ready within 20 s (false once it has exited).
fn wait_ready(child: &mut Child, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if exited(child) {
            return false;
        }
        if http_get(port, "/status").is_some_and(|body| body.contains("\"ready\":true")) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Whether the child has exited (a zombie not yet reaped, or gone), without reaping it.
fn exited(child: &Child) -> bool {
    std::fs::read_to_string(format!("/proc/{}/stat", child.id()))
        .map(|stat| {
            stat.rsplit_once(") ")
                .is_none_or(|(_, rest)| rest.starts_with('Z'))
        })
        .unwrap_or(true)
}

/// Ends every process of the child's group (chromedriver, Chromium and its helpers) and reaps
/// the child.
fn end_group(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

impl Drop for Driver {
    /// Asks chromedriver to quit its sessions and exit (Chromium closes cleanly), then ends
    /// whatever of its process group is left.
    fn drop(&mut self) {
        // Not reaped before the group is ended: until then its id cannot name another group.
        let _ = http_get(self.port, "/shutdown");
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline && !exited(&self.child) {
            std::thread::sleep(Duration::from_millis(20));
        }
        end_group(&mut self.child);
    }
}

/// A plain HTTP/1.1 GET on loopback (for chromedriver's `/status` and `/shutdown`, where an
/// async client is not at hand: in `Drop`); the body, or `None` if it does not answer.
/// chromedriver keeps the connection open whatever the request says, so the body is read to its
/// `Content-Length`.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(
        &(Ipv4Addr::LOCALHOST, port).into(),
        Duration::from_millis(500),
    )
    .ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).ok()?;
        received.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&received);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())
                    .flatten()
            });
            if n == 0 || length.is_some_and(|len| body.len() >= len) {
                return Some(body.to_owned());
            }
        } else if n == 0 {
            return None;
        }
    }
}
