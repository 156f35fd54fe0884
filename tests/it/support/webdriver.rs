//! A headless Chromium driven over the W3C WebDriver protocol through Debian's
//! `chromium-driver`, for the staff console's browser tests. The protocol is JSON over HTTP;
//! the few commands these tests use are written here on the HTTP client the crate already has
//! (the WebDriver crates pull in a C-built TLS stack and ICU for nothing a loopback test needs).

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// The key under which WebDriver names an element.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running chromedriver with one browser session; both end when it is dropped.
pub struct Browser {
    driver: Child,
    base: String,
    http: reqwest::Client,
}

/// An element of the current page.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium through it. Fails (never
    /// skips) when the packages are missing: CI installs them.
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect(
                "chromedriver (Debian's chromium-driver package) must be installed for the console's browser tests",
            );
        let http = reqwest::Client::new();
        let root = format!("http://127.0.0.1:{port}");
        let mut ready = false;
        for _ in 0..100 {
            if let Ok(response) = http.get(format!("{root}/status")).send().await
                && let Ok(status) = response.json::<Value>().await
                && status["value"]["ready"] == json!(true)
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "chromedriver did not become ready within 10 s");
        let mut args = vec![
            "--headless=new",
            "--disable-gpu",
            "--window-size=1280,1000",
            "--lang=fa",
            "--disable-dev-shm-usage",
        ];
        // Chromium refuses to run as root with its sandbox on (CI machines run as root).
        if nix_is_root() {
            args.push("--no-sandbox");
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "args": args, "binary": "/usr/bin/chromium" }
        } } });
        let response: Value = http
            .post(format!("{root}/session"))
            .json(&capabilities)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {response}"))
            .to_owned();
        Self {
            driver,
            base: format!("{root}/session/{session}"),
            http,
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        if let Some(error) = response["value"]["error"].as_str() {
            panic!("WebDriver {path}: {error}: {}", response["value"]["message"]);
        }
        response["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.command(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        self.command(reqwest::Method::GET, path, None).await
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    pub async fn url(&self) -> String {
        self.get("/url").await.as_str().unwrap().to_owned()
    }

    /// The page's HTML as the browser holds it.
    pub async fn source(&self) -> String {
        self.get("/source").await.as_str().unwrap().to_owned()
    }

    /// The first element matching a CSS selector; panics naming it when there is none.
    pub async fn find(&self, css: &str) -> Element {
        let found = self
            .http
            .post(format!("{}/element", self.base))
            .json(&json!({ "using": "css selector", "value": css }))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        match found["value"][ELEMENT].as_str() {
            Some(id) => Element(id.to_owned()),
            None => panic!(
                "no element matches {css} on {} ({}):\n{}",
                self.url().await,
                found["value"],
                self.source().await
            ),
        }
    }

    /// How many elements match a CSS selector.
    pub async fn count(&self, css: &str) -> usize {
        self.post("/elements", json!({ "using": "css selector", "value": css }))
            .await
            .as_array()
            .map_or(0, Vec::len)
    }

    pub async fn click(&self, element: &Element) {
        self.post(&format!("/element/{}/click", element.0), json!({})).await;
    }

    pub async fn type_into(&self, element: &Element, text: &str) {
        self.post(&format!("/element/{}/value", element.0), json!({ "text": text }))
            .await;
    }

    /// The element's text as rendered.
    pub async fn text(&self, element: &Element) -> String {
        self.get(&format!("/element/{}/text", element.0))
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let element = self.find(css).await;
        self.get(&format!("/element/{}/attribute/{name}", element.0))
            .await
            .as_str()
            .map(str::to_owned)
    }

    /// Presses the element `css` and waits for the page it leads to: a click does not wait
    /// for the navigation it starts.
    pub async fn submit(&self, css: &str) {
        let before = self.url().await;
        self.press(css).await;
        for _ in 0..100 {
            if self.url().await != before {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("pressing {css} on {before} led nowhere within 5 s");
    }

    /// Waits until an element matches `css` (a page answering a form at the same address).
    pub async fn wait_for(&self, css: &str) -> Element {
        for _ in 0..200 {
            if self.count(css).await > 0 {
                return self.find(css).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "nothing matched {css} within 10 s on {}:\n{}",
            self.url().await,
            self.source().await
        );
    }

    /// Fills the field `css` and returns it.
    pub async fn fill(&self, css: &str, text: &str) -> Element {
        let field = self.find(css).await;
        self.type_into(&field, text).await;
        field
    }

    /// Presses the element `css`.
    pub async fn press(&self, css: &str) {
        let element = self.find(css).await;
        self.click(&element).await;
    }

    /// Saves a screenshot of the page as `name`.png in the tests' output folder (not in the
    /// repository) for a person to look at; returns where.
    pub async fn screenshot(&self, name: &str) -> std::path::PathBuf {
        use base64::Engine as _;
        let png = self.get("/screenshot").await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-console");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub async fn quit(mut self) {
        let _ = self.http.delete(&self.base).send().await;
        let _ = self.driver.kill().await;
    }
}

fn nix_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}
