//! The command registry and the TypeScript bindings generated from it.

use tauri_specta::{Builder, collect_commands};

use crate::commands;

pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new().commands(collect_commands![
        commands::startup_status,
        commands::get_settings,
        commands::update_settings,
        commands::doctor,
        commands::list_backends,
        commands::list_presets,
        commands::probe_local_servers,
        commands::add_backend,
        commands::update_backend,
        commands::set_backend_key,
        commands::delete_backend,
        commands::test_backend,
        commands::set_default_backend,
        commands::list_templates,
        commands::get_template,
        commands::preview_template,
        commands::template_starter,
        commands::save_template,
        commands::duplicate_template,
        commands::delete_template,
        commands::reset_template,
        commands::import_templates,
        commands::export_templates,
        commands::history_page,
        commands::history_facets,
        commands::get_generation,
        commands::set_favourite,
        commands::set_generation_tags,
        commands::delete_generations,
        commands::rerun_generation,
        commands::compare_generations,
        commands::export_history,
        commands::import_history,
        commands::history_stats,
        commands::list_conversations,
        commands::create_conversation,
        commands::get_conversation,
        commands::rename_conversation,
        commands::pin_conversation,
        commands::delete_conversation,
        commands::restore_conversation,
        commands::update_chat_settings,
        commands::send_turn,
        commands::stop_turn,
        commands::switch_branch,
        commands::delete_branch,
        commands::pin_message,
        commands::sent_request,
        commands::export_conversation,
        commands::import_conversation,
        commands::open_link,
        commands::list_local_models,
        commands::model_catalog,
        commands::import_model,
        commands::delete_model,
        commands::download_model,
        commands::cancel_download,
        commands::local_engine_status,
        commands::local_threads,
        commands::set_local_threads,
    ])
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use specta_typescript::Typescript;

    use super::*;
    use crate::command_names::COMMAND_NAMES;

    /// The generated file is type-checked where it is used, not on its own.
    fn typescript() -> Typescript {
        Typescript::default()
            .header("// @ts-nocheck")
            // Row ids and counts stay far below 2^53.
            .bigint(specta_typescript::BigIntExportBehavior::Number)
    }

    fn committed_bindings() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts")
    }

    fn generated_bindings() -> String {
        let out = tempfile::NamedTempFile::new().unwrap();
        builder().export(typescript(), out.path()).unwrap();
        std::fs::read_to_string(out.path()).unwrap()
    }

    /// Run `make bindings` after changing a command or a type it carries.
    #[test]
    fn committed_bindings_match_the_rust_types() {
        let generated = generated_bindings();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(committed_bindings(), &generated).unwrap();
        }
        let committed = std::fs::read_to_string(committed_bindings()).unwrap_or_default();
        assert!(
            committed == generated,
            "ui/src/bindings.ts is out of date: run `make bindings`"
        );
    }

    #[test]
    fn every_command_is_registered_permitted_and_bound() {
        let bindings = generated_bindings();
        let mut bound: Vec<&str> = bindings
            .split("TAURI_INVOKE(\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap())
            .collect();
        bound.sort_unstable();

        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/main.json")).unwrap();
        let mut permitted: Vec<String> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
            .map(|name| name.replace('-', "_"))
            .collect();
        permitted.sort_unstable();

        let mut declared = COMMAND_NAMES.to_vec();
        declared.sort_unstable();
        assert_eq!(bound, declared, "bindings vs command_names.rs");
        assert_eq!(
            permitted, declared,
            "capabilities/main.json vs command_names.rs"
        );
    }

    #[test]
    fn the_window_gets_no_plugin_scopes() {
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/main.json")).unwrap();
        for permission in capability["permissions"].as_array().unwrap() {
            let name = permission.as_str().expect("plain permission names only");
            // The open-file dialog only hands back the path picked.
            assert!(
                !name.contains(':') || name == "dialog:allow-open",
                "{name} gives the webview I/O"
            );
        }
    }
}
