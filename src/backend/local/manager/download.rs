//! Downloading a model from the hub: streamed to `<file>.part`, resumed with
//! a range request after a lost connection or a cancel, checked against the
//! hub's SHA-256 and as a model, then renamed into place.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, LOCATION, RANGE};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufWriter};
use tokio_util::sync::CancellationToken;
use url::Url;

use super::hub::{Linked, same_origin};
use super::{HubFile, HubOptions, ManagerError, human_bytes};
use crate::backend::local::gguf;
use crate::backend::openai::root_cause;

/// How far a download has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct DownloadProgress {
    /// Bytes on disk, including those of an earlier, resumed attempt.
    pub downloaded: u64,
    /// The file's size, once the hub has said it.
    pub total: Option<u64>,
}

/// Progress is reported at most this often (and once at the end).
const REPORT_EVERY: Duration = Duration::from_millis(100);
const MAX_REDIRECTS: usize = 10;
const WRITE_BUFFER: usize = 1 << 20;

/// Downloads `file` into `dir`; returns the new model's id.
pub(super) async fn download(
    dir: &Path,
    hub: &HubOptions,
    file: &HubFile,
    progress: &(dyn Fn(DownloadProgress) + Send + Sync),
    cancel: &CancellationToken,
) -> Result<String, ManagerError> {
    let name = file.local_name()?;
    let id = super::id_of_file(Path::new(&name)).unwrap_or_default();
    let endpoint = hub.endpoint_url()?;
    let url = file.url(&endpoint)?;
    let dest = dir.join(&name);
    if dest.symlink_metadata().is_ok() {
        return Err(ManagerError::Exists { id });
    }
    std::fs::create_dir_all(dir).map_err(ManagerError::io("create the folder", dir))?;
    let part_path = dir.join(format!("{name}.part"));
    let part = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&part_path)
        .map_err(ManagerError::io("create", &part_path))?;
    // Two downloads of one file would interleave their bytes.
    if part.try_lock().is_err() {
        return Err(ManagerError::InProgress { file: name });
    }
    let written = part
        .metadata()
        .map_err(ManagerError::io("read", &part_path))?
        .len();
    let mut job = Job {
        client: hub.client(&endpoint)?,
        hub,
        file,
        name,
        endpoint,
        url,
        dir,
        part_path,
        writer: BufWriter::with_capacity(WRITE_BUFFER, tokio::fs::File::from_std(part)),
        written,
        // The bytes of an earlier attempt are hashed once the hub agrees to
        // resume after them.
        hasher: (written == 0).then(Sha256::new),
        total: None,
        linked: Linked::default(),
        progress,
        reported: None,
    };
    if written > 0 {
        tracing::info!(bytes = written, "resuming a partial download");
    }
    if let Err(error) = job.run(cancel).await {
        job.keep_for_later().await;
        return Err(error);
    }
    job.finish(&dest).await?;
    tracing::info!(id, "model downloaded");
    Ok(id)
}

struct Job<'a> {
    client: reqwest::Client,
    hub: &'a HubOptions,
    file: &'a HubFile,
    /// The local file name.
    name: String,
    endpoint: Url,
    url: Url,
    dir: &'a Path,
    part_path: PathBuf,
    writer: BufWriter<tokio::fs::File>,
    /// Bytes in the part file, buffered ones included.
    written: u64,
    /// The hash of the first `written` bytes; `None` until they are hashed.
    hasher: Option<Sha256>,
    total: Option<u64>,
    linked: Linked,
    progress: &'a (dyn Fn(DownloadProgress) + Send + Sync),
    reported: Option<Instant>,
}

impl Job<'_> {
    /// Attempts until the body is complete, resuming lost connections.
    async fn run(&mut self, cancel: &CancellationToken) -> Result<(), ManagerError> {
        let mut retries_left = self.hub.retries;
        let mut delay = self.hub.retry_delay;
        loop {
            let before = self.written;
            let error = match self.attempt(cancel).await {
                Ok(()) => return Ok(()),
                Err(error) => error,
            };
            if !matches!(
                error,
                ManagerError::ConnectionLost { .. } | ManagerError::Connect { .. }
            ) {
                return Err(error);
            }
            if self.written > before {
                // Progress was made: the connection is flaky, not gone.
                retries_left = self.hub.retries;
                delay = self.hub.retry_delay;
            }
            if retries_left == 0 {
                return Err(error);
            }
            retries_left -= 1;
            tracing::warn!(%error, ?delay, "download interrupted; resuming");
            tokio::select! {
                () = cancel.cancelled() => return Err(self.cancelled()),
                () = tokio::time::sleep(delay) => {}
            }
            delay = delay.saturating_mul(2);
        }
    }

    async fn attempt(&mut self, cancel: &CancellationToken) -> Result<(), ManagerError> {
        let Some(mut response) = self.respond(cancel).await? else {
            return Ok(());
        };
        self.report(true);
        loop {
            let chunk = tokio::select! {
                biased;
                () = cancel.cancelled() => return Err(self.cancelled()),
                chunk = response.chunk() => chunk,
            };
            match chunk {
                Ok(Some(bytes)) => self.append(&bytes).await?,
                Ok(None) => break,
                Err(error) => return Err(self.lost(&error)),
            }
        }
        self.flush().await
    }

    /// Follows the hub's redirects to a response whose body continues the
    /// part file; `None` when the part file already holds the whole file.
    async fn respond(
        &mut self,
        cancel: &CancellationToken,
    ) -> Result<Option<reqwest::Response>, ManagerError> {
        let mut url = self.url.clone();
        for _ in 0..MAX_REDIRECTS {
            let mut request = self.client.get(url.clone());
            if self.written > 0 {
                request = request.header(RANGE, format!("bytes={}-", self.written));
            }
            if let Some(token) = self
                .hub
                .token
                .as_ref()
                .filter(|_| same_origin(&url, &self.endpoint))
            {
                request = request.bearer_auth(token.expose());
            }
            let response = tokio::select! {
                () = cancel.cancelled() => return Err(self.cancelled()),
                response = request.send() => response.map_err(|e| self.failed(&e))?,
            };
            self.linked.update(response.headers());
            let status = response.status();
            if status.is_redirection() {
                url = redirect_target(&url, &response).ok_or_else(|| ManagerError::Http {
                    file: self.file.file.clone(),
                    status: status.as_u16(),
                    message: "a redirect without a valid Location.".into(),
                })?;
                continue;
            }
            match status {
                StatusCode::OK => {
                    if self.written > 0 {
                        tracing::info!("the server does not resume; starting over");
                        self.restart().await?;
                    }
                    self.total = response.content_length().or(self.linked.size);
                    return Ok(Some(response));
                }
                StatusCode::PARTIAL_CONTENT => {
                    // Without a readable Content-Range the body cannot be placed.
                    let (start, total) = content_range(&response).unwrap_or((u64::MAX, None));
                    if start != self.written {
                        tracing::warn!(
                            start,
                            written = self.written,
                            "unexpected range; starting over"
                        );
                        self.restart().await?;
                        continue;
                    }
                    self.total = total
                        .or(response.content_length().map(|len| start + len))
                        .or(self.linked.size);
                    self.hash_earlier_bytes().await?;
                    return Ok(Some(response));
                }
                StatusCode::RANGE_NOT_SATISFIABLE if Some(self.written) == self.linked.size => {
                    // Complete already: a cancel came after the last byte.
                    self.total = self.linked.size;
                    self.hash_earlier_bytes().await?;
                    return Ok(None);
                }
                StatusCode::RANGE_NOT_SATISFIABLE => {
                    self.restart().await?;
                    continue;
                }
                _ => {
                    let headers = response.headers().clone();
                    let body = response.text().await.unwrap_or_default();
                    let has_token = self.hub.token.is_some();
                    return Err(self
                        .file
                        .refusal(status.as_u16(), &headers, &body, has_token));
                }
            }
        }
        Err(ManagerError::Http {
            file: self.file.file.clone(),
            status: 310,
            message: format!("more than {MAX_REDIRECTS} redirects."),
        })
    }

    async fn append(&mut self, bytes: &[u8]) -> Result<(), ManagerError> {
        self.writer
            .write_all(bytes)
            .await
            .map_err(|e| self.write_error(e))?;
        if let Some(hasher) = &mut self.hasher {
            hasher.update(bytes);
        }
        self.written += bytes.len() as u64;
        self.report(false);
        Ok(())
    }

    /// Checks the complete file and moves it into place; a file that fails
    /// a check is deleted, since resuming it cannot mend it.
    async fn finish(mut self, dest: &Path) -> Result<(), ManagerError> {
        self.report(true);
        self.writer
            .get_ref()
            .sync_all()
            .await
            .map_err(|e| self.write_error(e))?;
        let sha256 = self.hasher.take().map(|h| hex(&h.finalize()));
        let problem = self.mismatch(sha256);
        // Unlocks the part file before it is checked, moved or deleted.
        drop(self.writer);
        if let Some(reason) = problem {
            let _ = std::fs::remove_file(&self.part_path);
            return Err(ManagerError::Damaged {
                file: self.name,
                reason,
            });
        }
        let (part_path, shown) = (self.part_path.clone(), dest.to_owned());
        // The sentence names the file by its final name, not the .part.
        let checked = super::blocking(move || {
            gguf::read_as(&part_path, &shown, &|_| false).map_err(ManagerError::from)
        })
        .await;
        if let Err(error) = checked {
            let _ = std::fs::remove_file(&self.part_path);
            return Err(error);
        }
        if dest.symlink_metadata().is_ok() {
            return Err(ManagerError::Exists {
                id: super::id_of_file(dest).unwrap_or_default(),
            });
        }
        std::fs::rename(&self.part_path, dest).map_err(ManagerError::io("move into place", dest))
    }

    /// How the complete file differs from what the hub announced, if it does.
    fn mismatch(&self, sha256: Option<String>) -> Option<String> {
        if let Some(size) = self.linked.size.filter(|&size| size != self.written) {
            return Some(format!(
                "it has {} bytes, the hub says {size}",
                self.written
            ));
        }
        match (&self.linked.sha256, sha256) {
            (Some(expected), Some(actual)) if *expected != actual => {
                Some(format!("its SHA-256 is {actual}, the hub says {expected}"))
            }
            (None, _) => {
                tracing::warn!("the hub gave no SHA-256; the download is checked as a model only");
                None
            }
            _ => None,
        }
    }

    /// After a failed or cancelled download: what arrived stays on disk for
    /// the next call to resume from; an empty part file goes.
    async fn keep_for_later(mut self) {
        if let Err(error) = self.flush().await {
            tracing::warn!(%error, "the partial download could not be kept whole");
        }
        if self.written == 0 {
            drop(self.writer);
            let _ = std::fs::remove_file(&self.part_path);
        }
    }

    /// Hashes the bytes an earlier attempt left, through the locked handle.
    async fn hash_earlier_bytes(&mut self) -> Result<(), ManagerError> {
        if self.hasher.is_some() {
            return Ok(());
        }
        self.flush().await?;
        let read_error = ManagerError::io("read", &self.part_path);
        let mut left = self.written;
        let file = self.writer.get_mut();
        let mut hasher = Sha256::new();
        let mut buf = vec![0; 1 << 16];
        let hashed: std::io::Result<()> = async {
            file.seek(std::io::SeekFrom::Start(0)).await?;
            while left > 0 {
                let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                let read = file.read(&mut buf[..want]).await?;
                if read == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                hasher.update(&buf[..read]);
                left -= read as u64;
            }
            file.seek(std::io::SeekFrom::End(0)).await.map(|_| ())
        }
        .await;
        hashed.map_err(read_error)?;
        self.hasher = Some(hasher);
        Ok(())
    }

    /// Empties the part file: the server sends the whole file again.
    async fn restart(&mut self) -> Result<(), ManagerError> {
        self.flush().await?;
        let file = self.writer.get_mut();
        let emptied = async {
            file.set_len(0).await?;
            file.seek(std::io::SeekFrom::Start(0)).await.map(|_| ())
        }
        .await;
        emptied.map_err(|e| self.write_error(e))?;
        self.written = 0;
        self.hasher = Some(Sha256::new());
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), ManagerError> {
        self.writer.flush().await.map_err(|e| self.write_error(e))
    }

    fn report(&mut self, always: bool) {
        let now = Instant::now();
        if always || self.reported.is_none_or(|at| now - at >= REPORT_EVERY) {
            self.reported = Some(now);
            (self.progress)(DownloadProgress {
                downloaded: self.written,
                total: self.total,
            });
        }
    }

    fn cancelled(&self) -> ManagerError {
        tracing::info!(bytes = self.written, "download cancelled");
        ManagerError::Cancelled {
            part: self.part_path.clone(),
            downloaded: self.written,
        }
    }

    fn lost(&self, error: &reqwest::Error) -> ManagerError {
        let reason = if error.is_timeout() {
            format!(
                "the hub sent nothing for {} s",
                self.hub.idle_timeout.as_secs_f32()
            )
        } else {
            root_cause(error)
        };
        ManagerError::ConnectionLost {
            file: self.name.clone(),
            downloaded: self.written,
            total: self.total,
            reason,
        }
    }

    /// A request that got no answer.
    fn failed(&self, error: &reqwest::Error) -> ManagerError {
        if !error.is_connect() {
            return self.lost(error);
        }
        ManagerError::Connect {
            endpoint: self.endpoint.as_str().trim_end_matches('/').to_owned(),
            reason: root_cause(error),
        }
    }

    fn write_error(&self, error: std::io::Error) -> ManagerError {
        if error.kind() == std::io::ErrorKind::StorageFull {
            return ManagerError::DiskFull {
                dir: self.dir.to_owned(),
                kept: format!(
                    "; the {} downloaded so far are kept, free some space and download again to resume",
                    human_bytes(self.written)
                ),
            };
        }
        ManagerError::io("write", &self.part_path)(error)
    }
}

fn redirect_target(from: &Url, response: &reqwest::Response) -> Option<Url> {
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    from.join(location).ok()
}

/// `bytes START-END/TOTAL` (TOTAL may be `*`).
fn content_range(response: &reqwest::Response) -> Option<(u64, Option<u64>)> {
    let value = response.headers().get(CONTENT_RANGE)?.to_str().ok()?;
    let (range, total) = value.strip_prefix("bytes ")?.split_once('/')?;
    let start = range.split_once('-')?.0.trim().parse().ok()?;
    Some((start, total.trim().parse().ok()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
