//! Everything that can go wrong with a template, each as one sentence that
//! names the template and, where it helps, the line and column.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::ApiError;

/// Where a problem is: which template, and the line and column in its file
/// (front matter included), when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub template: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl Place {
    pub(crate) fn template(label: impl Into<String>) -> Place {
        Place {
            template: label.into(),
            line: None,
            column: None,
        }
    }

    pub(crate) fn at(label: impl Into<String>, line: u32, column: Option<u32>) -> Place {
        Place {
            template: label.into(),
            line: Some(line),
            column,
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Template {}", self.template)?;
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, ", line {line}, column {column}"),
            (Some(line), None) => write!(f, ", line {line}"),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{place}: {message}.")]
    Syntax { place: Place, message: String },

    #[error("{place}: {message}.")]
    Invalid { place: Place, message: String },

    #[error(
        "{place}: `{name}` is not a declared variable; declare it in the front matter or fix the spelling."
    )]
    UnknownVariable { place: Place, name: String },

    #[error("{place}: there is no variable `{name}` (it takes {declared}).")]
    UnknownValue {
        place: Place,
        name: String,
        declared: String,
    },

    #[error("{place}: `{name}` needs a value.")]
    MissingValue { place: Place, name: String },

    #[error("{place}: `{name}` must be {expected}, not {got}.")]
    WrongType {
        place: Place,
        name: String,
        expected: String,
        got: String,
    },

    #[error("{place}: {message}.")]
    Render { place: Place, message: String },

    #[error("There is no template {id:?}{}.", language.as_ref().map(|l| format!(" in {l}")).unwrap_or_default())]
    NotFound {
        id: String,
        language: Option<String>,
    },

    #[error("A template {id:?} in {language} already exists; choose another id.")]
    Exists { id: String, language: String },

    #[error(
        "{id:?} in {language} is built in and cannot be deleted; reset it to undo your changes."
    )]
    BuiltIn { id: String, language: String },

    #[error("{id:?} in {language} is not built in, so there is nothing to reset it to.")]
    NotBuiltIn { id: String, language: String },

    #[error("Cannot import {file}: {source}")]
    Import {
        file: String,
        #[source]
        source: Box<TemplateError>,
    },

    #[error("Cannot import: {0}.")]
    ImportConflict(String),

    #[error("Cannot read or write {}: {source}.", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(transparent)]
    Store(#[from] crate::Error),
}

impl From<rusqlite::Error> for TemplateError {
    fn from(error: rusqlite::Error) -> Self {
        TemplateError::Store(crate::Error::Database(error))
    }
}

impl TemplateError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TemplateError::Syntax { .. } => "template_syntax",
            TemplateError::Invalid { .. } => "template_invalid",
            TemplateError::UnknownVariable { .. } => "template_unknown_variable",
            TemplateError::UnknownValue { .. } => "template_unknown_value",
            TemplateError::MissingValue { .. } => "template_missing_value",
            TemplateError::WrongType { .. } => "template_wrong_type",
            TemplateError::Render { .. } => "template_render",
            TemplateError::NotFound { .. } => "template_not_found",
            TemplateError::Exists { .. } => "template_exists",
            TemplateError::BuiltIn { .. } => "template_built_in",
            TemplateError::NotBuiltIn { .. } => "template_not_built_in",
            TemplateError::Import { source, .. } => source.code(),
            TemplateError::ImportConflict(_) => "template_exists",
            TemplateError::Io { .. } => "io",
            TemplateError::Store(error) => error.code(),
        }
    }

    /// Where in the template file the problem is, when that is known.
    pub fn place(&self) -> Option<&Place> {
        match self {
            TemplateError::Syntax { place, .. }
            | TemplateError::Invalid { place, .. }
            | TemplateError::UnknownVariable { place, .. }
            | TemplateError::UnknownValue { place, .. }
            | TemplateError::MissingValue { place, .. }
            | TemplateError::WrongType { place, .. }
            | TemplateError::Render { place, .. } => Some(place),
            TemplateError::Import { source, .. } => source.place(),
            _ => None,
        }
    }

    /// The problem as an editor shows it: the message and its position.
    pub fn problem(&self) -> Problem {
        let place = self.place();
        Problem {
            code: self.code().to_owned(),
            message: self.to_string(),
            line: place.and_then(|p| p.line),
            column: place.and_then(|p| p.column),
        }
    }
}

/// A problem found while checking or previewing a template, for an editor
/// to show beside the line it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub code: String,
    pub message: String,
    /// 1-based, in the whole file (front matter included).
    pub line: Option<u32>,
    /// 1-based, in characters.
    pub column: Option<u32>,
}

impl From<&TemplateError> for ApiError {
    fn from(error: &TemplateError) -> Self {
        ApiError::new(error.code(), error)
    }
}

impl From<TemplateError> for ApiError {
    fn from(error: TemplateError) -> Self {
        ApiError::from(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_reads_as_part_of_a_sentence() {
        let error = TemplateError::Syntax {
            place: Place::at("“Continue” (story.continue)", 12, Some(5)),
            message: "unexpected end of input".into(),
        };
        assert_eq!(
            error.to_string(),
            "Template “Continue” (story.continue), line 12, column 5: unexpected end of input."
        );
        let problem = error.problem();
        assert_eq!((problem.line, problem.column), (Some(12), Some(5)));
        assert_eq!(problem.code, "template_syntax");
    }

    #[test]
    fn import_errors_keep_the_inner_code_and_place() {
        let inner = TemplateError::MissingValue {
            place: Place::at("x", 3, None),
            name: "text".into(),
        };
        let error = TemplateError::Import {
            file: "a.md".into(),
            source: Box::new(inner),
        };
        assert_eq!(error.code(), "template_missing_value");
        assert_eq!(error.place().unwrap().line, Some(3));
        let api = ApiError::from(&error);
        assert!(
            api.message
                .starts_with("Cannot import a.md: Template x, line 3")
        );
    }
}
