"""Wrong answers to lesson 08 that learners really write.

The block and gpt_forward mutants compute their layer norms and MLPs with PyTorch's own
functions (and attention with lesson 07's provided multi_head), so that each one shows its
own mistake whatever the other exercises of the same submission hold.
"""

import torch

from autograder.mutants import mutant
from solutions.lesson07 import multi_head


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


@mutant("dropout", "do not write zeros into x")
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


@mutant("block", "the residual connection")
def block_without_residual(x, w):
    def norm(x, scale, shift):
        return torch.nn.functional.layer_norm(x, x.shape[-1:], scale, shift)

    x = multi_head(norm(x, w["ln1_scale"], w["ln1_shift"]), w["W_q"], w["W_k"], w["W_v"], w["W_o"],
                   causal=True)
    hidden = torch.nn.functional.gelu(norm(x, w["ln2_scale"], w["ln2_shift"]) @ w["W_up"] + w["b_up"])
    return hidden @ w["W_down"] + w["b_down"]


@mutant("block", "pre-norm: layer-normalise what goes INTO each sublayer")
def block_post_norm(x, w):
    def norm(x, scale, shift):
        return torch.nn.functional.layer_norm(x, x.shape[-1:], scale, shift)

    x = norm(x + multi_head(x, w["W_q"], w["W_k"], w["W_v"], w["W_o"], causal=True),
             w["ln1_scale"], w["ln1_shift"])
    hidden = torch.nn.functional.gelu(x @ w["W_up"] + w["b_up"])
    return norm(x + hidden @ w["W_down"] + w["b_down"], w["ln2_scale"], w["ln2_shift"])


@mutant("block", "pass causal=True to multi_head")
def block_not_causal(x, w):
    def norm(x, scale, shift):
        return torch.nn.functional.layer_norm(x, x.shape[-1:], scale, shift)

    x = x + multi_head(norm(x, w["ln1_scale"], w["ln1_shift"]), w["W_q"], w["W_k"], w["W_v"], w["W_o"])
    hidden = torch.nn.functional.gelu(norm(x, w["ln2_scale"], w["ln2_shift"]) @ w["W_up"] + w["b_up"])
    return x + hidden @ w["W_down"] + w["b_down"]


@mutant("block", "the MLP reads x AFTER attention's change has been added")
def block_in_parallel(x, w):
    def norm(x, scale, shift):
        return torch.nn.functional.layer_norm(x, x.shape[-1:], scale, shift)

    change = multi_head(norm(x, w["ln1_scale"], w["ln1_shift"]), w["W_q"], w["W_k"], w["W_v"], w["W_o"],
                        causal=True)
    hidden = torch.nn.functional.gelu(norm(x, w["ln2_scale"], w["ln2_shift"]) @ w["W_up"] + w["b_up"])
    return x + change + hidden @ w["W_down"] + w["b_down"]


@mutant("gpt_forward", "return the logits themselves")
def gpt_forward_returns_probabilities(tokens, weights):
    def norm(x, scale, shift):
        return torch.nn.functional.layer_norm(x, x.shape[-1:], scale, shift)

    x = weights["token_embedding"][tokens] + weights["position_embedding"][:tokens.shape[-1]]
    for w in weights["blocks"]:
        x = x + multi_head(norm(x, w["ln1_scale"], w["ln1_shift"]), w["W_q"], w["W_k"], w["W_v"], w["W_o"],
                           causal=True)
        hidden = torch.nn.functional.gelu(norm(x, w["ln2_scale"], w["ln2_shift"]) @ w["W_up"] + w["b_up"])
        x = x + hidden @ w["W_down"] + w["b_down"]
    x = norm(x, weights["final_scale"], weights["final_shift"])
    return torch.softmax(x @ weights["token_embedding"].T, dim=-1)


@mutant("gpt_forward", "add the position embedding of each position")
def gpt_forward_without_positions(tokens, weights):
    def norm(x, scale, shift):
        return torch.nn.functional.layer_norm(x, x.shape[-1:], scale, shift)

    x = weights["token_embedding"][tokens]
    for w in weights["blocks"]:
        x = x + multi_head(norm(x, w["ln1_scale"], w["ln1_shift"]), w["W_q"], w["W_k"], w["W_v"], w["W_o"],
                           causal=True)
        hidden = torch.nn.functional.gelu(norm(x, w["ln2_scale"], w["ln2_shift"]) @ w["W_up"] + w["b_up"])
        x = x + hidden @ w["W_down"] + w["b_down"]
    x = norm(x, weights["final_scale"], weights["final_shift"])
    return x @ weights["token_embedding"].T


@mutant("gpt_forward", "apply the final layer norm")
def gpt_forward_without_final_norm(tokens, weights):
    def norm(x, scale, shift):
        return torch.nn.functional.layer_norm(x, x.shape[-1:], scale, shift)

    x = weights["token_embedding"][tokens] + weights["position_embedding"][:tokens.shape[-1]]
    for w in weights["blocks"]:
        x = x + multi_head(norm(x, w["ln1_scale"], w["ln1_shift"]), w["W_q"], w["W_k"], w["W_v"], w["W_o"],
                           causal=True)
        hidden = torch.nn.functional.gelu(norm(x, w["ln2_scale"], w["ln2_shift"]) @ w["W_up"] + w["b_up"])
        x = x + hidden @ w["W_down"] + w["b_down"]
    return x @ weights["token_embedding"].T


@mutant("gpt_forward", "position_embedding[:n]")
def gpt_forward_all_positions(tokens, weights):
    def norm(x, scale, shift):
        return torch.nn.functional.layer_norm(x, x.shape[-1:], scale, shift)

    x = weights["token_embedding"][tokens] + weights["position_embedding"]
    for w in weights["blocks"]:
        x = x + multi_head(norm(x, w["ln1_scale"], w["ln1_shift"]), w["W_q"], w["W_k"], w["W_v"], w["W_o"],
                           causal=True)
        hidden = torch.nn.functional.gelu(norm(x, w["ln2_scale"], w["ln2_shift"]) @ w["W_up"] + w["b_up"])
        x = x + hidden @ w["W_down"] + w["b_down"]
    x = norm(x, weights["final_scale"], weights["final_shift"])
    return x @ weights["token_embedding"].T


@mutant("gpt_forward", "for each w in weights['blocks']")
def gpt_forward_skips_the_blocks(tokens, weights):
    x = weights["token_embedding"][tokens] + weights["position_embedding"][:tokens.shape[-1]]
    x = torch.nn.functional.layer_norm(x, x.shape[-1:], weights["final_scale"], weights["final_shift"])
    return x @ weights["token_embedding"].T


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
