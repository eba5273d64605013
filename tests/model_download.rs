//! Model downloads against our fake hub: one test per way a download goes
//! wrong, each asserting what the person is told, what the hub was asked
//! and what the models folder holds afterwards.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use candle_core::quantized::{GgmlDType, QTensor, gguf_file};
use candle_core::{Device, Tensor};
use scriptorium::backend::local::{
    DownloadProgress, HubFile, HubOptions, LocalModel, ManagerError, ModelManager,
};
use scriptorium_test_server::{FakeHub, HubFault, HubRequest};
use tokio_util::sync::CancellationToken;

const REPO: &str = "test-org/Tiny-GGUF";
const FILE: &str = "tiny-f32.gguf";

/// A valid model of about 256 KB, so a download takes many chunks.
fn model_bytes() -> Vec<u8> {
    let values: Vec<f32> = (0..65_536).map(|i| i as f32).collect();
    let tensor = Tensor::from_vec(values, (256, 256), &Device::Cpu).unwrap();
    let weight = QTensor::quantize(&tensor, GgmlDType::F32).unwrap();
    let arch = gguf_file::Value::String("llama".into());
    let mut out = std::io::Cursor::new(Vec::new());
    gguf_file::write(
        &mut out,
        &[("general.architecture", &arch)],
        &[("output.weight", &weight)],
    )
    .unwrap();
    out.into_inner()
}

struct Setup {
    _tmp: tempfile::TempDir,
    hub: FakeHub,
    models: ModelManager,
    options: HubOptions,
    bytes: Vec<u8>,
}

async fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let hub = FakeHub::start(tmp.path().join("hub")).await;
    let bytes = model_bytes();
    hub.put(REPO, FILE, &bytes);
    let models = ModelManager::new(tmp.path().join("models"));
    let options = HubOptions {
        endpoint: hub.url(),
        retries: 0,
        retry_delay: Duration::from_millis(10),
        idle_timeout: Duration::from_secs(5),
        ..HubOptions::default()
    };
    Setup {
        _tmp: tmp,
        hub,
        models,
        options,
        bytes,
    }
}

impl Setup {
    async fn download(&self, file: &HubFile) -> Result<LocalModel, ManagerError> {
        self.models
            .download(&self.options, file, &|_| {}, &CancellationToken::new())
            .await
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.models.dir())
            .map(|entries| {
                entries
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    fn part(&self) -> std::path::PathBuf {
        self.models.dir().join(format!("{FILE}.part"))
    }

    fn cdn_requests(&self) -> Vec<HubRequest> {
        self.hub
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with("/cdn/"))
            .collect()
    }

    fn assert_installed(&self, model: &LocalModel) {
        assert_eq!(model.id, "tiny-f32");
        assert_eq!(model.problem, None);
        let summary = model.summary.as_ref().unwrap();
        assert_eq!(summary.parameters, 65_536);
        assert_eq!(
            std::fs::read(self.models.dir().join(FILE)).unwrap(),
            self.bytes
        );
        assert_eq!(self.files(), [FILE]);
    }
}

fn file() -> HubFile {
    HubFile::new(REPO, FILE)
}

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

#[tokio::test]
async fn downloads_checks_and_reports_progress() {
    let setup = setup().await;
    let seen = Mutex::new(Vec::<DownloadProgress>::new());
    let model = setup
        .models
        .download(
            &setup.options,
            &file(),
            &|p| seen.lock().unwrap().push(p),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    setup.assert_installed(&model);

    let seen = seen.into_inner().unwrap();
    let total = setup.bytes.len() as u64;
    assert_eq!(
        seen.last(),
        Some(&DownloadProgress {
            downloaded: total,
            total: Some(total)
        })
    );
    assert!(seen.windows(2).all(|w| w[0].downloaded <= w[1].downloaded));

    let requests = setup.hub.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[0].path, format!("/{REPO}/resolve/main/{FILE}"));
    assert_eq!(requests[0].status, 302);
    assert_eq!(requests[1].path, format!("/cdn/{REPO}/{FILE}"));
    assert_eq!(
        (requests[1].status, requests[1].range.as_deref()),
        (200, None)
    );

    let again = setup.download(&file()).await.unwrap_err();
    assert_eq!(
        again.to_string(),
        "A model named \"tiny-f32\" is already installed; delete it first to replace it."
    );
}

#[tokio::test]
async fn an_interrupted_download_resumes_from_the_part_file() {
    let setup = setup().await;
    setup.hub.fault(HubFault::DropAfter(100_000));
    let lost = setup.download(&file()).await.unwrap_err();
    assert_eq!(lost.code(), "connection_lost", "{lost}");
    assert!(
        lost.to_string().ends_with("download again to resume."),
        "{lost}"
    );
    let kept = size_of(&setup.part());
    assert!(kept > 0 && kept <= 100_000, "{kept}");
    assert_eq!(setup.files(), [format!("{FILE}.part")]);

    let model = setup.download(&file()).await.unwrap();
    setup.assert_installed(&model);
    let resumed = setup.cdn_requests().pop().unwrap();
    assert_eq!(resumed.range, Some(format!("bytes={kept}-")));
    assert_eq!(resumed.status, 206);
}

#[tokio::test]
async fn a_lost_connection_is_resumed_within_the_call() {
    let mut setup = setup().await;
    setup.options.retries = 2;
    setup.hub.fault(HubFault::DropAfter(50_000));
    let model = setup.download(&file()).await.unwrap();
    setup.assert_installed(&model);
    let cdn = setup.cdn_requests();
    assert_eq!(cdn.len(), 2, "{cdn:?}");
    assert_eq!(cdn[0].range, None);
    assert!(cdn[1].range.as_deref().unwrap().starts_with("bytes="));
    assert_eq!(cdn[1].status, 206);
}

#[tokio::test]
async fn a_server_that_ignores_the_range_starts_over_cleanly() {
    let setup = setup().await;
    setup.hub.fault(HubFault::DropAfter(70_000));
    setup.download(&file()).await.unwrap_err();
    assert!(size_of(&setup.part()) > 0);

    setup.hub.fault(HubFault::IgnoreRange);
    let model = setup.download(&file()).await.unwrap();
    setup.assert_installed(&model);
    let last = setup.cdn_requests().pop().unwrap();
    assert!(last.range.is_some());
    assert_eq!(last.status, 200);
}

#[tokio::test]
async fn a_wrong_hash_leaves_no_model() {
    let setup = setup().await;
    setup.hub.fault(HubFault::WrongHash);
    let error = setup.download(&file()).await.unwrap_err();
    assert_eq!(error.code(), "download_damaged");
    let message = error.to_string();
    assert!(
        message.starts_with("The download of tiny-f32.gguf is damaged (its SHA-256 is "),
        "{message}"
    );
    assert!(
        message.ends_with("; it was deleted, download it again."),
        "{message}"
    );
    assert!(setup.files().is_empty(), "{:?}", setup.files());
}

#[tokio::test]
async fn cancelling_keeps_the_part_file_for_a_later_call() {
    let setup = setup().await;
    setup.hub.fault(HubFault::Slow {
        chunk: 16 * 1024,
        delay: Duration::from_millis(20),
    });
    let cancel = CancellationToken::new();
    let stop_midway = |p: DownloadProgress| {
        if p.downloaded >= 64 * 1024 {
            cancel.cancel();
        }
    };
    let error = setup
        .models
        .download(&setup.options, &file(), &stop_midway, &cancel)
        .await
        .unwrap_err();
    let ManagerError::Cancelled { part, downloaded } = &error else {
        panic!("{error}");
    };
    assert_eq!(part, &setup.part());
    assert_eq!(size_of(part), *downloaded);
    assert!(*downloaded >= 64 * 1024 && *downloaded < setup.bytes.len() as u64);
    assert!(error.to_string().contains("are kept in "));

    let model = setup.download(&file()).await.unwrap();
    setup.assert_installed(&model);
    let resumed = setup.cdn_requests().pop().unwrap();
    assert_eq!(resumed.range, Some(format!("bytes={downloaded}-")));
}

#[tokio::test]
async fn one_file_downloads_once_at_a_time() {
    let setup = setup().await;
    setup.hub.fault(HubFault::Slow {
        chunk: 8 * 1024,
        delay: Duration::from_millis(20),
    });
    let cancel = CancellationToken::new();
    let started = tokio::sync::Notify::new();
    let target = file();
    let report = |p: DownloadProgress| {
        if p.downloaded > 0 {
            started.notify_one();
        }
    };
    let first = setup
        .models
        .download(&setup.options, &target, &report, &cancel);
    let second = async {
        started.notified().await;
        let error = setup.download(&file()).await.unwrap_err();
        cancel.cancel();
        error
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(
        second.to_string(),
        "tiny-f32.gguf is already being downloaded."
    );
    assert_eq!(first.unwrap_err().code(), "cancelled");
}

#[tokio::test]
async fn missing_files_and_gated_repositories_are_told_apart() {
    let setup = setup().await;
    let missing = setup
        .download(&HubFile::new(REPO, "other.gguf"))
        .await
        .unwrap_err();
    assert_eq!(
        missing.to_string(),
        "The repository test-org/Tiny-GGUF has no file other.gguf at revision main."
    );
    let no_repo = setup
        .download(&HubFile::new("test-org/nothing", FILE))
        .await
        .unwrap_err();
    assert_eq!(
        no_repo.to_string(),
        "There is no repository test-org/nothing; if it is private, set HF_TOKEN to an access token that can read it."
    );

    setup.hub.fault(HubFault::NotFound);
    let not_found = setup.download(&file()).await.unwrap_err();
    assert_eq!(not_found.code(), "hub_not_found");

    setup.hub.fault(HubFault::Unauthorized);
    let gated = setup.download(&file()).await.unwrap_err();
    assert_eq!(
        gated.to_string(),
        "test-org/Tiny-GGUF is gated or private: accept the model's terms on its hub page, then set HF_TOKEN to an access token."
    );
    assert!(setup.files().is_empty(), "{:?}", setup.files());
}

#[tokio::test]
async fn the_token_goes_to_the_hub() {
    let mut setup = setup().await;
    setup.options.token = scriptorium::secrets::ApiKey::new("hf_test_token");
    setup.hub.fault(HubFault::Unauthorized);
    let denied = setup.download(&file()).await.unwrap_err();
    assert!(
        denied
            .to_string()
            .starts_with("The token in HF_TOKEN cannot download from test-org/Tiny-GGUF"),
        "{denied}"
    );
    let resolve = &setup.hub.requests()[0];
    assert_eq!(
        resolve.authorization.as_deref(),
        Some("Bearer hf_test_token")
    );
    assert!(!format!("{:?}", setup.options).contains("hf_test_token"));
}

#[tokio::test]
async fn a_file_that_is_not_a_model_is_refused_and_deleted() {
    let setup = setup().await;
    setup
        .hub
        .put(REPO, "notes.gguf", b"<!DOCTYPE html> not a model");
    let error = setup
        .download(&HubFile::new(REPO, "notes.gguf"))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{} is not a GGUF model file (it starts with \"<!DOCTYP\").",
            setup.models.dir().join("notes.gguf").display()
        )
    );
    assert!(setup.files().is_empty(), "{:?}", setup.files());
}
