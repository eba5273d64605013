//! Bringing a model file from elsewhere into the models folder.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::{EXTENSION, ImportMode, LocalModel, ManagerError, valid_id};
use crate::backend::local::summary::ModelSummary;

pub(super) fn import(
    dir: &Path,
    source: &Path,
    mode: ImportMode,
) -> Result<LocalModel, ManagerError> {
    let id = id_for(source)?;
    // Refused files never reach the folder.
    let summary = ModelSummary::read(source)?;
    let dest = dir.join(format!("{id}.{EXTENSION}"));
    if dest.symlink_metadata().is_ok() {
        return Err(ManagerError::Exists { id });
    }
    std::fs::create_dir_all(dir).map_err(ManagerError::io("create the folder", dir))?;
    let linked_to = match mode {
        ImportMode::Copy => {
            copy(source, dir, &dest)?;
            None
        }
        ImportMode::Link => link(source, &dest)?,
    };
    tracing::info!(id, ?mode, "model imported");
    Ok(LocalModel {
        id,
        path: dest.display().to_string(),
        linked_to: linked_to.map(|target| target.display().to_string()),
        summary: Some(summary),
        problem: None,
    })
}

/// `name.gguf` becomes `name`; a file with another extension keeps its
/// whole name (it is stored as `name.bin.gguf`).
fn id_for(source: &Path) -> Result<String, ManagerError> {
    let name = source
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id = match source.extension() {
        Some(ext) if ext.eq_ignore_ascii_case(EXTENSION) => {
            name[..name.len() - EXTENSION.len() - 1].to_owned()
        }
        _ => name,
    };
    if !valid_id(&id) {
        return Err(ManagerError::InvalidId { id });
    }
    Ok(id)
}

/// Copies through a hidden temporary file that is renamed into place once
/// complete and on disk.
fn copy(source: &Path, dir: &Path, dest: &Path) -> Result<(), ManagerError> {
    let temp = TempFile(dir.join(format!(
        ".{}.{}-{}.import",
        dest.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id(),
        fastrand::u32(..)
    )));
    std::fs::copy(source, &temp.0).map_err(|e| {
        if e.kind() == std::io::ErrorKind::StorageFull {
            ManagerError::DiskFull {
                dir: dir.to_owned(),
                kept: String::new(),
            }
        } else {
            ManagerError::io("copy", source)(e)
        }
    })?;
    File::open(&temp.0)
        .and_then(|file| file.sync_all())
        .map_err(ManagerError::io("write", &temp.0))?;
    // Another import of the same name may have finished meanwhile.
    if dest.symlink_metadata().is_ok() {
        return Err(ManagerError::Exists {
            id: super::id_of_file(dest).unwrap_or_default(),
        });
    }
    // Once renamed, the temporary file's drop finds nothing to delete.
    std::fs::rename(&temp.0, dest).map_err(ManagerError::io("move into place", dest))
}

/// A hard link where the file system allows one, else a symbolic link to
/// the absolute path. Returns the symbolic link's target.
fn link(source: &Path, dest: &Path) -> Result<Option<PathBuf>, ManagerError> {
    let target = source
        .canonicalize()
        .map_err(ManagerError::io("find", source))?;
    match std::fs::hard_link(&target, dest) {
        Ok(()) => return Ok(None),
        // Another disk, or a file system without hard links.
        Err(error) => tracing::debug!(%error, "no hard link; linking symbolically"),
    }
    symlink(&target, dest).map_err(ManagerError::io("link to", source))?;
    Ok(Some(target))
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_file(target, link)
}

/// Deleted on drop, so no error path leaves a partial copy behind.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::local::gguf::testing::tiny_model;

    fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("models");
        let source = tmp.path().join("Tiny-Q8_0.GGUF");
        std::fs::write(&source, tiny_model()).unwrap();
        (tmp, dir, source)
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    #[test]
    fn copies_under_its_file_name() {
        let (_tmp, dir, source) = setup();
        let model = import(&dir, &source, ImportMode::Copy).unwrap();
        assert_eq!(model.id, "Tiny-Q8_0");
        assert_eq!(model.linked_to, None);
        assert_eq!(files_in(&dir), ["Tiny-Q8_0.gguf"]);
        assert_eq!(
            std::fs::read(dir.join("Tiny-Q8_0.gguf")).unwrap(),
            tiny_model()
        );
        std::fs::remove_file(&source).unwrap();
        assert!(dir.join("Tiny-Q8_0.gguf").is_file());

        let twice = import(&dir, &dir.join("Tiny-Q8_0.gguf"), ImportMode::Copy).unwrap_err();
        assert_eq!(twice.code(), "model_exists");
        assert_eq!(files_in(&dir), ["Tiny-Q8_0.gguf"]);
    }

    #[test]
    fn links_without_copying() {
        let (_tmp, dir, source) = setup();
        let model = import(&dir, &source, ImportMode::Link).unwrap();
        let linked = dir.join("Tiny-Q8_0.gguf");
        // Same disk: a hard link, so the model survives the original's removal.
        assert_eq!(model.linked_to, None);
        std::fs::remove_file(&source).unwrap();
        assert_eq!(std::fs::read(&linked).unwrap(), tiny_model());
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_point_at_the_absolute_path() {
        let (_tmp, dir, source) = setup();
        std::fs::create_dir_all(&dir).unwrap();
        let dest = dir.join("x.gguf");
        symlink(&source.canonicalize().unwrap(), &dest).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), tiny_model());
        let listed = super::super::describe(&dir, "x".into());
        assert_eq!(
            listed.linked_to,
            Some(source.canonicalize().unwrap().display().to_string())
        );
    }

    #[test]
    fn bad_files_leave_nothing_behind() {
        let (tmp, dir, _source) = setup();
        let text = tmp.path().join("notes.gguf");
        std::fs::write(&text, "hello").unwrap();
        for mode in [ImportMode::Copy, ImportMode::Link] {
            let error = import(&dir, &text, mode).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "{} is not a GGUF model file (it starts with \"hello\").",
                    text.display()
                )
            );
        }
        assert!(files_in(&dir).is_empty());
        let hidden = tmp.path().join(".secret.gguf");
        std::fs::write(&hidden, tiny_model()).unwrap();
        assert_eq!(
            import(&dir, &hidden, ImportMode::Copy).unwrap_err().code(),
            "invalid_model_id"
        );
    }
}
