"""Which packages the wheel holds: all of course_lib, and data/ as course_lib.data.

Everything else about the package is in pyproject.toml; only this list is computed, so a
new subpackage ships without anyone editing the configuration.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["course_lib", "course_lib.*"]), "course_lib.data"])
