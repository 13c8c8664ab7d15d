import pytest

from bot.media.screening import Engines, load_engines, screen_file_data
from bot.media.verdict import FacesSetting, FileVerdict
from bot.moderation import DEFAULT_POLICY


@pytest.fixture(scope="session")
def engines() -> Engines:
    """OCR and face engines, loaded once for the whole session."""
    loaded = load_engines()
    assert loaded.problems == []
    return loaded


@pytest.fixture
def screen(engines):
    """Screen bytes in this process under the default policy, as a worker would."""

    def run(
        data: bytes, name: str = "file", faces: FacesSetting = FacesSetting.OFF, **kw
    ) -> FileVerdict:
        return screen_file_data(data, name, kw.pop("policy", DEFAULT_POLICY), faces, engines, **kw)

    return run
