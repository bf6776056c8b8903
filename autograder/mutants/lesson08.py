"""Wrong answers to lesson 08 that learners really write.

Each mutant is self-contained: the block and gpt_forward mutants only call the sublayers
they are given, so that each shows its own mistake whatever the other exercises of the
same submission hold.
"""

import math

import torch
import torch.nn.functional as F

from autograder.mutants import mutant


@mutant("layer_norm", "over the LAST axis")
def layer_norm_over_rows(x, scale, shift, eps=1e-5):
    mean = x.mean(dim=0, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=0, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * scale + shift


@mutant("layer_norm", "torch.std divides by d - 1")
def layer_norm_with_std(x, scale, shift, eps=1e-5):
    return (x - x.mean(dim=-1, keepdim=True)) / (x.std(dim=-1, keepdim=True) + eps) * scale + shift


@mutant("layer_norm", "add eps to the variance")
def layer_norm_without_eps(x, scale, shift, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var) * scale + shift


@mutant("layer_norm", "multiply by scale and add shift")
def layer_norm_without_scale_and_shift(x, scale, shift, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


@mutant("dropout", "divide the entries you keep by (1 - p), not multiply")
def dropout_scales_by_one_minus_p(x, p, training=True):
    if not training:
        return x
    return x * (torch.rand_like(x) >= p) * (1 - p)


@mutant("dropout", "at inference (training=False) return x unchanged")
def dropout_also_at_inference(x, p, training=True):
    return x * (torch.rand_like(x) >= p) / (1 - p)


@mutant("dropout", "survives where torch.rand_like(x) >= p")
def dropout_keeps_p(x, p, training=True):
    if not training:
        return x
    return x * (torch.rand_like(x) < p) / (1 - p)


@mutant("dropout", "no in-place operations on it")
def dropout_in_place(x, p, training=True):
    if not training:
        return x
    x[torch.rand_like(x) < p] = 0
    return x / (1 - p)


@mutant("mlp", "GELU is not ReLU")
def mlp_with_relu(x, W_up, b_up, W_down, b_down):
    return torch.relu(x @ W_up + b_up) @ W_down + b_down


@mutant("mlp", "no activation after W_down")
def mlp_gelu_on_the_output_too(x, W_up, b_up, W_down, b_down):
    gelu = torch.nn.functional.gelu
    return gelu(gelu(x @ W_up + b_up) @ W_down + b_down)


@mutant("mlp", "add b_up before the GELU")
def mlp_bias_after_the_gelu(x, W_up, b_up, W_down, b_down):
    return (torch.nn.functional.gelu(x @ W_up) + b_up) @ W_down + b_down


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


@mutant("gpt_forward", "no softmax")
def gpt_forward_returns_probabilities(tokens, token_embedding, position_embedding, blocks, ln_f, drop):
    x = drop(token_embedding[tokens] + position_embedding[: tokens.shape[-1]])
    for each_block in blocks:
        x = each_block(x)
    return torch.softmax(ln_f(x) @ token_embedding.T, dim=-1)


@mutant("gpt_forward", "the FIRST T rows of position_embedding")
def gpt_forward_without_positions(tokens, token_embedding, position_embedding, blocks, ln_f, drop):
    x = drop(token_embedding[tokens])
    for each_block in blocks:
        x = each_block(x)
    return ln_f(x) @ token_embedding.T


@mutant("gpt_forward", "the FIRST T rows of position_embedding")
def gpt_forward_last_positions(tokens, token_embedding, position_embedding, blocks, ln_f, drop):
    x = drop(token_embedding[tokens] + position_embedding[-tokens.shape[-1]:])
    for each_block in blocks:
        x = each_block(x)
    return ln_f(x) @ token_embedding.T


@mutant("gpt_forward", "apply ln_f once, after the last block")
def gpt_forward_without_final_norm(tokens, token_embedding, position_embedding, blocks, ln_f, drop):
    x = drop(token_embedding[tokens] + position_embedding[: tokens.shape[-1]])
    for each_block in blocks:
        x = each_block(x)
    return x @ token_embedding.T


@mutant("gpt_forward", "in the order given")
def gpt_forward_blocks_reversed(tokens, token_embedding, position_embedding, blocks, ln_f, drop):
    x = drop(token_embedding[tokens] + position_embedding[: tokens.shape[-1]])
    for each_block in reversed(blocks):
        x = each_block(x)
    return ln_f(x) @ token_embedding.T


@mutant("gpt_forward", "before the first block")
def gpt_forward_drops_at_the_end(tokens, token_embedding, position_embedding, blocks, ln_f, drop):
    x = token_embedding[tokens] + position_embedding[: tokens.shape[-1]]
    for each_block in blocks:
        x = each_block(x)
    return ln_f(drop(x)) @ token_embedding.T


@mutant("get_batch", "torch.randint(len(ids) - context")
def get_batch_starts_anywhere(ids, batch_size, context, generator):
    starts = torch.randint(len(ids), (batch_size,), generator=generator)
    positions = starts[:, None] + torch.arange(context)
    return ids[positions], ids[positions + 1]


@mutant("get_batch", "torch.randint(len(ids) - context")
def get_batch_misses_the_last_start(ids, batch_size, context, generator):
    starts = torch.randint(len(ids) - context - 1, (batch_size,), generator=generator)
    positions = starts[:, None] + torch.arange(context)
    return ids[positions], ids[positions + 1]


@mutant("get_batch", "moved one step on")
def get_batch_targets_are_the_inputs(ids, batch_size, context, generator):
    starts = torch.randint(len(ids) - context, (batch_size,), generator=generator)
    positions = starts[:, None] + torch.arange(context)
    return ids[positions], ids[positions]


@mutant("get_batch", "draw with the generator you were given")
def get_batch_ignores_the_generator(ids, batch_size, context, generator):
    starts = torch.randint(len(ids) - context, (batch_size,), generator=torch.Generator().manual_seed(0))
    positions = starts[:, None] + torch.arange(context)
    return ids[positions], ids[positions + 1]


@mutant("learning_rate", "the first step is not 0")
def learning_rate_warmup_from_zero(step, steps, max_lr, warmup):
    if step < warmup:
        return max_lr * step / warmup
    progress = (step - warmup) / (steps - 1 - warmup) if steps - 1 > warmup else 1.0
    return max_lr / 10 + 0.9 * max_lr * (1 + math.cos(math.pi * progress)) / 2


@mutant("learning_rate", "min_lr = max_lr / 10 (not 0)")
def learning_rate_down_to_zero(step, steps, max_lr, warmup):
    if step < warmup:
        return max_lr * (step + 1) / warmup
    progress = (step - warmup) / (steps - 1 - warmup) if steps - 1 > warmup else 1.0
    return max_lr * (1 + math.cos(math.pi * progress)) / 2


@mutant("learning_rate", "reaches 1 there")
def learning_rate_ends_early(step, steps, max_lr, warmup):
    if step < warmup:
        return max_lr * (step + 1) / warmup
    progress = (step - warmup) / (steps - warmup)
    return max_lr / 10 + 0.9 * max_lr * (1 + math.cos(math.pi * progress)) / 2


# The train_gpt mutants draw their own batches and learning rates (as the reference's
# get_batch and learning_rate do), so that each shows its own mistake whatever the
# submission's get_batch and learning_rate hold.

@mutant("train_gpt", "optimizer.zero_grad() before")
def train_gpt_without_zero_grad(model, train_ids, held_out_ids, *, context, steps, batch_size, max_lr,
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
        loss.backward()  # no zero_grad: this step's gradient is added to every earlier one
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        history["train"].append(loss.item())
        if (step + 1) % eval_every == 0 or step == steps - 1:
            history["held_out"].append((step + 1, evaluate(model, held_out_ids)))
    return history


@mutant("train_gpt", "set every parameter group's 'lr'")
def train_gpt_constant_rate(model, train_ids, held_out_ids, *, context, steps, batch_size, max_lr,
                            eval_every, evaluate, seed=0):
    torch.manual_seed(seed)
    batches = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=max_lr, betas=(0.9, 0.95), weight_decay=0.1)
    history = {"train": [], "held_out": []}
    model.train()
    for step in range(steps):
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


@mutant("train_gpt", "EVERY position of every window")
def train_gpt_last_position_only(model, train_ids, held_out_ids, *, context, steps, batch_size, max_lr,
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
        loss = F.cross_entropy(logits[:, -1], targets[:, -1])  # only the last prediction of each window
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        history["train"].append(loss.item())
        if (step + 1) % eval_every == 0 or step == steps - 1:
            history["held_out"].append((step + 1, evaluate(model, held_out_ids)))
    return history


@mutant("train_gpt", "and after the last step")
def train_gpt_misses_the_last_evaluation(model, train_ids, held_out_ids, *, context, steps, batch_size,
                                         max_lr, eval_every, evaluate, seed=0):
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
        if step % eval_every == 0:  # evaluates after steps 1, eval_every + 1, ...: one step early
            history["held_out"].append((step + 1, evaluate(model, held_out_ids)))
    return history


@mutant("gpt_param_count", "count the token embedding once")
def param_count_untied(d_model, n_layers, vocab_size, context):
    per_block = 12 * d_model * d_model + 13 * d_model
    return (2 * vocab_size + context) * d_model + n_layers * per_block + 2 * d_model


@mutant("gpt_param_count", "count the position embedding")
def param_count_without_positions(d_model, n_layers, vocab_size, context):
    per_block = 12 * d_model * d_model + 13 * d_model
    return vocab_size * d_model + n_layers * per_block + 2 * d_model


@mutant("gpt_param_count", "8 d² in the MLP")
def param_count_mlp_as_wide_as_the_model(d_model, n_layers, vocab_size, context):
    attention = 4 * d_model * d_model + 4 * d_model
    mlp = 2 * d_model * d_model + 2 * d_model
    return (vocab_size + context) * d_model + n_layers * (attention + mlp + 4 * d_model) + 2 * d_model


@mutant("gpt_param_count", "count the biases and the norms too")
def param_count_without_biases(d_model, n_layers, vocab_size, context):
    norms = 2 * 2 * d_model
    return (vocab_size + context) * d_model + n_layers * (12 * d_model * d_model + norms) + 2 * d_model


@mutant("gpt_param_count", "multiply the count of one block by n_layers")
def param_count_one_block(d_model, n_layers, vocab_size, context):
    per_block = 12 * d_model * d_model + 13 * d_model
    return (vocab_size + context) * d_model + per_block + 2 * d_model
