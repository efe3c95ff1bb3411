"""Where a learner expects PyTorch's behaviour, TinyTorch gives PyTorch's numbers (or a clear error), checked
against PyTorch CPU: mask meanings, Adam's per-parameter steps, GELU, var/std, dim=/keepdim=, BatchNorm,
ModuleList/ModuleDict, the common Tensor methods, and a second backward through a freed graph."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import tinytorch as tt
import tinytorch.nn.functional as tf
from tinytorch import nn, optim

RNG = np.random.default_rng(7)


def close(ours, theirs, rtol=1e-6, atol=1e-8):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    ours = ours.data if isinstance(ours, tt.Tensor) else np.asarray(ours)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def backward_both(out_ours, out_theirs):
    """Backpropagate the same random projection <out, r> through both frameworks."""
    projection = RNG.standard_normal(out_ours.shape)
    (out_ours * tt.Tensor(projection)).sum().backward()
    (out_theirs * torch.tensor(projection)).sum().backward()


# ----- attention masks --------------------------------------------------------------------------------------
@pytest.mark.parametrize("lengths", [(4, 4), (3, 5), (5, 3)])
def test_sdpa_boolean_float_and_causal_masks_mean_what_they_mean_in_pytorch(lengths):
    lq, lk = lengths
    q, k, v = RNG.standard_normal((2, lq, 3)), RNG.standard_normal((2, lk, 3)), RNG.standard_normal((2, lk, 3))
    allowed = RNG.random((lq, lk)) > 0.4
    allowed[:, 0] = True  # every query sees at least one key (a fully blocked row is NaN in PyTorch)
    additive = RNG.standard_normal((lq, lk))
    T = [tt.Tensor(a) for a in (q, k, v)]
    P = [torch.tensor(a) for a in (q, k, v)]
    close(tf.scaled_dot_product_attention(*T, attn_mask=allowed), F.scaled_dot_product_attention(*P, attn_mask=torch.tensor(allowed)))
    close(tf.scaled_dot_product_attention(*T, attn_mask=additive), F.scaled_dot_product_attention(*P, attn_mask=torch.tensor(additive)))
    close(tf.scaled_dot_product_attention(*T, is_causal=True), F.scaled_dot_product_attention(*P, is_causal=True))
    close(tf.scaled_dot_product_attention(*T, scale=0.3), F.scaled_dot_product_attention(*P, scale=0.3))


def test_multihead_attention_mask_means_blocked_as_in_torch_multihead_attention():
    embed, heads = 8, 2
    ours = nn.MultiheadAttention(embed, heads)
    theirs = torch.nn.MultiheadAttention(embed, heads, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.tensor(ours.in_proj.weight.data))
        theirs.in_proj_bias.copy_(torch.tensor(ours.in_proj.bias.data))
        theirs.out_proj.weight.copy_(torch.tensor(ours.out_proj.weight.data))
        theirs.out_proj.bias.copy_(torch.tensor(ours.out_proj.bias.data))
    x = RNG.standard_normal((2, 5, embed))
    blocked = np.triu(np.ones((5, 5), dtype=bool), 1)
    blocked[4, :2] = True
    out, weights = ours(tt.Tensor(x), tt.Tensor(x), tt.Tensor(x), attn_mask=blocked, need_weights=True)
    expected, expected_weights = theirs(*[torch.tensor(x)] * 3, attn_mask=torch.tensor(blocked), need_weights=True)
    close(out, expected, rtol=1e-5, atol=1e-6)
    close(weights, expected_weights, rtol=1e-5, atol=1e-6)


# ----- Adam counts steps per parameter ------------------------------------------------------------------
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_bias_correction_counts_each_parameters_own_steps(name):
    start = [RNG.standard_normal(3), RNG.standard_normal(2)]
    ours = [nn.Parameter(a.copy()) for a in start]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    opt_ours = getattr(optim, name)(ours, lr=0.1, weight_decay=0.01)
    opt_theirs = getattr(torch.optim, name)(theirs, lr=0.1, weight_decay=0.01)
    for step in range(6):
        late_joiner_active = step >= 3  # the second parameter first receives a gradient at step 4
        for opt, params, make in ((opt_ours, ours, tt.Tensor), (opt_theirs, theirs, torch.tensor)):
            opt.zero_grad()
            loss = ((params[0] - make(np.ones(3))) ** 2).sum()
            if late_joiner_active:
                loss = loss + (params[1] ** 3).sum()
            loss.backward()
            opt.step()
        for a, b in zip(ours, theirs):
            close(a, b, rtol=1e-10, atol=1e-12)


# ----- GELU, var/std, dim= --------------------------------------------------------------------------------
def test_gelu_module_and_function_defaults_match_torch():
    x = RNG.standard_normal((4, 6)) * 3
    close(nn.GELU()(tt.Tensor(x)), torch.nn.GELU()(torch.tensor(x)), rtol=1e-12, atol=1e-14)
    close(tf.gelu(tt.Tensor(x), approximate="tanh"), F.gelu(torch.tensor(x), approximate="tanh"), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": (0, 2), "keepdim": True}, {"dim": 0, "unbiased": False},
                                    {"dim": 2, "correction": 0}, {"correction": 2}])
def test_var_and_std_match_torch(kwargs):
    x = RNG.standard_normal((3, 4, 5))
    for name in ("var", "std"):
        close(getattr(tt.Tensor(x), name)(**kwargs), getattr(torch.tensor(x), name)(**kwargs), rtol=1e-10)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "argmax", "argmin", "softmax", "log_softmax"])
def test_dim_and_keepdim_match_torch(name):
    x = RNG.standard_normal((3, 4, 5))
    kwargs = {"dim": 1} if name in ("softmax", "log_softmax") else {"dim": -1, "keepdim": True}
    close(getattr(tt.Tensor(x), name)(**kwargs), getattr(torch.tensor(x), name)(**kwargs))
    if name in ("softmax", "log_softmax"):
        close(getattr(tf, name)(tt.Tensor(x), dim=1), getattr(F, name)(torch.tensor(x), dim=1))


def test_max_and_min_with_dim_return_values_and_indices_as_torch():
    x = RNG.standard_normal((3, 5))
    for name in ("max", "min"):
        ours, theirs = getattr(tt.Tensor(x), name)(dim=1), getattr(torch.tensor(x), name)(dim=1)
        close(ours.values, theirs.values)
        close(ours.indices, theirs.indices)
        values, indices = getattr(tt.Tensor(x), name)(1, keepdim=True)
        assert values.shape == tuple(getattr(torch.tensor(x), name)(1, keepdim=True).values.shape)


# ----- BatchNorm -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("ours_cls, theirs_cls, shape", [
    (nn.BatchNorm1d, torch.nn.BatchNorm1d, (8, 3)),
    (nn.BatchNorm1d, torch.nn.BatchNorm1d, (4, 3, 5)),
    (nn.BatchNorm2d, torch.nn.BatchNorm2d, (4, 3, 5, 5)),
])
def test_batchnorm_train_and_eval_match_torch_including_running_statistics(ours_cls, theirs_cls, shape):
    ours, theirs = ours_cls(3), theirs_cls(3, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([1.5, 0.5, -1.0], dtype=torch.float64))
        theirs.bias.copy_(torch.tensor([0.1, 0.0, 0.3], dtype=torch.float64))
    ours.weight.data = np.array([1.5, 0.5, -1.0])
    ours.bias.data = np.array([0.1, 0.0, 0.3])
    for _ in range(3):
        x = RNG.standard_normal(shape) * 2 + 1
        xo, xt = tt.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out_ours, out_theirs = ours(xo), theirs(xt)
        close(out_ours, out_theirs, rtol=1e-9, atol=1e-10)
        backward_both(out_ours, out_theirs)
        close(xo.grad, xt.grad, rtol=1e-7, atol=1e-9)
        close(ours.weight.grad, theirs.weight.grad, rtol=1e-7, atol=1e-9)
    close(ours.running_mean, theirs.running_mean, rtol=1e-6)
    close(ours.running_var, theirs.running_var, rtol=1e-6)
    ours.eval(), theirs.eval()
    x = RNG.standard_normal(shape)
    close(ours(tt.Tensor(x)), theirs(torch.tensor(x)), rtol=1e-6, atol=1e-7)
    assert set(ours.state_dict()) == {"weight", "bias", "running_mean", "running_var"}


# ----- containers ---------------------------------------------------------------------------------------
def test_module_list_and_dict_register_parameters_under_torchs_names():
    class Ours(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 3)])
            self.heads = nn.ModuleDict({"cls": nn.Linear(3, 4)})

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 3)])
            self.heads = torch.nn.ModuleDict({"cls": torch.nn.Linear(3, 4)})

    assert [n for n, _ in Ours().named_parameters()] == [n for n, _ in Theirs().named_parameters()]


def test_modules_in_a_plain_dict_are_left_out_with_a_warning():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = {"a": nn.Linear(2, 2)}

    with pytest.warns(UserWarning, match="plain dict.*ModuleDict"):
        assert Net().parameters() == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Linear(2, 2).parameters()  # no warning without a dict


# ----- Tensor methods a PyTorch user types ----------------------------------------------------------------
X = RNG.standard_normal((2, 3, 4))
SAME = [  # method call, applied to both frameworks' tensors; results (and gradients where differentiable) compared
    ("unsqueeze", lambda t: t.unsqueeze(1)), ("unsqueeze_neg", lambda t: t.unsqueeze(-1)),
    ("squeeze", lambda t: t.unsqueeze(0).squeeze()), ("squeeze_dim", lambda t: t.unsqueeze(2).squeeze(2)),
    ("expand", lambda t: t[:, :1].expand(2, 5, 4)), ("expand_keep", lambda t: t.unsqueeze(0).expand(3, -1, -1, -1)),
    ("clamp", lambda t: t.clamp(min=-0.5, max=0.5)), ("clamp_min", lambda t: t.clamp(min=0.0)),
    ("clip", lambda t: t.clip(-0.2, 0.3)), ("flatten", lambda t: t.flatten()), ("flatten_range", lambda t: t.flatten(1, 2)),
    ("view", lambda t: t.view(6, 4)), ("reshape", lambda t: t.reshape(-1, 2)), ("transpose", lambda t: t.transpose(0, 2)),
    ("permute", lambda t: t.permute(2, 0, 1)), ("t", lambda t: t[0].t()), ("T2d", lambda t: t[0].T),
    ("sum", lambda t: t.sum(1)), ("mean", lambda t: t.mean()), ("std", lambda t: t.std(2)), ("var", lambda t: t.var(0)),
    ("amax", lambda t: t.amax(1)), ("max_all", lambda t: t.max()), ("min_all", lambda t: t.min()),
    ("max_values", lambda t: t.max(2).values), ("min_values", lambda t: t.min(0).values),
    ("abs", lambda t: t.abs()), ("exp", lambda t: t.exp()), ("pow", lambda t: t.pow(2)), ("sqrt", lambda t: t.abs().sqrt()),
    ("log", lambda t: (t.abs() + 1).log()), ("relu", lambda t: t.relu()), ("sigmoid", lambda t: t.sigmoid()),
    ("tanh", lambda t: t.tanh()), ("softmax", lambda t: t.softmax(-1)), ("log_softmax", lambda t: t.log_softmax(1)),
    ("clone", lambda t: t.clone()), ("contiguous", lambda t: t.contiguous()), ("detach_add", lambda t: t.detach() + t),
    ("masked_fill", lambda t: t.masked_fill(t > 0, 0.0)), ("float_double", lambda t: t.float().double()),
    ("matmul", lambda t: t @ t.transpose(1, 2)), ("rsub", lambda t: 1 - t), ("rdiv", lambda t: 1 / (t.abs() + 1)),
    ("neg", lambda t: -t), ("getitem", lambda t: t[1, :, ::2]),
]
VALUES = [  # not differentiable: compare values only
    ("argmax", lambda t: t.argmax(1)), ("argmin", lambda t: t.argmin()), ("eq", lambda t: t == t), ("ne", lambda t: t != 0),
    ("gt", lambda t: t.gt(0)), ("le", lambda t: t.le(0)), ("any", lambda t: (t > 2).any()), ("all", lambda t: (t > -9).all()),
    ("long", lambda t: (t * 10).long()), ("bool", lambda t: t.bool()), ("size", lambda t: t.size()), ("size1", lambda t: t.size(1)),
    ("dim", lambda t: t.dim()), ("numel", lambda t: t.numel()), ("shape", lambda t: tuple(t.shape)), ("item", lambda t: t.sum().item()),
    ("tolist", lambda t: t[0].tolist()), ("float_py", lambda t: float(t[0, 0, 0])), ("int_py", lambda t: int(t[0, 0, 0] * 10)),
    ("device", lambda t: str(t.device)), ("is_leaf", lambda t: t.is_leaf), ("to_cpu", lambda t: t.to("cpu").cpu()),
]


@pytest.mark.parametrize("name, call", SAME, ids=[n for n, _ in SAME])
def test_tensor_method_values_and_gradients_match_torch(name, call):
    ours, theirs = tt.Tensor(X.copy(), requires_grad=True), torch.tensor(X.copy(), requires_grad=True)
    out_ours, out_theirs = call(ours), call(theirs)
    close(out_ours, out_theirs, rtol=1e-6, atol=1e-7)
    backward_both(out_ours, out_theirs)
    close(ours.grad, theirs.grad, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name, call", VALUES, ids=[n for n, _ in VALUES])
def test_tensor_method_values_match_torch(name, call):
    ours, theirs = call(tt.Tensor(X.copy())), call(torch.tensor(X.copy()))
    if isinstance(theirs, torch.Tensor):
        close(ours, theirs)
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-12)
    else:
        assert ours == theirs


@pytest.mark.parametrize("name", ["cuda", "half", "split", "chunk", "repeat", "norm", "sort", "topk", "cumsum", "gather",
                                  "index_select", "zero_", "fill_", "add_", "register_hook", "retain_grad", "grad_fn"])
def test_methods_tinytorch_leaves_out_explain_what_to_do_instead(name):
    assert hasattr(torch.Tensor, name)  # a real PyTorch method, so a learner may well type it
    with pytest.raises(AttributeError, match=rf"Tensor\.{name}: PyTorch has it, TinyTorch does not; \w+"):
        getattr(tt.Tensor(X), name)


def test_truth_value_of_a_multi_element_tensor_is_an_error_in_both():
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(torch.tensor(X))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tt.Tensor(X))


# ----- backward twice ---------------------------------------------------------------------------------------
def test_second_backward_through_a_freed_graph_raises_in_both():
    for framework, make in (("torch", lambda: torch.tensor(X.copy(), requires_grad=True)),
                            ("tinytorch", lambda: tt.Tensor(X.copy(), requires_grad=True))):
        x = make()
        loss = (x.exp() * x).sum()
        loss.backward()
        with pytest.raises(RuntimeError, match="(?i)backward through the graph a second time"):
            loss.backward()
        x = make()
        loss = (x.exp() * x).sum()
        loss.backward(retain_graph=True)
        loss.backward()
        close(x.grad, 2 * np.exp(X) * (1 + X), rtol=1e-10)
