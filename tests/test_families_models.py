"""The four-families lab's models against their mathematics: flow log-determinants, the DDPM forward
process, DDIM vs DDPM, the VAE's KL term."""

from __future__ import annotations

import math

import pytest
import torch

from playground.labs.families.diffusion import Diffusion, Schedule
from playground.labs.families.flow import Flow, rq_spline
from playground.labs.families.vae import VAE


def _random_flow(coupling: str, std: float = 0.3) -> Flow:
    torch.manual_seed(0)
    f = Flow(4, 2, 16, coupling).double()
    with torch.no_grad():
        for p in f.parameters():  # away from the identity it starts as
            p.normal_(0, std)
        f.set_standardisation(torch.tensor([0.3, -0.2], dtype=torch.float64), torch.tensor(1.7, dtype=torch.float64))
    return f


@pytest.mark.parametrize("coupling", ["affine", "spline"])
def test_flow_log_density_matches_a_numerical_jacobian(coupling):
    f = _random_flow(coupling)
    z = torch.randn(6, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1)) * 1.5
    x = f(z)

    def to_base(xx: torch.Tensor) -> torch.Tensor:  # data -> base, for one point
        h = (xx[None] - f.shift) / f.scale
        for step in reversed(f.steps):
            h, _ = step.inverse(h)
        return h[0]

    lp = f.log_prob(x)
    for i in range(len(x)):
        J = torch.autograd.functional.jacobian(to_base, x[i])  # (2, 2) by finite differences of autograd
        zi = to_base(x[i])
        expected = -0.5 * (zi ** 2).sum() - math.log(2 * math.pi) + torch.log(torch.det(J).abs())
        assert torch.allclose(lp[i], expected, atol=1e-8), (lp[i], expected)
        assert torch.allclose(zi, z[i], atol=1e-6)  # the inverse undoes the forward map


@pytest.mark.parametrize("coupling", ["affine", "spline"])
def test_flow_density_integrates_to_one(coupling):
    f = _random_flow(coupling, std=0.15)  # mass well inside the window
    n, lim = 160, 8.0
    xs = torch.linspace(-lim, lim, n, dtype=torch.float64)
    gy, gx = torch.meshgrid(xs, xs, indexing="ij")
    with torch.no_grad():
        p = f.log_prob(torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)).exp()
    total = float(p.sum() * (xs[1] - xs[0]) ** 2)
    assert 0.97 < total < 1.01


def test_spline_inverse_and_derivative():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(50, generator=g, dtype=torch.float64) * 10 - 5  # inside and outside [-4, 4]
    w, h, d = (torch.randn(50, k, generator=g, dtype=torch.float64) for k in (8, 8, 7))
    y, ld = rq_spline(x, w, h, d, 4.0)
    back, ld_inv = rq_spline(y, w, h, d, 4.0, inverse=True)
    assert torch.allclose(back, x, atol=1e-7) and torch.allclose(ld, -ld_inv, atol=1e-7)
    eps = 1e-6
    num = (rq_spline(x + eps, w, h, d, 4.0)[0] - rq_spline(x - eps, w, h, d, 4.0)[0]) / (2 * eps)
    assert torch.allclose(ld, torch.log(num), atol=1e-5)


@pytest.mark.parametrize("kind", ["linear", "cosine"])
def test_ddpm_forward_process_matches_its_closed_form(kind):
    s = Schedule(50, kind)
    assert torch.allclose(s.alpha_bar[1:], torch.cumprod(1 - s.betas[1:].double(), 0).float(), rtol=1e-5)
    assert float(s.alpha_bar[-1]) < 0.01  # the last step is (almost) pure noise
    # step by step, x_t = √α_t x_{t-1} + √β_t ε, from a fixed x0: mean √ᾱ_t x0, variance 1 - ᾱ_t
    g = torch.Generator().manual_seed(0)
    x0 = torch.tensor([1.5, -0.5]).expand(50_000, 2)
    x = x0.clone()
    for t in range(1, 51):
        x = s.alphas[t].sqrt() * x + s.betas[t].sqrt() * torch.randn(x.shape, generator=g)
        if t in (1, 10, 30, 50):
            closed = s.noise(x0, torch.full((len(x0),), t), torch.randn(x.shape, generator=g))
            for a in (x, closed):
                assert torch.allclose(a.mean(0), s.alpha_bar[t].sqrt() * x0[0], atol=0.02)
                assert torch.allclose(a.var(0), (1 - s.alpha_bar[t]).expand(2), atol=0.02)


def _trained_looking_diffusion(T: int = 20) -> Diffusion:
    torch.manual_seed(0)
    m = Diffusion(T, "linear", width=32, emb=8)
    with torch.no_grad():
        for p in m.eps_net.parameters():
            p.normal_(0, 0.05)
    return m


def test_ddim_with_eta_one_and_every_step_is_ddpm():
    m = _trained_looking_diffusion()
    # the same noise stream: the same samples and paths
    a, pa = m.sample(300, torch.Generator().manual_seed(3), sampler="ddpm", keep=300)
    b, pb = m.sample(300, torch.Generator().manual_seed(3), sampler="ddim", eta=1.0, keep=300)
    assert torch.allclose(a, b, rtol=1e-4, atol=1e-4) and torch.allclose(pa, pb, rtol=1e-4, atol=1e-4)
    # also with x̂_0 clipped to the data's range (both samplers clip the same way), and then inside it
    m.set_standardisation(torch.zeros(2), torch.ones(()), clip=1.5)
    a = m.sample(300, torch.Generator().manual_seed(3), sampler="ddpm")
    b = m.sample(300, torch.Generator().manual_seed(3), sampler="ddim", eta=1.0)
    assert torch.allclose(a, b, rtol=1e-4, atol=1e-4) and a.abs().max() <= 1.5 + 1e-5
    # and each step's mean and σ agree
    x = torch.randn(100, 2, generator=torch.Generator().manual_seed(4))
    for t in (20, 11, 2, 1):
        eps = m.predict(x, t)
        mean, sigma = m.ddim_step(x, t, t - 1, eps, 1.0, None)
        assert torch.allclose(mean, m.ddpm_mean(x, t, eps), atol=1e-5)
        assert torch.allclose(sigma, m.ddpm_sigma(t), atol=1e-6)


def test_ddim_with_eta_zero_is_deterministic_given_the_start():
    m = _trained_looking_diffusion()
    x_T = torch.randn(64, 2, generator=torch.Generator().manual_seed(5))
    a = m.sample(64, torch.Generator().manual_seed(1), sampler="ddim", eta=0.0, steps=7, x_T=x_T)
    b = m.sample(64, torch.Generator().manual_seed(2), sampler="ddim", eta=0.0, steps=7, x_T=x_T)
    assert torch.equal(a, b)
    assert m.timesteps(7)[0] == 20 and m.timesteps(7)[-1] == 1 and len(m.timesteps(7)) == 7
    assert m.timesteps(1000) == list(range(20, 0, -1))


def test_vae_kl_and_reconstruction_terms():
    torch.manual_seed(0)
    v = VAE(2, 16)
    x = torch.randn(40, 2)
    eps = torch.randn(40, 2)
    recon, kl = v.terms(x, eps)
    mu, logvar = v.encode(x)
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    assert torch.allclose(kl, torch.distributions.kl_divergence(q, p).sum(1), atol=1e-5)
    z = mu + (0.5 * logvar).exp() * eps
    px = torch.distributions.Normal(v.decode(z), v.log_sigma_x.exp() * v.scale)
    assert torch.allclose(recon, -px.log_prob(x).sum(1), atol=1e-4)
