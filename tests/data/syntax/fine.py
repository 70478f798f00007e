import torch.nn as nn

conv = nn.Conv2d(64, 64, 3, padding=1)
