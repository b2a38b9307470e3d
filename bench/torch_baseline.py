"""Baseline for bench: Hugging Face transformers batch-1 decode with a static KV cache and
torch.compile (CUDA graphs, as generate() compiles it), random-init bf16 models built on the GPU from
configs matching the @megakernel/isa presets (no hub downloads). Per-token time = difference of two
generate() lengths divided by the extra tokens, at prompts of 128 and 1,024 tokens (GPT-2: 1,024
minus the generated tokens, its position limit). Mistral-7B runs eager (static cache, no compile)
unless --compile-mistral: compiling a 7B model costs minutes. Writes JSON to --out.
"""
import argparse
import json
import time

import torch
from transformers import AutoModelForCausalLM, GPT2Config, LlamaConfig, MistralConfig

CONFIGS = {
    "llama-3.2-1b": lambda: LlamaConfig(
        vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
        num_attention_heads=32, num_key_value_heads=8, head_dim=64, max_position_embeddings=131072,
        rms_norm_eps=1e-5, tie_word_embeddings=True,
        rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0, "low_freq_factor": 1.0,
                         "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}),
    "gpt2-124m": lambda: GPT2Config(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12),
    "mistral-7b": lambda: MistralConfig(
        vocab_size=32000, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
        num_key_value_heads=8, head_dim=128, max_position_embeddings=32768, sliding_window=4096,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0}),
}


def write_json(out, path):
    """The results so far (rewritten after every figure, so a run stopped midway keeps what it measured)."""
    with open(path, "w") as f:
        json.dump(out, f, indent=2)


def timed_generate(model, ids, new_tokens, compile_):
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    model.generate(ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                   cache_implementation="static", disable_compile=not compile_, pad_token_id=0)
    torch.cuda.synchronize()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default="llama-3.2-1b,gpt2-124m,mistral-7b")
    ap.add_argument("--contexts", default="128,1024")
    ap.add_argument("--short", type=int, default=8)
    ap.add_argument("--long", type=int, default=40)
    ap.add_argument("--compile-mistral", action="store_true")
    args = ap.parse_args()
    results = []
    out = {"torch": torch.__version__, "device": torch.cuda.get_device_name(0), "results": results}
    import transformers
    out["transformers"] = transformers.__version__
    for name in args.models.split(","):
        compile_ = name != "mistral-7b" or args.compile_mistral
        mode = "static cache + torch.compile" if compile_ else "static cache, eager (compile skipped: too slow for 7B)"
        try:
            cfg = CONFIGS[name]()
            t0 = time.perf_counter()
            with torch.device("cuda"):
                model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16)
            model.eval()
            print(f"{name}: built in {time.perf_counter() - t0:.1f} s", flush=True)
        except Exception as e:  # noqa: BLE001
            results.append({"model": name, "context": None, "ms_per_token": None, "mode": mode, "note": f"build failed: {e}"})
            continue
        for ctx in [int(c) for c in args.contexts.split(",")]:
            limit = getattr(cfg, "n_positions", None) or cfg.max_position_embeddings
            prompt = min(ctx, limit - args.long - 1)
            try:
                ids = torch.randint(0, cfg.vocab_size, (1, prompt), device="cuda")
                t0 = time.perf_counter()
                with torch.inference_mode():
                    for _ in range(2):  # compile / warm up both lengths
                        timed_generate(model, ids, args.long, compile_)
                        timed_generate(model, ids, args.short, compile_)
                    warm = time.perf_counter() - t0
                    samples = []
                    for _ in range(3):
                        long_t = timed_generate(model, ids, args.long, compile_)
                        short_t = timed_generate(model, ids, args.short, compile_)
                        samples.append((long_t - short_t) / (args.long - args.short) * 1e3)
                samples.sort()
                ms = samples[len(samples) // 2]
                print(f"{name} ctx {prompt}: {ms:.3f} ms/token ({mode}; warm-up {warm:.0f} s; samples {samples})", flush=True)
                results.append({"model": name, "context": ctx, "prompt": prompt, "ms_per_token": ms, "mode": mode,
                                "samples": samples, "warmup_s": warm})
            except Exception as e:  # noqa: BLE001
                print(f"{name} ctx {ctx}: failed: {e}", flush=True)
                results.append({"model": name, "context": ctx, "ms_per_token": None, "mode": mode, "note": str(e)[:500]})
            write_json(out, args.out)
        del model
        torch.cuda.empty_cache()
    write_json(out, args.out)


if __name__ == "__main__":
    main()
