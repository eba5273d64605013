//! [`ChatTemplate`] beyond the real templates of `tests/chat_templates.rs`:
//! where templates come from, the ChatML stand-in, extra values, errors.

use std::collections::HashMap;

use candle_core::quantized::gguf_file::Value as GgufValue;
use serde_json::json;

use super::*;
use crate::backend::Role;
use crate::backend::local::tokenizer::testing;

fn conversation() -> Vec<ChatMessage> {
    vec![
        ChatMessage::new(Role::System, "Be brief."),
        ChatMessage::new(Role::User, "Hi 你好"),
    ]
}

fn fixed_clock() -> Clock {
    Arc::new(|| {
        jiff::civil::date(2024, 12, 9)
            .at(18, 30, 0, 0)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
    })
}

fn model(template: Option<&str>) -> Content {
    let mut metadata: HashMap<String, GgufValue> = testing::spm_metadata(None);
    if let Some(template) = template {
        metadata.insert(
            "tokenizer.chat_template".into(),
            GgufValue::String(template.into()),
        );
    }
    testing::content(metadata)
}

#[test]
fn models_without_a_template_get_chatml() {
    let content = model(None);
    assert!(ChatTemplate::from_content(&content).unwrap().is_none());
    let template = ChatTemplate::for_model(&content).unwrap();
    assert!(template.is_fallback());
    insta::assert_snapshot!(
        template.render(&conversation(), true, json!(null)).unwrap(),
        @r"
    <|im_start|>system
    Be brief.<|im_end|>
    <|im_start|>user
    Hi 你好<|im_end|>
    <|im_start|>assistant
    "
    );
    assert!(
        !template
            .render(&conversation(), false, json!(null))
            .unwrap()
            .contains("assistant")
    );
}

#[test]
fn the_gguf_template_sees_the_models_bos_and_eos() {
    let content = model(Some(
        "{{ bos_token }}|{{ eos_token }}|{{ messages | length }}",
    ));
    let template = ChatTemplate::for_model(&content).unwrap();
    assert!(!template.is_fallback());
    assert_eq!(
        template.render(&conversation(), true, json!(null)).unwrap(),
        "<s>|</s>|2"
    );

    let mut metadata = testing::spm_metadata(None);
    metadata.insert("tokenizer.chat_template".into(), GgufValue::U32(1));
    let error = ChatTemplate::from_content(&testing::content(metadata)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "The model's chat template (tokenizer.chat_template) is not text."
    );
}

#[test]
fn extra_values_pass_through_but_cannot_replace_the_conversation() {
    let template = ChatTemplate::new(
        "{% if enable_thinking is defined and enable_thinking is false %}no thinking{% endif %}{{ tools }}",
        None,
        None,
    )
    .unwrap();
    assert_eq!(
        template
            .render(&[], true, json!({"enable_thinking": false}))
            .unwrap(),
        "no thinkingNone"
    );
    let error = template
        .render(&[], true, json!({"messages": []}))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Extra chat template values cannot set `messages`."
    );
    let error = template.render(&[], true, json!([1])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Extra chat template values must be a JSON object, not [1]."
    );
}

#[test]
fn strftime_now_reads_the_clock() {
    let template = ChatTemplate::new("{{ strftime_now('%d %b %Y, %A %H:%M') }}", None, None)
        .unwrap()
        .with_clock(fixed_clock());
    assert_eq!(
        template.render(&[], false, json!(null)).unwrap(),
        "09 Dec 2024, Monday 18:30"
    );
    let now = ChatTemplate::new("{{ strftime_now('%Y') }}", None, None)
        .unwrap()
        .render(&[], false, json!(null))
        .unwrap();
    assert_eq!(now, jiff::Zoned::now().year().to_string());
}

#[test]
fn raise_exception_refuses_the_conversation_with_the_templates_words() {
    let template = ChatTemplate::new(
        "{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}",
        None,
        None,
    )
    .unwrap();
    let error = template
        .render(&conversation(), true, json!(null))
        .unwrap_err();
    assert!(
        matches!(error, ChatTemplateError::Refused { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "The model's chat template does not accept this conversation: System role not supported"
    );
}

#[test]
fn errors_name_the_template_line() {
    let error =
        ChatTemplate::new("first\n{% for m in messages %}\nnever closed", None, None).unwrap_err();
    assert!(
        matches!(error, ChatTemplateError::Syntax { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("The model's chat template cannot be read at line 3: "),
        "{error}"
    );

    let template =
        ChatTemplate::new("one\ntwo\n{{ messages[0].content + 1 }}", None, None).unwrap();
    let error = template
        .render(&conversation(), true, json!(null))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("The model's chat template failed at line 3: "),
        "{error}"
    );
    assert_eq!(error.code(), "chat_template_render");

    let runaway = ChatTemplate::new(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        None,
        None,
    )
    .unwrap();
    let error = runaway.render(&[], true, json!(null)).unwrap_err();
    assert!(error.to_string().contains("too many steps"), "{error}");
}

#[test]
fn completion_prompts_are_the_text_as_is() {
    let template = ChatTemplate::fallback();
    let prompt = Prompt::Completion {
        text: "Once upon a time".into(),
    };
    assert_eq!(
        template.prompt_text(&prompt, json!(null)).unwrap(),
        "Once upon a time"
    );
    let chat = Prompt::Chat {
        messages: conversation(),
    };
    assert!(
        template
            .prompt_text(&chat, json!(null))
            .unwrap()
            .ends_with("<|im_start|>assistant\n")
    );
}
