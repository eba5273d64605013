"""Tiny tokenizer vocabularies for the fixture models.

Two kinds, as llama.cpp knows them:

* SentencePiece-BPE ("llama" in GGUF): pieces with scores, `▁` for spaces,
  `<0xXX>` byte-fallback tokens. Llama 2 / Mistral / Phi-3 / Gemma use it.
* Byte-level BPE ("gpt2" in GGUF): GPT-2's byte-to-unicode alphabet plus
  ranked merges, split first by a model-specific regex (Llama 3, Qwen).

Both are trained here on a small built-in corpus by a plain, deterministic
BPE loop (count pairs, merge the most frequent, ties broken by the pair's
text) so that re-running gives the same vocabulary on any machine. The
`tokenizers` package's own trainer is not used for that: its tie-breaking
depends on hash-map order.

The Hugging Face `tokenizer.json` beside each model is built with the
`tokenizers` package from the same vocabulary, the way the original
models' files are laid out, so the GGUF metadata reads as if it had been
converted from that file.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
from tokenizers import pre_tokenizers, processors

# Mixed corpus: English prose, chat-like lines, code, Chinese and emoji.
# Some Chinese characters and emoji occur once only: the SentencePiece vocab
# leaves those out, so they must go through byte fallback, and the byte-level
# vocab leaves their byte sequences unmerged.
CORPUS = """\
The quick brown fox jumps over the lazy dog. The dog sleeps in the sun, and the fox runs into the forest.
A small model can still learn the shape of a language: the words, the spaces, the punctuation and the numbers.
When the weather is good, we walk along the river and talk about books, music and the next trip to the mountains.
Hello! How are you today? I am fine, thank you. What would you like to do this afternoon?
Please write a short story about a robot who learns to paint. The robot paints the sky, the sea and the city at night.
In 2024 the team shipped version 1.2.3 of the tool; it runs on Linux, macOS and Windows, and it reads files of 10 MB in 0.5 seconds.
You are a helpful assistant. Answer the question as well as you can, and say so when you do not know the answer.
The user asked: "Can you explain how a transformer works?" The assistant said: "It reads the tokens, mixes them with attention, and predicts the next one."
Tokens, embeddings, attention heads, feed forward layers and the output head: that is the whole model.
    Indented lines keep their spaces.  Two spaces here.   Three spaces there.
Line one
Line two

Line four after an empty line.
def greet(name: str) -> str:
    \"\"\"Return a greeting for name.\"\"\"
    return f"Hello, {name}!"

for i in range(10):
    if i % 2 == 0:
        print(i, greet("world"))

fn main() {
    let numbers = vec![1, 2, 3, 4, 5];
    let total: i32 = numbers.iter().map(|x| x * 2).sum();
    println!("total = {}", total);
}

const add = (a, b) => a + b;
console.log(add(2, 3));
SELECT name, count(*) FROM users WHERE active = 1 GROUP BY name ORDER BY name;
{"role": "user", "content": "hello"}, {"role": "assistant", "content": "hi"}
我们今天去公园散步。天气很好，我们很高兴。
你好，世界！我是一个小模型，我会说中文和英文。
今天我们学习中文，明天我们学习英文。学习很有意思。
这个模型很小，但是它可以生成文字。我们用它来测试。
我想在公园里看书，你想去哪里？我们一起去吧。
中文和英文混在一起：我喜欢 Rust 和 Python，也喜欢 coffee。
Emoji time: 😀 😀 👋 👋 🎉 🎉 ❤️ ❤️ 👍 👍 and one rocket 🚀 and one crab 🦀.
Good morning 😀! Good night 👋! Party 🎉! Love ❤️! Yes 👍!
The end of the story is near, but the river keeps running and the fox keeps running too.
"""


# --- GPT-2 byte-level alphabet ---------------------------------------------------------------

def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_ENCODER = bytes_to_unicode()


# --- deterministic BPE ---------------------------------------------------------------------

def train_bpe(word_counts: dict[tuple[str, ...], int], n_merges: int, min_count: int = 2) -> list[tuple[str, str]]:
    """Classic BPE: repeatedly merge the most frequent adjacent pair.

    Ties go to the lexicographically smallest pair so the result does not
    depend on dict or hash order."""
    words = {w: c for w, c in word_counts.items() if len(w) > 1}
    merges: list[tuple[str, str]] = []
    for _ in range(n_merges):
        pairs: Counter[tuple[str, str]] = Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        if best[1] < min_count:
            break
        a, b = best[0]
        merges.append((a, b))
        merged = a + b
        new_words: dict[tuple[str, ...], int] = {}
        for w, c in words.items():
            out: list[str] = []
            i = 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    out.append(merged)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            t = tuple(out)
            if len(t) > 1:
                new_words[t] = new_words.get(t, 0) + c
        words = new_words
    return merges


# --- SentencePiece-style vocab -------------------------------------------------------------

SPIECE = "\u2581"  # ▁


def _char_class(ch: str) -> str:
    """Coarse script classes: SentencePiece does not merge across scripts or digits."""
    if ch.isdigit():
        return "digit"
    cat = unicodedata.category(ch)
    if cat.startswith("L"):
        if "CJK" in unicodedata.name(ch, ""):
            return "han"
        return "letter"
    return "other:" + ch if cat.startswith("S") else "punct"


def _spm_words(text: str, add_prefix: bool, keep: set[str]) -> list[tuple[str, ...]]:
    words: list[tuple[str, ...]] = []
    for line in text.split("\n"):
        if not line:
            continue
        t = (" " + line if add_prefix else line).replace(" ", SPIECE)
        # a word is `▁` + a run of one character class; runs of `▁` alone are whitespace words
        for m in re.finditer(SPIECE + "+(?=" + SPIECE + ")|" + SPIECE + "?[^" + SPIECE + "]+|" + SPIECE + "+", t):
            piece = m.group(0)
            # split further at class changes and at characters left out of the vocab
            cur: list[str] = []
            prev_cls = None
            for ch in piece:
                if ch not in keep:
                    if cur:
                        words.append(tuple(cur))
                    cur, prev_cls = [], None
                    continue
                cls = "space" if ch == SPIECE else _char_class(ch)
                if cur and prev_cls not in (None, "space") and cls != prev_cls:
                    words.append(tuple(cur))
                    cur = []
                cur.append(ch)
                prev_cls = cls
            if cur:
                words.append(tuple(cur))
    return words


@dataclass
class SpmVocab:
    """Tokens in id order with SentencePiece scores and GGUF token types."""
    tokens: list[str]
    scores: list[float]
    types: list[int]               # gguf.TokenType values
    specials: dict[str, int]       # control/unknown tokens -> id
    rstrip: set[str] = field(default_factory=set)   # added tokens that eat whitespace to their right


# gguf.TokenType values, spelled out so this module does not need gguf
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def build_spm_vocab(specials_before_bytes: list[tuple[str, int]], n_merges: int, add_prefix: bool,
                    min_char_count: int = 2) -> SpmVocab:
    """Layout as in Llama 2 / Gemma tokenizer.model: special pieces, the 256 byte
    pieces, merged pieces by decreasing score, then single characters."""
    text = CORPUS
    chars = Counter(ch for ch in text.replace(" ", SPIECE) if ch != "\n")
    if add_prefix:
        chars[SPIECE] += text.count("\n")
    keep = {ch for ch, c in chars.items() if c >= min_char_count}
    word_counts = Counter(_spm_words(text, add_prefix, keep))
    merges = train_bpe(word_counts, n_merges)

    tokens: list[str] = []
    types: list[int] = []
    specials: dict[str, int] = {}
    for tok, typ in specials_before_bytes:
        specials[tok] = len(tokens)
        tokens.append(tok)
        types.append(typ)
    for b in range(256):
        tokens.append(f"<0x{b:02X}>")
        types.append(BYTE)
    scores = [0.0] * len(tokens)
    seen = set(tokens)
    rank = 0
    for a, b in merges:
        piece = a + b
        if piece in seen:
            continue
        seen.add(piece)
        tokens.append(piece)
        types.append(NORMAL)
        scores.append(-float(rank))
        rank += 1
    # single characters last, most frequent first (ties by code point)
    for ch, _ in sorted(((ch, c) for ch, c in chars.items() if ch in keep), key=lambda kv: (-kv[1], kv[0])):
        if ch in seen:
            continue
        seen.add(ch)
        tokens.append(ch)
        types.append(NORMAL)
        scores.append(-float(rank))
        rank += 1
    return SpmVocab(tokens, scores, types, specials)


def spm_merges_for_hf(tokens: list[str], scores: list[float], types: list[int]) -> list[tuple[str, str]]:
    """Merges the way transformers' SentencePieceExtractor derives them from a
    tokenizer.model: every split of a piece into two pieces of the vocab,
    ordered by the piece's score (highest first), then by the parts' ids."""
    vocab = {t: i for i, t in enumerate(tokens) if types[i] in (NORMAL, BYTE, UNKNOWN, CONTROL)}
    local_all: list[tuple[str, str, float, int]] = []
    for piece, pid in vocab.items():
        if types[pid] != NORMAL:
            continue
        local = []
        for k in range(1, len(piece)):
            l, r = piece[:k], piece[k:]
            if l in vocab and r in vocab:
                local.append((l, r, scores[pid], pid))
        local.sort(key=lambda x: (vocab[x[0]], vocab[x[1]]))
        local_all.extend(local)
    # stable sort by score descending keeps the per-piece order
    local_all.sort(key=lambda x: -x[2])
    return [(l, r) for l, r, _, _ in local_all]


# --- byte-level BPE vocab ------------------------------------------------------------------

# Pre-tokenizer regexes as written in the original tokenizer.json files.
LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")


def bytelevel_pre_tokenizer(regex: str) -> pre_tokenizers.PreTokenizer:
    return pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(regex), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])


@dataclass
class BpeVocab:
    tokens: list[str]
    types: list[int]
    merges: list[tuple[str, str]]
    n_base: int                     # ids below this are the BPE model's own vocab
    added: list[tuple[str, bool]]   # (content, special) for ids n_base.. in order


def build_bytelevel_vocab(regex: str, n_merges: int, added: list[tuple[str, bool]]) -> BpeVocab:
    pre = bytelevel_pre_tokenizer(regex)
    word_counts: Counter[tuple[str, ...]] = Counter()
    for line in CORPUS.splitlines(keepends=True):
        for piece, _ in pre.pre_tokenize_str(line):
            word_counts[tuple(piece)] += 1
    merges = train_bpe(word_counts, n_merges)
    tokens = [BYTE_ENCODER[b] for b in range(256)]
    seen = set(tokens)
    for a, b in merges:
        assert a + b not in seen, (a, b)
        seen.add(a + b)
        tokens.append(a + b)
    types = [NORMAL] * len(tokens)
    n_base = len(tokens)
    for content, special in added:
        tokens.append(content)
        looks_special = content.startswith("<|") and content.endswith("|>")
        types.append(CONTROL if (special or looks_special) else USER_DEFINED)
    return BpeVocab(tokens, types, merges, n_base, added)


# --- tokenizer.json builders ---------------------------------------------------------------

def _finish(tok: Tokenizer, added: list[AddedToken]) -> str:
    # add_tokens / add_special_tokens keep the ids already in the vocab
    tok.add_tokens(added)
    return json.dumps(json.loads(tok.to_str()), ensure_ascii=False, indent=2) + "\n"


def spm_tokenizer_json(v: SpmVocab, *, add_prefix: bool, bos: str | None, unk: str,
                       n_real: int) -> str:
    """Llama-2-style (legacy) tokenizer.json for a SentencePiece-BPE vocab.

    n_real: number of leading ids that are real pieces (padding entries the
    GGUF has past them are not part of the Hugging Face vocabulary)."""
    tokens = v.tokens[:n_real]
    vocab = {t: i for i, t in enumerate(tokens)}
    merges = spm_merges_for_hf(tokens, v.scores, v.types)
    model = models.BPE(vocab=vocab, merges=merges, unk_token=unk, fuse_unk=True, byte_fallback=True)
    tok = Tokenizer(model)
    if add_prefix:
        tok.normalizer = normalizers.Sequence([normalizers.Prepend(SPIECE), normalizers.Replace(" ", SPIECE)])
        tok.decoder = decoders.Sequence([decoders.Replace(SPIECE, " "), decoders.ByteFallback(), decoders.Fuse(),
                                         decoders.Strip(" ", 1, 0)])
    else:
        tok.normalizer = normalizers.Replace(" ", SPIECE)
        tok.decoder = decoders.Sequence([decoders.Replace(SPIECE, " "), decoders.ByteFallback(), decoders.Fuse()])
    if bos is not None:
        tok.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, vocab[bos])])
    added = []
    for i, t in enumerate(tokens):
        if v.types[i] in (CONTROL, UNKNOWN):
            added.append(AddedToken(t, special=True, normalized=False, rstrip=t in v.rstrip))
        elif v.types[i] == USER_DEFINED:
            added.append(AddedToken(t, special=False, normalized=False, rstrip=t in v.rstrip))
    return _finish(tok, added)


def bytelevel_tokenizer_json(v: BpeVocab, *, regex: str, nfc: bool, ignore_merges: bool,
                             bos: str | None) -> str:
    vocab = {t: i for i, t in enumerate(v.tokens[:v.n_base])}
    model = models.BPE(vocab=vocab, merges=v.merges, ignore_merges=ignore_merges)
    tok = Tokenizer(model)
    if nfc:
        tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = bytelevel_pre_tokenizer(regex)
    tok.decoder = decoders.ByteLevel()
    if bos is not None:
        bos_id = v.tokens.index(bos)
        tok.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single=f"{bos} $A", pair=f"{bos} $A {bos} $B",
                                          special_tokens=[(bos, bos_id)]),
        ])
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    added = [AddedToken(content, special=special, normalized=False) for content, special in v.added]
    out = _finish(tok, added)
    check = Tokenizer.from_str(out)
    for i, (content, _) in enumerate(v.added):
        assert check.token_to_id(content) == v.n_base + i, content
    return out
