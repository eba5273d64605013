//! The template library as the front ends and the other features see it:
//! the built-ins merged with the person's own templates and edits.

use serde::Serialize;

use super::builtin;
use super::error::{Problem, TemplateError};
use super::model::{PromptFormat, Template, TemplateKey, TemplateKind, Values};
use super::render::Rendering;
use super::rows::{self, Row};
use crate::store::Store;

/// The language used when a template does not exist in the one asked for.
pub const FALLBACK_LANGUAGE: &str = "en";

/// Where a template comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Origin {
    /// Shipped with the app, unchanged.
    BuiltIn,
    /// Shipped with the app and edited by the person; can be reset.
    Modified,
    /// Written, copied or imported by the person.
    Custom,
}

/// A template as a list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TemplateSummary {
    pub id: String,
    pub language: String,
    pub name: String,
    pub kind: TemplateKind,
    pub description: String,
    pub format: PromptFormat,
    pub origin: Origin,
    /// Why a stored template no longer reads (then name is its id and kind
    /// is `utility`); it can still be opened, fixed or deleted.
    pub problem: Option<String>,
}

/// A template with its file text, as an editor opens it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TemplateEntry {
    pub summary: TemplateSummary,
    pub source: String,
    /// `None` when the stored text no longer reads; see `problem`.
    pub template: Option<Template>,
    pub problem: Option<Problem>,
}

impl TemplateEntry {
    fn from_template(template: Template, origin: Origin, source: String) -> TemplateEntry {
        TemplateEntry {
            summary: TemplateSummary {
                id: template.id.clone(),
                language: template.language.clone(),
                name: template.name.clone(),
                kind: template.kind,
                description: template.description.clone(),
                format: template.format,
                origin,
                problem: None,
            },
            source,
            template: Some(template),
            problem: None,
        }
    }

    /// Parses stored text; text that no longer reads is kept, with why.
    fn read(key: TemplateKey, origin: Origin, source: String) -> TemplateEntry {
        match Template::parse(&source) {
            Ok(template) => TemplateEntry::from_template(template, origin, source),
            Err(error) => {
                tracing::warn!(%key, %error, "a stored template does not read");
                TemplateEntry {
                    summary: TemplateSummary {
                        name: key.id.clone(),
                        id: key.id,
                        language: key.language,
                        kind: TemplateKind::Utility,
                        description: String::new(),
                        format: PromptFormat::Completion,
                        origin,
                        problem: Some(error.to_string()),
                    },
                    source,
                    template: None,
                    problem: Some(error.problem()),
                }
            }
        }
    }

    fn built_in(builtin: &builtin::BuiltIn) -> TemplateEntry {
        TemplateEntry::from_template(
            builtin.template.clone(),
            Origin::BuiltIn,
            builtin.source.to_owned(),
        )
    }

    fn key(&self) -> TemplateKey {
        TemplateKey::new(&self.summary.id, &self.summary.language)
    }

    /// The parsed template, or why the stored text does not read.
    fn into_template(self) -> Result<Template, TemplateError> {
        match self.template {
            Some(template) => Ok(template),
            None => Err(Template::parse(&self.source).expect_err("it did not read before")),
        }
    }
}

/// A file to import: its name (for messages) and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportFile {
    pub name: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ImportStatus {
    /// A new template.
    Added,
    /// Replaced one of the person's templates (or edits) with the same id.
    Replaced,
    /// Now overrides the built-in with the same id.
    Customized,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportOutcome {
    pub file: String,
    pub template: TemplateKey,
    pub name: String,
    pub status: ImportStatus,
}

/// A template as a file to save: `<id>.<language>.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ExportFile {
    pub file_name: String,
    pub text: String,
}

/// Lists, renders and edits templates through the store.
#[derive(Debug, Clone)]
pub struct TemplateService {
    store: Store,
}

impl TemplateService {
    pub(crate) fn new(store: Store) -> Self {
        TemplateService { store }
    }

    /// Every template: built-ins (or the person's edits of them) and the
    /// person's own, ordered by kind, id and language.
    #[tracing::instrument(skip_all, err)]
    pub async fn list(&self) -> Result<Vec<TemplateSummary>, TemplateError> {
        // Stored rows are parsed on the store's blocking thread.
        let mut entries = self
            .store
            .read(|conn| Ok(merge(rows::all(conn)?, None)))
            .await?;
        entries.sort_by(|a, b| {
            (a.summary.kind, &a.summary.id, &a.summary.language).cmp(&(
                b.summary.kind,
                &b.summary.id,
                &b.summary.language,
            ))
        });
        Ok(entries.into_iter().map(|e| e.summary).collect())
    }

    /// The template `id` in `language`, else in English, else in any
    /// language it exists in. `None` means English.
    #[tracing::instrument(skip(self), err)]
    pub async fn get(
        &self,
        id: &str,
        language: Option<&str>,
    ) -> Result<TemplateEntry, TemplateError> {
        let owned = id.to_owned();
        let entries = self
            .store
            .read(move |conn| Ok(merge(rows::with_id(conn, &owned)?, Some(&owned))))
            .await?;
        pick(entries, language).ok_or_else(|| TemplateError::NotFound {
            id: id.to_owned(),
            language: language.map(str::to_owned),
        })
    }

    /// Renders the template `id` (language chosen as by [`get`](Self::get))
    /// with `values`: the one call chat, story and translation make.
    #[tracing::instrument(skip(self, values), err)]
    pub async fn render(
        &self,
        id: &str,
        language: Option<&str>,
        values: &Values,
    ) -> Result<Rendering, TemplateError> {
        let template = self.get(id, language).await?.into_template()?;
        let values = values.clone();
        blocking(move || template.render(&values)).await?
    }

    /// Saves a template file. `replacing` is the template the editor opened
    /// (`None` for a new one); saving under another id or language renames
    /// it, and saving a built-in's own id stores an edit that overrides it.
    #[tracing::instrument(skip(self, source), err)]
    pub async fn save(
        &self,
        source: String,
        replacing: Option<TemplateKey>,
    ) -> Result<TemplateEntry, TemplateError> {
        let (template, source) =
            blocking(move || parse_checked(&source).map(|t| (t, source))).await??;
        let key = template.key();
        let original = builtin::find(&key);
        let stored = source.clone();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let same = replacing.as_ref() == Some(&key);
            if !same && (original.is_some() || rows::exists(&tx, &key)?) {
                return Err(TemplateError::Exists {
                    id: key.id,
                    language: key.language,
                });
            }
            rows::upsert(&tx, &key, &stored)?;
            // A renamed template moves; a built-in saved under a new id is
            // a copy, and the built-in stays.
            if let Some(old) = replacing.filter(|old| *old != key && builtin::find(old).is_none()) {
                rows::delete(&tx, &old)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await?;
        let origin = if original.is_some() {
            Origin::Modified
        } else {
            Origin::Custom
        };
        Ok(TemplateEntry::from_template(template, origin, source))
    }

    /// Copies a template under a free id (`<id>-copy`, `<id>-copy-2`, ...)
    /// as one of the person's own, to customise.
    #[tracing::instrument(skip(self), err)]
    pub async fn duplicate(&self, key: &TemplateKey) -> Result<TemplateEntry, TemplateError> {
        let entry = self.get_exact(key).await?;
        let source = entry.source.clone();
        let template = entry.into_template()?;
        let language = key.language.clone();
        let taken = self
            .store
            .read(move |conn| Ok(rows::ids(conn, &language)?))
            .await?;
        let id = free_copy_id(&template.id, |candidate| {
            taken.iter().any(|t| t == candidate)
                || builtin::find(&TemplateKey::new(candidate, &template.language)).is_some()
        });
        let suffix = if template.language.starts_with("zh") {
            "（副本）"
        } else {
            " (copy)"
        };
        let name = format!("{}{suffix}", template.name);
        let copy = super::front_matter::set_string_field(&source, "id", &id)
            .and_then(|s| super::front_matter::set_string_field(&s, "name", &name))
            .ok_or_else(|| TemplateError::Invalid {
                place: template.place(None),
                message: "its id and name must be top-level fields of the front matter to copy it"
                    .into(),
            })?;
        self.save(copy, None).await
    }

    /// Deletes one of the person's templates. Built-ins cannot be deleted:
    /// [`reset`](Self::reset) undoes edits to them.
    #[tracing::instrument(skip(self), err)]
    pub async fn delete(&self, key: &TemplateKey) -> Result<(), TemplateError> {
        if builtin::find(key).is_some() {
            return Err(TemplateError::BuiltIn {
                id: key.id.clone(),
                language: key.language.clone(),
            });
        }
        let key = key.clone();
        self.write(move |conn| {
            if rows::delete(conn, &key)? {
                Ok(())
            } else {
                Err(TemplateError::NotFound {
                    id: key.id,
                    language: Some(key.language),
                })
            }
        })
        .await
    }

    /// Removes the person's edit of a built-in and returns the original.
    /// Resetting an unedited built-in changes nothing.
    #[tracing::instrument(skip(self), err)]
    pub async fn reset(&self, key: &TemplateKey) -> Result<TemplateEntry, TemplateError> {
        let Some(original) = builtin::find(key) else {
            return Err(TemplateError::NotBuiltIn {
                id: key.id.clone(),
                language: key.language.clone(),
            });
        };
        let owned = key.clone();
        self.write(move |conn| Ok(rows::delete(conn, &owned)?))
            .await?;
        Ok(TemplateEntry::built_in(original))
    }

    /// Imports template files, all or none: any file that does not read,
    /// or (unless `replace`) that would overwrite one of the person's
    /// templates, stops the whole import before anything is written.
    #[tracing::instrument(skip_all, err, fields(files = files.len()))]
    pub async fn import(
        &self,
        files: Vec<ImportFile>,
        replace: bool,
    ) -> Result<Vec<ImportOutcome>, TemplateError> {
        let parsed = blocking(move || parse_imports(files)).await??;
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let mut outcomes = Vec::with_capacity(parsed.len());
            let mut conflicts = Vec::new();
            for (file, template) in &parsed {
                let key = template.key();
                let status = if rows::exists(&tx, &key)? {
                    conflicts.push(key.to_string());
                    ImportStatus::Replaced
                } else if builtin::find(&key).is_some() {
                    ImportStatus::Customized
                } else {
                    ImportStatus::Added
                };
                rows::upsert(&tx, &key, &file.text)?;
                outcomes.push(ImportOutcome {
                    file: file.name.clone(),
                    template: key,
                    name: template.name.clone(),
                    status,
                });
            }
            if !replace && !conflicts.is_empty() {
                // Dropping the transaction rolls every write back.
                return Err(TemplateError::ImportConflict(format!(
                    "{} already {}; import with replace to overwrite",
                    conflicts.join(", "),
                    if conflicts.len() == 1 {
                        "exists"
                    } else {
                        "exist"
                    }
                )));
            }
            tx.commit()?;
            Ok(outcomes)
        })
        .await
    }

    /// Reads files from disk and imports them (see [`import`](Self::import)).
    pub async fn import_paths(
        &self,
        paths: Vec<std::path::PathBuf>,
        replace: bool,
    ) -> Result<Vec<ImportOutcome>, TemplateError> {
        let files = blocking(move || {
            paths
                .into_iter()
                .map(|path| {
                    let text =
                        std::fs::read_to_string(&path).map_err(|source| TemplateError::Io {
                            path: path.clone(),
                            source,
                        })?;
                    Ok(ImportFile {
                        name: path.display().to_string(),
                        text,
                    })
                })
                .collect::<Result<Vec<_>, TemplateError>>()
        })
        .await??;
        self.import(files, replace).await
    }

    /// The files of the given templates, exactly as stored.
    #[tracing::instrument(skip_all, err)]
    pub async fn export(&self, keys: &[TemplateKey]) -> Result<Vec<ExportFile>, TemplateError> {
        let mut files = Vec::with_capacity(keys.len());
        for key in keys {
            let entry = self.get_exact(key).await?;
            files.push(ExportFile {
                file_name: format!("{}.{}.md", key.id, key.language),
                text: entry.source,
            });
        }
        Ok(files)
    }

    /// Writes the given templates into `dir` (created if needed),
    /// overwriting files of the same name; returns the paths written.
    pub async fn export_to_dir(
        &self,
        keys: &[TemplateKey],
        dir: std::path::PathBuf,
    ) -> Result<Vec<std::path::PathBuf>, TemplateError> {
        let files = self.export(keys).await?;
        blocking(move || {
            let io = |path: &std::path::Path| {
                let path = path.to_owned();
                move |source| TemplateError::Io { path, source }
            };
            std::fs::create_dir_all(&dir).map_err(io(&dir))?;
            files
                .into_iter()
                .map(|file| {
                    let path = dir.join(&file.file_name);
                    std::fs::write(&path, file.text).map_err(io(&path))?;
                    Ok(path)
                })
                .collect()
        })
        .await?
    }

    /// Checks and renders an unsaved template, for the editor's live preview.
    pub async fn preview(
        &self,
        source: String,
        values: Values,
    ) -> Result<super::Preview, TemplateError> {
        blocking(move || super::preview(&source, &values)).await
    }

    /// The template with exactly this key (no language fallback).
    async fn get_exact(&self, key: &TemplateKey) -> Result<TemplateEntry, TemplateError> {
        let entry = self.get(&key.id, Some(&key.language)).await?;
        if entry.key() == *key {
            Ok(entry)
        } else {
            Err(TemplateError::NotFound {
                id: key.id.clone(),
                language: Some(key.language.clone()),
            })
        }
    }

    /// Runs `job` on the store's writer thread with template errors.
    async fn write<T, F>(&self, job: F) -> Result<T, TemplateError>
    where
        F: FnOnce(&mut rusqlite::Connection) -> Result<T, TemplateError> + Send + 'static,
        T: Send + 'static,
    {
        self.store.write(move |conn| Ok(job(conn))).await?
    }
}

/// Rendering and parsing are bounded, but not free: off the async runtime.
async fn blocking<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TemplateError> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|_| TemplateError::Store(crate::Error::StoreClosed))
}

/// Built-ins overlaid with stored rows; with `only_id`, just that id's.
/// Parses the stored rows: call it on a blocking thread.
fn merge(rows: Vec<Row>, only_id: Option<&str>) -> Vec<TemplateEntry> {
    let mut stored: std::collections::BTreeMap<TemplateKey, String> =
        rows.into_iter().map(|r| (r.key, r.source)).collect();
    let mut entries: Vec<TemplateEntry> = builtin::library()
        .iter()
        .filter(|b| only_id.is_none_or(|id| b.template.id == id))
        .map(|builtin| match stored.remove(&builtin.template.key()) {
            Some(source) => TemplateEntry::read(builtin.template.key(), Origin::Modified, source),
            None => TemplateEntry::built_in(builtin),
        })
        .collect();
    entries.extend(
        stored
            .into_iter()
            .map(|(key, source)| TemplateEntry::read(key, Origin::Custom, source)),
    );
    entries
}

/// The wanted language, else English, else the first there is.
fn pick(mut entries: Vec<TemplateEntry>, language: Option<&str>) -> Option<TemplateEntry> {
    let wanted = language.unwrap_or(FALLBACK_LANGUAGE);
    let position = entries
        .iter()
        .position(|e| e.summary.language == wanted)
        .or_else(|| {
            entries
                .iter()
                .position(|e| e.summary.language == FALLBACK_LANGUAGE)
        })
        .or(if entries.is_empty() { None } else { Some(0) })?;
    if language.is_some_and(|l| l != entries[position].summary.language) {
        tracing::debug!(
            wanted,
            used = entries[position].summary.language,
            "template language fallback"
        );
    }
    Some(entries.swap_remove(position))
}

/// Parses a file to store: an edit of a built-in must also pass
/// [`check_override`].
fn parse_checked(source: &str) -> Result<Template, TemplateError> {
    let template = Template::parse(source)?;
    if let Some(original) = builtin::find(&template.key()) {
        check_override(&original.template, &template)?;
    }
    Ok(template)
}

/// Parses every file to import, naming the file in any error; two files
/// defining the same template is an error too.
fn parse_imports(files: Vec<ImportFile>) -> Result<Vec<(ImportFile, Template)>, TemplateError> {
    let mut parsed: Vec<(ImportFile, Template)> = Vec::with_capacity(files.len());
    for file in files {
        let template = parse_checked(&file.text).map_err(|source| TemplateError::Import {
            file: file.name.clone(),
            source: Box::new(source),
        })?;
        if let Some((earlier, _)) = parsed.iter().find(|(_, t)| t.key() == template.key()) {
            return Err(TemplateError::ImportConflict(format!(
                "{} and {} both define {}",
                earlier.name,
                file.name,
                template.key()
            )));
        }
        parsed.push((file, template));
    }
    Ok(parsed)
}

/// The features fill a built-in's variables: an edit must keep each one
/// (same type, same choices), and may add only ones that need no value.
fn check_override(original: &Template, edited: &Template) -> Result<(), TemplateError> {
    let invalid = |message: String| TemplateError::Invalid {
        place: edited.place(None),
        message,
    };
    for variable in &original.variables {
        let Some(kept) = edited.variable(&variable.name) else {
            return Err(invalid(format!(
                "an edited built-in must keep the variables the app fills in, and `{}` is gone",
                variable.name
            )));
        };
        if kept.ty != variable.ty {
            return Err(invalid(format!(
                "an edited built-in must keep the type of `{}` ({:?})",
                variable.name, variable.ty
            )));
        }
        if let Some(missing) = variable
            .options
            .iter()
            .find(|o| !kept.options.iter().any(|k| k.value == o.value))
        {
            return Err(invalid(format!(
                "an edited built-in must keep every option of `{}`, and {:?} is gone",
                variable.name, missing.value
            )));
        }
    }
    if let Some(added) = edited
        .variables
        .iter()
        .find(|v| v.required && original.variable(&v.name).is_none())
    {
        return Err(invalid(format!(
            "`{}` is new and required, but the app does not know to fill it in: make it optional or give it a default",
            added.name
        )));
    }
    Ok(())
}

/// `<id>-copy`, then `<id>-copy-2`, ... the first that `taken` refuses.
fn free_copy_id(id: &str, taken: impl Fn(&str) -> bool) -> String {
    // Leave room for the suffix within the id length limit.
    let base: String = id.chars().take(50).collect();
    let base = base.trim_end_matches(['.', '-', '_']);
    let mut candidate = format!("{base}-copy");
    let mut n = 2;
    while taken(&candidate) {
        candidate = format!("{base}-copy-{n}");
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_take_the_first_free_id() {
        let taken = ["a-copy", "a-copy-2"];
        assert_eq!(free_copy_id("a", |c| taken.contains(&c)), "a-copy-3");
        assert_eq!(free_copy_id("b", |_| false), "b-copy");
        let long = "x".repeat(64);
        assert!(free_copy_id(&long, |_| false).len() <= 64);
    }

    #[test]
    fn language_falls_back_to_english_then_anything() {
        let entry = |language: &str| {
            TemplateEntry::read(
                TemplateKey::new("t", language),
                Origin::Custom,
                format!(
                    "+++\nid = \"t\"\nname = \"T\"\nkind = \"utility\"\nlanguage = \"{language}\"\n+++\nx"
                ),
            )
        };
        let chosen = |entries: Vec<TemplateEntry>, language| {
            pick(entries, language).map(|e| e.summary.language)
        };
        assert_eq!(
            chosen(vec![entry("en"), entry("zh-CN")], Some("zh-CN")).as_deref(),
            Some("zh-CN")
        );
        assert_eq!(
            chosen(vec![entry("zh-CN"), entry("en")], Some("fr")).as_deref(),
            Some("en")
        );
        assert_eq!(
            chosen(vec![entry("zh-CN"), entry("en")], None).as_deref(),
            Some("en")
        );
        assert_eq!(
            chosen(vec![entry("zh-CN")], Some("en")).as_deref(),
            Some("zh-CN")
        );
        assert_eq!(chosen(vec![], Some("en")), None);
    }

    #[test]
    fn a_stored_template_that_no_longer_reads_is_listed_with_its_problem() {
        let entry = TemplateEntry::read(
            TemplateKey::new("old", "en"),
            Origin::Custom,
            "+++\nid = \"old\"\nname = \"Old\"\nkind = \"persona\"\nlanguage = \"en\"\n+++\n"
                .into(),
        );
        assert!(entry.template.is_none());
        assert_eq!(entry.summary.name, "old");
        assert!(
            entry
                .summary
                .problem
                .as_deref()
                .unwrap()
                .contains("persona")
        );
        assert_eq!(entry.problem.unwrap().line, Some(4));
        assert!(
            entry.source.contains("persona"),
            "the text is kept to be fixed"
        );
    }
}
