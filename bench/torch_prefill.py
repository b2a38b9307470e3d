"""Prefill baseline for prefill-bench (issue 10): one transformers forward pass over a whole prompt,
batch 1, random-init bf16 models built on the GPU from the configs of torch_baseline.py (no hub
downloads), sdpa attention, only the last position's logits (logits_to_keep=1, the cheapest form of
what a generate() prefill needs). Eager and torch.compile'd (default mode, static shapes), CUDA-event
median of --reps after warm-up. Writes JSON to --out, rewritten after every figure.
"""
import argparse
import json
import time

import torch
from transformers import AutoModelForCausalLM

from torch_baseline import CONFIGS, write_json


def time_forward(fn, ids, reps):
    """Median milliseconds of fn(ids) between CUDA events, after two warm-up calls."""
    for _ in range(2):
        fn(ids)
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn(ids)
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return sorted(times)[len(times) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", default="llama-3.2-1b:128,llama-3.2-1b:1024,gpt2-124m:1000,mistral-7b:1024")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--no-compile", default="", help="models to time eager only")
    args = ap.parse_args()
    import transformers
    results = []
    out = {"torch": torch.__version__, "transformers": transformers.__version__,
           "device": torch.cuda.get_device_name(0), "results": results}
    runs = {}
    for item in args.runs.split(","):
        name, prompt = item.split(":")
        runs.setdefault(name, []).append(int(prompt))
    for name, prompts in runs.items():
        t0 = time.perf_counter()
        with torch.device("cuda"):
            model = AutoModelForCausalLM.from_config(CONFIGS[name](), dtype=torch.bfloat16,
                                                     attn_implementation="sdpa")
        model.eval()
        print(f"{name}: built in {time.perf_counter() - t0:.1f} s", flush=True)

        def eager(ids):
            return model(ids, use_cache=False, logits_to_keep=1).logits

        compiled = None if name in args.no_compile.split(",") else torch.compile(eager, dynamic=False)
        for prompt in prompts:
            ids = torch.randint(0, model.config.vocab_size, (1, prompt), device="cuda")
            for mode, fn in (("eager", eager), ("torch.compile", compiled)):
                if fn is None:
                    continue
                t0 = time.perf_counter()
                with torch.inference_mode():
                    ms = time_forward(fn, ids, args.reps)
                results.append({"model": name, "prompt": prompt, "mode": mode, "ms": ms})
                print(f"{name} prompt {prompt} {mode}: {ms:.3f} ms ({time.perf_counter() - t0:.0f} s)", flush=True)
                write_json(out, args.out)
        del model, compiled
        torch.cuda.empty_cache()
    write_json(out, args.out)


if __name__ == "__main__":
    main()
