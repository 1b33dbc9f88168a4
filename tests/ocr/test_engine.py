"""The engine offline, `tracker ocr suggest`, the red seal from the image, and life without the OCR packages."""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys

import numpy as np
import pytest

from .conftest import trap_letter
from .corpus import render

OFFLINE = """
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("network access attempted by the OCR engine")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from tracker.cli import main
sys.argv = ["tracker", "ocr", "suggest", sys.argv[1], "--format", "json"]
main()
"""


def _network_namespace() -> list[str]:
    """`unshare -n` (no network at all) when this machine allows it; the patched socket holds anyway."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


@pytest.mark.slow  # loads the OCR models (6.3 s)
def test_suggest_runs_offline_and_prints_the_contract(letter_png, tmp_path):
    pytest.importorskip("rapidocr")
    path = letter_png(trap_letter(sealed=True), "trap.png")
    home = tmp_path / "home"
    home.mkdir()
    env = os.environ | {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "MODELSCOPE_CACHE": str(home / "ms"),
                        "HF_HOME": str(home / "hf")}
    result = subprocess.run([*_network_namespace(), sys.executable, "-c", OFFLINE, str(path)], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"text", "outcome", "checks", "letter_date", "doc_number", "sealed", "evidence"}
    assert data["outcome"] == "not_held" and "该信息不存在" in data["evidence"]["outcome"]
    assert data["checks"]["remedy_notice"] is True and data["checks"]["fee_charged"] is False
    assert data["letter_date"] == "2020-09-15" and data["doc_number"] == "武政公开〔2020〕12号"
    assert data["sealed"] is True
    # onnxruntime keeps a device id under ~/.cache/Microsoft; a model would be a file of megabytes.
    written = [p for p in home.rglob("*") if p.is_file() and (p.suffix == ".onnx" or p.stat().st_size > 100_000)]
    assert not written, f"the engine downloaded files: {written}"


def test_suggest_refuses_a_corrupt_pdf_in_one_line(tmp_path):
    from click.testing import CliRunner

    from tracker.cli import main

    pytest.importorskip("pypdfium2")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\nnot really")
    result = CliRunner().invoke(main, ["ocr", "suggest", str(bad), "--format", "json"])
    assert result.exit_code != 0 and "PDF 文件已损坏" in result.output and result.output.count("\n") == 1


def test_help_does_not_load_the_engine():
    code = ("import sys; from click.testing import CliRunner; from tracker.cli import main; "
            "r = CliRunner().invoke(main, ['--help']); assert 'ocr' in r.output; "
            "r = CliRunner().invoke(main, ['ocr', '--help']); assert 'suggest' in r.output; "
            "sys.exit(1 if {'rapidocr', 'onnxruntime', 'cv2'} & set(sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.slow  # starts a Python process (3.3 s)
def test_without_the_packages_the_app_starts_and_says_why():
    code = ("import sys; sys.modules['rapidocr'] = None; "
            "from tracker import create_app; app = create_app({'TESTING': True}); "
            "from tracker.ocr import engine; ok, why = engine.available(); "
            "sys.exit(0 if not ok and 'rapidocr' in why else 1)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def _page(letter, dpi=120):
    return np.asarray(render(letter, random.Random(3), dpi))


def test_red_seal_is_found_by_colour_and_shape():
    pytest.importorskip("cv2")
    from tracker.ocr.seal import find_seal

    sealed, evidence = find_seal(_page(trap_letter(sealed=True)))
    assert sealed is True and "圆形" in evidence
    plain = trap_letter(sealed=False)
    assert find_seal(_page(plain))[0] is False
    plain.red_header = True  # red, but a wide letterhead and a rule: no seal
    assert find_seal(_page(plain))[0] is False
    plain.square_stamp = True  # red and square: a registry stamp, not the seal
    assert find_seal(_page(plain))[0] is False
    assert find_seal(_page(trap_letter(sealed=True)), colour=False)[0] is None  # a grey scan cannot tell


def test_transparent_and_grey_pngs_are_read_as_paper(tmp_path):
    from PIL import Image

    from tracker.ocr.engine import OcrInputError, _image

    Image.new("RGBA", (40, 40), (0, 0, 0, 0)).save(tmp_path / "clear.png")
    assert _image(tmp_path / "clear.png").getpixel((1, 1)) == (255, 255, 255)  # not a black page
    Image.new("L", (40, 40), 200).save(tmp_path / "grey.png")
    assert _image(tmp_path / "grey.png").mode == "L"  # kept grey: the seal is then "cannot tell"
    (tmp_path / "cut.png").write_bytes((tmp_path / "grey.png").read_bytes()[:40])
    with pytest.raises(OcrInputError, match="损坏"):
        _image(tmp_path / "cut.png")


def test_lines_of_a_skewed_scan_are_not_merged():
    from tracker.ocr.engine import order_lines

    # Tilted by ~1.2°: the long second line's box overlaps the short first line's y range.
    salutation = [[100, 100], [300, 104], [300, 154], [100, 150]]
    same_row = [[400, 108], [700, 114], [700, 164], [400, 158]]
    long_line = [[100, 190], [2000, 228], [2000, 278], [100, 240]]
    assert order_lines([salutation, long_line, same_row], ["张先生：", "您于……", "（续）"]) == "张先生： （续）\n您于……"
