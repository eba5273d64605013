//! Runs the test server until killed, for end-to-end tests of the app:
//! prints its base URL (ending in `/v1`) on the first line of stdout.
//!
//! `--script FILE` queues the replies described in FILE (see `script.rs`);
//! more can be queued at any time with `POST /control/replies`.
//!
//! `--hub ROOT` serves a fake Hugging Face hub over the files under ROOT
//! instead (see `hub.rs`) and prints its address; with `--slow-first` the
//! first download trickles, so a test can watch its progress and stop it.

// Printing the address is this binary's whole interface.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Duration;

use scriptorium_test_server::{FakeHub, HubFault, TestServer, replies_from};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|arg| arg == "--hub") {
        let root = args.get(at + 1).cloned().unwrap_or_default();
        let hub = FakeHub::start(root).await;
        if args.iter().any(|arg| arg == "--slow-first") {
            hub.fault(HubFault::Slow {
                chunk: 2048,
                delay: Duration::from_millis(50),
            });
        }
        println!("{}", hub.url());
        std::future::pending::<()>().await;
    }
    let server = TestServer::start().await;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg != "--script" {
            eprintln!(
                "unknown argument {arg:?}; usage: scriptorium-test-server [--script FILE] | --hub ROOT [--slow-first]"
            );
            std::process::exit(2);
        }
        let path = args.next().unwrap_or_default();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
            eprintln!("cannot read {path}: {error}");
            std::process::exit(2)
        });
        match replies_from(&text) {
            Ok(replies) => {
                for (route, reply) in replies {
                    server.push(&route, reply);
                }
            }
            Err(error) => {
                eprintln!("{path}: {error}");
                std::process::exit(2)
            }
        }
    }
    println!("{}", server.base_url());
    // Serve until the test that started us ends us.
    std::future::pending::<()>().await;
}
