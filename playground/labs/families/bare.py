"""A bare training loop for `playground bench`: the same models, data and batch sizes as a FamiliesSession
(every family of the race), stepped plainly: no session, no recording, no timing per family, no views."""

from __future__ import annotations


def bare_families(config, device, seconds: float, steps: int | None = None) -> float:
    import torch

    from playground.core.timing import rate as _rate
    from playground.shared.data2d import make_dataset
    from playground.shared.gan import Discriminator, Generator, d_loss, g_loss, gradient_penalty

    from .diffusion import Diffusion
    from .flow import Flow
    from .members import data_bound, standardisation
    from .vae import VAE

    c = config
    data = make_dataset(c.data, device, c.noise)
    gen = torch.Generator(device=device).manual_seed(0)
    shift, scale = standardisation(data, device)
    steps_fn = []
    for fam in c.families():
        if fam == "gan":
            G = Generator(2, 3, c.gan_width, "relu").to(device)
            D = Discriminator(3, c.gan_width, "relu").to(device)
            og = torch.optim.Adam(G.parameters(), lr=c.lr_g, betas=(0.5, 0.9))
            od = torch.optim.Adam(D.parameters(), lr=c.lr_d, betas=(0.5, 0.9))

            def gan_step(G=G, D=D, og=og, od=od):
                for _ in range(c.n_critic):
                    real = data.sample(c.batch_size, gen)
                    with torch.no_grad():
                        fake = G(torch.randn(c.batch_size, 2, generator=gen, device=device))
                    loss = d_loss(c.gan_loss, D(real), D(fake))
                    if c.gan_loss == "wgan-gp":
                        loss = loss + c.gp_weight * gradient_penalty(D, real, fake, gen)
                    od.zero_grad(set_to_none=True)
                    loss.backward()
                    od.step()
                loss = g_loss(c.gan_loss, D(G(torch.randn(c.batch_size, 2, generator=gen, device=device))))
                og.zero_grad(set_to_none=True)
                loss.backward()
                og.step()

            steps_fn.append(gan_step)
            continue
        if fam == "vae":
            m = VAE(3, c.vae_width)
        elif fam == "flow":
            m = Flow(c.couplings, 2, c.flow_width, c.coupling, c.bins)
        else:
            m = Diffusion(c.T, c.schedule, c.diff_width, 3, c.diff_emb)
        m = m.to(device)
        if fam == "diffusion":
            m.set_standardisation(shift, scale, data_bound(data, shift, scale))
        else:
            m.set_standardisation(shift, scale)
        opt = torch.optim.Adam(m.parameters(), lr=c.lr)

        def model_step(m=m, opt=opt, fam=fam):
            x = data.sample(c.batch_size, gen)
            loss = m.loss(x, gen, c.beta)[0] if fam == "vae" else m.nll(x) if fam == "flow" else m.loss(x, gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        steps_fn.append(model_step)

    def step():
        for f in steps_fn:
            f()

    return _rate(step, device, seconds, steps)
