#!/usr/bin/env python3
"""Render the chat templates in tests/fixtures/chat_templates/ exactly as
Hugging Face transformers renders them, for the Rust tests to match byte for
byte.

Each `<name>.jinja` is a model's `chat_template` as published in its
tokenizer_config.json (sources below). For each one this writes
`<name>.expected.json`: the BOS and EOS tokens passed in, and per case the
messages, `add_generation_prompt`, extra keyword arguments, and either the
rendered text or the message of the exception the template raised.
`strftime_now` sees a fixed clock (FIXED_NOW) so outputs do not change.

Setup (once):
    python3 -m venv target/chat-templates-venv
    target/chat-templates-venv/bin/pip install jinja2 transformers
Run from the repository root:
    target/chat-templates-venv/bin/python scripts/models/render_chat_templates.py
"""

import datetime as _datetime
import json
from pathlib import Path

import jinja2
import transformers
from transformers.utils import chat_template_utils

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "chat_templates"

# 2025-03-05 09:07, a Wednesday: a one-digit day shows zero padding.
FIXED_NOW = _datetime.datetime(2025, 3, 5, 9, 7, 0)


class _FixedDatetime(_datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return FIXED_NOW


# transformers' strftime_now calls `datetime.now()` from this module.
chat_template_utils.datetime = _FixedDatetime

# name: (source of the template, bos_token, eos_token)
TEMPLATES = {
    "qwen2.5": ("Qwen/Qwen2.5-0.5B-Instruct tokenizer_config.json", None, "<|im_end|>"),
    "qwen3": ("Qwen/Qwen3-0.6B (llama.cpp models/templates/Qwen-Qwen3-0.6B.jinja)", None, "<|im_end|>"),
    "llama-3.2": (
        "meta-llama/Llama-3.2-3B-Instruct (llama.cpp models/templates)",
        "<|begin_of_text|>",
        "<|eot_id|>",
    ),
    "gemma-3": ("google/gemma-3-1b-it tokenizer_config.json", "<bos>", "<eos>"),
    "phi-3.5-mini": (
        "microsoft/Phi-3.5-mini-instruct (llama.cpp models/templates)",
        "<s>",
        "<|endoftext|>",
    ),
    "smollm2": ("HuggingFaceTB/SmolLM2-135M-Instruct tokenizer_config.json", "<|im_start|>", "<|im_end|>"),
    "mistral-nemo": (
        "mistralai/Mistral-Nemo-Instruct-2407 (llama.cpp models/templates)",
        "<s>",
        "</s>",
    ),
    "mixtral-8x7b": ("mistralai/Mixtral-8x7B-Instruct-v0.1 tokenizer_config.json", "<s>", "</s>"),
    "python-compat": ("written for these tests", "<s>", "</s>"),
}


def message(role, content):
    return {"role": role, "content": content}


ONE_USER = [message("user", "Hello!")]
TURNS = [
    message("user", "What is 2+2?"),
    message("assistant", "4"),
    message("user", "Why?"),
]
SYSTEM_AND_TURNS = [
    message("system", "You are a terse assistant.\n"),
    message("user", "  Translate 你好 into English, please.  "),
    message("assistant", "Hello 😀"),
    message("user", "And 世界?\n\nThanks."),
]
ENDS_WITH_ASSISTANT = [message("user", "Say hi."), message("assistant", "Hi!")]
ASSISTANT_FIRST = [message("assistant", "I speak first."), message("user", "Fine.")]
THINKING_HISTORY = [
    message("user", "Pick a number."),
    message("assistant", "<think>\nSeven is lucky.\n</think>\n\n7"),
    message("user", "Another?"),
]

# Sorted keys: the Rust side reads them into a sorted map.
PYTHON_COMPAT_EXTRA = {
    "extra": {
        "a": 1,
        "b": [1, 2.5, "ü 中文 😀", "<tag>&'\"\\\n\t\u0001\u007f"],
        "c": {"nested": None, "t": True},
        "empty": [],
        "emptyd": {},
        "floats": [1.0, 0.1, 1e-07, 1e16, 123456789.125, -0.0, 1e-05, 0.0001],
    }
}


def cases(name):
    """(case name, messages, add_generation_prompt, extra kwargs)."""
    common = [
        ("one_user", ONE_USER, True, {}),
        ("turns", TURNS, True, {}),
        ("ends_with_assistant", ENDS_WITH_ASSISTANT, False, {}),
        ("system_and_turns", SYSTEM_AND_TURNS, True, {}),
    ]
    specific = {
        "qwen3": [
            ("no_thinking", ONE_USER, True, {"enable_thinking": False}),
            ("thinking_history", THINKING_HISTORY, True, {}),
        ],
        "gemma-3": [("assistant_first", ASSISTANT_FIRST, True, {})],
        "mixtral-8x7b": [("assistant_first", ASSISTANT_FIRST, True, {})],
        "mistral-nemo": [("assistant_first", ASSISTANT_FIRST, True, {})],
        "phi-3.5-mini": [
            ("empty_system", [message("system", "")] + ONE_USER, False, {}),
        ],
        "python-compat": [
            ("compat", SYSTEM_AND_TURNS, True, PYTHON_COMPAT_EXTRA),
        ],
    }
    if name == "python-compat":
        return specific[name]
    return common + specific.get(name, [])


def render(source, messages, add_generation_prompt, bos_token, eos_token, extra):
    kwargs = dict(extra)
    # transformers passes the tokenizer's special tokens that are set.
    if bos_token is not None:
        kwargs["bos_token"] = bos_token
    if eos_token is not None:
        kwargs["eos_token"] = eos_token
    try:
        rendered, _ = chat_template_utils.render_jinja_template(
            conversations=[messages],
            chat_template=source,
            add_generation_prompt=add_generation_prompt,
            **kwargs,
        )
        return {"output": rendered[0]}
    except jinja2.exceptions.TemplateError as error:
        return {"error": str(error)}


def main():
    for name, (origin, bos_token, eos_token) in TEMPLATES.items():
        source = (FIXTURES / f"{name}.jinja").read_text(encoding="utf-8")
        expected = {
            "template": f"{name}.jinja",
            "origin": origin,
            "rendered_by": f"transformers {transformers.__version__}, jinja2 {jinja2.__version__}",
            "now": FIXED_NOW.isoformat(),
            "bos_token": bos_token,
            "eos_token": eos_token,
            "cases": [],
        }
        for case, messages, add_generation_prompt, extra in cases(name):
            result = render(source, messages, add_generation_prompt, bos_token, eos_token, extra)
            expected["cases"].append(
                {
                    "name": case,
                    "messages": messages,
                    "add_generation_prompt": add_generation_prompt,
                    "extra": extra,
                    **result,
                }
            )
        path = FIXTURES / f"{name}.expected.json"
        path.write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(FIXTURES.parents[2])}")


if __name__ == "__main__":
    main()
