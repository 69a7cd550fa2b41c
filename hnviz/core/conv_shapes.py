"""Architecture arithmetic of the convolutional targets, without building anything.

The app must bound sizes before it allocates a network, so the parameter list of each conv target
is computed here from its architecture alone; `conv_targets` builds modules whose
`named_parameters()` match `conv_param_shapes` name for name and shape for shape (tested).

Images are channels-first (C, H, W). Layers are 3×3 convolutions; a stride-s, padding-p conv maps
a side of n pixels to ⌊(n + 2p − 3) / s⌋ + 1, a 2×2 max-pool to ⌊n / 2⌋.

  zenke     Zenke et al. 2017 (SI), CIFAR net: conv32 'same' – conv32 'valid' – maxpool –
            conv64 'same' – conv64 'valid' – maxpool – fc512 – fc(out); 32×32 -> 64·6·6 features
  resnet32  He et al. 2016 CIFAR ResNet-(6n+2), n = 5: a 16-channel stem conv, then 3 stages of n
            basic blocks (widths 16, 32, 64; stride 2 entering stages 2 and 3), global average
            pool, fc(out). Every conv has a bias and is followed by batch norm (hypnettorch's
            ResNet as used in the hypernetwork paper).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

KINDS = ("zenke", "resnet32")
ZENKE_CONV = (32, 32, 64, 64)
ZENKE_FC = 512
RESNET_STEM = 16
RESNET_WIDTHS = (16, 32, 64)
RESNET_BLOCKS = 5  # n: 6n + 2 = 32 layers
MAX_CHANNELS = 64
MAX_SIDE = 512
MAX_OUTPUTS = 100_000  # out_dim · n_heads


@dataclass(frozen=True)
class Layer:
    """One conv (ksize 3) or fully connected (ksize 0) layer and the feature map it produces."""

    name: str  # parameter prefix: <name>.weight, <name>.bias
    out_ch: int
    in_ch: int
    ksize: int
    out_hw: tuple[int, int]  # (1, 1) for fully connected layers
    bn: str | None = None  # prefix of the batch norm that follows: <bn>.gain, <bn>.shift

    @property
    def weight_shape(self) -> tuple[int, ...]:
        k = self.ksize
        return (self.out_ch, self.in_ch, k, k) if k else (self.out_ch, self.in_ch)

    @property
    def fan_in(self) -> int:
        return self.in_ch * max(1, self.ksize) ** 2

    @property
    def macs(self) -> int:
        """Multiply-adds per example."""
        return self.out_ch * self.fan_in * self.out_hw[0] * self.out_hw[1]


def check_geometry(input_shape, out_dim: int, n_heads: int = 1) -> tuple[int, int, int]:
    """(C, H, W) after checking the input shape and output size (one-line ValueErrors)."""
    shape = tuple(int(s) for s in input_shape)
    if len(shape) != 3:
        raise ValueError(f"conv targets need an image input shape (C, H, W), got {shape}")
    c, h, w = shape
    if not 1 <= c <= MAX_CHANNELS or not 1 <= h <= MAX_SIDE or not 1 <= w <= MAX_SIDE:
        raise ValueError(f"input shape {shape} out of range: channels 1..{MAX_CHANNELS}, "
                         f"sides 1..{MAX_SIDE}")
    if not 1 <= int(out_dim) * int(n_heads) <= MAX_OUTPUTS or out_dim < 1 or n_heads < 1:
        raise ValueError(f"out_dim and n_heads must be >= 1 with out_dim·n_heads <= "
                         f"{MAX_OUTPUTS} (got {out_dim}, {n_heads})")
    return c, h, w


def image_shape(input_shape) -> tuple[int, int, int]:
    """A benchmark's input shape as an image (C, H, W): (H, W) grey images get one channel;
    ValueError for inputs that are not images (e.g. the 1-D toy's ())."""
    shape = tuple(int(s) for s in input_shape)
    if len(shape) == 2:
        return (1, *shape)
    if len(shape) == 3:
        return shape
    raise ValueError(f"conv targets need image inputs (H, W) or (C, H, W), got {shape or '()'}")


def check_target(kind: str, input_shape, out_dim: int) -> None:
    """ValueError (one line) unless a `kind` conv net can run on inputs of `input_shape`
    (a benchmark's: (H, W) or (C, H, W)): known kind, image input, big enough."""
    conv_layers(kind, image_shape(input_shape), out_dim, 1)


def _conv_side(n: int, stride: int, padding: int) -> int:
    return (n + 2 * padding - 3) // stride + 1


def zenke_layers(input_shape=(3, 32, 32), out_dim: int = 10, n_heads: int = 1) -> list[Layer]:
    c, h, w = check_geometry(input_shape, out_dim, n_heads)
    layers, hw, ch = [], (h, w), c
    for i, width in enumerate(ZENKE_CONV):
        pad = 1 if i % 2 == 0 else 0  # 'same', then 'valid'
        hw = (_conv_side(hw[0], 1, pad), _conv_side(hw[1], 1, pad))
        layers.append(Layer(f"conv{i + 1}", width, ch, 3, hw))
        ch = width
        if i % 2 == 1:
            hw = (hw[0] // 2, hw[1] // 2)  # 2×2 max-pool
    if min(hw) < 1:
        raise ValueError(f"input {tuple(input_shape)} is too small for the Zenke net "
                         f"(sides >= 10 needed)")
    features = ch * hw[0] * hw[1]
    layers.append(Layer("fc1", ZENKE_FC, features, 0, (1, 1)))
    layers.append(Layer("fc2", out_dim * n_heads, ZENKE_FC, 0, (1, 1)))
    return layers


def resnet_layers(input_shape=(3, 32, 32), out_dim: int = 10, n_heads: int = 1,
                  blocks: int = RESNET_BLOCKS) -> list[Layer]:
    c, h, w = check_geometry(input_shape, out_dim, n_heads)
    if not 1 <= blocks <= 50:
        raise ValueError(f"blocks per stage must be in 1..50 (got {blocks})")
    hw = (h, w)
    layers = [Layer("stem", RESNET_STEM, c, 3, hw, "stem_bn")]
    ch, i = RESNET_STEM, 0
    for s, width in enumerate(RESNET_WIDTHS):
        for b in range(blocks):
            stride = 2 if s > 0 and b == 0 else 1
            hw = (_conv_side(hw[0], stride, 1), _conv_side(hw[1], stride, 1))
            layers.append(Layer(f"blocks.{i}.conv1", width, ch, 3, hw, f"blocks.{i}.bn1"))
            layers.append(Layer(f"blocks.{i}.conv2", width, width, 3, hw, f"blocks.{i}.bn2"))
            ch, i = width, i + 1
    layers.append(Layer("fc", out_dim * n_heads, ch, 0, (1, 1)))
    return layers


def conv_layers(kind: str, input_shape=(3, 32, 32), out_dim: int = 10,
                n_heads: int = 1) -> list[Layer]:
    if kind == "zenke":
        return zenke_layers(input_shape, out_dim, n_heads)
    if kind == "resnet32":
        return resnet_layers(input_shape, out_dim, n_heads)
    raise ValueError(f"unknown conv target {kind!r}; expected one of {KINDS}")


def shapes_of(layers: list[Layer]) -> list[tuple[str, tuple[int, ...]]]:
    """(name, shape) per generated tensor, in the target's parameter order: per layer its weight,
    bias, then its batch norm's gain and shift."""
    out = []
    for ly in layers:
        out += [(f"{ly.name}.weight", ly.weight_shape), (f"{ly.name}.bias", (ly.out_ch,))]
        if ly.bn:
            out += [(f"{ly.bn}.gain", (ly.out_ch,)), (f"{ly.bn}.shift", (ly.out_ch,))]
    return out


def conv_param_shapes(kind: str, input_shape=(3, 32, 32), out_dim: int = 10,
                      n_heads: int = 1) -> list[tuple[str, tuple[int, ...]]]:
    return shapes_of(conv_layers(kind, input_shape, out_dim, n_heads))


def conv_num_params(kind: str, input_shape=(3, 32, 32), out_dim: int = 10,
                    n_heads: int = 1) -> int:
    """P, the length of the weight vector the hypernet generates (ZenkeNet on CIFAR with 10
    outputs: 1,250,858; ResNet-32: 465,290)."""
    return sum(math.prod(s) for _, s in conv_param_shapes(kind, input_shape, out_dim, n_heads))


def conv_macs(kind: str, input_shape=(3, 32, 32), out_dim: int = 10, n_heads: int = 1) -> int:
    """Multiply-adds of one forward pass of one network on one example (convs and fc layers)."""
    return sum(ly.macs for ly in conv_layers(kind, input_shape, out_dim, n_heads))


def conv_activation_sum(kind: str, input_shape=(3, 32, 32)) -> int:
    """Floats of all feature maps of one network on one example (every conv's output): what a
    training step keeps for the backward pass, per copy (see `sizes.memory_estimate`)."""
    return sum(ly.out_ch * ly.out_hw[0] * ly.out_hw[1]
               for ly in conv_layers(kind, input_shape, 1, 1))


def conv_depth(kind: str) -> int:
    """Layers with weights (convs and fully connected ones): 6 (zenke), 32 (resnet32)."""
    return len(conv_layers(kind))


def conv_activation_floats(kind: str, input_shape=(3, 32, 32)) -> int:
    """Largest feature map of one network on one example (floats): what sizes the chunks of a
    batched evaluation of many networks."""
    return max(ly.out_ch * ly.out_hw[0] * ly.out_hw[1]
               for ly in conv_layers(kind, input_shape, 1, 1))
