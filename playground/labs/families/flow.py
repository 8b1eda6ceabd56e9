"""A RealNVP-style normalizing flow for 2D points (Dinh, Sohl-Dickstein & Bengio 2016), read top to bottom.

The flow is an invertible map f from a base point z ~ N(0, I) to a data point x = f(z), built from K
affine coupling layers. Each coupling keeps one coordinate and moves the other by a scale and shift
computed from the kept one:

    y_keep = x_keep
    y_move = x_move · exp(s(x_keep)) + t(x_keep)          log|det ∂y/∂x| = s(x_keep)

so both directions and the log-determinant are exact and cheap. Between couplings a fixed rotation
(log-determinant 0) mixes the coordinates, so that later couplings see new directions.

Training maximises the exact log-likelihood, by the change of variables through the inverse map:

    log p(x) = log N(f⁻¹(x); 0, I) + log|det ∂f⁻¹/∂x|

Every tensor of points has shape (B, 2). ``Flow.inverse`` (data → base) is the training direction;
``Flow.forward`` (base → data) samples and returns every intermediate layer for the warped-grid view.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn

from playground.shared.gan import MLP, MLPConfig

LOG_2PI = math.log(2 * math.pi)


class AffineCoupling(nn.Module):
    """Moves coordinate ``1 - keep`` by an affine map whose scale and shift depend on coordinate ``keep``."""

    def __init__(self, keep: int, layers: int, width: int, max_log_scale: float = 3.0):
        super().__init__()
        self.keep, self.move = keep, 1 - keep
        self.net = MLP(MLPConfig(1, 2, layers, width, "relu"))  # x_keep (B, 1) -> [raw s, t] (B, 2)
        last = self.net.net[-1]
        nn.init.zeros_(last.weight)  # the flow starts as the identity
        nn.init.zeros_(last.bias)
        self.max_log_scale = max_log_scale

    def _s_t(self, x_keep: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raw = self.net(x_keep)  # (B, 2)
        c = self.max_log_scale
        s = c * torch.tanh(raw[:, 0] / c)  # (B,) a soft clamp keeps exp(s) finite
        return s, raw[:, 1]

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Base side → data side: returns y (B, 2) and log|det ∂y/∂z| (B,)."""
        s, t = self._s_t(z[:, self.keep: self.keep + 1])
        y = z.clone()
        y[:, self.move] = z[:, self.move] * torch.exp(s) + t
        return y, s

    def inverse(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Data side → base side: returns z (B, 2) and log|det ∂z/∂y| (B,) = -s."""
        s, t = self._s_t(y[:, self.keep: self.keep + 1])  # y_keep = z_keep: the same s, t as forward
        z = y.clone()
        z[:, self.move] = (y[:, self.move] - t) * torch.exp(-s)
        return z, -s


# -- a neural spline coupling (Durkan, Bekasov, Murray & Papamakarios 2019) ---------------------------
def rq_spline(x: torch.Tensor, w: torch.Tensor, h: torch.Tensor, d: torch.Tensor, bound: float,
              inverse: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """A monotone rational-quadratic spline on [-bound, bound], the identity outside.

    x (B,); w, h (B, K) unnormalised bin widths and heights; d (B, K - 1) unnormalised inner derivatives.
    Returns y (B,) and log|dy/dx| (B,) (of the map applied: the spline, or its inverse)."""
    K = w.shape[1]
    min_w, min_d = 1e-3, 1e-3
    w = min_w + (1 - min_w * K) * torch.softmax(w, 1)  # (B, K) sums to 1
    h = min_w + (1 - min_w * K) * torch.softmax(h, 1)
    one = torch.ones_like(d[:, :1])
    d = torch.cat([one, min_d + nn.functional.softplus(d) / math.log(2) * (1 - min_d), one], 1)  # (B, K+1)
    cw = nn.functional.pad(torch.cumsum(w, 1), (1, 0)) * 2 * bound - bound  # (B, K + 1) knots in x
    ch = nn.functional.pad(torch.cumsum(h, 1), (1, 0)) * 2 * bound - bound  # knots in y
    cw[:, -1] = ch[:, -1] = bound
    inside = (x > -bound) & (x < bound)
    xc = x.clamp(-bound, bound)
    knots = ch if inverse else cw
    k = (torch.searchsorted(knots[:, 1:-1].contiguous(), xc[:, None]).squeeze(1)).clamp(0, K - 1)  # bin (B,)

    def pick(t):
        return t.gather(1, k[:, None]).squeeze(1)

    xk, wk = pick(cw), pick(cw[:, 1:] - cw[:, :-1])
    yk, hk = pick(ch), pick(ch[:, 1:] - ch[:, :-1])
    dk, dk1 = pick(d[:, :-1]), pick(d[:, 1:])
    sk = hk / wk
    if not inverse:
        xi = (xc - xk) / wk
        den = sk + (dk1 + dk - 2 * sk) * xi * (1 - xi)
        y = yk + hk * (sk * xi ** 2 + dk * xi * (1 - xi)) / den
    else:
        dy = xc - yk
        a = hk * (sk - dk) + dy * (dk1 + dk - 2 * sk)
        b = hk * dk - dy * (dk1 + dk - 2 * sk)
        c = -sk * dy
        xi = (2 * c / (-b - torch.sqrt((b ** 2 - 4 * a * c).clamp(min=0)))).clamp(0, 1)
        y = xk + xi * wk
        den = sk + (dk1 + dk - 2 * sk) * xi * (1 - xi)
    logd = 2 * torch.log(sk) + torch.log(dk1 * xi ** 2 + 2 * sk * xi * (1 - xi) + dk * (1 - xi) ** 2) \
        - 2 * torch.log(den)  # log dy/dx of the forward spline at this bin position
    if inverse:
        logd = -logd
    return torch.where(inside, y, x), torch.where(inside, logd, torch.zeros_like(logd))


class SplineCoupling(nn.Module):
    """Moves coordinate ``1 - keep`` through a monotone spline whose K bins depend on coordinate ``keep``."""

    def __init__(self, keep: int, layers: int, width: int, bins: int = 8, bound: float = 4.0):
        super().__init__()
        self.keep, self.move, self.bins, self.bound = keep, 1 - keep, bins, bound
        self.net = MLP(MLPConfig(1, 3 * bins - 1, layers, width, "relu"))  # x_keep -> w, h, d
        last = self.net.net[-1]
        nn.init.zeros_(last.weight)  # equal bins, unit slopes: the identity
        nn.init.zeros_(last.bias)

    def _transform(self, x: torch.Tensor, inverse: bool) -> tuple[torch.Tensor, torch.Tensor]:
        p = self.net(x[:, self.keep: self.keep + 1])  # (B, 3K - 1)
        K = self.bins
        y_move, logd = rq_spline(x[:, self.move], p[:, :K], p[:, K:2 * K], p[:, 2 * K:], self.bound, inverse)
        cols = [None, None]
        cols[self.keep], cols[self.move] = x[:, self.keep], y_move
        return torch.stack(cols, 1), logd

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._transform(z, inverse=False)

    def inverse(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._transform(y, inverse=True)


class Rotation(nn.Module):
    """A fixed rotation by ``angle``: mixes the two coordinates, log-determinant 0."""

    def __init__(self, angle: float):
        super().__init__()
        self.register_buffer("angle", torch.tensor(angle))

    def _matrix(self, like: torch.Tensor) -> torch.Tensor:
        a = self.angle.to(like.dtype)
        c, s = torch.cos(a), torch.sin(a)
        return torch.stack([torch.stack([c, -s]), torch.stack([s, c])])  # (2, 2), exactly orthogonal

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return z @ self._matrix(z).T, z.new_zeros(z.shape[0])

    def inverse(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return y @ self._matrix(y), y.new_zeros(y.shape[0])  # R⁻¹ = Rᵀ


class Flow(nn.Module):
    """K couplings (alternating the kept coordinate) with a rotation after each but the last.

    ``shift`` and ``scale`` standardise the data (x̃ = (x - shift) / scale) so the flow works at unit scale
    whatever the data set; the log-density accounts for it (-2 log scale)."""

    def __init__(self, n_couplings: int = 8, layers: int = 2, width: int = 64, coupling: str = "affine",
                 bins: int = 8):
        super().__init__()
        steps: list[nn.Module] = []
        for k in range(n_couplings):
            steps.append(AffineCoupling(k % 2, layers, width) if coupling == "affine"
                         else SplineCoupling(k % 2, layers, width, bins))
            if k < n_couplings - 1:
                steps.append(Rotation(math.pi * (math.sqrt(5) - 1) / 2 * (k + 1)))  # golden-angle turns
        self.steps = nn.ModuleList(steps)
        self.register_buffer("shift", torch.zeros(2))
        self.register_buffer("scale", torch.ones(()))

    def set_standardisation(self, shift: torch.Tensor, scale: torch.Tensor) -> None:
        self.shift.copy_(shift)
        self.scale.copy_(scale)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Exact log p(x) (B,) in data units."""
        h = (x - self.shift) / self.scale  # (B, 2)
        logdet = torch.zeros(x.shape[0], device=x.device)
        for step in reversed(self.steps):
            h, ld = step.inverse(h)
            logdet = logdet + ld
        base = -0.5 * (h ** 2).sum(1) - LOG_2PI  # log N(z; 0, I) in 2D
        return base + logdet - 2 * torch.log(self.scale)

    def forward(self, z: torch.Tensor, keep_layers: bool = False):
        """Base points z (B, 2) → data points x (B, 2); with ``keep_layers`` also the points after each
        coupling, in data units: (K + 1, B, 2), entry 0 the base points (drawn at the data's scale)."""
        h = z
        seen = [h] if keep_layers else None
        for step in self.steps:
            h, _ = step(h)
            if keep_layers and not isinstance(step, Rotation):
                seen.append(h)
        x = h * self.scale + self.shift
        if keep_layers:
            return x, torch.stack(seen) * self.scale + self.shift
        return x

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        z = torch.randn(n, 2, generator=gen, device=self.shift.device)  # (n, 2)
        return self(z)

    def nll(self, x: torch.Tensor) -> torch.Tensor:
        """The training loss: mean negative log-likelihood in nats per point."""
        return -self.log_prob(x).mean()
