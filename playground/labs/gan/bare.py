"""A bare training loop for `playground bench`: the same models and data as a GanSession, written
plainly (no session, no recording, no snapshots), to show what the session costs.

`playground bench` finds it as ``playground.labs.gan.bare.bare_gan``; ``GAN_LAB_SIZE`` is the
configuration the benchmark also measures: GAN Lab's model size (G and D with one hidden layer of 8
units, batch 150, 2 critic steps, SGD).
"""

from __future__ import annotations

GAN_LAB_SIZE = {"g_layers": 1, "g_width": 8, "d_layers": 1, "d_width": 8, "batch_size": 150, "n_critic": 2,
                "opt_g": "sgd", "opt_d": "sgd", "lr_g": 0.05, "lr_d": 0.05, "loss": "non-saturating",
                "data": "ring8", "latent_dim": 2}


def bare_gan(config, device, seconds: float, steps: int | None = None) -> float:
    """Steps/s of a plain loop: ``n_critic`` D steps, then one G step, with the session's objectives."""
    import torch
    import torch.nn.functional as F

    from playground.core.timing import rate
    from playground.shared.data2d import make_dataset
    from playground.shared.gan import Discriminator, Generator, gradient_penalty

    c = config
    G = Generator(c.latent_dim, c.g_layers, c.g_width, c.g_act).to(device)
    D = Discriminator(c.d_layers, c.d_width, c.d_act).to(device)

    def opt(name, params, lr):
        if name == "sgd":
            return torch.optim.SGD(params, lr=lr)
        if name == "rmsprop":
            return torch.optim.RMSprop(params, lr=lr)
        return torch.optim.Adam(params, lr=lr, betas=(c.beta1, c.beta2))

    og, od = opt(c.opt_g, G.parameters(), c.lr_g), opt(c.opt_d, D.parameters(), c.lr_d)
    gen = torch.Generator(device=device).manual_seed(0)
    data = make_dataset(c.data, device, c.noise)
    wgan = c.loss in ("wgan", "wgan-gp")

    def step():
        for _ in range(c.n_critic):
            real = data.sample(c.batch_size, gen)  # (B, 2)
            with torch.no_grad():
                fake = G(torch.randn(c.batch_size, c.latent_dim, generator=gen, device=device))  # (B, 2)
            dr, df = D(real), D(fake)  # (B, 1) each
            loss = (df.mean() - dr.mean()) if wgan else F.softplus(-dr).mean() + F.softplus(df).mean()
            if c.loss == "wgan-gp":
                loss = loss + c.gp_weight * gradient_penalty(D, real, fake, gen)
            od.zero_grad(set_to_none=True)
            loss.backward()
            od.step()
            if c.loss == "wgan":
                with torch.no_grad():
                    for p in D.parameters():
                        p.clamp_(-c.clip, c.clip)
        df = D(G(torch.randn(c.batch_size, c.latent_dim, generator=gen, device=device)))
        loss = -df.mean() if wgan else F.softplus(-df).mean()
        og.zero_grad(set_to_none=True)
        loss.backward()
        og.step()

    return rate(step, device, seconds, steps)  # the same timing (and GPU sync checks) as the session's
