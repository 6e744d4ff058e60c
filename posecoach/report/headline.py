"""The sentences at the top of a session report: what a person wants to know in ten seconds.

Pure: a session summary (:mod:`posecoach.record.summary`) in, plain sentences out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

#: Below this much judged time (s) a share says nothing worth a headline.
MIN_JUDGED_S = 10.0
#: "Most of the slouching" means at least this share of it.
MOST = 0.75


def amount(seconds: float) -> str:
    """``12 minutes`` / ``45 s``, for a person, not an engineer."""
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} s"


def pair(part: float, whole: float) -> str:
    """``41 of 50 minutes`` in one unit for both numbers."""
    if whole >= 120:
        return f"{part / 60:.0f} of {whole / 60:.0f} minutes"
    return f"{part:.0f} of {whole:.0f} seconds"


def clock(moment: datetime) -> str:
    """``3:15 pm``."""
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def started_at(summary: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(summary["started"])
    except (KeyError, TypeError, ValueError):
        return None


def when_slouched(summary: dict[str, Any]) -> str | None:
    """Where most of the slouching fell in the session, or None when it was spread out."""
    minutes = summary.get("posture", {}).get("per_minute") or []
    bad = [max(judged - upright, 0.0) for judged, upright in minutes]
    total = sum(bad)
    if total < 30 or len(bad) < 4:
        return None
    # The latest minute with most of the slouching after it (the earliest with most before)...
    after = next((m for m in range(len(bad), 0, -1) if sum(bad[m:]) >= MOST * total), 0)
    before = next((m for m in range(1, len(bad) + 1) if sum(bad[:m]) >= MOST * total),
                  len(bad))
    # ... widened to the whole run of slouching minutes it cuts into
    while 0 < after and bad[after - 1] > 0:
        after -= 1
    while before < len(bad) and bad[before] > 0:
        before += 1
    live = bool((summary.get("source") or {}).get("live"))
    start = started_at(summary)
    # Said only when it is a pattern: most of the slouching in at most half the session.
    if after >= len(bad) / 2:
        if live and start is not None:
            moment = start + timedelta(minutes=after)
            moment -= timedelta(minutes=moment.minute % 5, seconds=moment.second)  # reads easily
            return f"most of the slouching came after {clock(moment)}"
        return f"most of the slouching came after the first {after} minutes"
    if before <= len(bad) / 2:
        return f"most of the slouching came in the first {before} minutes"
    return None


def posture_sentence(summary: dict[str, Any]) -> str | None:
    posture = summary.get("posture") or {}
    judged, upright = posture.get("judged_s", 0.0), posture.get("upright_s", 0.0)
    if judged < MIN_JUDGED_S:
        return None
    sentence = f"Upright {pair(upright, judged)}"
    if judged - upright < 1.0:
        return sentence + "; no slouching."
    timing = when_slouched(summary)
    return sentence + (f"; {timing}." if timing else ".")


def prop_sentence(summary: dict[str, Any], prop: str) -> str | None:
    data = summary.get(prop) or {}
    seen = data.get("seen_s", 0.0)
    if seen < 5.0:
        return None
    zones = data.get("zone_s") or {}
    share = 100.0 * zones.get("upper back", 0.0) / seen
    sentence = f"The {prop} stayed on your upper back {share:.0f} % of the time"
    lower, neck = zones.get("lower back", 0.0), zones.get("neck", 0.0)
    off = [f"{amount(v)} on your {name}" for name, v in (("lower back", lower), ("neck", neck))
           if v >= 1.0]
    if off:
        sentence += f" ({' and '.join(off)})"
    passes = data.get("passes", 0)
    if prop == "roller" and passes:
        fast = data.get("too_fast_passes", 0)
        sentence += (f"; {fast} of {passes} passes were too fast" if fast
                     else f"; all {passes} passes at a good pace")
    spots = data.get("spots") or []
    if prop == "ball" and spots:
        mean = sum(s["dwell_s"] for s in spots) / len(spots)
        sentence += (f"; you held {len(spots)} spot{'s' if len(spots) > 1 else ''}, "
                     f"{mean:.0f} s on average")
    return sentence + "."


def cue_sentence(summary: dict[str, Any]) -> str:
    cues = summary.get("cues") or []
    if not cues:
        return "No cue was needed."
    counts: dict[str, int] = {}
    for cue in cues:
        counts[cue["text"]] = counts.get(cue["text"], 0) + 1
    top = sorted(counts.items(), key=lambda kv: -kv[1])[:3]
    listed = ", ".join(f"“{text}” {n}×" for text, n in top)
    more = f" and {len(counts) - 3} more" if len(counts) > 3 else ""
    noun = "cue" if len(cues) == 1 else "cues"
    return f"{len(cues)} {noun}: {listed}{more}."


def headlines(summary: dict[str, Any]) -> list[str]:
    """The report's opening sentences, most important first."""
    if summary.get("present_s", 0.0) < 1.0:
        return ["Nobody was in view during this session."]
    lines = [s for s in (posture_sentence(summary), prop_sentence(summary, "roller"),
                         prop_sentence(summary, "ball")) if s]
    if not lines:
        lines.append(f"In view {amount(summary['present_s'])}; nothing was coached "
                     "(standing, walking, or not side-on).")
    lines.append(cue_sentence(summary))
    return lines
