//! Just enough of the W3C WebDriver protocol to drive Chromium through chromedriver: start a
//! headless session, open pages, find elements by CSS, type, click, read, take screenshots.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    http: reqwest::Client,
    endpoint: String,
    session: String,
    chromedriver: Child,
    _profile: tempfile::TempDir,
}

/// The first of `names` found on `PATH`.
fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

pub type Step<T> = Result<T, String>;

impl Browser {
    /// A headless Chromium session, or why there cannot be one here.
    pub async fn start() -> Result<Browser, String> {
        let driver = find_program(&["chromedriver"]).ok_or(
            "chromedriver is not installed (Debian: apt-get install chromium chromium-driver)",
        )?;
        let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"])
            .ok_or("no Chromium browser found (Debian: apt-get install chromium)")?;
        let port = free_port();
        let chromedriver = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start chromedriver: {e}"))?;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?;
        let endpoint = format!("http://127.0.0.1:{port}");
        let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut browser = Browser {
            http,
            endpoint,
            session: String::new(),
            chromedriver,
            _profile: profile,
        };
        // chromedriver takes a moment to listen: wait for its status (not a timing assertion).
        let mut ready = false;
        for _ in 0..100 {
            if let Ok(status) = browser.call("GET", "/status", None).await
                && status["ready"] == true
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !ready {
            return Err("chromedriver did not become ready within 10 s".into());
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1200,2000",
                         format!("--user-data-dir={}", browser._profile.path().display())],
            }
        }}});
        let created = browser.call("POST", "/session", Some(capabilities)).await?;
        browser.session = created["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session in {created}"))?
            .to_string();
        Ok(browser)
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Step<Value> {
        let url = format!("{}{path}", self.endpoint);
        let request = match method {
            "GET" => self.http.get(&url),
            "DELETE" => self.http.delete(&url),
            _ => self
                .http
                .post(&url)
                .header("content-type", "application/json")
                .body(body.unwrap_or_else(|| json!({})).to_string()),
        };
        let response = request
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{method} {path}: {status}: {}", value["value"]));
        }
        Ok(value["value"].clone())
    }

    async fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Step<Value> {
        let path = format!("/session/{}{path}", self.session);
        self.call(method, &path, body).await
    }

    pub async fn goto(&self, url: &str) -> Step<()> {
        self.session_call("POST", "/url", Some(json!({ "url": url })))
            .await
            .map(drop)
    }

    pub async fn current_url(&self) -> Step<String> {
        let v = self.session_call("GET", "/url", None).await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// Waits (up to 10 s) until the address contains `part`: a click on a submit button may
    /// return before the browser has navigated.
    pub async fn wait_for_url(&self, part: &str) -> Step<()> {
        let mut last = String::new();
        for _ in 0..100 {
            last = self.current_url().await?;
            if last.contains(part) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!(
            "the browser did not reach an address with {part:?} (at {last})"
        ))
    }

    /// Waits (up to 10 s) for an element matching `css` to appear.
    pub async fn wait_for(&self, css: &str) -> Step<()> {
        let mut last = String::new();
        for _ in 0..100 {
            match self.find(css).await {
                Ok(_) => return Ok(()),
                Err(e) => last = e,
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(last)
    }

    pub async fn source(&self) -> Step<String> {
        let v = self.session_call("GET", "/source", None).await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// The element matching `css`, or an error naming the selector.
    pub async fn find(&self, css: &str) -> Step<String> {
        let v = self
            .session_call(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await
            .map_err(|e| format!("no element {css:?}: {e}"))?;
        v[ELEMENT_KEY]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no element {css:?}"))
    }

    pub async fn type_into(&self, css: &str, text: &str) -> Step<()> {
        let el = self.find(css).await?;
        self.session_call(
            "POST",
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        )
        .await
        .map(drop)
    }

    pub async fn click(&self, css: &str) -> Step<()> {
        let el = self.find(css).await?;
        self.session_call("POST", &format!("/element/{el}/click"), None)
            .await
            .map(drop)
    }

    /// The visible text of the element matching `css`.
    pub async fn text(&self, css: &str) -> Step<String> {
        let el = self.find(css).await?;
        let v = self
            .session_call("GET", &format!("/element/{el}/text"), None)
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// The current value of a form control (what the reader sees in it).
    pub async fn value(&self, css: &str) -> Step<String> {
        let el = self.find(css).await?;
        let v = self
            .session_call("GET", &format!("/element/{el}/property/value"), None)
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// Waits (up to 10 s) until the text of `css` contains `needle` (pages that refresh
    /// themselves while a job runs).
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> Step<()> {
        let mut last = String::new();
        for _ in 0..100 {
            match self.text(css).await {
                Ok(text) if text.contains(needle) => return Ok(()),
                Ok(text) => last = format!("{css} says {text:?}"),
                Err(e) => last = e,
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("waited for {needle:?} in {css}: {last}"))
    }

    /// Runs `script` in the page as an async function (its last argument is the callback) and
    /// returns what it passed to the callback.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Step<Value> {
        self.session_call(
            "POST",
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Saves a PNG screenshot to `path`.
    pub async fn screenshot(&self, path: &std::path::Path) -> Step<()> {
        let v = self.session_call("GET", "/screenshot", None).await?;
        let png =
            decode_base64(v.as_str().unwrap_or_default()).ok_or("screenshot was not base64")?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(path, png).map_err(|e| e.to_string())
    }

    pub async fn quit(mut self) {
        let _ = self.session_call("DELETE", "", None).await;
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.chromedriver.kill();
    }
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|&c| c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}
