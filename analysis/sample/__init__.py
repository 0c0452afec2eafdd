"""Seeded synthetic application records with planted cases whose flags are known in advance.

Every name and ID number here is synthetic. Persons follow templates (people.py), some rows get planted
faults (faults.py), values are written in the forms real exports use (forms.py), and hand-made persons
cover the contract's corner cases (corner_cases.py). The expected flags come from the templates and
faults, not from the rules, so tests can hold the rules to them; likewise the possible duplicates and the decoys
pairs.py plants come from what it planted, not from analysis.matching. months.py cuts three monthly exports from a
population of their own, with data corrections planted between them, and the register state each case must take.
"""

from .generate import (
    CHINESE_HEADERS,
    COLUMNS,
    PERSONS,
    SEED,
    Sample,
    generate,
    generate_months,
    generate_sample,
    write_months,
    write_sample,
)

__all__ = [
    "CHINESE_HEADERS",
    "COLUMNS",
    "PERSONS",
    "SEED",
    "Sample",
    "generate",
    "generate_months",
    "generate_sample",
    "write_months",
    "write_sample",
]
