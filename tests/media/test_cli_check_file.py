"""`staffguard check --file PATH`: the same output forms as for text, with where each finding is."""

import json

from bot.cli import main
from tests.media import samples

POLICY = """
kinds:
  social: {faces: off}
  clinical: {faces: hold}
groups:
  -1001: {name: Staff social, kind: social}
  -1002: {name: Ward 7, kind: clinical}
"""


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_photo_of_patient_data_prints_each_finding_with_its_line(tmp_path, capsys) -> None:
    path = tmp_path / "board.jpg"
    path.write_bytes(samples.encoded(samples.handover_sheet(), "JPEG", quality=85))
    code, out, _ = run(capsys, "--file", str(path))
    assert code == 0
    assert "file:     board.jpg (image; parts screened: 1)" in out
    assert "action:   remove" in out
    assert "patient.nhs_number  (rule" in out
    assert "in image, line 2" in out
    assert "943 476 5919" not in out


def test_json_output_carries_the_part_of_each_finding(tmp_path, capsys) -> None:
    path = tmp_path / "ward7.xlsx"
    path.write_bytes(samples.patient_workbook())
    code, out, _ = run(capsys, "--file", str(path), "--json")
    document = json.loads(out)
    assert code == 0
    assert document["action"] == "remove"
    assert document["kind"] == "xlsx"
    finding = document["findings"][0]
    assert set(finding) == {"part", "category", "rule", "start", "end", "confidence", "evidence"}
    assert finding["part"].startswith("sheet Patients, row")
    assert "unscreened" not in document


def test_a_file_that_cannot_be_screened_says_why_and_is_flagged(tmp_path, capsys) -> None:
    path = tmp_path / "locked.pdf"
    path.write_bytes(samples.encrypted_pdf(["NHS 943 476 5919"]))
    code, out, _ = run(capsys, "--file", str(path))
    assert code == 0
    assert "action:   flag" in out
    assert "unscreened: encrypted PDF (it needs a password to open)" in out


def test_a_missing_file_exits_3(tmp_path, capsys) -> None:
    code, out, err = run(capsys, "--file", str(tmp_path / "nope.png"))
    assert code == 3
    assert out == ""
    assert "cannot read" in err


def test_faces_follow_the_groups_setting_in_the_policy_file(tmp_path, capsys) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    photo = tmp_path / "selfie.jpg"
    photo.write_bytes(samples.encoded(samples.face_photo(), "JPEG"))
    social = json.loads(
        run(capsys, "--file", str(photo), "--json", "--policy", str(policy), "--chat", "-1001")[1]
    )
    ward = json.loads(
        run(capsys, "--file", str(photo), "--json", "--policy", str(policy), "--chat", "-1002")[1]
    )
    assert social["action"] == "allow"
    assert social["faces"] == []
    assert ward["action"] == "hold"
    assert len(ward["faces"]) == 1
    assert ward["faces"][0]["part"] == "image"


def test_file_and_text_together_is_a_usage_error(tmp_path, capsys) -> None:
    code, _, err = run(capsys, "some text", "--file", str(tmp_path / "a.png"))
    assert code == 2
    assert "not both" in err
