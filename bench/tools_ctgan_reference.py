"""Side-by-side with the reference `ctgan` package (a black box; its source is not read or copied).

Run it ONLY in a separate benchmark environment; ctgan and sdmetrics are never dependencies of the app:

    python3 -m venv /work/venv-ctgan && /work/venv-ctgan/bin/pip install torch==2.13.0 ctgan sdmetrics
    PYTHONPATH=$PWD /work/venv-ctgan/bin/python bench/tools_ctgan_reference.py --data penguins --seed 0
    PYTHONPATH=$PWD /work/venv-ctgan/bin/python bench/tools_ctgan_reference.py --score ours.csv --data penguins

It reads the table with the lab's own reader and held-out split (numpy only), trains the reference CTGAN for
its default 300 epochs on the training rows (optionally a subsample: --rows), samples as many rows as the lab
scores (min(max(train rows, 1000), 5000)), and scores them against the training rows with SDMetrics'
QualityReport (Column Shapes, Column Pair Trends, overall). ``--score FILE`` scores a CSV written by the lab
(`playground sample tabular ...`) with the same report instead, as a check of the lab's own metrics.
Prints one JSON line. Not collected by pytest (it lives outside tests/).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd
import torch

from playground.labs.tabular.data import format_column, load_table, split


def frame(table) -> pd.DataFrame:
    cols = {}
    for c in table.columns:
        s = format_column(c)
        if c.kind == "numeric":
            cols[c.name] = pd.to_numeric(pd.Series(s).replace("", np.nan))
        else:
            cols[c.name] = pd.Series(s).replace("", np.nan).astype(object)
    return pd.DataFrame(cols)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="penguins")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--rows", type=int, default=0, help="train on a random subsample of this many rows")
    ap.add_argument("--score", help="score this synthetic CSV instead of training the reference")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    table = load_table(args.data)
    train, _ = split(table)
    real = frame(train)
    n_eval = int(min(max(len(train), 1000), 5000))
    meta = {"columns": {c.name: {"sdtype": "numerical" if c.kind == "numeric" else "categorical"}
                        for c in table.columns}}
    out = {"data": args.data, "seed": args.seed, "train_rows": len(train)}
    if args.score:
        synth = pd.read_csv(args.score, dtype={c.name: str for c in table.columns if c.kind == "categorical"})
        out["scored"] = args.score
    else:
        from ctgan import CTGAN

        fit_rows = real
        if args.rows and args.rows < len(real):
            fit_rows = real.sample(args.rows, random_state=args.seed)
            out["fit_rows"] = args.rows
        discrete = [c.name for c in table.columns if c.kind == "categorical"]
        numeric = [c.name for c in table.columns if c.kind == "numeric"]
        # the reference refuses missing numbers ("does not support null values in the continuous training
        # data"): it is fitted on the rows without them (penguins: 273 of 275); it is scored against all rows
        dropped = int(fit_rows[numeric].isna().any(axis=1).sum())
        fit_rows = fit_rows.dropna(subset=numeric)
        out["rows_dropped_missing"] = dropped
        model = CTGAN(epochs=args.epochs)
        t0 = time.perf_counter()
        model.fit(fit_rows, discrete_columns=discrete)
        out["fit_seconds"] = round(time.perf_counter() - t0, 1)
        out["epochs"] = args.epochs
        synth = model.sample(n_eval)
    from sdmetrics.reports.single_table import QualityReport

    rep = QualityReport()
    rep.generate(real, synth[real.columns], meta, verbose=False)
    props = rep.get_properties().set_index("Property")["Score"]
    out.update({"column_shapes": round(float(props["Column Shapes"]), 4),
                "pair_trends": round(float(props["Column Pair Trends"]), 4),
                "quality": round(float(rep.get_score()), 4)})
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
