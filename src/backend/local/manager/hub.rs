//! The Hugging Face hub: where a file lives, and what its answers mean.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};
use url::Url;

use super::{EXTENSION, ManagerError, valid_id};
use crate::backend::openai::http_error::message_from_body;
use crate::backend::openai::is_loopback;
use crate::secrets::ApiKey;

/// Our own override of the hub address (tests, mirrors).
pub const ENDPOINT_ENV: &str = "SCRIPTORIUM_HF_ENDPOINT";
/// The variable the hub's own tools read, e.g. for a mirror.
pub const HF_ENDPOINT_ENV: &str = "HF_ENDPOINT";
/// An access token, for gated and private repositories.
pub const TOKEN_ENV: &str = "HF_TOKEN";
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// Where and how to download.
#[derive(Debug, Clone)]
pub struct HubOptions {
    pub endpoint: String,
    pub token: Option<ApiKey>,
    /// How often a lost connection is resumed before the download fails.
    pub retries: u32,
    /// The pause before the first resume; it doubles each time.
    pub retry_delay: Duration,
    /// How long the hub may send nothing before the connection counts as lost.
    pub idle_timeout: Duration,
}

impl Default for HubOptions {
    fn default() -> Self {
        HubOptions {
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            token: None,
            retries: 3,
            retry_delay: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

impl HubOptions {
    /// The endpoint from `SCRIPTORIUM_HF_ENDPOINT` or `HF_ENDPOINT`, the
    /// token from `HF_TOKEN`.
    pub fn from_env() -> HubOptions {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        HubOptions {
            endpoint: var(ENDPOINT_ENV)
                .or_else(|| var(HF_ENDPOINT_ENV))
                .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned()),
            token: var(TOKEN_ENV).and_then(ApiKey::new),
            ..HubOptions::default()
        }
    }

    pub(super) fn endpoint_url(&self) -> Result<Url, ManagerError> {
        let invalid = |reason: String| ManagerError::InvalidEndpoint {
            endpoint: self.endpoint.clone(),
            reason,
        };
        let url = Url::parse(self.endpoint.trim()).map_err(|e| invalid(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("it must start with http:// or https://".into()));
        }
        Ok(url)
    }

    pub(super) fn client(&self, endpoint: &Url) -> Result<reqwest::Client, ManagerError> {
        let mut client = reqwest::Client::builder()
            .user_agent(concat!("Scriptorium/", env!("CARGO_PKG_VERSION")))
            // Redirects are followed by hand: the hub's redirect carries the
            // file's hash and size, and the token must not follow it to the CDN.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(15))
            .read_timeout(self.idle_timeout);
        if is_loopback(endpoint) {
            client = client.no_proxy();
        }
        client.build().map_err(|e| ManagerError::InvalidEndpoint {
            endpoint: self.endpoint.clone(),
            reason: format!("the HTTP client cannot start ({e})"),
        })
    }
}

/// One file of one repository on the hub.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct HubFile {
    /// `owner/name`.
    pub repo: String,
    /// The path in the repository, e.g. `qwen2.5-1.5b-instruct-q4_k_m.gguf`.
    pub file: String,
    /// A branch, tag or commit.
    pub revision: String,
}

impl HubFile {
    /// The file at revision `main`.
    pub fn new(repo: impl Into<String>, file: impl Into<String>) -> HubFile {
        HubFile {
            repo: repo.into(),
            file: file.into(),
            revision: "main".to_owned(),
        }
    }

    pub fn at_revision(mut self, revision: impl Into<String>) -> HubFile {
        self.revision = revision.into();
        self
    }

    /// The name it gets in the models folder: the file's own name.
    pub(crate) fn local_name(&self) -> Result<String, ManagerError> {
        let name = self.file.rsplit('/').next().unwrap_or_default();
        let id = name.strip_suffix(&format!(".{EXTENSION}")).ok_or_else(|| {
            ManagerError::NotAGgufName {
                file: self.file.clone(),
            }
        })?;
        if !valid_id(id) {
            return Err(ManagerError::InvalidId { id: id.to_owned() });
        }
        Ok(name.to_owned())
    }

    /// `{endpoint}/{owner}/{name}/resolve/{revision}/{file}`, each part
    /// escaped (a revision such as `refs/pr/1` is one segment).
    pub(crate) fn url(&self, endpoint: &Url) -> Result<Url, ManagerError> {
        let (owner, name) = self
            .repo
            .split_once('/')
            .filter(|(owner, name)| is_repo_part(owner) && is_repo_part(name))
            .ok_or_else(|| ManagerError::InvalidRepo {
                repo: self.repo.clone(),
            })?;
        let mut url = endpoint.clone();
        url.path_segments_mut()
            .map_err(|()| ManagerError::InvalidEndpoint {
                endpoint: endpoint.to_string(),
                reason: "it cannot have a path".into(),
            })?
            .pop_if_empty()
            .extend([owner, name, "resolve", self.revision.as_str()])
            .extend(self.file.split('/'));
        Ok(url)
    }

    /// What a refusal by the hub means for this file.
    pub(super) fn refusal(
        &self,
        status: u16,
        headers: &HeaderMap,
        body: &str,
        has_token: bool,
    ) -> ManagerError {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (repo, revision) = (self.repo.clone(), self.revision.clone());
        match (status, header("x-error-code").as_deref()) {
            (_, Some("RepoNotFound")) => ManagerError::NoSuchRepo { repo, has_token },
            (_, Some("RevisionNotFound")) => ManagerError::NoSuchRevision { repo, revision },
            (404, _) | (_, Some("EntryNotFound")) => ManagerError::NoSuchFile {
                repo,
                file: self.file.clone(),
                revision,
            },
            (401 | 403, _) | (_, Some("GatedRepo")) => {
                ManagerError::AccessDenied { repo, has_token }
            }
            _ => ManagerError::Http {
                file: self.file.clone(),
                status,
                message: header("x-error-message").unwrap_or_else(|| message_from_body(body)),
            },
        }
    }
}

/// What the hub says about the file it redirects to: the SHA-256 of its
/// content (LFS files) and its size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Linked {
    pub sha256: Option<String>,
    pub size: Option<u64>,
}

impl Linked {
    /// Takes what `headers` say, keeping what an earlier hop said otherwise.
    pub fn update(&mut self, headers: &HeaderMap) {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if let Some(sha) = header("x-linked-etag").and_then(sha256_of_etag) {
            self.sha256 = Some(sha);
        } else if self.sha256.is_none() {
            // The resolve answer of an LFS file also has it as its ETag.
            self.sha256 = header("etag").and_then(sha256_of_etag);
        }
        if let Some(size) = header("x-linked-size").and_then(|v| v.trim().parse().ok()) {
            self.size = Some(size);
        }
    }
}

/// `"abc…"` or `W/"abc…"` to the hash, when it is a SHA-256 (a plain git
/// file's ETag is a SHA-1, which says nothing about the content we check).
fn sha256_of_etag(etag: &str) -> Option<String> {
    let bare = etag.trim().trim_start_matches("W/").trim_matches('"');
    (bare.len() == 64 && bare.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| bare.to_ascii_lowercase())
}

fn is_repo_part(part: &str) -> bool {
    !part.is_empty()
        && part != "."
        && part != ".."
        && part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Whether a request to `url` may carry the token meant for `endpoint`.
pub(super) fn same_origin(url: &Url, endpoint: &Url) -> bool {
    url.origin() == endpoint.origin()
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn urls_follow_the_hub_layout() {
        let endpoint = Url::parse("https://huggingface.co").unwrap();
        let file = HubFile::new(
            "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
            "qwen2.5-1.5b-instruct-q4_k_m.gguf",
        );
        assert_eq!(
            file.url(&endpoint).unwrap().as_str(),
            "https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/qwen2.5-1.5b-instruct-q4_k_m.gguf"
        );
        let nested = HubFile::new("o/n", "sub dir/m.gguf").at_revision("refs/pr/1");
        let mirror = Url::parse("http://127.0.0.1:9/hub/").unwrap();
        assert_eq!(
            nested.url(&mirror).unwrap().as_str(),
            "http://127.0.0.1:9/hub/o/n/resolve/refs%2Fpr%2F1/sub%20dir/m.gguf"
        );
        assert_eq!(nested.local_name().unwrap(), "m.gguf");
        for repo in ["no-slash", "a/b/c", "/n", "o/", "o/../x", "o/n?x"] {
            let error = HubFile::new(repo, "m.gguf").url(&endpoint).unwrap_err();
            assert_eq!(error.code(), "invalid_repo", "{repo}");
        }
        let readme = HubFile::new("o/n", "README.md").local_name().unwrap_err();
        assert_eq!(
            readme.to_string(),
            "\"README.md\" is not a GGUF model file name (it must end in .gguf)."
        );
    }

    #[test]
    fn refusals_are_told_apart() {
        let file = HubFile::new("o/n", "m.gguf");
        let with_code = |code: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("x-error-code", HeaderValue::from_str(code).unwrap());
            headers
        };
        let none = HeaderMap::new();
        let cases = [
            (
                404,
                none.clone(),
                "The repository o/n has no file m.gguf at revision main.",
            ),
            (
                404,
                with_code("RevisionNotFound"),
                "The repository o/n has no revision main.",
            ),
            (
                401,
                with_code("RepoNotFound"),
                "There is no repository o/n; if it is private, set HF_TOKEN to an access token that can read it.",
            ),
            (
                403,
                with_code("GatedRepo"),
                "o/n is gated or private: accept the model's terms on its hub page, then set HF_TOKEN to an access token.",
            ),
            (
                401,
                none.clone(),
                "o/n is gated or private: accept the model's terms on its hub page, then set HF_TOKEN to an access token.",
            ),
            (500, none, "The hub answered 500 for m.gguf: boom."),
        ];
        for (status, headers, expected) in cases {
            let error = file.refusal(status, &headers, r#"{"error":"boom"}"#, false);
            assert_eq!(error.to_string(), expected, "{status}");
        }
    }

    #[test]
    fn linked_hash_and_size_come_from_the_redirect() {
        let sha = "A".repeat(64);
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-linked-etag",
            HeaderValue::from_str(&format!("\"{sha}\"")).unwrap(),
        );
        headers.insert("x-linked-size", HeaderValue::from_static("1234"));
        headers.insert("etag", HeaderValue::from_static("W/\"not-a-sha256\""));
        let mut linked = Linked::default();
        linked.update(&headers);
        assert_eq!(linked.sha256, Some("a".repeat(64)));
        assert_eq!(linked.size, Some(1234));
        // The CDN's own answer keeps what the hub said.
        let mut cdn = HeaderMap::new();
        cdn.insert(
            "etag",
            HeaderValue::from_static("\"d41d8cd98f00b204e9800998ecf8427e\""),
        );
        linked.update(&cdn);
        assert_eq!(linked.sha256, Some("a".repeat(64)));
        assert_eq!(sha256_of_etag("\"1234\""), None);
    }
}
