//! The built-in library, compiled into the binary from `templates/`: every
//! template in English (`templates/en/`) and Simplified Chinese
//! (`templates/zh-CN/`).

use std::sync::LazyLock;

use super::model::{Template, TemplateKey};

/// Declares each built-in once: its id constant for the features that
/// render it, and both language files (a missing file fails the build).
macro_rules! library {
    ($($(#[$doc:meta])* $name:ident = $id:literal,)*) => {
        /// The ids of the built-in templates. Chat, story and translation
        /// render these rather than carrying prompt text of their own.
        pub mod ids {
            $($(#[$doc])* pub const $name: &str = $id;)*
        }

        /// (language, file text) of every built-in.
        const FILES: &[(&str, &str)] = &[$(
            ("en", include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/en/", $id, ".md"))),
            ("zh-CN", include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/zh-CN/", $id, ".md"))),
        )*];
    };
}

library! {
    /// A capable general assistant.
    CHAT_ASSISTANT = "chat.assistant",
    /// A writing coach who teaches rather than rewrites.
    CHAT_WRITING_COACH = "chat.writing-coach",
    /// An editor at a chosen depth (proofread, line edit, developmental).
    CHAT_EDITOR = "chat.editor",
    /// A translator to talk translations through with.
    CHAT_TRANSLATOR = "chat.translator",
    /// An interviewer who asks one question at a time.
    CHAT_INTERVIEWER = "chat.interviewer",
    /// A programming helper.
    CHAT_CODE_HELPER = "chat.code-helper",
    /// Continue a story in the author's voice (chat models).
    STORY_CONTINUE = "story.continue",
    /// Continue a story with a base (completion) model: memory, lore and text.
    STORY_CONTINUE_COMPLETION = "story.continue-completion",
    /// Rewrite a selected passage following an instruction.
    STORY_REWRITE = "story.rewrite",
    /// Expand a passage with more detail.
    STORY_EXPAND = "story.expand",
    /// Tighten a passage.
    STORY_SHORTEN = "story.shorten",
    /// Rewrite a passage in another tone.
    STORY_CHANGE_TONE = "story.change-tone",
    /// Write a description of a scene.
    STORY_DESCRIBE_SCENE = "story.describe-scene",
    /// Brainstorm titles.
    STORY_BRAINSTORM_TITLES = "story.brainstorm-titles",
    /// Brainstorm plot twists.
    STORY_BRAINSTORM_TWISTS = "story.brainstorm-twists",
    /// Brainstorm character names.
    STORY_BRAINSTORM_NAMES = "story.brainstorm-names",
    /// Summarise a chapter, for the reader or for the story's memory.
    STORY_SUMMARIZE_CHAPTER = "story.summarize-chapter",
    /// Translate text (or numbered segments) and output only the translation.
    TRANSLATE_PLAIN = "translate.plain",
    /// Translate following a glossary.
    TRANSLATE_GLOSSARY = "translate.glossary",
    /// Translate text with markup and placeholders kept intact.
    TRANSLATE_FORMATTED = "translate.formatted",
    /// Translate numbered subtitle cues.
    TRANSLATE_SUBTITLES = "translate.subtitles",
    /// Review a translation against its source and report problems.
    TRANSLATE_REVIEW = "translate.review",
    /// Polish a translation against its source; output only the result.
    TRANSLATE_POLISH = "translate.polish",
    /// Summarise any text.
    UTILITY_SUMMARIZE = "utility.summarize",
    /// Polish any text.
    UTILITY_POLISH = "utility.polish",
    /// Write advertising copy.
    UTILITY_AD_COPY = "utility.ad-copy",
    /// Explain something at a chosen level.
    UTILITY_EXPLAIN = "utility.explain",
}

/// One built-in: the parsed template and the file it came from.
#[derive(Debug)]
pub(crate) struct BuiltIn {
    pub template: Template,
    pub source: &'static str,
}

static LIBRARY: LazyLock<Vec<BuiltIn>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(language, source)| {
            // Every built-in is parsed and rendered by the tests.
            let template = Template::parse(source).unwrap_or_else(|error| {
                panic!("a built-in {language} template is invalid: {error}")
            });
            BuiltIn { template, source }
        })
        .collect()
});

pub(crate) fn library() -> &'static [BuiltIn] {
    &LIBRARY
}

pub(crate) fn find(key: &TemplateKey) -> Option<&'static BuiltIn> {
    library().iter().find(|b| b.template.key() == *key)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;
    use crate::backend::Prompt;
    use crate::template::model::{PromptFormat, TemplateKind, Values};

    #[test]
    fn every_file_in_the_folder_is_in_the_library_under_its_own_name() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut on_disk = BTreeSet::new();
        for language in std::fs::read_dir(&root).unwrap() {
            let language = language.unwrap();
            for file in std::fs::read_dir(language.path()).unwrap() {
                let name = file.unwrap().file_name().into_string().unwrap();
                on_disk.insert(format!("{}/{name}", language.file_name().to_str().unwrap()));
            }
        }
        let listed: BTreeSet<String> = library()
            .iter()
            .map(|b| format!("{}/{}.md", b.template.language, b.template.id))
            .collect();
        assert_eq!(on_disk, listed);
        assert_eq!(listed.len(), FILES.len(), "ids are unique");
    }

    #[test]
    fn ids_name_their_kind() {
        for builtin in library() {
            let t = &builtin.template;
            assert!(
                t.id.starts_with(&format!("{}.", t.kind)),
                "{} is a {} template",
                t.id,
                t.kind
            );
        }
    }

    /// The features pass the same values whatever the language: both
    /// versions of a built-in must take exactly the same variables. Defaults
    /// may differ (a length in words is a length in characters in Chinese).
    #[test]
    fn both_languages_take_the_same_variables_and_produce_the_same_format() {
        for english in library().iter().filter(|b| b.template.language == "en") {
            let chinese = find(&TemplateKey::new(&english.template.id, "zh-CN")).unwrap();
            let shape = |t: &Template| {
                t.variables
                    .iter()
                    .map(|v| {
                        let options: Vec<_> = v.options.iter().map(|o| o.value.clone()).collect();
                        (v.name.clone(), v.ty, v.required, options)
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                shape(&english.template),
                shape(&chinese.template),
                "{}",
                english.template.id
            );
            assert_eq!(
                english.template.format, chinese.template.format,
                "{}",
                english.template.id
            );
            assert_eq!(english.template.kind, chinese.template.kind);
            assert_ne!(
                english.template.name, chinese.template.name,
                "{} is translated",
                english.template.id
            );
        }
    }

    #[test]
    fn chat_personas_render_with_no_values_at_all() {
        for builtin in library()
            .iter()
            .filter(|b| b.template.kind == TemplateKind::Chat)
        {
            let rendering = builtin.template.render(&Values::new()).unwrap();
            let Prompt::Chat { messages } = rendering.prompt else {
                panic!("{} is not a chat template", builtin.template.id);
            };
            assert_eq!(
                messages[0].role.as_str(),
                "system",
                "{}",
                builtin.template.id
            );
        }
    }

    #[test]
    fn every_required_variable_has_a_sample_and_everything_has_help() {
        for builtin in library() {
            for variable in &builtin.template.variables {
                let name = format!(
                    "{} ({}) `{}`",
                    builtin.template.id, builtin.template.language, variable.name
                );
                assert!(
                    !variable.required || variable.sample.is_some(),
                    "{name} needs a sample"
                );
                assert!(!variable.help.is_empty(), "{name} needs help");
            }
            assert!(
                !builtin.template.description.is_empty(),
                "{}",
                builtin.template.id
            );
        }
    }

    #[test]
    fn only_the_completion_story_template_is_a_completion_prompt() {
        let completions: Vec<_> = library()
            .iter()
            .filter(|b| b.template.format == PromptFormat::Completion)
            .map(|b| b.template.id.as_str())
            .collect();
        assert_eq!(completions, [ids::STORY_CONTINUE_COMPLETION; 2]);
    }

    /// Every built-in rendered twice: with every sample filled in, and with
    /// only the required ones, so both the full prompt and the one with its
    /// optional parts left out are reviewed as text.
    #[test]
    fn snapshots_of_every_built_in() {
        for builtin in library() {
            let template = &builtin.template;
            let full = template.render(&template.sample_values()).unwrap();
            let required: Values = template
                .variables
                .iter()
                .filter(|v| v.required)
                .filter_map(|v| Some((v.name.clone(), v.sample.clone()?)))
                .collect();
            let minimal = template.render(&required).unwrap();
            let name = format!("{}__{}", template.language, template.id);
            insta::assert_snapshot!(format!("{name}__full"), full.prompt.to_string());
            insta::assert_snapshot!(format!("{name}__minimal"), minimal.prompt.to_string());
        }
    }
}
