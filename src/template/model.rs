//! What a template declares: who it is, the variables it takes and the
//! generation parameters it works best with.

use serde::{Deserialize, Serialize};

/// What a template is for; the pages offer only the templates of their kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum TemplateKind {
    /// A chat persona: the system prompt a conversation starts from.
    Chat,
    Story,
    Translate,
    Utility,
}

impl TemplateKind {
    pub const ALL: [TemplateKind; 4] = [
        TemplateKind::Chat,
        TemplateKind::Story,
        TemplateKind::Translate,
        TemplateKind::Utility,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TemplateKind::Chat => "chat",
            TemplateKind::Story => "story",
            TemplateKind::Translate => "translate",
            TemplateKind::Utility => "utility",
        }
    }
}

impl std::fmt::Display for TemplateKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad` honours widths, for tables.
        f.pad(self.as_str())
    }
}

impl std::str::FromStr for TemplateKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TemplateKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| format!("unknown kind {s:?} (chat, story, translate or utility)"))
    }
}

/// What rendering a template produces; decided by its body: one that calls
/// `system()`, `user()` or `assistant()` produces chat messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum PromptFormat {
    Chat,
    Completion,
}

/// The type of a variable: how a form asks for it and what values it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum VarType {
    /// One line.
    Text,
    /// Paragraphs: a passage, a chapter, a glossary.
    LongText,
    /// One of the declared options.
    Choice,
    Number,
    Bool,
}

impl VarType {
    /// How an error message names the values this type accepts.
    pub(crate) fn expectation(self) -> &'static str {
        match self {
            VarType::Text | VarType::LongText => "text",
            VarType::Choice => "one of its options",
            VarType::Number => "a number",
            VarType::Bool => "true or false",
        }
    }
}

/// A value for a variable, from a form, the CLI or another feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(untagged)]
pub enum VarValue {
    Bool(bool),
    Number(f64),
    Text(String),
}

impl VarValue {
    /// How an error message describes a value it rejects.
    pub(crate) fn describe(&self) -> String {
        match self {
            VarValue::Bool(b) => format!("the boolean {b}"),
            VarValue::Number(n) => format!("the number {n}"),
            VarValue::Text(s) if s.chars().count() > 40 => {
                let head: String = s.chars().take(40).collect();
                format!("the text {head:?}…")
            }
            VarValue::Text(s) => format!("the text {s:?}"),
        }
    }
}

impl From<&str> for VarValue {
    fn from(text: &str) -> Self {
        VarValue::Text(text.to_owned())
    }
}

impl From<String> for VarValue {
    fn from(text: String) -> Self {
        VarValue::Text(text)
    }
}

impl From<f64> for VarValue {
    fn from(n: f64) -> Self {
        VarValue::Number(n)
    }
}

impl From<bool> for VarValue {
    fn from(b: bool) -> Self {
        VarValue::Bool(b)
    }
}

/// Values by variable name.
pub type Values = std::collections::BTreeMap<String, VarValue>;

/// One option of a choice variable: the value the template sees and the
/// label a form shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChoiceOption {
    pub value: String,
    pub label: String,
}

/// A declared variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Variable {
    pub name: String,
    /// What a form calls it; the name when the template gives none.
    pub label: String,
    #[serde(rename = "type")]
    pub ty: VarType,
    /// Used when no value is given.
    pub default: Option<VarValue>,
    /// A value must be given: missing or blank is an error.
    pub required: bool,
    pub help: String,
    /// For `choice` only.
    pub options: Vec<ChoiceOption>,
    /// A realistic value for previews and tests; never used when rendering
    /// for real.
    pub sample: Option<VarValue>,
}

/// Generation parameters the template works best with; the caller decides
/// whether to use them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RecommendedParams {
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    pub stop: Vec<String>,
}

/// Identifies a template: the same id can exist in several languages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TemplateKey {
    pub id: String,
    pub language: String,
}

impl TemplateKey {
    pub fn new(id: impl Into<String>, language: impl Into<String>) -> Self {
        TemplateKey {
            id: id.into(),
            language: language.into(),
        }
    }
}

impl std::fmt::Display for TemplateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.id, self.language)
    }
}

/// A parsed, validated template.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Template {
    pub id: String,
    pub name: String,
    pub kind: TemplateKind,
    pub description: String,
    /// The language the prompt is written in (`en`, `zh-CN`, ...).
    pub language: String,
    pub variables: Vec<Variable>,
    pub params: RecommendedParams,
    pub format: PromptFormat,
    /// The minijinja source after the front matter.
    #[serde(skip)]
    pub(crate) body: String,
    /// Lines of the file before the body, so errors point into the file.
    #[serde(skip)]
    pub(crate) body_offset: u32,
}

impl Template {
    pub fn key(&self) -> TemplateKey {
        TemplateKey::new(&self.id, &self.language)
    }

    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }

    /// How messages name this template: “Continue the story” (story.continue).
    pub(crate) fn label(&self) -> String {
        format!("“{}” ({})", self.name, self.id)
    }

    /// Every variable's sample, else its default: what a preview starts from.
    pub fn sample_values(&self) -> Values {
        self.variables
            .iter()
            .filter_map(|v| {
                let value = v.sample.clone().or_else(|| v.default.clone())?;
                Some((v.name.clone(), value))
            })
            .collect()
    }
}
