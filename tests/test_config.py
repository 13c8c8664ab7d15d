"""A bad setting is one clear line naming it, never a traceback."""

import pytest

from bot.config import SettingsError, load_settings


def test_defaults_work_on_a_fresh_machine(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.quarantine_retention_days == 30


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("STAFFGUARD_QUARANTINE_RETENTION_DAYS", "soon", "STAFFGUARD_QUARANTINE_RETENTION_DAYS"),
        ("STAFFGUARD_DATABASE_URL", "not a url", "STAFFGUARD_DATABASE_URL"),
        ("STAFFGUARD_POLICY_FILE", "/no/such/policy.yaml", "STAFFGUARD_POLICY_FILE"),
        ("STAFFGUARD_LOG_LEVEL", "LOUD", "STAFFGUARD_LOG_LEVEL"),
    ],
)
def test_bad_setting_is_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path, variable: str, value: str, named: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert named in message
    assert "\n" not in message
