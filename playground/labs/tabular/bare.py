"""A bare training loop for `playground bench`: the same models and batches as a TabularSession, written
plainly (no session, no recording), to show what the session costs.

    playground.labs.tabular.bare.bare_tabular(config, device, seconds, steps=None) -> steps/s
"""

from __future__ import annotations


def bare_tabular(config, device, seconds: float, steps: int | None = None) -> float:
    import copy

    import numpy as np
    import torch

    from playground.core.timing import rate as _rate
    from playground.shared.gan import gradient_penalty

    from .model import (
        CondSampler,
        Critic,
        Decoder,
        Encoder,
        Generator,
        SpanIndex,
        activate,
        cond_loss,
        ema_update,
        pack,
        tvae_loss,
    )
    from .session import _prepared, _stamp

    c = config
    _, train, _, enc = _prepared(c.data, c.categorical, c.numeric, c.exclude, c.max_modes, _stamp(c.data),
                               encoding=c.encoding)
    if c.synth == "copula":
        return _rate(lambda: None, device, seconds, steps)
    x = torch.from_numpy(enc.encode(train, np.random.default_rng(0))).to(device)
    ix = SpanIndex(enc.spans, device)
    gen = torch.Generator(device=device).manual_seed(0)
    if c.synth == "tvae":
        e, d = Encoder(enc.dim, c.latent, c.vae_width).to(device), Decoder(c.latent, enc.dim, c.vae_width).to(device)
        opt = torch.optim.Adam(list(e.parameters()) + list(d.parameters()), lr=c.lr_vae, weight_decay=1e-5)

        def step():
            xb = x[torch.randint(len(x), (c.batch_size,), generator=gen, device=device)]
            mu, logvar = e(xb)
            raw = d(mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=gen, device=device))
            loss = tvae_loss(xb, raw, d.log_sigma, mu, logvar, ix, c.beta)[0]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        return _rate(step, device, seconds, steps)
    sampler = CondSampler(x, enc.discrete, ix, -1 if c.cond_on == "rows" else None)  # one column costs the same
    view_w = torch.ones(enc.dim, device=device)  # (D,) the critic's view: α scaled, as in the session
    view_w[ix.tanh_idx] = c.alpha_scale
    G = Generator(c.z_dim, sampler.c, enc.dim, c.g_width).to(device)
    C = Critic(enc.dim + sampler.c, c.pac, c.d_width).to(device)
    C.gen = gen
    G_ema = copy.deepcopy(G).eval().requires_grad_(False) if c.g_ema > 0 else None
    og = torch.optim.Adam(G.parameters(), lr=c.lr_g, betas=(0.5, 0.9), weight_decay=1e-6)
    oc = torch.optim.Adam(C.parameters(), lr=c.lr_d, betas=(0.5, 0.9), weight_decay=1e-6)

    def fake_of(cond):
        raw = G(torch.cat([torch.randn(len(cond), c.z_dim, generator=gen, device=device), cond], 1))
        return raw, activate(raw, ix, gen, c.tau)

    def step():
        for _ in range(c.n_critic):
            cond, _, _, rows = sampler.sample(c.batch_size, gen)
            with torch.no_grad():
                fake = fake_of(cond)[1]
            rp = pack(torch.cat([x[rows] * view_w, cond], 1), c.pac)
            fp = pack(torch.cat([fake * view_w, cond], 1), c.pac)
            loss = C(fp).mean() - C(rp).mean() + c.gp_weight * gradient_penalty(C, rp, fp, gen)
            oc.zero_grad(set_to_none=True)
            loss.backward()
            oc.step()
        cond, col, cat, _ = sampler.sample(c.batch_size, gen)
        raw, fake = fake_of(cond)
        loss = -C(pack(torch.cat([fake * view_w, cond], 1), c.pac)).mean() + cond_loss(raw, ix, sampler, col, cat)
        og.zero_grad(set_to_none=True)
        loss.backward()
        og.step()
        if G_ema is not None:
            ema_update(G_ema, G, c.g_ema)

    return _rate(step, device, seconds, steps)
