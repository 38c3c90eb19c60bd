"""Least squares in NumPy, read by matdiff from its jaxtyping annotations.

matdiff checks the shapes as you type and shows the gradient by each array
parameter on a hover of the function's name; it never imports or runs this file.
The end-to-end test (run.mjs) hovers `loss` and checks its gradients by value,
and finds the shape error of `bad` underlined at its `@`.
"""

import numpy as np
from jaxtyping import Float


def loss(W: Float[np.ndarray, "m n"], x: Float[np.ndarray, "n"],
         b: Float[np.ndarray, "m"]) -> float:
    r = W @ x + b
    return r @ r


def bad(A: Float[np.ndarray, "m n"], y: Float[np.ndarray, "m"]) -> float:
    """A shape error: A is m-by-n, so A @ y needs a y of length n."""
    return np.sum(A @ y)
