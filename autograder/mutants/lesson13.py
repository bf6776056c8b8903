"""Wrong answers to lesson 13 that learners really write.

Each mutant stands alone: in a graded notebook the other exercises may be stubs or mutants
too, so a mutant calls only what the lesson provides (lessons 07-08's functions, the
helpers), never another exercise. A mutant of `capture` builds its context manager inside
(`@contextmanager` on an inner function): a mutant's source starts at its `def`, so a
decorator on the outer function would be lost.

A mistake of one line in an exercise whose reference calls no other exercise (the head
scores, head_outputs, activation_patching) is that reference with one fragment replaced.
"""

from contextlib import contextmanager

import torch

from autograder.mutants import mutant, replaced
from helpers.interp import next_token_loss
from solutions.lesson07 import attention, attention_scores, causal_mask, split_heads
from solutions.lesson13 import (
    activation_patching,
    head_outputs,
    induction_scores,
    previous_token_scores,
)

# -- capture --------------------------------------------------------------------------------


@mutant("capture", "remove the hooks in a `finally:`")
def capture_without_finally(model, names):
    @contextmanager
    def hooked():
        acts, handles = {}, []

        def keeper(name):
            def keep(module, inputs, output):
                acts[name] = output.detach()
            return keep

        for name in names:
            handles.append(model.get_submodule(name).register_forward_hook(keeper(name)))
        yield acts
        for handle in handles:  # never reached when the with block raises
            handle.remove()

    return hooked()


@mutant("capture", "a small function that takes the name")
def capture_with_a_late_bound_name(model, names):
    @contextmanager
    def hooked():
        acts, handles = {}, []
        try:
            for name in names:
                def keep(module, inputs, output):
                    acts[name] = output.detach()  # noqa: B023 (the mistake: `name` is read when the hook runs)
                handles.append(model.get_submodule(name).register_forward_hook(keep))
            yield acts
        finally:
            for handle in handles:
                handle.remove()

    return hooked()


@mutant("capture", "output.detach()")
def capture_keeps_the_graph(model, names):
    @contextmanager
    def hooked():
        acts, handles = {}, []

        def keeper(name):
            def keep(module, inputs, output):
                acts[name] = output
            return keep

        try:
            for name in names:
                handles.append(model.get_submodule(name).register_forward_hook(keeper(name)))
            yield acts
        finally:
            for handle in handles:
                handle.remove()

    return hooked()


@mutant("capture", "register the hooks inside the try")
def capture_registers_before_the_try(model, names):
    @contextmanager
    def hooked():
        acts = {}

        def keeper(name):
            def keep(module, inputs, output):
                acts[name] = output.detach()
            return keep

        handles = [model.get_submodule(name).register_forward_hook(keeper(name)) for name in names]
        try:
            yield acts
        finally:
            for handle in handles:
                handle.remove()

    return hooked()


@mutant("capture", "do not catch exceptions")
def capture_swallows_errors(model, names):
    @contextmanager
    def hooked():
        acts, handles = {}, []

        def keeper(name):
            def keep(module, inputs, output):
                acts[name] = output.detach()
            return keep

        try:
            for name in names:
                handles.append(model.get_submodule(name).register_forward_hook(keeper(name)))
            yield acts
        except Exception:
            pass
        finally:
            for handle in handles:
                handle.remove()

    return hooked()


# -- attention patterns -----------------------------------------------------------------------


@mutant("attention_patterns", "sqrt(d_head)")
def patterns_without_the_scale(model, tokens):
    reads = {}
    handles = [block.ln_1.register_forward_hook(lambda m, i, out, layer=layer: reads.__setitem__(layer, out))
               for layer, block in enumerate(model.blocks)]
    with torch.no_grad():
        model(tokens)
    for handle in handles:
        handle.remove()
    patterns = []
    for layer, block in enumerate(model.blocks):
        q = split_heads(reads[layer] @ block.attn.W_q, block.attn.n_heads)
        k = split_heads(reads[layer] @ block.attn.W_k, block.attn.n_heads)
        scores = (q @ k.transpose(-2, -1)).masked_fill(~causal_mask(tokens.shape[-1]), float("-inf"))
        patterns.append(torch.softmax(scores, dim=-1))
    return torch.stack(patterns).detach()


@mutant("attention_patterns", "the output of ln_1")
def patterns_from_the_residual_stream(model, tokens):
    reads = {}  # what each block READS, before its layer norm
    handles = [block.register_forward_pre_hook(lambda m, args, layer=layer: reads.__setitem__(layer, args[0]))
               for layer, block in enumerate(model.blocks)]
    with torch.no_grad():
        model(tokens)
    for handle in handles:
        handle.remove()
    patterns = []
    for layer, block in enumerate(model.blocks):
        q = split_heads(reads[layer] @ block.attn.W_q, block.attn.n_heads)
        k = split_heads(reads[layer] @ block.attn.W_k, block.attn.n_heads)
        scores = attention_scores(q, k).masked_fill(~causal_mask(tokens.shape[-1]), float("-inf"))
        patterns.append(torch.softmax(scores, dim=-1))
    return torch.stack(patterns).detach()


@mutant("attention_patterns", "softmax over the keys, the last axis")
def patterns_softmax_over_queries(model, tokens):
    reads = {}
    handles = [block.ln_1.register_forward_hook(lambda m, i, out, layer=layer: reads.__setitem__(layer, out))
               for layer, block in enumerate(model.blocks)]
    with torch.no_grad():
        model(tokens)
    for handle in handles:
        handle.remove()
    patterns = []
    for layer, block in enumerate(model.blocks):
        q = split_heads(reads[layer] @ block.attn.W_q, block.attn.n_heads)
        k = split_heads(reads[layer] @ block.attn.W_k, block.attn.n_heads)
        scores = attention_scores(q, k).masked_fill(~causal_mask(tokens.shape[-1]), float("-inf"))
        patterns.append(torch.softmax(scores, dim=-2))
    return torch.stack(patterns).detach()


@mutant("attention_patterns", "mask the future")
def patterns_without_the_mask(model, tokens):
    reads = {}
    handles = [block.ln_1.register_forward_hook(lambda m, i, out, layer=layer: reads.__setitem__(layer, out))
               for layer, block in enumerate(model.blocks)]
    with torch.no_grad():
        model(tokens)
    for handle in handles:
        handle.remove()
    patterns = []
    for layer, block in enumerate(model.blocks):
        q = split_heads(reads[layer] @ block.attn.W_q, block.attn.n_heads)
        k = split_heads(reads[layer] @ block.attn.W_k, block.attn.n_heads)
        patterns.append(torch.softmax(attention_scores(q, k), dim=-1))
    return torch.stack(patterns).detach()


# -- head scores ------------------------------------------------------------------------------


previous_scores_above_the_diagonal = replaced(previous_token_scores, "offset=-1", "offset=1",
                                              "just BELOW the diagonal")


previous_scores_on_the_diagonal = replaced(previous_token_scores, "offset=-1, ", "",
                                           "just BELOW the diagonal")


previous_scores_divided_by_T = replaced(previous_token_scores, "below.mean(dim=(1, 3))",  # noqa: N816
                                        "below.sum(dim=-1).mean(dim=1) / patterns.shape[-1]",
                                        "the T - 1 positions")


previous_scores_averaged_over_heads = replaced(previous_token_scores, "mean(dim=(1, 3))", "mean(dim=(2, 3))",
                                               "not over the heads")


@mutant("induction_scores", "not pattern[i, i - period]")
def induction_at_the_copy_itself(patterns, period):
    return patterns.diagonal(offset=-period, dim1=-2, dim2=-1).mean(dim=(1, 3))


induction_from_one_position_too_early = replaced(induction_scores, "stripe[..., 1:]", "stripe",
                                                 "only over the positions i = period")


induction_with_half_the_length = replaced(induction_scores, "offset=1 - period",
                                          "offset=1 - patterns.shape[-1] // 2",
                                          "use the period you are given")


# -- head outputs ------------------------------------------------------------------------------


head_outputs_through_columns_of_W_o = replaced(head_outputs, "attn.W_o.unflatten", "attn.W_o.T.unflatten",  # noqa: N816
                                               "own ROWS of W_o")


head_outputs_looking_ahead = replaced(head_outputs, "causal=True", "causal=False", "attends causally")


head_outputs_before_W_o = replaced(head_outputs, "return z @ W_o", "return z", "after its own rows of W_o")  # noqa: N816


# -- ablation ---------------------------------------------------------------------------------


@mutant("ablation_costs", "return the CHANGE in loss")
def ablation_losses_not_changes(model, windows, mean=False):
    def one_head(attn, x, head):  # (B, T, C): what `head` adds
        part = slice(head * x.shape[-1] // attn.n_heads, (head + 1) * x.shape[-1] // attn.n_heads)
        z = attention(x @ attn.W_q[:, part], x @ attn.W_k[:, part], x @ attn.W_v[:, part], causal=True)
        return z @ attn.W_o[part]

    costs = torch.zeros(len(model.blocks), model.blocks[0].attn.n_heads)
    with torch.no_grad():
        for layer, block in enumerate(model.blocks):
            reads = []
            handle = block.ln_1.register_forward_hook(lambda m, i, out, reads=reads: reads.append(out))
            model(windows)
            handle.remove()
            for head in range(costs.shape[1]):
                new = one_head(block.attn, reads[0], head).mean(dim=0) if mean else 0.0

                def swap(module, inputs, output, head=head, new=new):
                    return output - one_head(module, inputs[0], head) + new

                handle = block.attn.register_forward_hook(swap)
                try:
                    costs[layer, head] = next_token_loss(model, windows)  # the loss, not its change
                finally:
                    handle.remove()
    return costs


@mutant("ablation_costs", "remove each hook")
def ablation_hooks_left_in_place(model, windows, mean=False):
    def one_head(attn, x, head):
        part = slice(head * x.shape[-1] // attn.n_heads, (head + 1) * x.shape[-1] // attn.n_heads)
        z = attention(x @ attn.W_q[:, part], x @ attn.W_k[:, part], x @ attn.W_v[:, part], causal=True)
        return z @ attn.W_o[part]

    costs = torch.zeros(len(model.blocks), model.blocks[0].attn.n_heads)
    with torch.no_grad():
        clean = next_token_loss(model, windows)
        for layer, block in enumerate(model.blocks):
            reads = []
            handle = block.ln_1.register_forward_hook(lambda m, i, out, reads=reads: reads.append(out))
            model(windows)
            handle.remove()
            for head in range(costs.shape[1]):
                new = one_head(block.attn, reads[0], head).mean(dim=0) if mean else 0.0

                def swap(module, inputs, output, head=head, new=new):
                    return output - one_head(module, inputs[0], head) + new

                block.attn.register_forward_hook(swap)  # never removed: the ablations pile up
                costs[layer, head] = next_token_loss(model, windows) - clean
    return costs


@mutant("ablation_costs", "the mean is over the WINDOWS only")
def ablation_mean_over_positions_too(model, windows, mean=False):
    def one_head(attn, x, head):
        part = slice(head * x.shape[-1] // attn.n_heads, (head + 1) * x.shape[-1] // attn.n_heads)
        z = attention(x @ attn.W_q[:, part], x @ attn.W_k[:, part], x @ attn.W_v[:, part], causal=True)
        return z @ attn.W_o[part]

    costs = torch.zeros(len(model.blocks), model.blocks[0].attn.n_heads)
    with torch.no_grad():
        clean = next_token_loss(model, windows)
        for layer, block in enumerate(model.blocks):
            reads = []
            handle = block.ln_1.register_forward_hook(lambda m, i, out, reads=reads: reads.append(out))
            model(windows)
            handle.remove()
            for head in range(costs.shape[1]):
                new = one_head(block.attn, reads[0], head).mean(dim=(0, 1)) if mean else 0.0  # one vector

                def swap(module, inputs, output, head=head, new=new):
                    return output - one_head(module, inputs[0], head) + new

                handle = block.attn.register_forward_hook(swap)
                try:
                    costs[layer, head] = next_token_loss(model, windows) - clean
                finally:
                    handle.remove()
    return costs


@mutant("ablation_costs", "take away only head h's change")
def ablation_of_the_whole_layer(model, windows, mean=False):
    costs = torch.zeros(len(model.blocks), model.blocks[0].attn.n_heads)
    with torch.no_grad():
        clean = next_token_loss(model, windows)
        for layer, block in enumerate(model.blocks):
            for head in range(costs.shape[1]):
                def silence(module, inputs, output):
                    return torch.zeros_like(output)  # every head of the layer at once

                handle = block.attn.register_forward_hook(silence)
                try:
                    costs[layer, head] = next_token_loss(model, windows) - clean
                finally:
                    handle.remove()
    return costs


# -- logit lens -------------------------------------------------------------------------------


@mutant("logit_lens", "read each stream through the final layer norm")
def lens_without_ln_f(model, tokens):
    outputs = []
    handles = [block.register_forward_hook(lambda m, i, out: outputs.append(out)) for block in model.blocks]
    try:
        with torch.no_grad():
            model(tokens)
            embeddings = model.token_embedding[tokens] + model.position_embedding[:tokens.shape[-1]]
            return torch.stack([x @ model.token_embedding.T for x in [embeddings, *outputs]])
    finally:
        for handle in handles:
            handle.remove()


@mutant("logit_lens", "PLUS position_embedding")
def lens_without_positions(model, tokens):
    outputs = []
    handles = [block.register_forward_hook(lambda m, i, out: outputs.append(out)) for block in model.blocks]
    try:
        with torch.no_grad():
            model(tokens)
            embeddings = model.token_embedding[tokens]
            return torch.stack([model.ln_f(x) @ model.token_embedding.T for x in [embeddings, *outputs]])
    finally:
        for handle in handles:
            handle.remove()


@mutant("logit_lens", "the embeddings first")
def lens_without_the_embeddings(model, tokens):
    outputs = []
    handles = [block.register_forward_hook(lambda m, i, out: outputs.append(out)) for block in model.blocks]
    try:
        with torch.no_grad():
            model(tokens)
            return torch.stack([model.ln_f(x) @ model.token_embedding.T for x in outputs])
    finally:
        for handle in handles:
            handle.remove()


@mutant("logit_lens", "the last stream is the output of the last block")
def lens_of_what_attention_adds(model, tokens):
    outputs = []
    handles = [block.attn.register_forward_hook(lambda m, i, out: outputs.append(out))
               for block in model.blocks]
    try:
        with torch.no_grad():
            model(tokens)
            embeddings = model.token_embedding[tokens] + model.position_embedding[:tokens.shape[-1]]
            return torch.stack([model.ln_f(x) @ model.token_embedding.T for x in [embeddings, *outputs]])
    finally:
        for handle in handles:
            handle.remove()


# -- activation patching ------------------------------------------------------------------------


patching_raw_logit_difference = replaced(
    activation_patching, "(patched - corrupted_diff) / (clean_diff - corrupted_diff)", "patched",
    "(patched - corrupted) / (clean - corrupted)")


@mutant("activation_patching", "run the CORRUPTED text and put the CLEAN stream in")
def patching_the_wrong_way_round(model, clean, corrupted, answer, wrong):
    readers = [*model.blocks, model.ln_f]
    with torch.no_grad():
        def measure(text):
            logits = model(text)
            return (logits[-1, answer] - logits[-1, wrong]).item()

        streams = []  # of the CORRUPTED run, patched into the clean one
        handles = [r.register_forward_pre_hook(lambda m, args: streams.append(args[0])) for r in readers]
        corrupted_diff = measure(corrupted)
        for handle in handles:
            handle.remove()
        clean_diff = measure(clean)
        restored = torch.zeros(len(readers), len(clean))
        for layer, reader in enumerate(readers):
            for t in range(len(clean)):
                def patch(module, args, layer=layer, t=t):
                    x = args[0].clone()
                    x[:, t] = streams[layer][:, t]
                    return (x,)

                handle = reader.register_forward_pre_hook(patch)
                restored[layer, t] = (measure(clean) - corrupted_diff) / (clean_diff - corrupted_diff)
                handle.remove()
    return restored


patching_every_position_at_once = replaced(activation_patching, "x[:, t] = streams[layer][:, t]",
                                           "x = streams[layer]", "patch ONE position at a time")


@mutant("activation_patching", "row 0 is the embeddings")
def patching_what_leaves_each_block(model, clean, corrupted, answer, wrong):
    with torch.no_grad():
        def measure(text):
            logits = model(text)
            return (logits[-1, answer] - logits[-1, wrong]).item()

        outputs = []  # row l: what block l RETURNS, one block too late; the last row repeats it
        handles = [b.register_forward_hook(lambda m, i, out: outputs.append(out)) for b in model.blocks]
        clean_diff = measure(clean)
        for handle in handles:
            handle.remove()
        corrupted_diff = measure(corrupted)
        rows = [*range(len(model.blocks)), len(model.blocks) - 1]
        restored = torch.zeros(len(rows), len(clean))
        for row, layer in enumerate(rows):
            for t in range(len(clean)):
                def patch(module, inputs, output, layer=layer, t=t):
                    x = output.clone()
                    x[:, t] = outputs[layer][:, t]
                    return x

                handle = model.blocks[layer].register_forward_hook(patch)
                restored[row, t] = (measure(corrupted) - corrupted_diff) / (clean_diff - corrupted_diff)
                handle.remove()
    return restored
