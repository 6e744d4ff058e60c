"""History across session records: one row per session, daily and weekly trends, streaks;
as rows for the terminal, a CSV export and an HTML page (Jinja2 + inline SVG)."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from posecoach.record.store import Record

#: Exercises that are self-massage (their time adds up to "minutes of self-massage").
MASSAGE = ("roller", "ball")


@dataclass(frozen=True)
class SessionRow:
    """One past session.

    Attributes:
        name: its record's folder name; started: local start time.
        duration_s, judged_s (posture judged), upright_s, massage_s (roller or ball coached).
        exercises: what was coached, longest first; cues: cues given; ended: how it ended.
    """

    name: str
    started: datetime
    duration_s: float
    judged_s: float
    upright_s: float
    massage_s: float
    exercises: str
    cues: int
    ended: str

    @property
    def upright_pct(self) -> float | None:
        return 100.0 * self.upright_s / self.judged_s if self.judged_s > 0 else None


@dataclass(frozen=True)
class Day:
    """Totals of one calendar day (days without a session included, all zero)."""

    day: date
    sessions: int
    judged_s: float
    upright_s: float
    massage_s: float

    @property
    def upright_pct(self) -> float | None:
        return 100.0 * self.upright_s / self.judged_s if self.judged_s > 0 else None


def session_rows(records: list[Record]) -> list[SessionRow]:
    """Rows of the records that know when they started, oldest first."""
    rows = []
    for record in records:
        started = record.started
        if started is None:
            continue
        s = record.summary
        exercise_s = {k: v for k, v in (s.get("exercise_s") or {}).items()
                      if k not in ("none", "") and v >= 1.0}
        posture = s.get("posture") or {}
        rows.append(SessionRow(
            name=record.folder.name,
            started=started.astimezone().replace(tzinfo=None) if started.tzinfo else started,
            duration_s=float(s.get("duration_s", 0.0)),
            judged_s=float(posture.get("judged_s", 0.0)),
            upright_s=float(posture.get("upright_s", 0.0)),
            massage_s=float(sum(exercise_s.get(k, 0.0) for k in MASSAGE)),
            exercises=", ".join(sorted(exercise_s, key=lambda k: -exercise_s[k])) or "—",
            cues=len(s.get("cues") or []),
            ended=str(s.get("ended", "")),
        ))
    return sorted(rows, key=lambda r: r.started)


def daily(rows: list[SessionRow]) -> list[Day]:
    """One :class:`Day` per calendar day from the first session to the last."""
    if not rows:
        return []
    first, last = rows[0].started.date(), rows[-1].started.date()
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        mine = [r for r in rows if r.started.date() == day]
        days.append(Day(day, len(mine), sum(r.judged_s for r in mine),
                        sum(r.upright_s for r in mine), sum(r.massage_s for r in mine)))
    return days


def weekly(rows: list[SessionRow]) -> list[tuple[str, int]]:
    """Sessions per ISO week (``2026-W48``), every week from the first session's to the
    last's."""
    if not rows:
        return []
    counts: dict[str, int] = {}
    monday = rows[0].started.date() - timedelta(days=rows[0].started.weekday())
    while monday <= rows[-1].started.date():
        year, week, _ = monday.isocalendar()
        counts[f"{year}-W{week:02d}"] = 0
        monday += timedelta(days=7)
    for row in rows:
        year, week, _ = row.started.date().isocalendar()
        counts[f"{year}-W{week:02d}"] += 1
    return list(counts.items())


def streaks(days: set[date], today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive days with a session. The current run counts
    up to today, or up to yesterday while today has no session yet."""
    longest, run, previous = 0, 0, None
    for day in sorted(days):
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        longest = max(longest, run)
        previous = day
    current = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        current += 1
        day -= timedelta(days=1)
    return current, longest


def export_csv(rows: list[SessionRow], out: Path) -> Path:
    """One line per session: start, minutes, posture judged/upright, self-massage, cues."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["session", "started", "duration_min", "posture_judged_min",
                         "upright_min", "upright_pct", "self_massage_min", "exercises", "cues",
                         "ended"])
        for r in rows:
            pct = r.upright_pct
            writer.writerow([r.name, r.started.isoformat(timespec="seconds"),
                             f"{r.duration_s / 60:.2f}", f"{r.judged_s / 60:.2f}",
                             f"{r.upright_s / 60:.2f}", "" if pct is None else f"{pct:.1f}",
                             f"{r.massage_s / 60:.2f}", r.exercises, r.cues, r.ended])
    return out


def _plots(days: list[Day], weeks: list[tuple[str, int]]) -> dict[str, str]:
    from posecoach.report.svg import BLUE, GREEN, GREY, pyplot, to_svg

    plt = pyplot()
    labels = [d.day.strftime("%-d %b") for d in days]
    step = max(1, -(-len(days) // 5))  # at most 5 dates under a phone-wide plot
    plots = {}
    figure, axis = plt.subplots(figsize=(6.0, 2.3))
    pct = [d.upright_pct for d in days]
    axis.bar(range(len(days)), [p or 0.0 for p in pct],
             color=[GREEN if p is not None else GREY for p in pct])
    axis.set_ylim(0, 100)
    axis.set_ylabel("% upright")
    axis.set_xticks(range(0, len(days), step), labels[::step])
    plots["upright"] = to_svg(figure)
    figure, axis = plt.subplots(figsize=(6.0, 2.3))
    axis.bar(range(len(days)), [d.massage_s / 60 for d in days], color=BLUE)
    axis.set_ylabel("minutes")
    axis.set_xticks(range(0, len(days), step), labels[::step])
    plots["massage"] = to_svg(figure)
    figure, axis = plt.subplots(figsize=(6.0, 2.0))
    axis.bar(range(len(weeks)), [n for _, n in weeks], color=BLUE)
    axis.set_ylabel("sessions")
    wstep = max(1, -(-len(weeks) // 4))
    axis.set_xticks(range(0, len(weeks), wstep), [w for w, _ in weeks][::wstep])
    plots["weekly"] = to_svg(figure)
    return plots


def write_history_page(rows: list[SessionRow], out: Path, today: date) -> Path:
    """The history page: streaks, the three trends, and the list of sessions (newest first)."""
    from posecoach.report.page import environment

    days = daily(rows)
    weeks = weekly(rows)
    current, longest = streaks({r.started.date() for r in rows}, today)
    page = environment().get_template("history.html.j2").render(
        title="posecoach history", rows=[asdict(r) | {"upright_pct": r.upright_pct}
                                         for r in reversed(rows)],
        current=current, longest=longest, plots=_plots(days, weeks) if rows else {},
        total_massage_min=sum(r.massage_s for r in rows) / 60,
        made=datetime.now().strftime("%Y-%m-%d %H:%M"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
