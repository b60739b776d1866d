"""The test suite is a package, so its folders import as ``tests.devices``, ``tests.voice``,
``tests.sync``... and never stand in for the product packages of the same names; shared helpers
are in ``tests.support``."""
