//! The template library against a real data folder, and `scriptorium
//! template` as a person or a script runs it.

use std::path::Path;

use scriptorium::Studio;
use scriptorium::backend::{Prompt, Role};
use scriptorium::template::{
    ImportFile, ImportStatus, Origin, TemplateKey, TemplateKind, Values, VarValue, ids,
};

fn open_studio() -> (tempfile::TempDir, Studio) {
    let home = tempfile::tempdir().unwrap();
    let studio = Studio::open(home.path()).unwrap();
    (home, studio)
}

fn values(pairs: &[(&str, &str)]) -> Values {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), VarValue::from(*v)))
        .collect()
}

fn key(id: &str, language: &str) -> TemplateKey {
    TemplateKey::new(id, language)
}

const CUSTOM: &str = r#"+++
id = "my.haiku"
name = "Haiku"
kind = "utility"
language = "en"
description = "Turns a topic into a haiku."

[[variables]]
name = "topic"
type = "text"
required = true
+++
{% call system() %}You write haiku.{% endcall %}
{% call user() %}A haiku about {{ topic }}.{% endcall %}
"#;

/// The built-in `story.continue` with its system prompt replaced.
fn edited_continue() -> String {
    let entry = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/en/story.continue.md"),
    )
    .unwrap();
    let (front, _) = entry.split_at(entry.rfind("+++\n").unwrap() + 4);
    format!("{front}{{% call user() %}}MY VERSION: {{{{ text }}}}{{% endcall %}}\n")
}

fn user_text(prompt: &Prompt) -> &str {
    match prompt {
        Prompt::Chat { messages } => &messages.last().unwrap().content,
        Prompt::Completion { text } => text,
    }
}

#[tokio::test]
async fn a_new_home_lists_every_built_in_in_both_languages() {
    let (_home, studio) = open_studio();
    let list = studio.templates().list().await.unwrap();
    assert_eq!(list.len(), 54);
    assert!(
        list.iter()
            .all(|t| t.origin == Origin::BuiltIn && t.problem.is_none())
    );
    for kind in TemplateKind::ALL {
        let count = list.iter().filter(|t| t.kind == kind).count();
        assert!(count >= 8, "{kind}: {count}");
    }
    let zh = list
        .iter()
        .find(|t| t.id == ids::TRANSLATE_GLOSSARY && t.language == "zh-CN")
        .unwrap();
    assert_eq!(zh.name, "按术语表翻译");
}

#[tokio::test]
async fn render_picks_the_language_and_falls_back_to_english() {
    let (_home, studio) = open_studio();
    let templates = studio.templates();
    let text = values(&[("text", "Bonjour {name}")]);

    let zh = templates
        .render(ids::TRANSLATE_PLAIN, Some("zh-CN"), &text)
        .await
        .unwrap();
    assert_eq!(zh.template, key(ids::TRANSLATE_PLAIN, "zh-CN"));
    let Prompt::Chat { messages } = &zh.prompt else {
        panic!("a chat template")
    };
    assert_eq!(messages[0].role, Role::System);
    assert!(messages[0].content.contains("译成简体中文"));
    assert!(messages[1].content.contains("Bonjour {name}"));
    assert_eq!(zh.params.temperature, Some(0.3));

    let fallback = templates
        .render(ids::TRANSLATE_PLAIN, Some("fr"), &text)
        .await
        .unwrap();
    assert_eq!(fallback.template.language, "en");

    let error = templates
        .render("no.such", None, &Values::new())
        .await
        .unwrap_err();
    assert_eq!(error.code(), "template_not_found");
}

#[tokio::test]
async fn values_are_checked_with_a_clear_message() {
    let (_home, studio) = open_studio();
    let templates = studio.templates();
    let error = templates
        .render(ids::STORY_CONTINUE, None, &Values::new())
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Template “Continue the story” (story.continue): `text` needs a value."
    );
    let error = templates
        .render(
            ids::STORY_CONTINUE,
            None,
            &values(&[("text", "Once"), ("words", "lots")]),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), "template_wrong_type");
    let error = templates
        .render(
            ids::STORY_CONTINUE,
            None,
            &values(&[("text", "Once"), ("word", "3")]),
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("no variable `word`"), "{error}");
}

#[tokio::test]
async fn custom_templates_are_created_rendered_renamed_and_deleted() {
    let (_home, studio) = open_studio();
    let templates = studio.templates();
    let saved = templates.save(CUSTOM.into(), None).await.unwrap();
    assert_eq!(saved.summary.origin, Origin::Custom);
    let rendering = templates
        .render("my.haiku", None, &values(&[("topic", "rain")]))
        .await
        .unwrap();
    assert_eq!(user_text(&rendering.prompt), "A haiku about rain.");

    let again = templates.save(CUSTOM.into(), None).await.unwrap_err();
    assert_eq!(again.code(), "template_exists");

    let renamed = CUSTOM.replace("my.haiku", "my.senryu");
    templates
        .save(renamed, Some(key("my.haiku", "en")))
        .await
        .unwrap();
    let ids_now: Vec<String> = templates
        .list()
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.origin == Origin::Custom)
        .map(|t| t.id)
        .collect();
    assert_eq!(ids_now, ["my.senryu"]);

    templates.delete(&key("my.senryu", "en")).await.unwrap();
    let gone = templates.delete(&key("my.senryu", "en")).await.unwrap_err();
    assert_eq!(gone.code(), "template_not_found");
    let builtin = templates
        .delete(&key(ids::STORY_CONTINUE, "en"))
        .await
        .unwrap_err();
    assert_eq!(builtin.code(), "template_built_in");
}

#[tokio::test]
async fn a_new_template_cannot_take_a_built_in_id() {
    let (_home, studio) = open_studio();
    let error = studio
        .templates()
        .save(edited_continue(), None)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "template_exists");
}

#[tokio::test]
async fn an_edited_built_in_overrides_it_until_reset() {
    let (_home, studio) = open_studio();
    let templates = studio.templates();
    let this = key(ids::STORY_CONTINUE, "en");
    let saved = templates
        .save(edited_continue(), Some(this.clone()))
        .await
        .unwrap();
    assert_eq!(saved.summary.origin, Origin::Modified);
    let text = values(&[("text", "Once")]);
    let rendering = templates
        .render(ids::STORY_CONTINUE, None, &text)
        .await
        .unwrap();
    assert_eq!(user_text(&rendering.prompt), "MY VERSION: Once");
    // The other language is untouched.
    let zh = templates
        .render(ids::STORY_CONTINUE, Some("zh-CN"), &text)
        .await
        .unwrap();
    assert!(user_text(&zh.prompt).contains("<正文>"));

    let reset = templates.reset(&this).await.unwrap();
    assert_eq!(reset.summary.origin, Origin::BuiltIn);
    let rendering = templates
        .render(ids::STORY_CONTINUE, None, &text)
        .await
        .unwrap();
    assert!(user_text(&rendering.prompt).contains("<story>\nOnce\n</story>"));
    let not_builtin = templates.reset(&key("my.haiku", "en")).await.unwrap_err();
    assert_eq!(not_builtin.code(), "template_not_built_in");
}

#[tokio::test]
async fn an_edited_built_in_must_keep_the_variables_the_app_fills_in() {
    let (_home, studio) = open_studio();
    let this = key(ids::STORY_CONTINUE, "en");
    let without_lore = edited_continue().replace(
        "[[variables]]\nname = \"lore\"",
        "[[variables]]\nname = \"lores\"",
    );
    let error = studio
        .templates()
        .save(without_lore, Some(this.clone()))
        .await
        .unwrap_err();
    assert_eq!(error.code(), "template_invalid");
    assert!(error.to_string().contains("`lore` is gone"), "{error}");

    let new_required = edited_continue().replace(
        "+++\n{% call",
        "[[variables]]\nname = \"mood\"\ntype = \"text\"\nrequired = true\n+++\n{% call",
    );
    let error = studio
        .templates()
        .save(new_required, Some(this))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("`mood` is new and required"),
        "{error}"
    );
}

#[tokio::test]
async fn duplicates_get_a_free_id_and_a_copy_name() {
    let (_home, studio) = open_studio();
    let templates = studio.templates();
    let first = templates
        .duplicate(&key(ids::STORY_REWRITE, "en"))
        .await
        .unwrap();
    assert_eq!(first.summary.id, "story.rewrite-copy");
    assert_eq!(first.summary.name, "Rewrite selection (copy)");
    assert_eq!(first.summary.origin, Origin::Custom);
    let second = templates
        .duplicate(&key(ids::STORY_REWRITE, "en"))
        .await
        .unwrap();
    assert_eq!(second.summary.id, "story.rewrite-copy-2");
    let chinese = templates
        .duplicate(&key(ids::STORY_REWRITE, "zh-CN"))
        .await
        .unwrap();
    assert_eq!(chinese.summary.id, "story.rewrite-copy");
    assert_eq!(chinese.summary.name, "改写选段（副本）");
    // Everything but the id and the name is the original's, byte for byte.
    let original = templates
        .export(&[key(ids::STORY_REWRITE, "en")])
        .await
        .unwrap();
    let copy_lines: Vec<&str> = first.source.lines().skip(3).collect();
    let original_lines: Vec<&str> = original[0].text.lines().skip(3).collect();
    assert_eq!(copy_lines, original_lines);
}

#[tokio::test]
async fn import_is_all_or_nothing_and_explains_the_file_and_line() {
    let (_home, studio) = open_studio();
    let templates = studio.templates();
    let good = ImportFile {
        name: "haiku.md".into(),
        text: CUSTOM.into(),
    };
    let broken = ImportFile {
        name: "broken.md".into(),
        text: CUSTOM
            .replace("my.haiku", "my.broken")
            .replace("{{ topic }}", "{{ topic }"),
    };
    let error = templates
        .import(vec![good.clone(), broken], false)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "template_syntax");
    let message = error.to_string();
    assert!(
        message
            .starts_with("Cannot import broken.md: Template “Haiku” (my.broken), line 14, column"),
        "{message}"
    );
    assert_eq!(templates.list().await.unwrap().len(), 54, "nothing written");

    let outcomes = templates.import(vec![good.clone()], false).await.unwrap();
    assert_eq!(outcomes[0].status, ImportStatus::Added);
    assert_eq!(outcomes[0].template, key("my.haiku", "en"));

    let conflict = templates
        .import(vec![good.clone()], false)
        .await
        .unwrap_err();
    assert!(
        conflict
            .to_string()
            .contains("my.haiku (en) already exists"),
        "{conflict}"
    );
    let replaced = templates.import(vec![good], true).await.unwrap();
    assert_eq!(replaced[0].status, ImportStatus::Replaced);

    let edit = ImportFile {
        name: "continue.md".into(),
        text: edited_continue(),
    };
    let customized = templates.import(vec![edit], false).await.unwrap();
    assert_eq!(customized[0].status, ImportStatus::Customized);

    let twice = templates
        .import(
            vec![
                ImportFile {
                    name: "a.md".into(),
                    text: CUSTOM.replace("my.haiku", "my.twin"),
                },
                ImportFile {
                    name: "b.md".into(),
                    text: CUSTOM.replace("my.haiku", "my.twin"),
                },
            ],
            true,
        )
        .await
        .unwrap_err();
    assert!(
        twice
            .to_string()
            .contains("a.md and b.md both define my.twin (en)"),
        "{twice}"
    );
}

#[tokio::test]
async fn export_then_import_into_another_home_gives_the_same_template() {
    let (_home, studio) = open_studio();
    let yaml = "---\n# Kept as written.\nid: my.yaml\nname: YAML one\nkind: story\nlanguage: zh-CN\n---\n{{ '你好' }}\n";
    studio.templates().save(yaml.into(), None).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let written = studio
        .templates()
        .export_to_dir(
            &[key("my.yaml", "zh-CN"), key(ids::UTILITY_EXPLAIN, "en")],
            out.path().join("nested"),
        )
        .await
        .unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["my.yaml.zh-CN.md", "utility.explain.en.md"]);
    assert_eq!(std::fs::read_to_string(&written[0]).unwrap(), yaml);

    let (_other_home, other) = open_studio();
    let outcomes = other
        .templates()
        .import_paths(vec![written[0].clone()], false)
        .await
        .unwrap();
    assert_eq!(outcomes[0].status, ImportStatus::Added);
    let entry = other
        .templates()
        .get("my.yaml", Some("zh-CN"))
        .await
        .unwrap();
    assert_eq!(entry.source, yaml);
    let rendering = other
        .templates()
        .render("my.yaml", None, &Values::new())
        .await
        .unwrap();
    assert_eq!(
        rendering.prompt,
        Prompt::Completion {
            text: "你好".into()
        }
    );
}

#[tokio::test]
async fn templates_survive_a_restart() {
    let home = tempfile::tempdir().unwrap();
    {
        let studio = Studio::open(home.path()).unwrap();
        studio.templates().save(CUSTOM.into(), None).await.unwrap();
    }
    let studio = Studio::open(home.path()).unwrap();
    let entry = studio.templates().get("my.haiku", None).await.unwrap();
    assert_eq!(entry.source, CUSTOM);
}

#[tokio::test]
async fn a_stored_template_that_no_longer_reads_is_listed_and_explained() {
    let (_home, studio) = open_studio();
    studio
        .store()
        .write(|conn| {
            conn.execute(
                "INSERT INTO templates (id, language, source) VALUES ('old.one', 'en', ?1)",
                [CUSTOM
                    .replace("my.haiku", "old.one")
                    .replace("{{ topic }}", "{{ topci }}")],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let templates = studio.templates();
    let listed = templates.list().await.unwrap();
    let broken = listed.iter().find(|t| t.id == "old.one").unwrap();
    assert!(broken.problem.as_deref().unwrap().contains("`topci`"));
    let entry = templates.get("old.one", None).await.unwrap();
    assert!(entry.template.is_none());
    assert_eq!(entry.problem.unwrap().line, Some(14));
    let error = templates
        .render("old.one", None, &values(&[("topic", "x")]))
        .await
        .unwrap_err();
    assert_eq!(error.code(), "template_unknown_variable");
    templates.delete(&key("old.one", "en")).await.unwrap();
}

#[tokio::test]
async fn preview_shows_the_rendering_or_the_problem() {
    let (_home, studio) = open_studio();
    let templates = studio.templates();
    let shown = templates
        .preview(CUSTOM.into(), values(&[("topic", "tea")]))
        .await
        .unwrap();
    assert!(shown.problem.is_none());
    assert_eq!(shown.template.unwrap().variables[0].name, "topic");

    let typo = templates
        .preview(
            CUSTOM.replace("{% endcall %}\n{% call user", "{% endcal %}\n{% call user"),
            Values::new(),
        )
        .await
        .unwrap();
    let problem = typo.problem.unwrap();
    assert_eq!(problem.code, "template_syntax");
    assert_eq!(problem.line, Some(13));
}

mod cli {
    use assert_cmd::Command;
    use predicates::prelude::*;

    fn scriptorium(home: &std::path::Path) -> Command {
        let mut cmd = Command::cargo_bin("scriptorium").unwrap();
        cmd.env("SCRIPTORIUM_HOME", home)
            .env_remove("SCRIPTORIUM_LOG");
        cmd
    }

    fn stdout(cmd: &mut Command) -> String {
        String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
    }

    fn one_line_error(cmd: &mut Command) -> String {
        let output = cmd.assert().failure().get_output().clone();
        let text = String::from_utf8(output.stderr).unwrap();
        assert_eq!(text.lines().count(), 1, "expected one line, got: {text}");
        assert!(output.stdout.is_empty());
        text
    }

    #[test]
    fn list_filters_by_kind_and_language() {
        let home = tempfile::tempdir().unwrap();
        let table =
            stdout(scriptorium(home.path()).args(["template", "list", "--kind", "translate"]));
        assert_eq!(table.lines().count(), 12, "{table}");
        assert!(table.lines().all(|l| l.contains(" translate ")), "{table}");
        assert!(table.contains("translate.subtitles") && table.contains("built-in"));

        let json = stdout(scriptorium(home.path()).args([
            "template", "list", "--kind", "chat", "--lang", "zh-CN", "--json",
        ]));
        let list: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
        assert_eq!(list.len(), 6);
        assert!(
            list.iter()
                .all(|t| t["language"] == "zh-CN" && t["kind"] == "chat")
        );
        assert_eq!(list[0]["origin"], "builtIn");
    }

    #[test]
    fn render_prints_the_exact_messages() {
        let home = tempfile::tempdir().unwrap();
        let story = home.path().join("story.txt");
        std::fs::write(&story, "It was night.\n\n").unwrap();
        let out = stdout(
            scriptorium(home.path())
                .args([
                    "template",
                    "render",
                    "story.continue",
                    "--var",
                    "words=120",
                    "--var-file",
                ])
                .arg(format!("text={}", story.display())),
        );
        assert!(
            out.starts_with("── system ──\nYou are a skilled novelist"),
            "{out}"
        );
        assert!(
            out.contains("── user ──\n<story>\nIt was night.\n</story>"),
            "{out}"
        );
        assert!(out.contains("for about 120 words"), "{out}");

        let json = stdout(scriptorium(home.path()).args([
            "template",
            "render",
            "utility.explain",
            "--lang",
            "zh-CN",
            "--var",
            "topic=潮汐",
            "--json",
        ]));
        let rendering: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(rendering["template"]["language"], "zh-CN");
        assert_eq!(rendering["prompt"]["format"], "chat");
        assert_eq!(rendering["prompt"]["messages"][1]["content"], "潮汐");
        assert_eq!(rendering["params"]["temperature"], 0.5);
    }

    #[test]
    fn render_errors_are_one_line() {
        let home = tempfile::tempdir().unwrap();
        let line =
            one_line_error(scriptorium(home.path()).args(["template", "render", "story.continue"]));
        assert_eq!(
            line,
            "error: Template “Continue the story” (story.continue): `text` needs a value.\n"
        );
        let line = one_line_error(scriptorium(home.path()).args([
            "template",
            "render",
            "utility.summarize",
            "--var",
            "text=a",
            "--var",
            "length=epic",
        ]));
        assert!(
            line.contains("`length` must be one of \"one_line\", \"short\", \"detailed\""),
            "{line}"
        );
        let line = one_line_error(scriptorium(home.path()).args([
            "template",
            "render",
            "utility.summarize",
            "--var",
            "text",
        ]));
        assert!(line.contains("is not --var NAME=VALUE"), "{line}");
    }

    #[test]
    fn import_show_and_export_round_trip() {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join("haiku.md");
        std::fs::write(&file, super::CUSTOM).unwrap();
        scriptorium(home.path())
            .args(["template", "import"])
            .arg(&file)
            .assert()
            .success()
            .stdout(
                predicate::str::contains("added").and(predicate::str::contains("my.haiku (en)")),
            );
        let line = one_line_error(
            scriptorium(home.path())
                .args(["template", "import"])
                .arg(&file),
        );
        assert!(line.contains("already exists"), "{line}");
        scriptorium(home.path())
            .args(["template", "import", "--replace"])
            .arg(&file)
            .assert()
            .success()
            .stdout(predicate::str::contains("replaced"));

        assert_eq!(
            stdout(scriptorium(home.path()).args(["template", "show", "my.haiku"])),
            super::CUSTOM
        );
        let out = home.path().join("out");
        let written = stdout(
            scriptorium(home.path())
                .args(["template", "export", "my.haiku", "chat.editor", "-o"])
                .arg(&out),
        );
        assert_eq!(written.lines().count(), 3, "{written}");
        assert_eq!(
            std::fs::read_to_string(out.join("my.haiku.en.md")).unwrap(),
            super::CUSTOM
        );
        assert!(out.join("chat.editor.zh-CN.md").is_file());

        let line = one_line_error(
            scriptorium(home.path())
                .args(["template", "export", "nope", "-o"])
                .arg(&out),
        );
        assert_eq!(line, "error: There is no template \"nope\".\n");
    }

    #[test]
    fn a_broken_import_names_the_file_and_line() {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join("bad.md");
        std::fs::write(
            &file,
            super::CUSTOM.replace("kind = \"utility\"", "kind = \"persona\""),
        )
        .unwrap();
        let line = one_line_error(
            scriptorium(home.path())
                .args(["template", "import"])
                .arg(&file),
        );
        assert!(line.contains("bad.md"), "{line}");
        assert!(line.contains("line 4"), "{line}");
        assert!(line.contains("persona"), "{line}");
    }
}
