//! Prompt templates: every chat, story and translation request is rendered
//! from one, so the person can read and change any prompt the app sends.
//!
//! A template is a text file: front matter (TOML between `+++` lines, or
//! YAML between `---` lines) declaring its id, name, kind, language,
//! variables and recommended parameters, then a minijinja body:
//!
//! ```text
//! +++
//! id = "utility.shout"
//! name = "Shout"
//! kind = "utility"
//! language = "en"
//!
//! [[variables]]
//! name = "text"
//! type = "long_text"
//! required = true
//! +++
//! {% call system() %}You answer in capitals.{% endcall %}
//! {% call user() %}{{ text }}{% endcall %}
//! ```
//!
//! A body that uses `{% call system() %}`, `user()` or `assistant()`
//! produces chat messages (any number, in order, so few-shot examples can
//! come from a loop); any other body produces one completion prompt. Values
//! are checked against the declared variables before rendering, and
//! rendering is sandboxed and bounded (see `engine`).
//!
//! The built-in library ([`ids`]) is compiled in from `templates/`; the
//! person's own templates and edits of built-ins live in the store.

mod builtin;
mod engine;
mod error;
mod front_matter;
mod model;
mod parse;
mod render;
mod rows;
mod service;
mod values;

use serde::Serialize;

pub use builtin::ids;
pub(crate) use engine::plain_text_environment;
pub use error::{Place, Problem, TemplateError};
pub use model::{
    ChoiceOption, PromptFormat, RecommendedParams, Template, TemplateKey, TemplateKind, Values,
    VarType, VarValue, Variable,
};
pub use render::Rendering;
pub use service::{
    ExportFile, FALLBACK_LANGUAGE, ImportFile, ImportOutcome, ImportStatus, Origin, TemplateEntry,
    TemplateService, TemplateSummary,
};

/// What the editor shows while a template is being written: the parsed
/// template (for the variable form), its rendering, or the first problem.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub template: Option<Template>,
    pub rendering: Option<Rendering>,
    pub problem: Option<Problem>,
}

/// Checks `source` and renders it with `values`. Values for variables the
/// text no longer declares are ignored, since the form may still hold them
/// while the person renames one.
pub fn preview(source: &str, values: &Values) -> Preview {
    let template = match Template::parse(source) {
        Ok(template) => template,
        Err(error) => {
            return Preview {
                template: None,
                rendering: None,
                problem: Some(error.problem()),
            };
        }
    };
    let values: Values = values
        .iter()
        .filter(|(name, _)| template.variable(name).is_some())
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    match template.render(&values) {
        Ok(rendering) => Preview {
            template: Some(template),
            rendering: Some(rendering),
            problem: None,
        },
        Err(error) => Preview {
            template: Some(template),
            rendering: None,
            problem: Some(error.problem()),
        },
    }
}

/// A starting point for a new template.
pub const NEW_TEMPLATE: &str = include_str!("new_template.md");

/// Where the desktop app saves exported templates: the Downloads folder,
/// else `exports/` in the data folder.
pub fn default_export_dir(data_dir: &crate::paths::DataDir) -> std::path::PathBuf {
    dirs::download_dir().unwrap_or_else(|| data_dir.root().join("exports"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Prompt;

    #[test]
    fn the_new_template_starter_renders() {
        let preview = preview(NEW_TEMPLATE, &Values::new());
        assert_eq!(preview.problem, None);
        assert!(preview.rendering.is_some());
    }

    #[test]
    fn preview_reports_the_problem_and_keeps_what_it_could_read() {
        let source = "+++\nid = \"p\"\nname = \"P\"\nkind = \"utility\"\nlanguage = \"en\"\n[[variables]]\nname = \"text\"\ntype = \"text\"\nrequired = true\n+++\nSay {{ text }}";
        let waiting = preview(source, &Values::new());
        assert!(waiting.template.is_some());
        assert_eq!(waiting.problem.unwrap().code, "template_missing_value");

        let values = Values::from([
            ("text".to_owned(), VarValue::from("hi")),
            ("renamed_away".to_owned(), VarValue::from("x")),
        ]);
        let shown = preview(source, &values);
        assert_eq!(shown.problem, None);
        assert_eq!(
            shown.rendering.unwrap().prompt,
            Prompt::Completion {
                text: "Say hi".into()
            }
        );

        let broken = preview(&source.replace("{{ text }}", "{{ text"), &values);
        assert!(broken.template.is_none());
        assert_eq!(broken.problem.unwrap().line, Some(11));
    }
}
