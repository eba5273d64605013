//! Which links from model output may be opened: http and https only, with
//! a host, and nothing that could carry credentials.

use url::Url;

use crate::{Error, Result};

/// Parses `text` and accepts it only as a plain web link.
pub fn checked_web_link(text: &str) -> Result<Url> {
    let refuse = || Error::LinkRefused {
        url: text.chars().take(200).collect(),
    };
    let url = Url::parse(text.trim()).map_err(|_| refuse())?;
    let web = matches!(url.scheme(), "http" | "https");
    if !web
        || url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(refuse());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_pass() {
        for good in [
            "https://example.com/a?b=c#d",
            "http://localhost:8080/",
            " https://例子.cn/ ",
        ] {
            assert!(checked_web_link(good).is_ok(), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "vbscript:msgbox",
            "tauri://localhost/",
            "ipc://localhost/x",
            "mailto:a@b.c",
            "//example.com",
            "/relative",
            "https://user:pass@example.com/",
            "",
        ] {
            assert!(checked_web_link(bad).is_err(), "{bad}");
        }
    }
}
