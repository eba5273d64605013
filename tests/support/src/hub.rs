//! A fake of the Hugging Face hub on 127.0.0.1, for download tests.
//!
//! It serves `ROOT/{owner}/{name}/{path}` the way the hub serves a file in
//! Git LFS: `GET /{owner}/{name}/resolve/{revision}/{path}` answers 302 to a
//! `/cdn/...` address, with the file's SHA-256 in `X-Linked-Etag` and its
//! size in `X-Linked-Size`; the CDN address answers with the bytes and
//! honours `Range: bytes=N-` with 206 and `Content-Range`. Queued
//! [`HubFault`]s make the next download go wrong the ways real ones do.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use sha2::{Digest, Sha256};

use crate::reply::{Part, Reply};

/// One way for the next download to go wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubFault {
    /// The resolve answers 404, as for a file the repository lacks.
    NotFound,
    /// The resolve answers 401, as for a gated repository without a token.
    Unauthorized,
    /// The redirect announces the SHA-256 of other content.
    WrongHash,
    /// The CDN breaks the connection after sending this many bytes.
    DropAfter(usize),
    /// The CDN sends `chunk` bytes at a time, `delay` apart.
    Slow { chunk: usize, delay: Duration },
    /// The CDN answers a range request with 200 and the whole file.
    IgnoreRange,
}

/// One request as the fake hub received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubRequest {
    pub path: String,
    pub range: Option<String>,
    pub authorization: Option<String>,
    pub status: u16,
}

#[derive(Debug, Default)]
struct Shared {
    root: PathBuf,
    faults: VecDeque<HubFault>,
    /// A fault of the CDN's answer, taken by the resolve that redirects there.
    cdn_fault: Option<HubFault>,
    requests: Vec<HubRequest>,
}

/// A running fake hub; it stops when dropped.
#[derive(Debug)]
pub struct FakeHub {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeHub {
    /// Serves the files under `root` on an ephemeral port.
    pub async fn start(root: impl Into<PathBuf>) -> FakeHub {
        let shared = Arc::new(Mutex::new(Shared {
            root: root.into(),
            ..Shared::default()
        }));
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake hub");
        });
        FakeHub { addr, shared, task }
    }

    /// The endpoint, as `HF_ENDPOINT` takes it.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Puts `content` in the repository `repo` as `file`; returns its SHA-256.
    pub fn put(&self, repo: &str, file: &str, content: &[u8]) -> String {
        let path = self.lock().root.join(repo).join(file);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create repo folder");
        std::fs::write(&path, content).expect("write file");
        sha256(content)
    }

    /// Makes the next download go wrong; faults apply in the order queued,
    /// one per download attempt.
    pub fn fault(&self, fault: HubFault) {
        self.lock().faults.push_back(fault);
    }

    pub fn requests(&self) -> Vec<HubRequest> {
        self.lock().requests.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    State(shared): State<Arc<Mutex<Shared>>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let range = header("range");
    let mut shared = shared.lock().unwrap_or_else(|p| p.into_inner());
    let segments: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
    let reply = match segments.as_slice() {
        [owner, name, "resolve", _revision, file @ ..] => {
            resolve(&mut shared, &format!("{owner}/{name}"), &file.join("/"))
        }
        ["cdn", owner, name, file @ ..] => {
            let fault = shared.cdn_fault.take();
            let path = shared
                .root
                .join(format!("{owner}/{name}"))
                .join(file.join("/"));
            cdn(&path, range.as_deref(), fault)
        }
        _ => error(404, "EntryNotFound"),
    };
    shared.requests.push(HubRequest {
        path: uri.path().to_owned(),
        range,
        authorization: header("authorization"),
        status: reply.status,
    });
    let mut response = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    response
        .body(Body::from_stream(reply.into_stream()))
        .expect("valid response")
}

fn resolve(shared: &mut Shared, repo: &str, file: &str) -> Reply {
    let fault = shared.faults.pop_front();
    match fault {
        Some(HubFault::NotFound) => return error(404, "EntryNotFound"),
        Some(HubFault::Unauthorized) => return error(401, "GatedRepo"),
        _ => {}
    }
    if !shared.root.join(repo).is_dir() {
        // The hub does not tell a missing repository from a private one.
        return error(401, "RepoNotFound");
    }
    let Ok(content) = std::fs::read(shared.root.join(repo).join(file)) else {
        return error(404, "EntryNotFound");
    };
    let sha = if fault == Some(HubFault::WrongHash) {
        sha256(b"other content")
    } else {
        sha256(&content)
    };
    shared.cdn_fault = fault.filter(|f| f != &HubFault::WrongHash);
    Reply {
        status: 302,
        headers: vec![
            ("location".into(), format!("/cdn/{repo}/{file}")),
            ("x-linked-etag".into(), format!("\"{sha}\"")),
            ("x-linked-size".into(), content.len().to_string()),
            ("etag".into(), format!("\"{sha}\"")),
            (
                "x-repo-commit".into(),
                "0123456789abcdef0123456789abcdef01234567".into(),
            ),
        ],
        body: Vec::new(),
    }
}

fn cdn(path: &Path, range: Option<&str>, fault: Option<HubFault>) -> Reply {
    let Ok(content) = std::fs::read(path) else {
        return error(404, "EntryNotFound");
    };
    let len = content.len();
    let start = range
        .filter(|_| fault != Some(HubFault::IgnoreRange))
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.split_once('-'))
        .and_then(|(start, _)| start.parse::<usize>().ok());
    let mut headers = vec![
        ("content-type".into(), "binary/octet-stream".into()),
        ("accept-ranges".into(), "bytes".into()),
    ];
    let status = match start {
        Some(start) if start >= len => {
            headers.push(("content-range".into(), format!("bytes */{len}")));
            return Reply {
                status: 416,
                headers,
                body: Vec::new(),
            };
        }
        Some(start) => {
            headers.push((
                "content-range".into(),
                format!("bytes {start}-{}/{len}", len - 1),
            ));
            206
        }
        None => 200,
    };
    let body = &content[start.unwrap_or(0)..];
    headers.push(("content-length".into(), body.len().to_string()));
    let parts = match fault {
        // The pause lets the bytes reach the client before the connection breaks.
        Some(HubFault::DropAfter(count)) => vec![
            Part::Bytes(Bytes::copy_from_slice(&body[..count.min(body.len())])),
            Part::Wait(Duration::from_millis(50)),
            Part::Reset,
        ],
        Some(HubFault::Slow { chunk, delay }) => body
            .chunks(chunk.max(1))
            .flat_map(|piece| {
                [
                    Part::Wait(delay),
                    Part::Bytes(Bytes::copy_from_slice(piece)),
                ]
            })
            .collect(),
        _ => vec![Part::Bytes(Bytes::copy_from_slice(body))],
    };
    Reply {
        status,
        headers,
        body: parts,
    }
}

/// An error as the hub words it: a code header and a JSON message.
fn error(status: u16, code: &str) -> Reply {
    Reply::json(
        status,
        serde_json::json!({"error": format!("{code} (fake hub)")}),
    )
    .with_header("x-error-code", code)
}

pub fn sha256(content: &[u8]) -> String {
    Sha256::digest(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
