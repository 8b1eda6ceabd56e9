"""Image lab models: shapes for every image size, the VAE's terms, slerp, and the shared GAN objectives."""

from __future__ import annotations

import pytest
import torch

from playground.labs.images import model as m
from playground.labs.images.classifier import DigitClassifier


@pytest.mark.parametrize("size", m.SIZES)
@pytest.mark.parametrize("channels", [1, 3])
def test_every_network_has_the_right_shapes_at_every_size(size, channels):
    torch.manual_seed(0)
    G = m.Generator(z_dim=8, size=size, channels=channels, width=8)
    x = G(torch.randn(4, 8))
    assert x.shape == (4, channels, size, size)
    assert x.min() >= -1 and x.max() <= 1  # tanh
    for norm in (False, True):
        D = m.Discriminator(size, channels, width=8, norm=norm)
        assert D(x).shape == (4,)
        assert D.features(x).shape[0] == 4
    for hidden in (0, 32):  # with and without the dense hidden layer
        V = m.ConvVAE(size, channels, latent=3, width=8, hidden=hidden)
        logits, mu, logvar, z = V(x.detach().clamp(0, 1))
        assert logits.shape == x.shape and mu.shape == logvar.shape == z.shape == (4, 3)
        assert V.decode(torch.zeros(2, 3)).shape == (2, channels, size, size)


def test_ladder_halves_to_the_smallest_map():
    assert m.ladder(28) == [7, 14, 28]
    assert m.ladder(16) == [4, 8, 16]
    assert m.ladder(64) == [8, 16, 32, 64]
    with pytest.raises(ValueError, match="allowed"):
        m.ladder(30)


@pytest.mark.parametrize("size", m.SIZES)
def test_classifier_accepts_every_size(size):
    logits, feats = DigitClassifier()(torch.rand(3, 1, size, size))
    assert logits.shape == (3, 10) and feats.shape == (3, 64)


def test_kl_per_dim_is_zero_at_the_prior_and_positive_elsewhere():
    mu, logvar = torch.zeros(5, 4), torch.zeros(5, 4)
    assert torch.allclose(m.kl_per_dim(mu, logvar), torch.zeros(4))
    mu[:, 1] = 2.0
    kl = m.kl_per_dim(mu, logvar)
    assert kl[1] == pytest.approx(2.0) and kl[0] == 0


def test_free_bits_floor_each_dimension():
    kl = torch.tensor([0.0, 0.1, 3.0])
    assert m.vae_loss(kl, torch.tensor(0.0), 1.0, 0.5) == pytest.approx(0.5 + 0.5 + 3.0)
    assert m.vae_loss(kl, torch.tensor(1.0), 2.0, 0.0) == pytest.approx(1.0 + 2 * 3.1)


@pytest.mark.parametrize("decoder", ["bernoulli", "gaussian"])
def test_reconstruction_nll_is_lower_for_a_better_reconstruction(decoder):
    V = m.ConvVAE(16, 1, 2, 8, decoder)
    x = (torch.rand(4, 1, 16, 16) > 0.5).float()
    good, bad = (x * 2 - 1) * 6, -(x * 2 - 1) * 6
    assert V.recon_nll(good, x) < V.recon_nll(bad, x)


def test_slerp_keeps_the_ends_and_the_norm_of_orthogonal_unit_codes():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    line = m.slerp(a, b, torch.linspace(0, 1, 5))
    assert torch.allclose(line[0], a) and torch.allclose(line[-1], b, atol=1e-6)
    assert torch.allclose(line.norm(dim=1), torch.ones(5), atol=1e-6)


def test_the_lab_uses_the_shared_gan_objectives():
    import playground.shared.gan as shared
    from playground.labs.images import bare, session

    assert session.d_loss is shared.d_loss and session.g_loss is shared.g_loss
    assert session.gradient_penalty is shared.gradient_penalty
    src = open(bare.__file__).read() + open(session.__file__).read()
    assert "softplus" not in src  # no private copy of an objective


def test_gradient_penalty_works_on_images():
    import playground.shared.gan as shared

    D = m.Discriminator(16, 1, 8)
    real, fake = torch.rand(4, 1, 16, 16), torch.rand(4, 1, 16, 16)
    gp = shared.gradient_penalty(D, real, fake, torch.Generator().manual_seed(0))
    assert gp.ndim == 0 and torch.isfinite(gp)
