"""A bare training loop for `playground bench`: the same models and data as an ImagesSession, written
plainly (pytorch/examples ``dcgan`` style: no session, no recording), to show what the session costs.

    playground.labs.images.bare.bare_images(config, device, seconds, steps=None) -> steps/s
"""

from __future__ import annotations


def bare_images(config, device, seconds: float, steps: int | None = None) -> float:
    """Steps/s of a plain loop over the config's models: a GAN step (n_critic D steps, one G step) and/or
    a VAE step per iteration, on the same images."""
    import copy

    import torch

    from playground.shared.gan import d_loss, g_loss, gradient_penalty

    from .data import load
    from .model import ConvVAE, Discriminator, Generator, kl_per_dim, vae_loss

    c = config
    X = torch.from_numpy(load(c.data, c.size, c.channels).images).to(device)
    gen = torch.Generator(device=device).manual_seed(0)
    kind = "wgan-gp" if c.gan_kind == "wgan-gp" else c.loss
    if c.trains_gan:
        G = Generator(c.z_dim, c.size, c.channels, c.g_width).to(device)
        D = Discriminator(c.size, c.channels, c.d_width, norm=c.gan_kind == "dcgan").to(device)
        G_ema = copy.deepcopy(G).requires_grad_(False)
        og = torch.optim.Adam(G.parameters(), c.lr_g, betas=(c.beta1, c.beta2))
        od = torch.optim.Adam(D.parameters(), c.lr_d, betas=(c.beta1, c.beta2))
    if c.trains_vae:
        V = ConvVAE(c.size, c.channels, c.latent, c.vae_width, c.decoder, c.vae_hidden).to(device)
        ov = torch.optim.Adam(V.parameters(), c.lr_vae)

    def batch():
        return X[torch.randint(0, len(X), (c.batch_size,), generator=gen, device=device)]

    def step():
        x = batch()
        if c.trains_gan:
            for i in range(c.n_critic):
                real = (x if i == 0 else batch()) * 2 - 1
                fake = G(torch.randn(c.batch_size, c.z_dim, generator=gen, device=device))
                loss = d_loss(kind, D(real), D(fake.detach()))
                if kind == "wgan-gp":
                    loss = loss + c.gp_weight * gradient_penalty(D, real, fake.detach(), gen)
                od.zero_grad(set_to_none=True)
                loss.backward()
                od.step()
            loss = g_loss(kind, D(fake))
            og.zero_grad(set_to_none=True)
            loss.backward()
            og.step()
            with torch.no_grad():
                torch._foreach_lerp_(list(G_ema.parameters()), list(G.parameters()), 1.0 - c.g_ema)
                for b_ema, b in zip(G_ema.buffers(), G.buffers()):
                    b_ema.copy_(b)
        if c.trains_vae:
            logits, mu, logvar, _ = V(x, gen)
            loss = vae_loss(kl_per_dim(mu, logvar), V.recon_nll(logits, x), c.beta, c.free_bits)
            ov.zero_grad(set_to_none=True)
            loss.backward()
            ov.step()

    from playground.core.timing import rate as _rate

    return _rate(step, device, seconds, steps)  # the same timing (and GPU sync checks) as the session's
