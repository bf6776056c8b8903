"""Wrong answers to lesson 08 that learners really write.

Each mutant is self-contained: the block and gpt_forward mutants only call the sublayers
they are given, and the train_gpt mutants change a train_gpt that draws its own batches and
learning rates, so that each shows its own mistake whatever the other exercises of the
same submission hold.
"""

import math

import torch
import torch.nn.functional as F

from autograder.mutants import mutant, replaced
from solutions.lesson08 import (
    dropout,
    get_batch,
    gpt_forward,
    gpt_param_count,
    layer_norm,
    learning_rate,
    mlp,
)


@mutant("layer_norm", "over the LAST axis")
def layer_norm_over_rows(x, scale, shift, eps=1e-5):
    mean = x.mean(dim=0, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=0, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * scale + shift


@mutant("layer_norm", "torch.std divides by d - 1")
def layer_norm_with_std(x, scale, shift, eps=1e-5):
    return (x - x.mean(dim=-1, keepdim=True)) / (x.std(dim=-1, keepdim=True) + eps) * scale + shift


layer_norm_without_eps = replaced(layer_norm, "torch.sqrt(var + eps)", "torch.sqrt(var)",
                                  "add eps to the variance")

layer_norm_without_scale_and_shift = replaced(layer_norm, " * scale + shift", "",
                                              "multiply by scale and add shift")

dropout_scales_by_one_minus_p = replaced(dropout, "x * keep / (1 - p)", "x * keep * (1 - p)",
                                         "divide the entries you keep by (1 - p), not multiply")

dropout_also_at_inference = replaced(dropout, "if not training:\n        return x", "",
                                     "at inference (training=False) return x unchanged")

dropout_keeps_p = replaced(dropout, "torch.rand_like(x) >= p", "torch.rand_like(x) < p",
                           "survives where torch.rand_like(x) >= p")


@mutant("dropout", "no in-place operations on it")
def dropout_in_place(x, p, training=True):
    if not training:
        return x
    x[torch.rand_like(x) < p] = 0
    return x / (1 - p)


mlp_with_relu = replaced(mlp, "F.gelu(", "torch.relu(", "GELU is not ReLU")

mlp_gelu_on_the_output_too = replaced(mlp, "return hidden @ W_down + b_down",
                                      "return F.gelu(hidden @ W_down + b_down)", "no activation after W_down")

mlp_bias_after_the_gelu = replaced(mlp, "F.gelu(x @ W_up + b_up)", "F.gelu(x @ W_up) + b_up",
                                   "add b_up before the GELU")


@mutant("block", "add each sublayer's output to the stream x")
def block_without_residual(x, ln_1, attn, ln_2, mlp, drop):
    x = drop(attn(ln_1(x)))
    return drop(mlp(ln_2(x)))


@mutant("block", "never normalise the sum")
def block_post_norm(x, ln_1, attn, ln_2, mlp, drop):
    x = ln_1(x + drop(attn(x)))
    return ln_2(x + drop(mlp(x)))


@mutant("block", "the sublayer reads the NORMALISED stream")
def block_without_norms(x, ln_1, attn, ln_2, mlp, drop):
    x = x + drop(attn(x))
    return x + drop(mlp(x))


@mutant("block", "the MLP reads the stream AFTER attention's change")
def block_in_parallel(x, ln_1, attn, ln_2, mlp, drop):
    return x + drop(attn(ln_1(x))) + drop(mlp(ln_2(x)))


@mutant("block", "apply drop to each sublayer's OUTPUT before adding it")
def block_drops_the_stream(x, ln_1, attn, ln_2, mlp, drop):
    x = drop(x + attn(ln_1(x)))
    return drop(x + mlp(ln_2(x)))


@mutant("block", "apply drop to each sublayer's OUTPUT before adding it")
def block_without_dropout(x, ln_1, attn, ln_2, mlp, drop):
    x = x + attn(ln_1(x))
    return x + mlp(ln_2(x))


gpt_forward_returns_probabilities = replaced(gpt_forward, "return ln_f(x) @ token_embedding.T",
                                             "return torch.softmax(ln_f(x) @ token_embedding.T, dim=-1)",
                                             "no softmax")

gpt_forward_without_positions = replaced(gpt_forward, "token_embedding[tokens] + position_embedding[:T]",
                                         "token_embedding[tokens]", "the FIRST T rows of position_embedding")

gpt_forward_last_positions = replaced(gpt_forward, "position_embedding[:T]", "position_embedding[-T:]",
                                      "the FIRST T rows of position_embedding")

gpt_forward_without_final_norm = replaced(gpt_forward, "return ln_f(x) @", "return x @",
                                          "apply ln_f once, after the last block")

gpt_forward_blocks_reversed = replaced(gpt_forward, "in blocks:", "in reversed(blocks):",
                                       "in the order given")


@mutant("gpt_forward", "before the first block")
def gpt_forward_drops_at_the_end(tokens, token_embedding, position_embedding, blocks, ln_f, drop):
    x = token_embedding[tokens] + position_embedding[: tokens.shape[-1]]
    for each_block in blocks:
        x = each_block(x)
    return ln_f(drop(x)) @ token_embedding.T


get_batch_starts_anywhere = replaced(get_batch, "len(ids) - context,", "len(ids),",
                                     "torch.randint(len(ids) - context")

get_batch_misses_the_last_start = replaced(get_batch, "len(ids) - context,", "len(ids) - context - 1,",
                                           "torch.randint(len(ids) - context")

get_batch_targets_are_the_inputs = replaced(get_batch, "ids[positions + 1]", "ids[positions]",
                                            "moved one step on")

get_batch_ignores_the_generator = replaced(get_batch, "generator=generator",
                                           "generator=torch.Generator().manual_seed(0)",
                                           "draw with the generator you were given")

learning_rate_warmup_from_zero = replaced(learning_rate, "(step + 1) / warmup", "step / warmup",
                                          "the first step is not 0")

learning_rate_down_to_zero = replaced(learning_rate, "min_lr = max_lr / 10", "min_lr = 0",
                                      "min_lr = max_lr / 10 (not 0)")

learning_rate_ends_early = replaced(learning_rate, "span = steps - 1 - warmup", "span = steps - warmup",
                                    "reaches 1 there")


# What the train_gpt mutants change: the reference with its batches and learning rates
# written in (as get_batch and learning_rate compute them), so that each mutant shows its
# own mistake whatever the submission's get_batch and learning_rate hold. Not a mutant.
def train_gpt_on_its_own(model, train_ids, held_out_ids, *, context, steps, batch_size, max_lr,
                         eval_every, evaluate, seed=0):
    torch.manual_seed(seed)
    batches = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), betas=(0.9, 0.95), weight_decay=0.1)
    history, warmup = {"train": [], "held_out": []}, steps // 10
    model.train()
    for step in range(steps):
        progress = min(1.0, (step - warmup) / max(steps - 1 - warmup, 1))
        cosine = max_lr * (0.55 + 0.45 * math.cos(math.pi * progress))
        for group in optimizer.param_groups:
            group["lr"] = max_lr * (step + 1) / warmup if step < warmup else cosine
        starts = torch.randint(len(train_ids) - context, (batch_size, 1), generator=batches)
        positions = starts + torch.arange(context)
        logits, targets = model(train_ids[positions]), train_ids[positions + 1]
        loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        history["train"].append(loss.item())
        if (step + 1) % eval_every == 0 or step == steps - 1:
            history["held_out"].append((step + 1, evaluate(model, held_out_ids)))
    return history


train_gpt_without_zero_grad = replaced(train_gpt_on_its_own, "optimizer.zero_grad()", "",
                                       "optimizer.zero_grad() before", exercise="train_gpt")

train_gpt_constant_rate = replaced(train_gpt_on_its_own,
                                   'group["lr"] = max_lr * (step + 1) / warmup if step < warmup else cosine',
                                   'group["lr"] = max_lr', "set every parameter group's 'lr'",
                                   exercise="train_gpt")

train_gpt_last_position_only = replaced(train_gpt_on_its_own,
                                        "F.cross_entropy(logits.flatten(0, 1), targets.flatten())",
                                        "F.cross_entropy(logits[:, -1], targets[:, -1])",
                                        "EVERY position of every window", exercise="train_gpt")

train_gpt_misses_the_last_evaluation = replaced(train_gpt_on_its_own,
                                                "(step + 1) % eval_every == 0 or step == steps - 1",
                                                "step % eval_every == 0", "and after the last step",
                                                exercise="train_gpt")

param_count_untied = replaced(gpt_param_count, "(vocab_size + context)", "(2 * vocab_size + context)",
                              "count the token embedding once")

param_count_without_positions = replaced(gpt_param_count, "(vocab_size + context) * d_model",
                                         "vocab_size * d_model", "count the position embedding")

param_count_mlp_as_wide_as_the_model = replaced(
    gpt_param_count, "mlp = d_model * 4 * d_model + 4 * d_model + 4 * d_model * d_model + d_model",
    "mlp = 2 * d_model * d_model + 2 * d_model", "8 d² in the MLP")


@mutant("gpt_param_count", "count the biases and the norms too")
def param_count_without_biases(d_model, n_layers, vocab_size, context):
    norms = 2 * 2 * d_model
    return (vocab_size + context) * d_model + n_layers * (12 * d_model * d_model + norms) + 2 * d_model


param_count_one_block = replaced(gpt_param_count, "n_layers * (attention + mlp + norms)",
                                 "(attention + mlp + norms)", "multiply the count of one block by n_layers")


