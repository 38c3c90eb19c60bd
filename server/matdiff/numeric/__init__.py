"""Numbers for engine IR (NumPy): evaluation and the finite-difference check of a derivative.

Beside the engine, which stays pure Python: the engine never imports this package.
"""
