import torch.nn as nn


def build(width):
    return nn.Sequential(
        nn.Conv2d(64, 64, 3, padding=1),
        nn.Conv2d(width, 8, 1),
    )
