"""Hostile model code for tests/evaluator/test_evaluator.py: evaluating it must end, bounded.

Each Hostile* model never finishes building or tracing (or would take ages, or memory): macslint
must give up on it with a reason naming the bound, quickly, and still report the file's
ordinary layers and its ordinary model.  Never import or run this file.
"""

import torch
import torch.nn as nn

stem = nn.Conv2d(3, 16, 3, padding=1)


def f(n):
    return f(n - 1) + f(n - 1) if n else 1


class InfiniteInit(nn.Module):  # macslint: input-size=8
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        n = 0
        while True:
            n += 1

    def forward(self, x):
        return self.fc(x)


class InfiniteForward(nn.Module):  # macslint: input-size=8
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        while True:
            x = self.fc(x)
        return x


class ExponentialRecursion(nn.Module):  # macslint: input-size=8
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, f(60))

    def forward(self, x):
        return self.fc(x)


class GiantRange(nn.Module):  # macslint: input-size=8
    def __init__(self):
        super().__init__()
        width = 0
        for i in range(10**12):
            width += 1
        self.fc = nn.Linear(8, width)

    def forward(self, x):
        return self.fc(x)


class GiantRangeInForward(nn.Module):  # macslint: input-size=8
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        for _ in range(10**12):
            x = self.fc(x)
        return x


class HugeList(nn.Module):  # macslint: input-size=8
    def __init__(self):
        super().__init__()
        widths = [8] * 10**12
        self.fc = nn.Linear(8, len(widths))

    def forward(self, x):
        return self.fc(x)


class PingPong(nn.Module):  # macslint: input-size=8
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def ping(self, x):
        return self.pong(self.fc(x))

    def pong(self, x):
        return self.ping(x)

    def forward(self, x):
        return self.ping(x)


class Ordinary(nn.Module):  # macslint: input-size=3x8x8
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        return self.fc(self.conv(x).mean((2, 3)))


head = nn.Linear(16, 4)
