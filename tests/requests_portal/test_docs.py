"""The configuration table stays complete: every variable the settings read is documented."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _variables_read_by_settings() -> set[str]:
    text = (ROOT / "keiseikyo" / "settings.py").read_text()
    return set(re.findall(r'env(?:\.[a-z_]+)?\("([A-Z][A-Z0-9_]+)"', text))


def test_every_setting_variable_is_in_the_readme_and_env_example():
    variables = _variables_read_by_settings()
    assert len(variables) > 30  # the pattern still finds them
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    assert sorted(v for v in variables if f"`{v}`" not in readme) == []
    assert sorted(v for v in variables if not re.search(rf"^#? ?{v}=", example, re.M)) == []
