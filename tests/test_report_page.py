"""The ten-second report and the history page: their sentences, their numbers as CSV/JSON,
and how they render in headless Chromium on a phone-sized screen (no console error, no
network request, plots that are not blank, the headline sentences legible)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecoach.record.store import load_record
from posecoach.record.summary import summarise_rows
from posecoach.report.headline import headlines, posture_sentence, prop_sentence
from tests.browser import Chromium, chromium_path
from tests.conftest import run_cli
from tests.session_factory import make_record, posture_rows, roller_rows, write_log

INSPECT = """JSON.stringify({
  width: document.documentElement.scrollWidth,
  headlines: [...document.querySelectorAll('#headlines li')].map(li => li.innerText),
  box: (() => { const r = document.getElementById('headlines').getBoundingClientRect();
                return [r.x, r.y + window.scrollY, r.width, r.height]; })(),
  plots: [...document.querySelectorAll('figure.plot svg')].map(f => {
    const r = f.getBoundingClientRect(); return [r.x, r.y + window.scrollY, r.width, r.height];
  }),
})"""


def desk_and_roller_rows() -> list[dict]:
    """Ten minutes at the desk (slouching in minutes 7–9), then three on the roller (10 s on
    the lower back)."""
    rows = posture_rows(600, fps=5, slouch=(420, 560))
    return rows + roller_rows(180, fps=10, lumbar=(100, 110), start_t=600.0)


# --- sentences ---------------------------------------------------------------------------------


def test_posture_headline_says_how_long_upright_and_when_the_slouching_came():
    summary = summarise_rows(posture_rows(3000, fps=2, slouch=(2400, 2940)),
                             {"started": "2026-11-29T14:20:00", "source": {"live": True}})
    assert posture_sentence(summary) == (
        "Upright 41 of 50 minutes; most of the slouching came after 3:00 pm.")


def test_a_replay_says_when_the_slouching_came_in_minutes():
    summary = summarise_rows(posture_rows(3000, fps=2, slouch=(2400, 2940)),
                             {"started": "2026-11-29T14:20:00", "source": {"live": False}})
    assert posture_sentence(summary).endswith("came after the first 40 minutes.")


def test_slouching_spread_over_the_session_gets_no_timing():
    rows = []
    for block in range(10):
        rows += posture_rows(300, fps=1, slouch=(0, 30), start_t=300.0 * block)
    summary = summarise_rows(rows, {"source": {"live": True}})
    assert posture_sentence(summary) == "Upright 45 of 50 minutes."


def test_roller_headline_counts_too_fast_passes_and_time_off_the_upper_back():
    summary = summarise_rows(roller_rows(60, fps=30, period_s=2.0))
    sentence = prop_sentence(summary, "roller")
    passes = summary["roller"]["passes"]
    assert sentence == (f"The roller stayed on your upper back 100 % of the time; {passes} of "
                        f"{passes} passes were too fast.")
    slow = summarise_rows(roller_rows(120, fps=10, lumbar=(20, 35)))
    assert prop_sentence(slow, "roller").startswith(
        "The roller stayed on your upper back 88 % of the time (15 s on your lower back); all")


def test_an_empty_room_says_so():
    rows = posture_rows(30, away=(0, 30))
    assert headlines(summarise_rows(rows)) == ["Nobody was in view during this session."]


# --- numbers -----------------------------------------------------------------------------------


def test_report_numbers_as_json_and_csv(tmp_path: Path):
    log = write_log(tmp_path / "s.jsonl", desk_and_roller_rows())
    assert run_cli("report", str(log), "--format", "json").returncode == 0
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["posture"]["upright_s"] == pytest.approx(460.0, abs=0.5)
    assert summary["roller"]["zone_s"]["lower back"] == pytest.approx(10.0, abs=0.2)
    assert run_cli("report", str(log), "--format", "csv", "--out",
                   str(tmp_path / "n.csv")).returncode == 0
    table = dict(csv.reader(io.StringIO((tmp_path / "n.csv").read_text())))
    assert float(table["posture.upright_s"]) == summary["posture"]["upright_s"]
    assert table["cues.0.key"] == "posture.slouch"
    bad = run_cli("report", str(log), "--format", "pdf")
    assert bad.returncode == 2 and "'pdf' is not one of html, csv, json" in bad.stderr


# --- in a browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.skip("chromium not installed (scripts/setup.sh installs it)")
    with Chromium(executable) as chromium:
        yield chromium


def _keep(shot: bytes, tmp_path: Path, name: str) -> np.ndarray:
    """Decode the screenshot; keep a copy in $POSECOACH_SCREENSHOTS when set."""
    (tmp_path / name).write_bytes(shot)
    if os.environ.get("POSECOACH_SCREENSHOTS"):
        target = Path(os.environ["POSECOACH_SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(shot)
    return cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_COLOR)


def _crop(image: np.ndarray, box: list[float], scale: float) -> np.ndarray:
    x, y, w, h = (int(round(v * scale)) for v in box)
    return image[y:y + h, x:x + w]


def assert_drawn(image: np.ndarray, box: list[float], scale: float) -> None:
    """The box holds a plot: enough non-white pixels, in several colours."""
    crop = _crop(image, box, scale)
    assert crop.size > 0, box
    ink = (crop < 235).any(axis=2)
    assert ink.mean() > 0.03, f"plot at {box} is blank ({ink.mean():.3f} ink)"
    colours = {tuple(c) for c in (crop[ink] // 32).tolist()}
    assert len(colours) >= 3, f"plot at {box} has {len(colours)} colours"


def ocr(image: np.ndarray) -> str:
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract not installed (scripts/setup.sh installs it)")
    ok, png = cv2.imencode(".png", image)
    text = subprocess.run(["tesseract", "stdin", "stdout"], input=png.tobytes(),
                          capture_output=True, check=True).stdout.decode()
    return " ".join(text.split())


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{3,}|\d+", text)


def check_page(browser: Chromium, page: Path, tmp_path: Path, shot_name: str,
               sentences: list[str], min_plots: int) -> None:
    visit = browser.visit(page, INSPECT)
    assert visit.requests == [], visit.requests
    assert visit.errors == [], visit.errors
    dom = json.loads(visit.dom)
    assert dom["width"] <= 390, "the page scrolls sideways on a phone"
    assert dom["headlines"] == sentences
    image = _keep(visit.screenshot, tmp_path, shot_name)
    scale = image.shape[1] / 390
    assert dom["box"][1] < 300, "the headline sentences are not at the top"
    assert len(dom["plots"]) >= min_plots
    for box in dom["plots"]:
        assert_drawn(image, box, scale)
    seen = ocr(_crop(image, dom["box"], scale)).lower()
    for sentence in sentences:  # every word of every sentence is legible on the screenshot
        missing = [w for w in words(sentence) if w.lower() not in seen]
        assert len(missing) <= len(words(sentence)) // 10, (sentence, missing, seen)


def test_the_report_renders_on_a_phone_without_errors_or_requests(browser: Chromium,
                                                                  tmp_path: Path):
    folder = make_record(tmp_path / "sessions", datetime(2026, 11, 29, 14, 30),
                         desk_and_roller_rows())
    result = run_cli("report", str(folder))
    assert result.returncode == 0, result.stderr
    summary = load_record(folder).summary
    sentences = headlines(summary)
    assert sentences[0].startswith("Upright 8 of 10 minutes")
    check_page(browser, folder / "report.html", tmp_path, "report.png", sentences, min_plots=4)


def test_the_history_page_renders_on_a_phone_without_errors_or_requests(browser: Chromium,
                                                                        tmp_path: Path):
    root = tmp_path / "sessions"
    today = datetime.now().replace(hour=9, minute=0, second=0, microsecond=0)
    for days_ago, rows in ((9, posture_rows(600, fps=2, slouch=(0, 300))),
                           (2, posture_rows(1200, fps=2, slouch=(0, 120))),
                           (1, roller_rows(300, fps=5)), (0, desk_and_roller_rows())):
        make_record(root, today - timedelta(days=days_ago), rows)
    result = run_cli("history", "--session-dir", str(root))
    assert result.returncode == 0, result.stderr
    assert "Streak: 3 days in a row (longest 3)" in result.stdout
    sentences = ["4 sessions; streak: 3 days in a row (longest 3).",
                 "8 minutes of self-massage in all."]
    check_page(browser, root / "history.html", tmp_path, "history.png", sentences, min_plots=3)
