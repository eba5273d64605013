//! An OpenAI-compatible server on 127.0.0.1 for tests and benchmarks.
//!
//! Each route answers from a queue of scripted [`Reply`]s, falling back to
//! a default reply. A reply is a status, headers and a body made of
//! [`Part`]s, so a test can split bytes anywhere, pause, stall, or break the
//! connection mid-stream. Every request is recorded for assertions.
//!
//! [`FakeHub`] stands in for the Hugging Face hub in model download tests.

mod hub;
mod reply;
mod script;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use futures::StreamExt;

pub use hub::{FakeHub, HubFault, HubRequest, sha256};
pub use reply::{Part, Reply, chat_chunk, finish_chunk, usage_chunk};
pub use script::{replies_from, reply_from};

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: serde_json::Value,
}

#[derive(Debug, Default)]
struct Shared {
    queues: HashMap<String, VecDeque<Reply>>,
    requests: Vec<Recorded>,
    /// When each reply body was dropped: the client went away or it ended.
    bodies_dropped: Vec<Instant>,
}

/// A running server; it stops when dropped.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Binds an ephemeral port on 127.0.0.1 and starts serving.
    pub async fn start() -> TestServer {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("test server");
        });
        TestServer { addr, shared, task }
    }

    /// The base URL a backend is configured with, ending in `/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Queues `reply` for the next request to `route`, e.g.
    /// `"POST /v1/chat/completions"`.
    pub fn push(&self, route: &str, reply: Reply) {
        self.lock()
            .queues
            .entry(route.to_owned())
            .or_default()
            .push_back(reply);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    pub fn bodies_dropped(&self) -> Vec<Instant> {
        self.lock().bodies_dropped.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    State(shared): State<Arc<Mutex<Shared>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let route = format!("{method} {}", uri.path());
    // Tests outside Rust queue replies here (see `script`).
    if route == "POST /control/replies" {
        return match script::replies_from(&String::from_utf8_lossy(&body)) {
            Ok(replies) => {
                let mut shared = shared.lock().unwrap_or_else(|p| p.into_inner());
                let count = replies.len();
                for (route, reply) in replies {
                    shared.queues.entry(route).or_default().push_back(reply);
                }
                json_response(200, serde_json::json!({"queued": count}))
            }
            Err(error) => json_response(400, serde_json::json!({"error": error})),
        };
    }
    let reply = {
        let mut shared = shared.lock().unwrap_or_else(|p| p.into_inner());
        shared.requests.push(Recorded {
            method: method.to_string(),
            path: uri.path().to_owned(),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        });
        shared.queues.get_mut(&route).and_then(VecDeque::pop_front)
    };
    let reply = reply.unwrap_or_else(|| default_reply(&route));
    let mut response = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    let guard = DropGuard(shared);
    let body = reply.into_stream().map(move |item| {
        let _ = &guard;
        item
    });
    response
        .body(Body::from_stream(body))
        .expect("valid response")
}

/// Notes when a body stream is dropped: the end of the reply or of the
/// connection.
struct DropGuard(Arc<Mutex<Shared>>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        let mut shared = self.0.lock().unwrap_or_else(|p| p.into_inner());
        shared.bodies_dropped.push(Instant::now());
    }
}

fn default_reply(route: &str) -> Reply {
    match route {
        "GET /v1/models" => Reply::models(&["test-model", "test-model-large"]),
        "POST /v1/chat/completions" => {
            Reply::chat_stream(&["Hello", " from", " the", " test", " server."])
        }
        "POST /v1/completions" => Reply::completion_stream(&[" and", " then", " it", " rained."]),
        _ => Reply::json(
            404,
            serde_json::json!({"error": {"message": format!("no route {route}")}}),
        ),
    }
}

fn json_response(status: u16, body: serde_json::Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("valid response")
}
