"""The strongest PyTorch decode baseline for bench (issue 9): ONE transformers decode step (batch 1, a
static KV cache filled with `context` random tokens) captured in a CUDA graph and timed by replay, eager
and after torch.compile. Random-init bf16 models built on the GPU from torch_baseline.py's configs (no hub
downloads). Writes JSON in torch_baseline.py's format, the compiled entry of each (model, context) first,
so that `bench.mjs --torch <file>` compares against it. First figures on the H200 (torch 2.11, transformers
5.17, 2026-12-03): Llama-3.2-1B 1.525 / 2.322 ms at context 128 / 1,024 compiled (eager 2.453 / 3.307),
GPT-2 0.552 / 1.080 ms (eager 0.854 / 1.398): bench/results/2026-12-03-h200-hop-latency/.

transformers 5.x's static cache ignores cache_position: each layer writes at its own device counter
(`cumulative_length`) and advances it, in the same kernel as the write under torch.compile, so a replayed
graph (and inductor's autotuning, which reruns that kernel) walks off the cache. After generate() has
filled the prompt, each layer's update is therefore replaced by the same two index_copy_ writes at a fixed
position tensor (`context`), the counter left at `context`: every replay is the same decode step at the
same position, the mask built from cache_position as transformers builds it. cuDNN's attention is turned
off (it failed inside the capture on the host's torch 2.11); sdpa picks its flash or memory-efficient
kernel. Mistral's 4,096-position window is dropped from its config when the context is below it (the
attention is the same; transformers' sliding cache layer copies from the host inside a capture).
"""
import argparse
import time

import torch
from torch_baseline import CONFIGS, write_json
from transformers import AutoModelForCausalLM


def filled_cache(model, prompt):
    """transformers' own static cache, as generate() builds and fills it: the prompt and one generated token
    (generate() sizes the cache for the positions it writes, so one new token alone leaves no room)."""
    out = model.generate(prompt, max_new_tokens=2, min_new_tokens=2, do_sample=False,
                         cache_implementation="static", disable_compile=True, pad_token_id=0,
                         return_dict_in_generate=True)
    return out.past_key_values


def pin_cache_writes(cache, position):
    """Every static layer writes this step's K and V at `position` and no longer advances its counter.
    Returns how many layers were pinned (0: a cache without per-layer static tensors)."""
    pinned = 0
    for layer in getattr(cache, "layers", []):
        if not isinstance(getattr(layer, "keys", None), torch.Tensor):
            continue
        if layer.keys.shape[2] <= int(position[0]):
            raise RuntimeError(f"static cache of {layer.keys.shape[2]} positions has no room at {int(position[0])}")

        def update(key_states, value_states, *args, _layer=layer, **kwargs):
            _layer.keys.index_copy_(2, position, key_states)
            _layer.values.index_copy_(2, position, value_states)
            return _layer.keys, _layer.values

        layer.update = update
        pinned += 1
    return pinned


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

    torch.backends.cuda.enable_cudnn_sdp(False)

    results = []
    out = {"torch": torch.__version__, "transformers": transformers.__version__,
           "device": torch.cuda.get_device_name(0), "results": results}
    for name in args.models.split(","):
        cfg = CONFIGS[name]()
        window = getattr(cfg, "sliding_window", None)
        if window and max(int(c) for c in args.contexts.split(",")) + 2 <= window:
            cfg.sliding_window = None
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
                        prompt = torch.randint(0, cfg.vocab_size, (1, context), device="cuda")
                        cache = filled_cache(model, prompt)
                        token = torch.zeros((1, 1), dtype=torch.long, device="cuda")
                        position = torch.tensor([context], device="cuda")
                        pinned = pin_cache_writes(cache, position)
                        if pinned == 0:
                            raise RuntimeError("the static cache has no per-layer tensors to pin")

                        def step():
                            return model(input_ids=token, past_key_values=cache, use_cache=True,
                                         cache_position=position).logits

                        fn = torch.compile(step, dynamic=False) if mode == "compile" else step
                        t0 = time.perf_counter()
                        graph = capture(fn)
                        warm = time.perf_counter() - t0
                        ms, samples = replay_ms(graph)
                    print(f"{name} ctx {context}: {ms:.3f} ms/token ({label}; capture {warm:.0f} s; {pinned} cache layers pinned; {samples})", flush=True)
                    results.append({"model": name, "context": ctx, "prompt": context, "ms_per_token": ms,
                                    "mode": label, "samples": samples, "warmup_s": warm,
                                    "cache_layers_pinned": pinned})
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
