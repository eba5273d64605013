//! What rendering produces: chat messages or a completion prompt, with the
//! parameters the template recommends.

use serde::Serialize;

use super::engine::{self, MAX_OUTPUT_BYTES};
use super::error::TemplateError;
use super::model::{PromptFormat, RecommendedParams, Template, TemplateKey, Values};
use super::values;
use crate::backend::Prompt;

/// The result of rendering a template.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Rendering {
    /// The template that was rendered, after language fallback.
    pub template: TemplateKey,
    pub prompt: Prompt,
    pub params: RecommendedParams,
}

impl Template {
    /// Renders the template with `values` (checked against the declared
    /// variables). Pure and bounded: no I/O, limited work and output.
    pub fn render(&self, values: &Values) -> Result<Rendering, TemplateError> {
        let context = values::context(self, values)?;
        let env = engine::environment();
        let failed = |error: minijinja::Error| {
            let (message, position) = engine::describe(&error, &self.body);
            TemplateError::Render {
                place: self.place(position),
                message,
            }
        };
        let compiled = engine::compile(&env, &self.body).map_err(failed)?;
        let output = engine::run(&compiled, context).map_err(failed)?;
        let problem = |message: String| TemplateError::Render {
            place: self.place(None),
            message,
        };
        let prompt = match self.format {
            PromptFormat::Completion => Prompt::Completion { text: output.text },
            PromptFormat::Chat => {
                let stray = output.text.trim();
                if !stray.is_empty() {
                    let head: String = stray.chars().take(40).collect();
                    return Err(problem(format!(
                        "the text {head:?} is outside any message; put it inside {{% call user() %}}…{{% endcall %}} or another message"
                    )));
                }
                if output.messages.is_empty() {
                    return Err(problem("it produced no messages with these values".into()));
                }
                Prompt::Chat {
                    messages: output.messages,
                }
            }
        };
        let size = match &prompt {
            Prompt::Completion { text } => text.len(),
            Prompt::Chat { messages } => messages.iter().map(|m| m.content.len()).sum(),
        };
        if size > MAX_OUTPUT_BYTES {
            return Err(problem(format!(
                "the prompt would be {} KiB, more than the limit of {} KiB",
                size / 1024,
                MAX_OUTPUT_BYTES / 1024
            )));
        }
        Ok(Rendering {
            template: self.key(),
            prompt,
            params: self.params.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{ChatMessage, Role};
    use crate::template::model::VarValue;

    const HEAD: &str = "+++\nid = \"t\"\nname = \"T\"\nkind = \"utility\"\nlanguage = \"en\"\n[[variables]]\nname = \"text\"\ntype = \"long_text\"\nrequired = true\n[[variables]]\nname = \"n\"\ntype = \"number\"\n+++\n";

    fn template(body: &str) -> Template {
        Template::parse(&format!("{HEAD}{body}")).unwrap()
    }

    fn values(pairs: &[(&str, VarValue)]) -> Values {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn completion_prompts_are_passed_through_exactly() {
        let t = template("  {{ text }} ");
        let rendering = t.render(&values(&[("text", "a\n b".into())])).unwrap();
        assert_eq!(
            rendering.prompt,
            Prompt::Completion {
                text: "  a\n b ".into()
            }
        );
        assert_eq!(rendering.template, TemplateKey::new("t", "en"));
    }

    #[test]
    fn value_problems_name_the_template_and_the_variable() {
        let t = template("{{ text }}{{ n }}");
        let cases = [
            (
                values(&[]),
                "template_missing_value",
                "`text` needs a value",
            ),
            (
                values(&[("text", " \n".into())]),
                "template_missing_value",
                "`text` needs a value",
            ),
            (
                values(&[("text", "x".into()), ("txet", "y".into())]),
                "template_unknown_value",
                "there is no variable `txet` (it takes `text`, `n`)",
            ),
            (
                values(&[("text", "x".into()), ("n", "ten".into())]),
                "template_wrong_type",
                "`n` must be a number, not the text \"ten\"",
            ),
        ];
        for (given, code, message) in cases {
            let error = t.render(&given).unwrap_err();
            assert_eq!(error.code(), code, "{error}");
            assert!(
                error.to_string().starts_with("Template “T” (t): "),
                "{error}"
            );
            assert!(error.to_string().contains(message), "{error}");
        }
    }

    #[test]
    fn an_optional_number_without_a_value_is_none() {
        let t = template("{{ text }}{% if n is none %} (no n){% endif %}");
        let rendering = t.render(&values(&[("text", "x".into())])).unwrap();
        assert_eq!(rendering.prompt.to_string(), "x (no n)");
    }

    #[test]
    fn runtime_errors_point_at_the_file_line() {
        let t = template("line one\n{{ text + n }}");
        let error = t
            .render(&values(&[("text", "x".into()), ("n", 2.0.into())]))
            .unwrap_err();
        assert_eq!(error.code(), "template_render");
        let place = error.place().unwrap();
        assert_eq!((place.line, place.column), (Some(15), Some(4)), "{error}");
    }

    #[test]
    fn chat_templates_must_keep_text_inside_messages() {
        let t = template("Stray words\n{% call user() %}{{ text }}{% endcall %}");
        let error = t.render(&values(&[("text", "x".into())])).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("\"Stray words\" is outside any message"),
            "{error}"
        );

        let t = template("{% if n %}{% call user() %}{{ text }}{% endcall %}{% endif %}");
        let error = t.render(&values(&[("text", "x".into())])).unwrap_err();
        assert!(
            error.to_string().contains("produced no messages"),
            "{error}"
        );
    }

    #[test]
    fn oversized_prompts_are_refused() {
        let t = template("{{ text }}{{ text }}");
        let half = "x".repeat(MAX_OUTPUT_BYTES / 2 + 1);
        let error = t.render(&values(&[("text", half.into())])).unwrap_err();
        assert!(error.to_string().contains("more than the limit"), "{error}");
    }

    #[test]
    fn prompts_serialize_with_their_format_as_the_tag() {
        let chat = Prompt::Chat {
            messages: vec![ChatMessage {
                role: Role::System,
                content: "Be brief.".into(),
            }],
        };
        assert_eq!(
            serde_json::to_value(&chat).unwrap(),
            serde_json::json!({"format": "chat", "messages": [{"role": "system", "content": "Be brief."}]})
        );
        let completion = Prompt::Completion {
            text: "Once".into(),
        };
        assert_eq!(
            serde_json::to_value(&completion).unwrap(),
            serde_json::json!({"format": "completion", "text": "Once"})
        );
    }

    #[test]
    fn chat_prompts_display_each_message_under_its_role() {
        let chat = Prompt::Chat {
            messages: vec![
                ChatMessage {
                    role: Role::System,
                    content: "Be brief.".into(),
                },
                ChatMessage {
                    role: Role::User,
                    content: "Hi".into(),
                },
            ],
        };
        assert_eq!(
            chat.to_string(),
            "── system ──\nBe brief.\n\n── user ──\nHi"
        );
    }
}
