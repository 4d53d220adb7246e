"""Where the tests' data lives."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL_CORPUS = ROOT / "corpus"
FIXTURES = ROOT / "tests" / "fixtures"
FIXTURE_CORPUS = FIXTURES / "corpus"
WEB_FIXTURES = FIXTURES / "web"
