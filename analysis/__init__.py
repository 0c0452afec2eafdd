"""Checks of social security card applications: loading, rules, funds, charts."""

__version__ = "0.1.0"
