"""Benchmarks. Run each from the repository root as a module, ``python -m bench.<name>``: the
repository is then first on the path, so the scripts import ``tests.support`` and each other
(``bench.api``) and the product packages of this checkout, with no path manipulation."""
