//! A short list of small models that run well on a laptop, offered for
//! download on the first run.

use serde::Serialize;

use super::manager::{EXTENSION, HubFile};

/// A model offered for download: a Q4_K_M GGUF file on the Hugging Face hub.
///
/// `size` is approximate, to help choose and to show before the download
/// starts; the hub's answer is what the download checks against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CatalogEntry {
    /// A short name for the command line: `scriptorium model download qwen2.5-1.5b`.
    pub key: &'static str,
    pub name: &'static str,
    pub repo: &'static str,
    pub file: &'static str,
    /// Approximate size in bytes.
    pub size: u64,
    pub description: &'static str,
    /// The one to offer first.
    pub recommended: bool,
}

pub const CATALOG: &[CatalogEntry] = &[
    CatalogEntry {
        key: "qwen2.5-1.5b",
        name: "Qwen2.5 1.5B Instruct",
        repo: "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
        file: "qwen2.5-1.5b-instruct-q4_k_m.gguf",
        size: 1_120_000_000,
        description: "Small and quick, good at chat and translation in English, Chinese and 27 more languages.",
        recommended: true,
    },
    CatalogEntry {
        key: "qwen3-1.7b",
        name: "Qwen3 1.7B",
        repo: "unsloth/Qwen3-1.7B-GGUF",
        file: "Qwen3-1.7B-Q4_K_M.gguf",
        size: 1_110_000_000,
        description: "Thinks before it answers; strong at reasoning for its size, multilingual.",
        recommended: false,
    },
    CatalogEntry {
        key: "qwen3-0.6b",
        name: "Qwen3 0.6B",
        repo: "unsloth/Qwen3-0.6B-GGUF",
        file: "Qwen3-0.6B-Q4_K_M.gguf",
        size: 397_000_000,
        description: "The smallest and fastest: for older machines and quick drafts.",
        recommended: false,
    },
    CatalogEntry {
        key: "llama3.2-3b",
        name: "Llama 3.2 3B Instruct",
        repo: "bartowski/Llama-3.2-3B-Instruct-GGUF",
        file: "Llama-3.2-3B-Instruct-Q4_K_M.gguf",
        size: 2_020_000_000,
        description: "Meta's larger small model: better stories and English prose, slower.",
        recommended: false,
    },
    CatalogEntry {
        key: "gemma3-1b",
        name: "Gemma 3 1B it",
        repo: "ggml-org/gemma-3-1b-it-GGUF",
        file: "gemma-3-1b-it-Q4_K_M.gguf",
        size: 806_000_000,
        description: "Google's compact chat model, with a long context.",
        recommended: false,
    },
    CatalogEntry {
        key: "smollm2-1.7b",
        name: "SmolLM2 1.7B Instruct",
        repo: "bartowski/SmolLM2-1.7B-Instruct-GGUF",
        file: "SmolLM2-1.7B-Instruct-Q4_K_M.gguf",
        size: 1_060_000_000,
        description: "Fully open (data and training code), English-centred.",
        recommended: false,
    },
];

impl CatalogEntry {
    /// The entry with this key, or for this repository.
    pub fn find(key_or_repo: &str) -> Option<&'static CatalogEntry> {
        CATALOG
            .iter()
            .find(|entry| entry.key == key_or_repo || entry.repo.eq_ignore_ascii_case(key_or_repo))
    }

    /// The id the model has once downloaded.
    pub fn model_id(&self) -> &'static str {
        self.file
            .strip_suffix(&format!(".{EXTENSION}")[..])
            .unwrap_or(self.file)
    }

    pub fn hub_file(&self) -> HubFile {
        HubFile::new(self.repo, self.file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_recommended_and_every_entry_downloadable() {
        assert_eq!(CATALOG.iter().filter(|e| e.recommended).count(), 1);
        for entry in CATALOG {
            let url = entry
                .hub_file()
                .url(&url::Url::parse("https://huggingface.co").unwrap())
                .unwrap();
            assert!(url.path().ends_with(entry.file), "{url}");
            assert_eq!(
                entry.hub_file().local_name().unwrap(),
                format!("{}.gguf", entry.model_id())
            );
            assert!(entry.file.to_ascii_lowercase().contains("q4_k_m"));
            assert!(entry.description.ends_with('.'));
            assert_eq!(CatalogEntry::find(entry.key), Some(entry));
            assert_eq!(CatalogEntry::find(entry.repo), Some(entry));
        }
        assert_eq!(
            CatalogEntry::find("qwen2.5-1.5b").unwrap().model_id(),
            "qwen2.5-1.5b-instruct-q4_k_m"
        );
    }

    /// The window shows each description from its own translations (see
    /// `catalogDescription` in ui/src/models/format.ts): the English ones
    /// must say what the catalog says.
    #[test]
    fn the_interface_describes_every_entry_as_the_catalog_does() {
        let english: serde_json::Value =
            serde_json::from_str(include_str!("../../../ui/src/i18n/en.json")).unwrap();
        let descriptions = &english["models"]["catalog"]["descriptions"];
        for entry in CATALOG {
            let key: String = entry
                .key
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            assert_eq!(descriptions[&key], entry.description, "{}", entry.key);
        }
    }
}
