"""Chat-template rendering exactly as Hugging Face transformers does it.

transformers (chat_template_utils._compile_jinja_template / render_jinja_template)
compiles the template in an ImmutableSandboxedEnvironment with trim_blocks and
lstrip_blocks, the loopcontrols extension, its own `tojson` filter and the
`raise_exception` / `strftime_now` globals, then renders with `messages`,
`tools` (None when not given), `documents` (None), `add_generation_prompt`
and the tokenizer's special tokens (bos_token, eos_token, ...). That behaviour
is the specification the Rust side is tested against; llama.cpp's own
template engine is not used here.

`strftime_now` normally reads the clock; here it reads a fixed date so the
expected strings are reproducible.
"""

from __future__ import annotations

import json
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

# The date every rendering pretends it is (Llama 3.x puts it into the system header).
FIXED_NOW = datetime(2025, 1, 15, 12, 0, 0)


def _tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # transformers' override: unlike Jinja's built-in filter it does not HTML-escape
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def _raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def compile_template(template: str, now: datetime = FIXED_NOW) -> jinja2.Template:
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = lambda fmt: now.strftime(fmt)
    return env.from_string(template)


def render(template: str, messages: list[dict], *, add_generation_prompt: bool,
           special_tokens: dict[str, object], now: datetime = FIXED_NOW) -> str:
    """special_tokens: what transformers passes from tokenizer.special_tokens_map
    (only the tokens the tokenizer defines; an undefined one stays undefined)."""
    return compile_template(template, now).render(
        messages=messages,
        tools=None,
        documents=None,
        add_generation_prompt=add_generation_prompt,
        **special_tokens,
    )
