"""Lesson 08 — the transformer block, a GPT, and its training loop.

Conventions (those of lesson 07): one vector per row, x: (..., T, C) with C = d_model; a
map from d_in to d_out numbers is a (d_in, d_out) matrix applied as x @ W. A *sublayer*
(a layer norm, attention, the MLP, dropout) is passed to `block` and `gpt_forward` as a
function of one tensor: the model in `helpers/gpt.py` builds those functions from the
learner's own `layer_norm`, `mlp` and `dropout` (called when the model's p_drop is above 0)
and from `multi_head_attention` (in lesson 08, lesson 07's reference, provided), so whatever
the learner writes is what trains.
"""

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

Sublayer = Callable[[torch.Tensor], torch.Tensor]


def layer_norm(x: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Normalise each vector (along the LAST axis) to mean 0 and variance 1, then scale and shift.

    x: (..., d), one vector of d numbers per row. scale, shift: (d,), one number per feature.
    With mu the mean of a row and sigma^2 the mean of its squared deviations from mu
    (divided by d, not d - 1), entry i of the row becomes
        (x_i - mu) / sqrt(sigma^2 + eps) * scale_i + shift_i.
    Returns a tensor of the same shape as x; x itself is not changed.
    """
    mean = x.mean(dim=-1, keepdim=True)  # (..., 1): one mean per row
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # (..., 1): divided by d
    return (x - mean) / torch.sqrt(var + eps) * scale + shift


def dropout(x: torch.Tensor, p: float, training: bool = True) -> torch.Tensor:
    """Inverted dropout: while training, silence a random share p of the entries.

    x: a tensor of any shape; p: the drop probability, 0 <= p < 1.
    training=True: each entry is dropped (becomes 0) independently with probability p,
        decided by a uniform random number from torch.rand_like(x) (dropped where that
        number is below p); the kept entries are scaled so that the expected value of
        every entry is its value in x.
    training=False (inference): the result equals x.
    Returns a tensor of the same shape; x itself is not changed.
    """
    if not training:
        return x
    keep = torch.rand_like(x) >= p  # True with probability 1 - p
    return x * keep / (1 - p)


def mlp(
    x: torch.Tensor, W_up: torch.Tensor, b_up: torch.Tensor, W_down: torch.Tensor, b_down: torch.Tensor
) -> torch.Tensor:
    """The MLP of a transformer block: up to d_mlp neurons, GELU, back down to d_model.

    x: (..., d_model). W_up: (d_model, d_mlp), b_up: (d_mlp,); W_down: (d_mlp, d_model),
    b_down: (d_model,). In GPT, d_mlp = 4 * d_model.
    Each row of x goes through a dense layer up (weights W_up, bias b_up), the GELU
    nonlinearity (torch.nn.functional.gelu) on each neuron, and a dense layer down
    (W_down, b_down) with no nonlinearity after it. Returns (..., d_model).
    """
    hidden = F.gelu(x @ W_up + b_up)  # (..., d_mlp): the neurons
    return hidden @ W_down + b_down  # (..., d_model)


def block(x: torch.Tensor, ln_1: Sublayer, attn: Sublayer, ln_2: Sublayer, mlp: Sublayer,
          drop: Sublayer) -> torch.Tensor:
    """One pre-norm transformer block, as in GPT-2 and GPT-3.

    x: (B, T, C), the residual stream. The other arguments are sublayers, each a function
    from a (B, T, C) tensor to a (B, T, C) tensor: two layer norms (ln_1, ln_2), causal
    multi-head attention (attn), the MLP (mlp) and dropout (drop).
    The stream passes two stations, attention first, then the MLP. At each station the
    sublayer reads a normalised copy of the stream (ln_1 before attention, ln_2 before the
    MLP), its output goes through dropout, and the result is ADDED to the stream; the
    stream itself is never normalised or replaced.
    Returns the stream after both stations, (B, T, C).
    """
    x = x + drop(attn(ln_1(x)))  # tokens read each other
    return x + drop(mlp(ln_2(x)))  # each token on its own


def gpt_forward(tokens: torch.Tensor, token_embedding: torch.Tensor, position_embedding: torch.Tensor,
                blocks: Sequence[Sublayer], ln_f: Sublayer, drop: Sublayer) -> torch.Tensor:
    """A whole GPT: token ids in, one score (logit) per vocabulary entry per position out.

    tokens: (B, T) integer token ids, with T <= context.
    token_embedding: (vocab_size, C), row i the vector of token i.
    position_embedding: (context, C), row t the vector of position t.
    blocks: the transformer blocks, functions (B, T, C) -> (B, T, C), applied in order.
    ln_f: the final layer norm; drop: dropout, applied once to the embeddings.
    The stream starts as each token's vector plus the vector of its position (0 to T - 1),
    through dropout; it then passes every block, and the final layer norm. The logit of
    vocabulary entry v at a position is the dot product of the final vector there with
    row v of token_embedding (the unembedding is tied to the embedding).
    Returns (B, T, vocab_size) logits; no softmax.
    """
    T = tokens.shape[-1]
    x = drop(token_embedding[tokens] + position_embedding[:T])  # (B, T, C)
    for each_block in blocks:
        x = each_block(x)
    return ln_f(x) @ token_embedding.T  # (B, T, vocab_size)


def get_batch(ids: torch.Tensor, batch_size: int, context: int,
              generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch of training windows from a long sequence of ids, and their next ids.

    ids: (N,) token ids, N > context. Draw batch_size start positions s uniformly from
    0 to N - context - 1, with ONE call torch.randint(..., generator=generator), so a
    seeded generator gives the same batch every time.
    Returns (inputs, targets), both (batch_size, context) integer tensors: row b of inputs
    is ids[s_b : s_b + context], and row b of targets is the same window moved one step
    on, so targets[b, t] is the id that follows inputs[b, : t + 1].
    """
    starts = torch.randint(len(ids) - context, (batch_size,), generator=generator)  # (B,)
    offsets = torch.arange(context)  # (T,)
    positions = starts[:, None] + offsets  # (B, T): the index of every input id
    return ids[positions], ids[positions + 1]


def learning_rate(step: int, steps: int, max_lr: float, warmup: int) -> float:
    """The learning rate at `step` (0-based) of a run of `steps`: a warm-up, then a cosine.

    During the first `warmup` steps the rate climbs in a straight line: step s gets
    max_lr * (s + 1) / warmup. From step `warmup` on, it falls along half a cosine from
    max_lr to max_lr / 10, reached at the last step (steps - 1):
        min_lr + (max_lr - min_lr) * (1 + cos(pi * progress)) / 2,
    where min_lr is a tenth of max_lr and progress, the fraction (step - warmup) /
    (steps - 1 - warmup), goes from 0 to 1 (take 1 if steps - 1 - warmup is 0). Returns a float.
    """
    if step < warmup:
        return max_lr * (step + 1) / warmup
    min_lr = max_lr / 10
    span = steps - 1 - warmup
    progress = (step - warmup) / span if span > 0 else 1.0
    return min_lr + (max_lr - min_lr) * (1 + math.cos(math.pi * progress)) / 2


def train_gpt(model: torch.nn.Module, train_ids: torch.Tensor, held_out_ids: torch.Tensor, *,
              context: int, steps: int, batch_size: int, max_lr: float, eval_every: int,
              evaluate: Callable[[torch.nn.Module, torch.Tensor], float], seed: int = 0) -> dict:
    """Train a language model on random windows of a text, watching its held-out loss.

    model: maps (B, T) ids to (B, T, vocab_size) logits. train_ids, held_out_ids: (N,) ids.
    evaluate(model, ids): the model's mean loss on ids (it switches to eval mode and back).
    The run is reproducible from `seed`: seed torch's global generator with it (dropout
    draws from there) and make a separate torch.Generator seeded with it for get_batch.
    Optimiser: torch.optim.AdamW on model.parameters(), betas (0.9, 0.95), weight decay 0.1.
    Each of the `steps` steps, s = 0, 1, ...: set the learning rate of every parameter
    group to learning_rate(s, steps, max_lr, warmup=steps // 10); take a batch of
    batch_size windows of `context` ids (get_batch); the loss is the mean cross-entropy
    of the model's logits against the next ids, over every position of every window;
    compute the gradients of this step's loss only, clip their total norm to 1.0, update.
    The model is in training mode while it trains. After step s, when (s + 1) is a
    multiple of eval_every or s is the last step, record evaluate(model, held_out_ids).
    Returns {"train": the loss of every step (floats, `steps` of them),
             "held_out": [(s + 1, held-out loss) at every evaluation, in order]}.
    A loop of hundreds of steps deserves a progress bar: tqdm(range(steps)) draws one.
    """
    torch.manual_seed(seed)
    batches = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), betas=(0.9, 0.95), weight_decay=0.1)
    history = {"train": [], "held_out": []}
    model.train()
    for step in tqdm(range(steps), desc="training", unit="step"):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, steps, max_lr, warmup=steps // 10)
        inputs, targets = get_batch(train_ids, batch_size, context, batches)  # (B, T) each
        logits = model(inputs)  # (B, T, vocab_size)
        loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        history["train"].append(loss.item())
        if (step + 1) % eval_every == 0 or step == steps - 1:
            history["held_out"].append((step + 1, evaluate(model, held_out_ids)))
    return history


def gpt_param_count(d_model: int, n_layers: int, vocab_size: int, context: int) -> int:
    """The number of parameters of a GPT-2-style model, biases included.

    Embeddings: a token embedding (vocab_size x d_model), used again as the unembedding
    (count it once), and a position embedding (context x d_model).
    Each of the n_layers blocks:
        attention: query, key, value and output maps, d_model x d_model each, and a bias of
            d_model numbers for each of the four;
        MLP: d_model x 4*d_model up (bias 4*d_model) and 4*d_model x d_model down (bias d_model);
        two layer norms, each with a scale and a shift of d_model numbers.
    After the last block: one more layer norm (scale and shift).
    Returns an int.
    """
    embeddings = (vocab_size + context) * d_model
    attention = 4 * d_model * d_model + 4 * d_model
    mlp = d_model * 4 * d_model + 4 * d_model + 4 * d_model * d_model + d_model
    norms = 2 * 2 * d_model
    return embeddings + n_layers * (attention + mlp + norms) + 2 * d_model
