//! Known OpenAI-compatible services: base URL and sensible defaults.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Preset {
    pub id: &'static str,
    pub name: &'static str,
    pub base_url: &'static str,
    /// A good first model; the server's model list has the rest.
    pub default_model: Option<&'static str>,
    pub needs_key: bool,
    /// A server on this machine, probed on first run.
    pub local: bool,
}

const fn remote(
    id: &'static str,
    name: &'static str,
    base_url: &'static str,
    model: &'static str,
) -> Preset {
    Preset {
        id,
        name,
        base_url,
        default_model: Some(model),
        needs_key: true,
        local: false,
    }
}

const fn local(id: &'static str, name: &'static str, base_url: &'static str) -> Preset {
    Preset {
        id,
        name,
        base_url,
        default_model: None,
        needs_key: false,
        local: true,
    }
}

pub const PRESETS: &[Preset] = &[
    remote(
        "openai",
        "OpenAI",
        "https://api.openai.com/v1",
        "gpt-4o-mini",
    ),
    remote(
        "deepseek",
        "DeepSeek",
        "https://api.deepseek.com/v1",
        "deepseek-chat",
    ),
    remote(
        "qwen",
        "Qwen (DashScope)",
        "https://dashscope.aliyuncs.com/compatible-mode/v1",
        "qwen-plus",
    ),
    remote(
        "moonshot",
        "Moonshot",
        "https://api.moonshot.cn/v1",
        "moonshot-v1-8k",
    ),
    remote(
        "zhipu",
        "Zhipu GLM",
        "https://open.bigmodel.cn/api/paas/v4",
        "glm-4-flash",
    ),
    remote(
        "siliconflow",
        "SiliconFlow",
        "https://api.siliconflow.cn/v1",
        "Qwen/Qwen2.5-7B-Instruct",
    ),
    remote(
        "openrouter",
        "OpenRouter",
        "https://openrouter.ai/api/v1",
        "openai/gpt-4o-mini",
    ),
    remote(
        "groq",
        "Groq",
        "https://api.groq.com/openai/v1",
        "llama-3.1-8b-instant",
    ),
    remote(
        "together",
        "Together",
        "https://api.together.xyz/v1",
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
    ),
    remote(
        "mistral",
        "Mistral",
        "https://api.mistral.ai/v1",
        "mistral-small-latest",
    ),
    local("ollama", "Ollama", "http://127.0.0.1:11434/v1"),
    local("lmstudio", "LM Studio", "http://127.0.0.1:1234/v1"),
    local("llamacpp", "llama.cpp server", "http://127.0.0.1:8080/v1"),
    local("vllm", "vLLM", "http://127.0.0.1:8000/v1"),
];

pub fn find(id: &str) -> Option<&'static Preset> {
    PRESETS
        .iter()
        .find(|preset| preset.id.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_unique_and_well_formed() {
        let mut ids: Vec<_> = PRESETS.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), PRESETS.len());
        for preset in PRESETS {
            let url = url::Url::parse(preset.base_url).unwrap();
            assert!(!preset.base_url.ends_with('/'), "{}", preset.id);
            assert_eq!(
                preset.local,
                url.host_str() == Some("127.0.0.1"),
                "{}",
                preset.id
            );
            assert_eq!(preset.needs_key, !preset.local, "{}", preset.id);
        }
        assert_eq!(find("DeepSeek").unwrap().id, "deepseek");
    }
}
