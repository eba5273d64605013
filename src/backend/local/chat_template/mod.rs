//! The chat template of a local model: the Jinja template in the GGUF's
//! `tokenizer.chat_template`, rendered as Hugging Face transformers renders
//! it (see [`environment`]) with the variables transformers passes:
//! `messages` (dicts of `role` and `content`), `add_generation_prompt`,
//! `bos_token` and `eos_token` when the model has them, `tools` and
//! `documents` as none, and any extra values the caller gives (Qwen3's
//! `enable_thinking`).
//!
//! A model without a template gets plain ChatML: each message as
//! `<|im_start|>{role}\n{content}<|im_end|>\n`, then
//! `<|im_start|>assistant\n` when a reply is wanted.
//!
//! Completion prompts (story continuation with base models) use no template:
//! the text is tokenized exactly as given, with BOS when the model's
//! metadata asks for it ([`ChatTemplate::prompt_text`]).

mod environment;
mod error;
mod json;

use std::fmt;
use std::sync::Arc;

use candle_core::quantized::gguf_file::{Content, Value as GgufValue};
use minijinja::value::Value;

use super::tokenizer::token_text;
use crate::backend::{ChatMessage, Prompt};

pub use environment::Clock;
pub use error::ChatTemplateError;

const CHATML: &str = "{% for message in messages %}{{ '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/// Names the template's variables have that extra values cannot take.
const RESERVED: [&str; 2] = ["messages", "add_generation_prompt"];

/// A model's chat template, ready to render.
#[derive(Clone)]
pub struct ChatTemplate {
    source: String,
    bos_token: Option<String>,
    eos_token: Option<String>,
    fallback: bool,
    clock: Clock,
}

impl ChatTemplate {
    /// A template from its source; syntax errors are found here.
    pub fn new(
        source: impl Into<String>,
        bos_token: Option<String>,
        eos_token: Option<String>,
    ) -> Result<Self, ChatTemplateError> {
        let template = ChatTemplate {
            source: source.into(),
            bos_token,
            eos_token,
            fallback: false,
            clock: Arc::new(jiff::Zoned::now),
        };
        let env = environment::environment(Arc::clone(&template.clock));
        compile(&env, &template.source)?;
        Ok(template)
    }

    /// Plain ChatML, for models without a template (it needs no special
    /// tokens).
    pub fn fallback() -> Self {
        let mut template =
            ChatTemplate::new(CHATML, None, None).expect("the ChatML template is valid");
        template.fallback = true;
        template
    }

    /// The GGUF's chat template, if it has one.
    pub fn from_content(content: &Content) -> Result<Option<Self>, ChatTemplateError> {
        let (bos, eos) = special_tokens(content);
        match content.metadata.get("tokenizer.chat_template") {
            None => Ok(None),
            Some(GgufValue::String(source)) => {
                ChatTemplate::new(source.clone(), bos, eos).map(Some)
            }
            Some(_) => Err(ChatTemplateError::NotText),
        }
    }

    /// The GGUF's chat template, or ChatML when it has none.
    pub fn for_model(content: &Content) -> Result<Self, ChatTemplateError> {
        Ok(ChatTemplate::from_content(content)?.unwrap_or_else(ChatTemplate::fallback))
    }

    /// Uses `clock` for `strftime_now` instead of the local time.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether this is the ChatML stand-in for a model without a template.
    pub fn is_fallback(&self) -> bool {
        self.fallback
    }

    /// The text of `messages`, ending with the start of the assistant's
    /// reply when `add_generation_prompt`. `extra` (a JSON object, or null)
    /// gives further variables.
    pub fn render(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
        extra: serde_json::Value,
    ) -> Result<String, ChatTemplateError> {
        let context = self.context(messages, add_generation_prompt, extra)?;
        let env = environment::environment(Arc::clone(&self.clock));
        compile(&env, &self.source)?
            .render(context)
            .map_err(|e| describe(&e))
    }

    /// The exact text a model is fed for `prompt`: chat messages rendered
    /// with a generation prompt, or completion text as it is.
    pub fn prompt_text(
        &self,
        prompt: &Prompt,
        extra: serde_json::Value,
    ) -> Result<String, ChatTemplateError> {
        match prompt {
            Prompt::Chat { messages } => self.render(messages, true, extra),
            Prompt::Completion { text } => Ok(text.clone()),
        }
    }

    fn context(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
        extra: serde_json::Value,
    ) -> Result<Value, ChatTemplateError> {
        let extra = match extra {
            serde_json::Value::Null => serde_json::Map::new(),
            serde_json::Value::Object(map) => map,
            other => {
                return Err(ChatTemplateError::Extra {
                    reason: format!("must be a JSON object, not {other}"),
                });
            }
        };
        if let Some(name) = RESERVED.iter().find(|name| extra.contains_key(**name)) {
            return Err(ChatTemplateError::Extra {
                reason: format!("cannot set `{name}`"),
            });
        }
        let mut values: Vec<(String, Value)> = Vec::new();
        let specials = [
            ("bos_token", &self.bos_token),
            ("eos_token", &self.eos_token),
        ];
        for (name, token) in specials {
            if let Some(token) = token {
                values.push((name.to_owned(), Value::from(token.as_str())));
            }
        }
        values.push(("tools".into(), Value::from(())));
        values.push(("documents".into(), Value::from(())));
        // Extra values come after, so they may replace the ones above.
        values.extend(extra.iter().map(|(k, v)| (k.clone(), from_json(v))));
        let messages: Vec<Value> = messages
            .iter()
            .map(|m| {
                Value::from_pairs([
                    ("role", Value::from(m.role.as_str())),
                    ("content", Value::from(m.content.as_str())),
                ])
            })
            .collect();
        values.push(("messages".into(), Value::from(messages)));
        values.push((
            "add_generation_prompt".into(),
            Value::from(add_generation_prompt),
        ));
        Ok(Value::from_pairs(values))
    }
}

/// BOS and EOS as text, when the model names them.
fn special_tokens(content: &Content) -> (Option<String>, Option<String>) {
    (
        token_text(&content.metadata, "bos_token_id"),
        token_text(&content.metadata, "eos_token_id"),
    )
}

fn compile<'env>(
    env: &'env minijinja::Environment<'env>,
    source: &'env str,
) -> Result<minijinja::Template<'env, 'env>, ChatTemplateError> {
    env.template_from_str(source)
        .map_err(|e| ChatTemplateError::Syntax {
            line: e.line(),
            message: e.detail().unwrap_or("invalid syntax").to_owned(),
        })
}

fn describe(error: &minijinja::Error) -> ChatTemplateError {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(raised) = cause.downcast_ref::<environment::Raised>() {
            return ChatTemplateError::Refused {
                message: raised.0.clone(),
            };
        }
        source = cause.source();
    }
    let message = match error.kind() {
        minijinja::ErrorKind::OutOfFuel => {
            "it took too many steps and was stopped (does a loop run away?)".to_owned()
        }
        kind => match error.detail() {
            Some(detail) => format!("{kind}: {detail}"),
            None => kind.to_string(),
        },
    };
    ChatTemplateError::Render {
        line: error.line(),
        message,
    }
}

fn from_json(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::from(()),
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(u)) => Value::from(u),
            (None, None) => Value::from(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(items) => {
            Value::from(items.iter().map(from_json).collect::<Vec<_>>())
        }
        serde_json::Value::Object(map) => {
            Value::from_pairs(map.iter().map(|(k, v)| (k.as_str(), from_json(v))))
        }
    }
}

/// The clock cannot be printed, and the source is long.
impl fmt::Debug for ChatTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatTemplate")
            .field("source_len", &self.source.len())
            .field("bos_token", &self.bos_token)
            .field("eos_token", &self.eos_token)
            .field("fallback", &self.fallback)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
