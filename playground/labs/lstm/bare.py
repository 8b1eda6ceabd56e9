"""A bare training loop for `playground bench`: the same model and data as an LstmSession, written
plainly with torch's modules (no session, no recording), to show what the session costs.

    `playground bench` finds it as playground.labs.lstm.bare.bare_lstm
"""

from __future__ import annotations


def bare_lstm(config, device, seconds: float, steps: int | None = None) -> float:
    """Steps/s of a plain loop: the task's batches, nn.LSTM/GRU/RNN, a linear head, Adam, clipping.
    Compare mode trains the second model too, as the session does."""
    import torch

    from .tasks import make_task

    task = make_task(config, device)
    gen = torch.Generator(device=device)
    gen.manual_seed(0)
    cells = [(config.cell, config.forget_bias)] + ([(config.cell_b, config.forget_bias_b)] if config.compare else [])
    kinds = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}
    nets = []
    for cell, _bias in cells:
        emb = torch.nn.Embedding(task.n_in, min(32, task.n_in)).to(device) if task.tokens else None
        rnn_in = emb.embedding_dim if emb is not None else task.n_in
        rnn = kinds[cell](rnn_in, config.hidden_size, config.num_layers, batch_first=True).to(device)
        head = torch.nn.Linear(config.hidden_size, task.n_out).to(device)
        mods = [m for m in (emb, rnn, head) if m is not None]
        params = [p for m in mods for p in m.parameters()]
        nets.append((emb, rnn, head, params, torch.optim.Adam(params, lr=config.lr)))
    clip = config.clip if config.clip > 0 else float("inf")

    def step():
        x, y = task.batch(config.batch_size, gen)
        for emb, rnn, head, params, opt in nets:
            out, _ = rnn(emb(x) if emb is not None else x)
            loss, _ = task.loss(head(out), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, clip)
            opt.step()

    from playground.core.timing import rate

    return rate(step, device, seconds, steps)  # the same timing (and GPU sync checks) as the session's
