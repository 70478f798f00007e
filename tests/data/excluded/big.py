import torch.nn as nn

big = nn.Conv2d(64, 64, 3, padding=1)
