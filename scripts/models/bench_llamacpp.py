#!/usr/bin/env python3
"""llama.cpp's prompt-processing and decode speed on one GGUF file.

    python scripts/models/bench_llamacpp.py MODEL [--threads N] [--prompt-tokens 512]
        [--decode-tokens 128] [--rounds 5] [--json]

What is measured, per round, as llama-bench does it:

* pp: one llama_decode of `--prompt-tokens` tokens into an empty KV cache
  (n_batch = n_ubatch = prompt length, so a single batch);
* tg: `--decode-tokens` llama_decode calls of one token each, following that
  prompt, with no sampling (the next token id is fixed and taken from the
  same random sequence), so only the model's arithmetic is timed.

Token ids are drawn with a fixed seed from the regular vocabulary (control
and unused tokens excluded). One warm-up round is run and discarded; the
reported figure is the median tokens/s over the rounds. Defaults of the
llama.cpp context are kept (f16 KV cache, flash attention chosen by
llama.cpp), and reported.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt-tokens", type=int, default=512)
    ap.add_argument("--decode-tokens", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON object (default: a short text summary)")
    args = ap.parse_args()

    import llama_cpp as L

    L.llama_backend_init()
    # silence llama.cpp's loader log; the callback must outlive every llama.cpp call
    quiet = L.llama_log_callback(lambda level, text, data: None)
    L.llama_log_set(quiet, ctypes.c_void_p(0))

    mparams = L.llama_model_default_params()
    t0 = time.perf_counter()
    model = L.llama_model_load_from_file(str(args.model).encode(), mparams)
    if not model:
        sys.exit(f"cannot load {args.model}")
    load_s = time.perf_counter() - t0
    vocab = L.llama_model_get_vocab(model)
    n_vocab = L.llama_vocab_n_tokens(vocab)

    n_ctx = args.prompt_tokens + args.decode_tokens
    cparams = L.llama_context_default_params()
    cparams.n_ctx = n_ctx
    cparams.n_batch = args.prompt_tokens
    cparams.n_ubatch = args.prompt_tokens
    cparams.n_seq_max = 1
    cparams.n_threads = args.threads
    cparams.n_threads_batch = args.threads
    cparams.no_perf = True
    ctx = L.llama_init_from_model(model, cparams)
    if not ctx:
        sys.exit("cannot create a context")

    # regular tokens only: ids whose attribute is plain "normal"
    normal = [i for i in range(n_vocab) if L.llama_vocab_get_attr(vocab, i) == L.LLAMA_TOKEN_ATTR_NORMAL]
    rng = np.random.default_rng(args.seed)
    ids = rng.choice(np.array(normal, dtype=np.int32), size=n_ctx)
    prompt = (L.llama_token * args.prompt_tokens)(*ids[:args.prompt_tokens].tolist())
    follow = [int(x) for x in ids[args.prompt_tokens:]]
    mem = L.llama_get_memory(ctx)

    def one_round() -> tuple[float, float]:
        L.llama_memory_clear(mem, True)
        t = time.perf_counter()
        if L.llama_decode(ctx, L.llama_batch_get_one(prompt, args.prompt_tokens)) != 0:
            sys.exit("llama_decode failed (prompt)")
        L.llama_synchronize(ctx)
        pp = time.perf_counter() - t
        tok = (L.llama_token * 1)()
        t = time.perf_counter()
        for nxt in follow:
            tok[0] = nxt
            if L.llama_decode(ctx, L.llama_batch_get_one(tok, 1)) != 0:
                sys.exit("llama_decode failed (decode)")
            L.llama_synchronize(ctx)
        tg = time.perf_counter() - t
        return args.prompt_tokens / pp, args.decode_tokens / tg

    one_round()  # warm-up: page in the weights, size the buffers
    pps, tgs = [], []
    for _ in range(args.rounds):
        pp, tg = one_round()
        pps.append(pp)
        tgs.append(tg)

    result = {
        "engine": "llama.cpp",
        "llama_cpp_python": L.__version__,
        "model": str(args.model),
        "model_bytes": args.model.stat().st_size,
        "threads": args.threads,
        "prompt_tokens": args.prompt_tokens,
        "decode_tokens": args.decode_tokens,
        "rounds": args.rounds,
        "load_s": round(load_s, 3),
        "pp_tokens_per_s": round(statistics.median(pps), 2),
        "tg_tokens_per_s": round(statistics.median(tgs), 2),
        "pp_tokens_per_s_all": [round(x, 2) for x in pps],
        "tg_tokens_per_s_all": [round(x, 2) for x in tgs],
        "kv_cache_type": "f16",
        "flash_attn": L.llama_flash_attn_type_name(cparams.flash_attn_type).decode(),
        "system_info": L.llama_print_system_info().decode("utf-8", "replace").strip(),
    }
    L.llama_free(ctx)
    L.llama_model_free(model)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.model.name}: pp{args.prompt_tokens} {result['pp_tokens_per_s']} tok/s, "
              f"tg{args.decode_tokens} {result['tg_tokens_per_s']} tok/s "
              f"({args.threads} threads, median of {args.rounds})")


if __name__ == "__main__":
    main()
