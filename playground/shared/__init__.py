"""What more than one lab uses, below the labs: layers point core <- shared <- labs.

- ``gan``: GAN objectives (minimax, non-saturating, LSGAN, hinge, WGAN, WGAN-GP) for any data shape,
  and the MLP generator / discriminator of the 2D labs.
- ``points2d`` (torch-free) and ``data2d``: the 2D data sets (mixtures, shapes, drawn and CSV points).
- ``metrics2d``: modes captured, high-quality fraction, sliced Wasserstein distance.

A module here never imports a lab, Qt, the CLI or the bench.
"""
