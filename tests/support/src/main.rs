//! Runs the test server until killed, for end-to-end tests of the app:
//! prints its base URL (ending in `/v1`) on the first line of stdout.

// Printing the address is this binary's whole interface.
#![allow(clippy::print_stdout)]

use scriptorium_test_server::TestServer;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let server = TestServer::start().await;
    println!("{}", server.base_url());
    // Serve until the test that started us ends us.
    std::future::pending::<()>().await;
}
