#!/usr/bin/env python3
"""A random-weight model with the exact shape of Qwen2.5-0.5B-Instruct, for speed tests.

Writes into target/bench-models/ (git-ignored, ~530 MB + ~400 MB):

  qwen2.5-0.5b-shape-q8_0.gguf     written here, 2-D weights Q8_0
  qwen2.5-0.5b-shape-q4_k_m.gguf   quantized by llama.cpp (llama_model_quantize)
                                   from a temporary F16 copy, as real Q4_K_M files are

Shape: 24 layers, n_embd 896, 14 heads of 64, 2 KV heads, n_ff 4864,
vocab 151936, q/k/v biases, embeddings tied to the output head, rope base
1e6. The weights are random, so the text it produces is noise; only the
arithmetic matters. The tokenizer metadata is a synthesized byte-level BPE
vocabulary of the real size (151643 regular tokens, Qwen's 22 added tokens,
[PADn] up to 151936) so loading costs what a real file costs.

    python scripts/models/make_bench_model.py [--out target/bench-models] [--skip-q4]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

import gguf

# no __pycache__ next to the committed scripts
sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import vocab as V  # noqa: E402
from make_fixtures import QWEN25_ADDED, TEMPLATES  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

N_LAYER, N_EMBD, N_HEAD, N_HEAD_KV, HEAD_DIM, N_FF = 24, 896, 14, 2, 64, 4864
N_VOCAB, N_REGULAR = 151936, 151643
CTX = 32768


def synth_vocab() -> tuple[list[str], list[int], list[str]]:
    """256 byte symbols, then every 2-symbol string, then 3-symbol strings until
    N_REGULAR; each longer token is its prefix merged with its last symbol."""
    base = [V.BYTE_ENCODER[b] for b in range(256)]
    tokens = list(base)
    merges: list[str] = []
    for a in base:
        for b in base:
            tokens.append(a + b)
            merges.append(f"{a} {b}")
    i = 0
    while len(tokens) < N_REGULAR:
        pair = tokens[256 + i // 256]
        last = base[i % 256]
        tokens.append(pair + last)
        merges.append(f"{pair} {last}")
        i += 1
    types = [V.NORMAL] * len(tokens)
    for content, special in QWEN25_ADDED:
        tokens.append(content)
        looks_special = content.startswith("<|") and content.endswith("|>")
        types.append(V.CONTROL if (special or looks_special) else V.USER_DEFINED)
    while len(tokens) < N_VOCAB:
        tokens.append(f"[PAD{len(tokens)}]")
        types.append(V.UNUSED)
    return tokens, types, merges


def write(path: Path, weight_type: gguf.GGMLQuantizationType, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    tokens, types, merges = synth_vocab()
    ftype = gguf.LlamaFileType.MOSTLY_Q8_0 if weight_type == gguf.GGMLQuantizationType.Q8_0 \
        else gguf.LlamaFileType.MOSTLY_F16

    w = gguf.GGUFWriter(str(path), "qwen2", use_temp_file=False)
    w.add_type(gguf.GGUFType.MODEL)
    w.add_name("Qwen2.5 0.5B Shape Random")
    w.add_block_count(N_LAYER)
    w.add_context_length(CTX)
    w.add_embedding_length(N_EMBD)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_rope_freq_base(1000000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_file_type(int(ftype))
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    eot, im_end = tokens.index("<|endoftext|>"), tokens.index("<|im_end|>")
    w.add_bos_token_id(eot)
    w.add_eos_token_id(im_end)
    w.add_pad_token_id(eot)
    w.add_add_bos_token(False)
    w.add_chat_template(TEMPLATES["qwen2.5"])

    # Tensors are generated one at a time while writing, so memory stays at
    # the size of the largest one (the embedding, ~545 MB as float32).
    def lin(out: int, inp: int, gain: float = 1.0) -> np.ndarray:
        return (rng.standard_normal((out, inp), dtype=np.float32) * np.float32(gain / math.sqrt(inp)))

    def norm(n: int) -> np.ndarray:
        return (1.0 + 0.1 * rng.standard_normal(n, dtype=np.float32)).astype(np.float32)

    def bias(n: int) -> np.ndarray:
        return (0.1 * rng.standard_normal(n, dtype=np.float32)).astype(np.float32)

    specs: list[tuple[str, tuple[int, ...], bool]] = [("token_embd.weight", (N_VOCAB, N_EMBD), True)]
    q, kv = N_HEAD * HEAD_DIM, N_HEAD_KV * HEAD_DIM
    for i in range(N_LAYER):
        p = f"blk.{i}."
        specs += [
            (p + "attn_norm.weight", (N_EMBD,), False),
            (p + "attn_q.weight", (q, N_EMBD), True), (p + "attn_q.bias", (q,), False),
            (p + "attn_k.weight", (kv, N_EMBD), True), (p + "attn_k.bias", (kv,), False),
            (p + "attn_v.weight", (kv, N_EMBD), True), (p + "attn_v.bias", (kv,), False),
            (p + "attn_output.weight", (N_EMBD, q), True),
            (p + "ffn_norm.weight", (N_EMBD,), False),
            (p + "ffn_gate.weight", (N_FF, N_EMBD), True),
            (p + "ffn_up.weight", (N_FF, N_EMBD), True),
            (p + "ffn_down.weight", (N_EMBD, N_FF), True),
        ]
    specs.append(("output_norm.weight", (N_EMBD,), False))

    def make(name: str, shape: tuple[int, ...]) -> np.ndarray:
        if len(shape) == 2:
            return lin(*shape) if name != "token_embd.weight" else rng.standard_normal(shape, dtype=np.float32)
        if name.endswith(".bias"):
            return bias(shape[0])
        return norm(shape[0])

    # the header needs every tensor's type and shape before any data
    Q8 = gguf.GGMLQuantizationType.Q8_0
    for name, shape, is_2d in specs:
        if is_2d and weight_type == Q8:
            bshape = gguf.quant_shape_to_byte_shape(shape, Q8)
            w.add_tensor_info(name, bshape, np.dtype(np.uint8), int(np.prod(bshape)), raw_dtype=Q8)
        elif is_2d:
            w.add_tensor_info(name, shape, np.dtype(np.float16), int(np.prod(shape)) * 2)
        else:
            w.add_tensor_info(name, shape, np.dtype(np.float32), int(np.prod(shape)) * 4)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    for name, shape, is_2d in specs:
        data = make(name, shape)
        if is_2d and weight_type == gguf.GGMLQuantizationType.Q8_0:
            data = gguf.quants.quantize(data, gguf.GGMLQuantizationType.Q8_0)
        elif is_2d:
            data = data.astype(np.float16)
        w.write_tensor_data(data)
    w.close()


def quantize_q4_k_m(src: Path, dst: Path, threads: int) -> None:
    import llama_cpp
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M
    params.nthread = threads
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), params)
    if rc != 0:
        raise SystemExit(f"llama_model_quantize failed with {rc}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "target" / "bench-models")
    ap.add_argument("--skip-q4", action="store_true", help="only the Q8_0 file")
    ap.add_argument("--threads", type=int, default=2, help="threads for llama.cpp's quantizer")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    q8 = args.out / "qwen2.5-0.5b-shape-q8_0.gguf"
    write(q8, gguf.GGMLQuantizationType.Q8_0)
    print(f"{q8}: {q8.stat().st_size} bytes", flush=True)
    if args.skip_q4:
        return
    f16 = args.out / "qwen2.5-0.5b-shape-f16.tmp.gguf"
    q4 = args.out / "qwen2.5-0.5b-shape-q4_k_m.gguf"
    try:
        write(f16, gguf.GGMLQuantizationType.F16)
        quantize_q4_k_m(f16, q4, args.threads)
    finally:
        f16.unlink(missing_ok=True)
    print(f"{q4}: {q4.stat().st_size} bytes", flush=True)


if __name__ == "__main__":
    main()
