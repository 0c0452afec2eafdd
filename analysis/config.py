"""Project paths, resolved from this file so notebooks never depend on their working directory; the bundled
sample's settings."""

from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJ_ROOT / "data"
SAMPLE_DIR = DATA_DIR / "sample"
REFERENCE_DIR = DATA_DIR / "reference"
FUND_SOURCES_DIR = REFERENCE_DIR / "sources"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
REPORTS_DIR = PROJ_ROOT / "reports"

SAMPLE_APPLICATIONS = SAMPLE_DIR / "applications.csv"
SAMPLE_EXPECTED_FLAGS = SAMPLE_DIR / "expected_flags.csv"
SAMPLE_MONTHS_DIR = SAMPLE_DIR / "months"  # three monthly exports of one population, for the case register
SAMPLE_EXPECTED_PAIRS = SAMPLE_DIR / "expected_possible_duplicates.csv"  # the planted possible duplicates
SAMPLE_DECOYS = SAMPLE_DIR / "decoy_pairs.csv"  # planted look-alikes that are no possible duplicate
SAMPLE_SEED = 20261127  # the bundled sample's seed: `make sample` writes the same files every time
SAMPLE_PERSONS = 18000  # background persons of the bundled sample


def resolve_input(path: str | Path) -> Path:
    """Resolve a user-given path: absolute, relative to the working directory, or to the project root."""
    p = Path(path).expanduser()
    if p.is_absolute() or p.exists():
        return p
    candidate = PROJ_ROOT / p
    return candidate if candidate.exists() else p


def display_path(path: str | Path) -> str:
    """A path as shown to people: relative to the project root when inside it (no absolute paths in outputs)."""
    p = Path(path).resolve()
    try:
        return p.relative_to(PROJ_ROOT).as_posix()
    except ValueError:
        return Path(path).name
