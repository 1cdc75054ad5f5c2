#!/usr/bin/python3
"""Export kiln's model zoo as TorchScript files, traced and scripted.

Every model gets seeded random weights and randomized batch-norm statistics and affine parameters: default
statistics (mean 0, var 1, weight 1, bias 0) turn batch norm into an identity and hide folding bugs. Parameters
initialized to zeros (classifier biases, ViT's head) are randomized too.
Each file records its input shape as the TorchScript extra file `kiln/input_shape` (e.g. "1x3x224x224"),
which `kiln` uses when no --input-shape is given.

Usage: export_zoo.py OUT_DIR [MODEL ...]      (default: every model; see --list)
Writes OUT_DIR/<model>_traced.pt and OUT_DIR/<model>_scripted.pt, each atomically. A MODEL outside the zoo
may be any torchvision.models classifier builder (vgg11_bn, densenet121, ...): it is exported the same way at
1x3x224x224, traced only.
"""
import argparse
import os
import sys
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


class LeNet5(nn.Module):
    """The seed notebook's LeNet-5 (with batch norm), input 1x1x32x32."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)
        self.bn1 = nn.BatchNorm2d(6)
        self.relu1 = nn.ReLU()
        self.maxpool1 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.bn2 = nn.BatchNorm2d(16)
        self.relu2 = nn.ReLU()
        self.maxpool2 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.fc = nn.Linear(400, 120)
        self.relu3 = nn.ReLU()
        self.fc1 = nn.Linear(120, 84)
        self.relu4 = nn.ReLU()
        self.fc2 = nn.Linear(84, num_classes)

    def forward(self, x):
        out = self.maxpool1(self.relu1(self.bn1(self.conv1(x))))
        out = self.maxpool2(self.relu2(self.bn2(self.conv2(out))))
        out = out.reshape(out.size(0), -1)
        out = self.relu3(self.fc(out))
        out = self.relu4(self.fc1(out))
        return self.fc2(out)


class UnsupportedOps(nn.Module):
    """A small model using ops kiln does not support (lgamma twice, digamma once), for the error-path tests."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, kernel_size=3, padding=1)

    def forward(self, x):
        y = torch.lgamma(self.conv(x).abs() + 1)
        y = torch.digamma(y + 1)
        return torch.lgamma(y + 2).relu()


class ShapeChecked(nn.Module):
    """Validates its input as many models do: scripted, the check stays in the graph and must fold away."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, kernel_size=3, padding=1)

    def forward(self, x):
        if x.size(-1) % 2 != 0:
            raise ValueError("width must be even")
        return self.conv(x).relu()


class OpCoverage(nn.Module):
    """Every op kind kiln imports that the zoo's classifiers do not use, on odd sizes, so that the import tests
    check those lowerings against TorchScript too."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=2)
        self.depthwise = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=8, bias=False)
        self.norm = nn.LayerNorm(8)
        self.fc = nn.Linear(8, 6)
        self.head_weight = nn.Parameter(torch.randn(5, 6))
        self.head_bias = nn.Parameter(torch.randn(5))

    def forward(self, x):
        y = F.hardswish(self.conv(x))
        y = F.hardsigmoid(self.depthwise(y)) * torch.tanh(y) - F.gelu(y) / 2.0 + F.relu6(y)
        y = F.avg_pool2d(y, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        y = F.max_pool2d(F.dropout(y, 0.3, training=False), 2, ceil_mode=True)
        up = F.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False)
        y = y + F.interpolate(up, size=y.shape[-2:], mode="nearest") + F.leaky_relu(y, 0.1) - F.elu(y).abs()
        y = y * torch.exp(-y.pow(2)) + F.softplus(y, beta=2.0).sqrt() - torch.rsqrt(1 + y * y) + F.mish(y)
        y = torch.maximum(y, torch.erf(y).neg()) + torch.minimum(F.selu(y), y.round())
        a, b = torch.chunk(y, 2, dim=1)
        y = torch.cat([b, a.clamp(-0.5, 0.5)], dim=1)
        t = self.norm(y.flatten(2).transpose(1, 2))
        t = torch.softmax(self.fc(t), dim=-1)
        m = torch.matmul(t.permute(0, 2, 1), t)
        p, q = torch.split(m, [2, 4], dim=1)
        head = torch.addmm(self.head_bias, F.silu(q).mean(dim=1), self.head_weight.t())
        return head - torch.sigmoid(p).mean(dim=(1, 2), keepdim=True).view(-1, 1)


class MoreOpCoverage(nn.Module):
    """The op kinds OpCoverage does not reach, on odd sizes: reductions (sum, amax/amin, max/min, var/std,
    norms, log_softmax, logsumexp, cumsum), padding in every mode, flip, roll, repeat, stack, pixel
    (un)shuffle, index_select, 1-D and transposed convolutions, 'same' padding that is asymmetric, 1-D and
    adaptive max pooling, divisor_override, group and instance norm, prelu, einsum, addmm with beta and alpha,
    and division's rounding modes."""

    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.same = nn.Conv2d(4, 4, (2, 3), padding="same")
        self.group_norm = nn.GroupNorm(2, 4)
        self.instance_norm = nn.InstanceNorm2d(4, affine=True)
        self.prelu = nn.PReLU(4)
        self.conv1d = nn.Conv1d(4, 5, 3, stride=2, padding=1)
        self.up1d = nn.ConvTranspose1d(5, 3, 4, stride=3)
        self.mix = nn.Parameter(torch.randn(7, 3))
        self.bias = nn.Parameter(torch.randn(3))

    def forward(self, x):
        y = F.pad(x, (1, 2, 0, 1), mode="reflect") + 0.5
        y = F.pad(y, (2, 0, 1, 1), mode="replicate")[:, :, 1:, 2:-1]
        y = y - F.pad(x, (1, 1, 1, 1), mode="circular") * 0.25
        y = F.pad(y, (0, 1, 2, 0), value=-0.5)[:, :, 2:, :-1]
        y = self.prelu(self.same(self.up(y)))
        y = self.group_norm(y) + self.instance_norm(y.flip(-1)).roll(3, -2)
        y = F.pixel_unshuffle(F.pixel_shuffle(y.repeat(1, 2, 1, 1), 2), 2)[:, ::2]
        y = F.adaptive_max_pool2d(y, (5, 4)) + F.avg_pool2d(y, 3, stride=2, padding=1, divisor_override=5)[:, :, :5, :4]
        rows = y.flatten(2)
        z = self.conv1d(rows) + F.max_pool1d(rows, 2)[:, :1, :10] - F.avg_pool1d(rows, 2)[:, 1:2, :10]
        z = self.up1d(torch.div(z, 0.7, rounding_mode="floor") + torch.div(z, 0.4, rounding_mode="trunc") * 0.1)
        z = torch.stack([z, z.cumsum(-1)], dim=1).sum(1) + z.index_select(1, torch.tensor([2, 0, 1]))
        stats = z.var(dim=-1, keepdim=True) + z.std(-1, unbiased=False, keepdim=True) + z.amax(-1, keepdim=True)
        stats = stats + z.amin(-1, keepdim=True) + z.max(-1, keepdim=True)[0] - z.min(-1, keepdim=True)[0]
        z = F.log_softmax(z, dim=-1) + torch.logsumexp(z, dim=1, keepdim=True) + stats
        z = F.normalize(z, dim=1) + z.norm(p=1, dim=-1, keepdim=True) / 10
        w = torch.einsum("bcl,cl->bl", z, z[0]) + torch.einsum("bij,bkj->bik", z, z).sum(-1)[:, :1]
        return torch.addmm(self.bias, w[:, :7], self.mix, beta=0.5, alpha=2.0) + w.mean()


class Recurrent(nn.Module):
    """A 2-layer batch-first LSTM over 2x9 steps of 12 features, then a bidirectional GRU over its output
    (time-major) and a ReLU RNN; final states feed the head too."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(12, 16, num_layers=2, batch_first=True)
        self.gru = nn.GRU(16, 8, bidirectional=True)
        self.rnn = nn.RNN(16, 6, nonlinearity="relu", batch_first=True)
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        y, (h, c) = self.lstm(x)
        z, hg = self.gru(y.transpose(0, 1))
        r, _ = self.rnn(z.transpose(0, 1))
        return self.head(z[-1]) + h[-1, :, :5] + c[0, :, :5] + hg[1, :, :5] + r[:, -1, :5]


class MasksAndIndices(nn.Module):
    """Run-time int64 and bool tensors on odd sizes (2x5x9): comparisons and the masks they make (logical and
    bitwise ops, where, masked_fill, dtype conversions), argmax/argmin and the indices of max/min, topk and
    sort, integer arithmetic, gather, index_select and an embedding looked up by computed indices. Returns a
    float, an int64 and a bool tensor.
    Indices are taken from the input itself, so that rounding in the computed values cannot flip them."""

    def __init__(self):
        super().__init__()
        self.table = nn.Embedding(9, 6)
        self.proj = nn.Linear(9, 9)

    def forward(self, x):
        y = self.proj(x)
        positive, big = x > 0, x.abs() >= 1.0
        mask = (positive & ~big) | torch.logical_and(x < -1.5, torch.logical_not(positive))
        z = torch.where(mask, y, -y * 0.5) + y.masked_fill(torch.logical_xor(positive, big), -2.0)
        z = z + (x.round() == 0).float() - (x <= 0.25).to(torch.float32) * torch.ne(x, 1.0).type_as(y)
        z = z + torch.ge(x, 0.5).float() * torch.logical_or(x.lt(-1.0), x.le(-2.0)).float()
        indices = x.argmax(dim=-1)
        values, where_max = x.max(dim=1)
        picked = torch.gather(z, 2, x.argmin(dim=-1, keepdim=True).expand(-1, -1, 3))
        rows = z.index_select(1, where_max[0, :4])
        out = self.table(indices).sum(-1, keepdim=True) + picked.mean(-1, keepdim=True)
        out = out[:, :4] + rows + values.unsqueeze(1) + where_max.unsqueeze(1).float() * 0.1
        smallest, order = x.topk(3, dim=-1, largest=False)
        out = out + smallest.sum(-1, keepdim=True)[:, :4] - x.sort(dim=1, descending=True)[0][:, :4]
        indices = (indices * 2 + order[..., 0] - mask.sum(-1)) // 3
        return out, indices, (mask ^ (y > 0.5)).logical_not()


if hasattr(F, "scaled_dot_product_attention"):
    def dot_product_attention(q, k, v, mask: Optional[torch.Tensor] = None, causal: bool = False):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)
else:  # PyTorch 1.13's private predecessor returns (output, weights)
    def dot_product_attention(q, k, v, mask: Optional[torch.Tensor] = None, causal: bool = False):
        return F._scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)[0]


class Transformer(nn.Module):
    """A small batch-first transformer over 2x13 tokens: a class token prepended (expand, cat), two
    nn.TransformerEncoder layers (the fused inference path TorchScript records) with a key padding mask,
    cross-attention through nn.MultiheadAttention with separate keys and values and a key padding mask,
    F.scaled_dot_product_attention with a bool mask and causal, and the slicing, shape arithmetic and
    squeezing that such models do around them. The masks come from the input, so rounding cannot flip them."""

    def __init__(self, width: int = 64, heads: int = 4):
        super().__init__()
        self.class_token = nn.Parameter(torch.randn(1, 1, width))
        layer = nn.TransformerEncoderLayer(width, heads, dim_feedforward=96, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.cross = nn.MultiheadAttention(width, heads, batch_first=True)
        self.memory = nn.Linear(width, width)
        self.head = nn.Linear(width, 5)

    def forward(self, x):
        n, length = x.shape[0], x.shape[1]
        t = torch.cat([self.class_token.expand(n, -1, -1), x], dim=1)
        padding = torch.cat([torch.zeros(n, 1, dtype=torch.bool), x[..., 0] > 1.5], dim=1)
        t = self.encoder(t, src_key_padding_mask=padding)
        memory = self.memory(t[:, 1::2])
        t = t + self.cross(t, memory, memory, key_padding_mask=padding[:, 1::2], need_weights=False)[0]
        half = t.size(-1) // 2
        q = t[..., :half].unsqueeze(1)
        k = torch.narrow(t, 2, half, half).unsqueeze(1)
        allowed = (x[:, :1, :1] < 1.0) | torch.eye(length + 1, dtype=torch.bool)
        attended = dot_product_attention(q, k, k, allowed.unsqueeze(1)) + dot_product_attention(q, q, k, causal=True)
        t = t + torch.cat([attended.squeeze(1), t[:, :, half:]], dim=-1)
        return self.head(t[:, 0]) + t[:, -length:].mean(dim=1)[:, :5]


class TokenEncoder(nn.Module):
    """Token ids in (int64, 2x11): an embedding, a padding mask from the ids (id 0 pads), learned positions,
    a transformer encoder layer that skips padded keys, masked mean pooling and a head; also returns the
    most likely token at every position (argmax of the per-position logits)."""

    def __init__(self, vocabulary: int = 50, width: int = 32):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, width, padding_idx=0)
        self.position = nn.Parameter(torch.randn(16, width) * 0.1)
        layer = nn.TransformerEncoderLayer(width, 4, dim_feedforward=48, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=1, enable_nested_tensor=False)
        self.head = nn.Linear(width, vocabulary)

    def forward(self, ids):
        padding = ids == 0
        t = self.embed(ids) + self.position[: ids.shape[1]]
        t = self.encoder(t, src_key_padding_mask=padding)
        keep = (~padding).unsqueeze(-1).float()
        pooled = (t * keep).sum(1) / keep.sum(1).clamp(min=1.0)
        return self.head(pooled), self.head(t).argmax(-1)


IMAGE = (1, 3, 224, 224)
MODELS = {
    "lenet5": (LeNet5, (1, 1, 32, 32)),
    "resnet18": (torchvision.models.resnet18, IMAGE),
    "resnet34": (torchvision.models.resnet34, IMAGE),
    "resnet50": (torchvision.models.resnet50, IMAGE),
    "mobilenet_v2": (torchvision.models.mobilenet_v2, IMAGE),
    "efficientnet_b0": (torchvision.models.efficientnet_b0, IMAGE),
    "unsupported_ops": (UnsupportedOps, (1, 3, 16, 16)),
    "shape_checked": (ShapeChecked, (1, 3, 16, 16)),
    "op_coverage": (OpCoverage, (2, 4, 17, 19)),
    "more_op_coverage": (MoreOpCoverage, (2, 6, 5, 7)),
    "recurrent": (Recurrent, (2, 9, 12)),
    "transformer": (Transformer, (2, 13, 64)),
    "masks_and_indices": (MasksAndIndices, (2, 5, 9)),
    "token_encoder": (TokenEncoder, (2, 11)),
}
# Models whose input is int64 token ids, with the vocabulary the ids are drawn below.
TOKEN_INPUTS = {"token_encoder": 50}


def randomize_batch_norm(model: nn.Module, generator: torch.Generator) -> None:
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            n = module.num_features
            module.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
            module.running_var.copy_(torch.rand(n, generator=generator) * 0.5 + 0.75)
            module.weight.data.copy_(torch.rand(n, generator=generator) * 0.5 + 0.75)
            module.bias.data.copy_(torch.randn(n, generator=generator) * 0.1)


def randomize_zero_parameters(model: nn.Module, generator: torch.Generator) -> None:
    """Parameters initialized to all zeros (ViT's class token and head, classifier biases) get small random
    values: a zero head makes every output zero, and a validation that compares zeros proves nothing."""
    for parameter in model.parameters():
        if not parameter.detach().any():
            parameter.data.copy_(torch.randn(parameter.shape, generator=generator) * 0.05)


def spec(name: str):
    """(factory, input shape, whether to script) of a zoo model or a torchvision classifier; None if neither."""
    if name in MODELS:
        return (*MODELS[name], True)
    factory = getattr(torchvision.models, name, None)
    return (factory, IMAGE, False) if callable(factory) and not name[0].isupper() else None


def build(name: str, seed: int) -> nn.Module:
    factory = spec(name)[0]
    torch.manual_seed(seed)
    model = factory()
    with torch.no_grad():
        randomize_batch_norm(model, torch.Generator().manual_seed(seed + 1))
        randomize_zero_parameters(model, torch.Generator().manual_seed(seed + 2))
    return model.eval()


def save_atomically(module: torch.jit.ScriptModule, path: str, spec: str) -> None:
    extra = {"kiln/input_shape": spec}
    tmp = path + ".tmp"
    torch.jit.save(module, tmp, _extra_files=extra)
    os.replace(tmp, path)


def export(name: str, out_dir: str, seed: int) -> None:
    model = build(name, seed)
    _, shape, scripted = spec(name)
    generator = torch.Generator().manual_seed(seed)
    input_spec = "x".join(str(d) for d in shape)
    if name in TOKEN_INPUTS:
        example = torch.randint(0, TOKEN_INPUTS[name], shape, generator=generator)
        input_spec += ":i64"
    else:
        example = torch.randn(*shape, generator=generator)
    with torch.no_grad():
        traced = torch.jit.trace(model, example)
    save_atomically(traced, os.path.join(out_dir, f"{name}_traced.pt"), input_spec)
    if scripted:
        save_atomically(torch.jit.script(model), os.path.join(out_dir, f"{name}_scripted.pt"), input_spec)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("models", nargs="*", help="models to export (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--list", action="store_true", help="print the model names and exit")
    args = parser.parse_args()
    if args.list:
        print("\n".join(MODELS))
        return 0
    unknown = [m for m in args.models if spec(m) is None]
    if unknown:
        print(f"export_zoo.py: unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)} or a "
              "torchvision.models classifier builder such as vgg11_bn", file=sys.stderr)
        return 2
    os.makedirs(args.out_dir, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    for name in args.models or list(MODELS):
        print(f"export_zoo.py: {name}", flush=True)
        export(name, args.out_dir, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
