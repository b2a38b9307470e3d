"""The strongest PyTorch decode baseline for bench (issue 9): ONE transformers decode step (batch 1, a
static KV cache filled with `context` random tokens) captured in a CUDA graph and timed by replay, eager
and after torch.compile. Random-init bf16 models built on the GPU from torch_baseline.py's configs (no hub
downloads). Writes JSON in torch_baseline.py's format, the compiled entry of each (model, context) first,
so that `bench.mjs --torch <file>` compares against it.

Status (2026-12-03): NOT YET WORKING on the GPU host's transformers 5.17; no figure has come from it. Two
runs failed (logs: bench/results/2026-12-03-h200-attention-variants/torch-graph-attempt/): the warm-up
step trips index_copy_'s bound in the static cache (transformers places the step after the cache's filled
positions rather than at cache_position; this version leaves 64 positions of room, not yet run), and
Mistral's sliding-window cache layer copies from the CPU inside the capture. Until it runs, the bench's
baseline is torch_baseline.py (generate() with a static cache and torch.compile).
"""
import argparse
import time

import torch
from torch_baseline import CONFIGS, write_json
from transformers import AutoModelForCausalLM


def filled_cache(model, prompt, room):
    """transformers' own static cache, as generate() builds and fills it: the prompt plus `room` positions."""
    out = model.generate(prompt, max_new_tokens=room, min_new_tokens=room, do_sample=False,
                         cache_implementation="static", disable_compile=True, pad_token_id=0,
                         return_dict_in_generate=True)
    return out.past_key_values


def replay_ms(graph, reps=100, rounds=5):
    for _ in range(10):
        graph.replay()
    torch.cuda.synchronize()
    samples = []
    for _ in range(rounds):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(reps):
            graph.replay()
        b.record()
        torch.cuda.synchronize()
        samples.append(a.elapsed_time(b) / reps)
    samples.sort()
    return samples[len(samples) // 2], samples


def capture(fn):
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            fn()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        fn()
    return graph


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default="llama-3.2-1b,gpt2-124m,mistral-7b")
    ap.add_argument("--contexts", default="128,1024")
    ap.add_argument("--modes", default="compile,eager")
    ap.add_argument("--compile-mistral", action="store_true")
    args = ap.parse_args()
    import transformers

    results = []
    out = {"torch": torch.__version__, "transformers": transformers.__version__,
           "device": torch.cuda.get_device_name(0), "results": results}
    for name in args.models.split(","):
        cfg = CONFIGS[name]()
        t0 = time.perf_counter()
        with torch.device("cuda"):
            model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16)
        model.eval()
        print(f"{name}: built in {time.perf_counter() - t0:.1f} s", flush=True)
        modes = [m for m in args.modes.split(",") if m == "eager" or name != "mistral-7b" or args.compile_mistral]
        for ctx in [int(c) for c in args.contexts.split(",")]:
            limit = getattr(cfg, "n_positions", None) or cfg.max_position_embeddings
            context = min(ctx, limit - 80)
            for mode in modes:
                label = f"one decode step in a CUDA graph, {'torch.compile' if mode == 'compile' else 'eager'}"
                try:
                    with torch.inference_mode():
                        # transformers 5.17 places each step after the cache's filled positions, whatever
                        # cache_position says: the warm-up and capture calls each take one more (room 64).
                        prompt = torch.randint(0, cfg.vocab_size, (1, context), device="cuda")
                        cache = filled_cache(model, prompt, 64)
                        token = torch.zeros((1, 1), dtype=torch.long, device="cuda")
                        position = torch.tensor([context], device="cuda")

                        def step():
                            return model(input_ids=token, past_key_values=cache, use_cache=True,
                                         cache_position=position).logits

                        fn = torch.compile(step, dynamic=False) if mode == "compile" else step
                        t0 = time.perf_counter()
                        graph = capture(fn)
                        warm = time.perf_counter() - t0
                        ms, samples = replay_ms(graph)
                    print(f"{name} ctx {context}: {ms:.3f} ms/token ({label}; capture {warm:.0f} s; {samples})", flush=True)
                    results.append({"model": name, "context": ctx, "prompt": context, "ms_per_token": ms,
                                    "mode": label, "samples": samples, "warmup_s": warm})
                    del graph
                except Exception as e:  # noqa: BLE001
                    import traceback

                    traceback.print_exc()
                    print(f"{name} ctx {ctx} {mode}: failed: {type(e).__name__}: {e}", flush=True)
                    results.append({"model": name, "context": ctx, "ms_per_token": None, "mode": label,
                                    "note": f"{type(e).__name__}: {str(e)[:500]}"})
                torch.cuda.empty_cache()
                write_json(out, args.out)
        del model
        torch.cuda.empty_cache()
    write_json(out, args.out)


if __name__ == "__main__":
    main()
