"""The `posecoach` command. The only module that prints for the user or exits."""

from __future__ import annotations

import logging
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from posecoach import __version__
from posecoach.config import Settings, load_settings
from posecoach.display import display_available
from posecoach.errors import ConfigError, PosecoachError
from posecoach.pipeline import SessionStats
from posecoach.sources.base import SourceInfo

app = typer.Typer(
    name="posecoach",
    help="A private camera coach for posture and foam-roller / tennis-ball self-massage. "
         "Nothing leaves this machine; each session keeps a private record (summary and frame "
         "log, no video unless asked) for `posecoach history` (--no-record keeps none).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ProfileOpt = Annotated[Path | None, typer.Option(
    "--profile", help="TOML settings profile (camera, smoothing, display…); flags override it.")]
ModelOpt = Annotated[Path | None, typer.Option(
    "--model", help="A PoseLandmarker .task file to use instead of the bundled full model "
                    "(e.g. Google's lite or heavy model).")]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", help="Write the annotated video here (H.264 .mp4). Nothing is written without it.")]
ReportOpt = Annotated[Path | None, typer.Option(
    "--report", help="Write an HTML session report here at the end (also after Ctrl-C); "
                     "keeps the frame log beside it unless --log is given.")]
LogOpt = Annotated[Path | None, typer.Option(
    "--log", help="Write a per-frame JSONL log here: landmarks, metrics and cues, one row per "
                  "frame.")]
LogEveryOpt = Annotated[int, typer.Option(
    "--log-every", min=1, help="Write one log row per N frames (and every frame whose cue "
                               "changes): a smaller log for long sessions.")]
NoLogOpt = Annotated[bool, typer.Option(
    "--no-log", help="Keep no frame log on disk, not even beside --report (the report is "
                     "made from a temporary one).")]
NoWindowOpt = Annotated[bool, typer.Option(
    "--no-window", help="Never open a window (automatic when there is no display).")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Print diagnostics.")]
SessionDirOpt = Annotated[Path | None, typer.Option(
    "--session-dir", help="Where session records are kept (default: posecoach/sessions in "
                          "your data folder, e.g. ~/.local/share/posecoach/sessions).")]
NoRecordOpt = Annotated[bool, typer.Option(
    "--no-record", help="Keep no session record (no summary, no frame log) for this session.")]
KeepVideoOpt = Annotated[bool, typer.Option(
    "--keep-video", help="Also keep the annotated video in the session record (its report then "
                         "shows the moments a cue was given).")]
RoutineOpt = Annotated[str | None, typer.Option(
    "--routine", help="Guide a routine with timed phases and spoken prompts: roller, ball or "
                      "desk-break (r in the window starts one, n skips a phase).")]
ExerciseOpt = Annotated[str | None, typer.Option(
    "--exercise", help="auto (default: roller when you lie on one, ball when one is at your "
                       "back, posture when you sit, nothing when you stand or walk), "
                       "posture, roller or ball.")]


def _settings(profile: Path | None, model: Path | None, **overrides: object) -> Settings:
    flat = {"model.path": str(model) if model else None}
    flat.update(overrides)
    return load_settings(profile, flat)


def _want_window(requested: bool, no_window: bool) -> bool:
    if no_window or not requested:
        return False
    if not display_available():
        err.print("posecoach: no display found — running without a window "
                  "(use --out to save the annotated video).")
        return False
    return True


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="posecoach: %(message)s")


def _summary(stats: SessionStats, outputs: list[tuple[str, Path | None]]) -> None:
    seen = 100.0 * stats.person_frames / stats.frames if stats.frames else 0.0
    speed = stats.media_s / stats.wall_s if stats.wall_s > 0 else 0.0
    state = "stopped by you" if stats.interrupted else "finished"
    out.print(f"Session {state}: {stats.frames} frames, {stats.media_s:.1f} s of video, "
              f"person tracked in {seen:.0f} % of frames.")
    out.print(f"Speed: {stats.fps:.1f} frames/s ({speed:.1f}× real time), "
              f"model {stats.mean_inference_ms:.1f} ms/frame.")
    present = stats.totals.get("present_s", 0.0)
    judged = stats.totals.get("posture_judged_s", 0.0)
    if present > 0:
        line = f"In view {present:.0f} s"
        if judged > 0:
            good = stats.totals.get("good_posture_s", 0.0)
            share = 100 * good / judged
            line += f"; posture judged {judged:.0f} s, good {good:.0f} s ({share:.0f} %)"
        out.print(line + ".")
    for key, seconds in stats.totals.items():
        if key.startswith("problem_s."):
            out.print(f"  {key.removeprefix('problem_s.')}: {seconds:.0f} s")
    if "routine.phases" in stats.totals:
        t = stats.totals
        out.print(f"Routine: {t['routine.phases_completed']:.0f} of {t['routine.phases']:.0f} "
                  f"phases completed, {t['routine.phases_skipped']:.0f} skipped, "
                  f"{t['routine.holds']:.0f} holds counted.")
    if "scale.trunk_cm" in stats.totals:
        trunk = stats.totals["scale.trunk_cm"]
        out.print(f"Trunk length measured with the ball: {trunk:.0f} cm (speeds and the hip "
                  f"lift used it). To start with it next time, put shoulder_hip_cm = "
                  f"{trunk:.0f} under {escape('[exercise]')} in your profile.")
    for cue, count in sorted(stats.cue_counts.items()):
        out.print(f"  cue {cue}: shown {count}×")
    for label, path in outputs:
        if path is not None:
            out.print(f"{label}: {path}")
    if stats.source_error:
        err.print(f"posecoach: {stats.source_error}")


@app.command()
def replay(
    video: Annotated[Path, typer.Argument(
        help="A video file, or a folder of images (played at --fps).", show_default=False)],
    out_path: OutOpt = None,
    log_path: LogOpt = None,
    report_path: ReportOpt = None,
    log_every: LogEveryOpt = 1,
    no_log: NoLogOpt = False,
    show: Annotated[bool, typer.Option(
        "--show", help="Show a window and play at the video's own speed (otherwise as fast as "
                       "the CPU allows, with a progress bar).")] = False,
    no_window: NoWindowOpt = False,
    fps: Annotated[float, typer.Option(
        "--fps", min=1.0, max=240.0, help="Frame rate of an image folder.")] = 30.0,
    calibrate_start: Annotated[bool, typer.Option(
        "--calibrate-start", help="Take the first seconds of the video (posture.calibration_s) "
                                  "as the upright baseline, for videos that start sitting tall.")
    ] = False,
    baseline: Annotated[Path | None, typer.Option(
        "--baseline", help="Judge posture against this baseline file (from calibrate).")] = None,
    speak: Annotated[bool, typer.Option(
        "--speak", help="Say cues aloud as they appear (with --show).")] = False,
    single_process: Annotated[bool, typer.Option(
        "--single-process", help="Estimate all poses in this process (long videos otherwise "
                                 "use a second process for their second part).")] = False,
    exercise: ExerciseOpt = None,
    session_dir: SessionDirOpt = None,
    no_record: NoRecordOpt = False,
    keep_video: KeepVideoOpt = False,
    routine: RoutineOpt = None,
    profile: ProfileOpt = None,
    model: ModelOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Analyse a recorded video (or image folder) with the same pipeline as live coaching."""
    from posecoach.session import CalibrationRequest, Outputs, open_replay_source, run_session

    _logging(verbose)
    settings = _settings(profile, model, **{"posture.baseline": str(baseline) if baseline
                                            else None, "exercise.mode": exercise,
                                            "routine.name": routine})
    window = _want_window(show, no_window)
    source = open_replay_source(video, fps=fps)
    scratch = ExitStack()
    log_path = _log_for_report(log_path, report_path, no_log, scratch)
    _check_keep_video(out_path, no_record, keep_video)
    record = scratch.enter_context(_recording(session_dir, no_record))
    out_path = _video_for_record(out_path, record, keep_video)
    outputs = Outputs(video=out_path, log=log_path, speak=speak, log_every=log_every,
                      record=record, record_frames=not no_log)
    options = {"calibration": CalibrationRequest() if calibrate_start else None,
               "save_calibrations": False, "parallel": not single_process}
    with scratch:  # a temporary log (--no-log) is removed however the session ends
        if window:
            stats = run_session(source, settings, outputs, show_window=True, pace=True, **options)
        else:
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TextColumn("{task.fields[fps]:.0f} fps"), TimeRemainingColumn(),
                          console=err, transient=True) as progress:
                task = progress.add_task(video.name, total=None, fps=0.0)
                stats = run_session(
                    source, settings, outputs, show_window=False, pace=False, **options,
                    on_start=lambda info: progress.update(task, total=info.frame_count),
                    on_result=lambda result: progress.update(task, advance=1, fps=result.fps),
                )
        _summary(stats, [("Annotated video", out_path),
                         ("Frame log", None if no_log else log_path),
                         ("Session record", record)])
        _close_record(record, stats)
        _write_report(log_path, report_path)


@contextmanager
def _recording(session_dir: Path | None, no_record: bool) -> Iterator[Path | None]:
    """A fresh private record folder for this session, unless --no-record; removed again if
    the session analysed no frame (e.g. the video could not be opened)."""
    if no_record:
        yield None
        return
    from datetime import datetime

    from posecoach.record.store import drop_if_empty, new_record_dir, sessions_root

    root = session_dir or sessions_root()
    try:
        record = new_record_dir(root, datetime.now())
    except OSError as exc:
        raise PosecoachError(f"cannot create a session record in {root}: {exc.strerror}",
                             "pass another --session-dir, or --no-record") from None
    try:
        yield record
    finally:
        drop_if_empty(record)


def _check_keep_video(out_path: Path | None, no_record: bool, keep: bool) -> None:
    if keep and (out_path is not None or no_record):
        raise ConfigError("--keep-video keeps the video in the session record",
                          "drop --out or --no-record")


def _video_for_record(out_path: Path | None, record: Path | None, keep: bool) -> Path | None:
    if not keep or record is None:
        return out_path
    from posecoach.record.store import VIDEO

    return record / VIDEO


def _close_record(record: Path | None, stats: SessionStats) -> None:
    """Say in the record how the session ended."""
    if record is None:
        return
    from posecoach.record.sink import mark_ended

    how = ("camera lost" if stats.camera_lost else
           "stopped by you" if stats.interrupted else "finished")
    try:
        mark_ended(record, how)
    except (OSError, ValueError) as exc:
        err.print(f"posecoach: the session record {record} could not be closed: {exc}")


def _log_for_report(log_path: Path | None, report_path: Path | None, no_log: bool,
                    scratch: ExitStack) -> Path | None:
    """A report is made from the frame log: keep one beside the report if none was asked,
    or a temporary one (removed when ``scratch`` closes) with ``--no-log``."""
    if no_log:
        if log_path is not None:
            raise ConfigError("--no-log and --log contradict each other", "pass one of them")
        if report_path is None:
            return None
        folder = scratch.enter_context(tempfile.TemporaryDirectory(prefix="posecoach-"))
        return Path(folder) / "frames.jsonl"
    if report_path is not None and log_path is None:
        return report_path.with_suffix(".jsonl")
    return log_path


def _write_report(log_path: Path | None, report_path: Path | None) -> None:
    if report_path is None or log_path is None or not log_path.exists():
        return
    from posecoach.report.data import load_log
    from posecoach.report.html import write_report

    out.print(f"Report: {write_report(load_log(log_path), report_path)}")


@app.command()
def live(
    camera: Annotated[str | None, typer.Option(
        "--camera", help="Camera index (0), device path (/dev/video2) or name as listed by "
                         "`posecoach doctor`. Default: the profile's, else 0.")] = None,
    width: Annotated[int | None, typer.Option("--width", help="Requested capture width.")] = None,
    height: Annotated[int | None, typer.Option(
        "--height", help="Requested capture height.")] = None,
    simulate_camera: Annotated[Path | None, typer.Option(
        "--simulate-camera", help="Play this video through the live camera path at its own "
                                  "frame rate, as if it were a webcam (for trying posecoach "
                                  "without a camera).")] = None,
    simulate_speed: Annotated[float, typer.Option(
        "--simulate-speed", min=0.01, max=100.0, hidden=True,
        help="With --simulate-camera: play the video this many times faster (soak tests).")
    ] = 1.0,
    simulate_unplug_after: Annotated[float | None, typer.Option(
        "--simulate-unplug-after", min=0.0, hidden=True,
        help="With --simulate-camera: unplug the camera after this many seconds of video "
             "(fault tests).")] = None,
    out_path: OutOpt = None,
    log_path: LogOpt = None,
    report_path: ReportOpt = None,
    log_every: LogEveryOpt = 1,
    no_log: NoLogOpt = False,
    no_window: NoWindowOpt = False,
    mute: Annotated[bool, typer.Option(
        "--mute", help="Do not speak cues (m in the window toggles it).")] = False,
    desk: Annotated[bool | None, typer.Option(
        "--desk/--no-desk", help="Desk mode: a few frames a second while you sit still and "
                                 "upright, full rate on any change (saves CPU all day). "
                                 "Default: on (the profile's desk.enabled).")] = None,
    exercise: ExerciseOpt = None,
    session_dir: SessionDirOpt = None,
    no_record: NoRecordOpt = False,
    keep_video: KeepVideoOpt = False,
    routine: RoutineOpt = None,
    profile: ProfileOpt = None,
    model: ModelOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Coach live from a webcam. Keys in the window: q/Esc stop, c calibrate, m mute,
    p pause, s snooze, e exercise, r routine, n next phase, h help.
    Ctrl-C also stops; the session summary is printed either way."""
    from posecoach.session import Outputs, open_camera_source, run_session

    _logging(verbose)
    settings = _settings(profile, model, **{"camera.device": camera, "camera.width": width,
                                            "camera.height": height, "exercise.mode": exercise,
                                            "desk.enabled": desk,
                                            "routine.name": routine})
    window = _want_window(settings.display.window != "off", no_window)
    if settings.display.window == "on" and not window and not no_window:
        raise PosecoachError("display.window is 'on' but there is no display",
                             "run under a desktop session or set it to auto")
    source = open_camera_source(settings, simulate=simulate_camera,
                                simulate_speed=simulate_speed,
                                simulate_unplug_after_s=simulate_unplug_after)

    def started(info: SourceInfo) -> None:
        err.print(f"posecoach: {info.name} open at {info.width}×{info.height}, "
                  f"{info.fps:.0f} fps" + ("" if window else
                                          " — coaching without a window; press Ctrl-C to stop."))

    speak = settings.voice.enabled and not mute
    scratch = ExitStack()
    log_path = _log_for_report(log_path, report_path, no_log, scratch)
    _check_keep_video(out_path, no_record, keep_video)
    record = scratch.enter_context(_recording(session_dir, no_record))
    out_path = _video_for_record(out_path, record, keep_video)
    with scratch:
        stats = run_session(source, settings, Outputs(video=out_path, log=log_path,
                                                      speak=speak, log_every=log_every,
                                                      record=record, record_frames=not no_log),
                            show_window=window, on_start=started)
        _summary(stats, [("Annotated video", out_path),
                         ("Frame log", None if no_log else log_path),
                         ("Session record", record)])
        _close_record(record, stats)
        _write_report(log_path, report_path)
    if stats.camera_lost:
        raise typer.Exit(3)


@app.command()
def calibrate(
    camera: Annotated[str | None, typer.Option(
        "--camera", help="Camera index, device path or name (as for `live`).")] = None,
    simulate_camera: Annotated[Path | None, typer.Option(
        "--simulate-camera", help="Calibrate from this video, played like a webcam.")] = None,
    seconds: Annotated[float | None, typer.Option(
        "--seconds", min=1.0, max=60.0, help="How long to record your upright posture.")] = None,
    save_to: Annotated[Path | None, typer.Option(
        "--save-to", help="Where to save the baseline (default: this camera's baseline in "
                          "your posecoach config folder, used automatically from then on).")
    ] = None,
    no_window: NoWindowOpt = False,
    profile: ProfileOpt = None,
    model: ModelOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Record your upright posture (sit tall, ~5 s) as the baseline posture is judged against."""
    from posecoach.baseline import baseline_path_for
    from posecoach.session import CalibrationRequest, Outputs, open_camera_source, run_session

    _logging(verbose)
    settings = _settings(profile, model, **{"camera.device": camera,
                                            "posture.calibration_s": seconds})
    window = _want_window(True, no_window)
    source = open_camera_source(settings, simulate=simulate_camera)
    target: dict[str, Path] = {}

    def started(info: SourceInfo) -> None:
        target["path"] = save_to or baseline_path_for(info.name)
        err.print(f"posecoach: sit tall and still, side-on or facing {info.name}; recording "
                  f"{settings.posture.calibration_s:.0f} s of upright posture…")

    request = CalibrationRequest(save_to=save_to, stop_when_done=True)
    stats = run_session(source, settings, Outputs(), show_window=window, calibration=request,
                        on_start=started)
    if not stats.baselines:
        raise PosecoachError("calibration did not finish: nobody stayed in one view long enough",
                             "sit still, side-on or facing the camera, and try again")
    baseline = stats.baselines[-1]
    values = ", ".join(f"{k} {v:.2f}" for k, v in sorted(baseline.metrics.items()))
    out.print(f"Calibrated ({baseline.view} view): {values}")
    out.print(f"Saved to {target.get('path', save_to)}")


@app.command()
def batch(
    inputs: Annotated[list[str], typer.Argument(
        help="Videos: folders (searched recursively), files, glob patterns (quoted) or a CSV "
             "manifest with columns path, exercise, profile, subject (paths relative to it).",
        show_default=False)],
    out_dir: Annotated[Path, typer.Option(
        "--out", help="Output folder: a session record and report per video, batch.csv, "
                      "batch.parquet and overview.html. Finished videos are skipped when run "
                      "again.")],
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="Worker processes (default: one per core).")] = None,
    ray: Annotated[bool, typer.Option(
        "--ray", help="Run on Ray (pip install 'posecoach[cluster]'): a local Ray on this "
                      "machine, or the cluster given by --ray-address.")] = False,
    ray_address: Annotated[str | None, typer.Option(
        "--ray-address", help="A Ray cluster to run on (host:port, ray://host:port or auto); "
                              "implies --ray. The videos must be at the same path on every "
                              "node.")] = None,
    fail_fast: Annotated[bool, typer.Option(
        "--fail-fast", help="Stop at the first video that fails (otherwise its one-line error "
                            "goes in the table and the others go on).")] = False,
    no_report: Annotated[bool, typer.Option(
        "--no-report", help="Write no HTML report per video (the overview still is).")] = False,
    keep_video: KeepVideoOpt = False,
    log_every: LogEveryOpt = 1,
    exercise: ExerciseOpt = None,
    profile: ProfileOpt = None,
    model: ModelOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Analyse many recorded videos as `replay` does, headless, in parallel (local processes
    or Ray): a record and report per video, one table (CSV, Parquet) and an overview page."""
    from posecoach.batch.inputs import collect_jobs
    from posecoach.batch.local import LocalPool, default_workers
    from posecoach.batch.runner import BatchOptions, VideoDone, run_batch
    from posecoach.model import resolve_model

    _logging(verbose)
    jobs = collect_jobs(inputs)
    base = _settings(profile, model, **{"exercise.mode": exercise})
    model_file = resolve_model(base.model.path or None)

    def settings_for(job) -> Settings:
        if job.profile is None and job.exercise is None:
            return base
        return _settings(job.profile or profile, model, **{
            "exercise.mode": job.exercise or exercise})

    count = workers or default_workers()
    if ray or ray_address:
        from posecoach.batch.ray_runner import RayCluster

        backend = RayCluster(ray_address, model_file, num_cpus=count)
    else:
        backend = LocalPool(count, model_file, base)
    options = BatchOptions(out_dir, fail_fast=fail_fast, report=not no_report,
                           keep_video=keep_video, log_every=log_every)
    where = f"Ray {ray_address}" if ray_address else "a local Ray" if ray else (
        f"{count} worker process{'es' if count != 1 else ''}")
    err.print(f"posecoach: {len(jobs)} video{'s' if len(jobs) != 1 else ''} on {where}")
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[seconds]:.0f} s of video"), TimeRemainingColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task("batch", total=len(jobs), seconds=0.0)

        def on_video(event: VideoDone) -> None:
            row = event.row
            if row["status"] == "failed":
                progress.console.print(f"posecoach: {event.job.video.name}: {row['error']}",
                                       markup=False, highlight=False)
            progress.update(task, advance=1,
                            seconds=progress.tasks[0].fields["seconds"] + event.media_s)

        result = run_batch(jobs, options, settings_for, model_file, backend, on_video)
    state = "stopped by you" if result.interrupted else "finished"
    out.print(f"Batch {state}: {result.analysed} analysed, {result.skipped} skipped (done "
              f"before), {result.failed} failed, of {len(jobs)}.")
    out.print(f"Table: {result.table_csv} and {result.table_parquet}")
    out.print(f"Overview: {result.overview}")
    if result.interrupted:
        raise typer.Exit(130)


@app.command()
def report(
    target: Annotated[str, typer.Argument(
        help="A session record (its folder, its name as `posecoach history` lists it, or "
             "`last`), or a frame log written with --log.", show_default=False)],
    out_path: Annotated[Path | None, typer.Option(
        "--out", help="Where to write the report (default: report.html in the record, or "
                      "beside the log).")] = None,
    fmt: Annotated[str, typer.Option(
        "--format", help="html (the page), or csv / json (the session's numbers only).")
    ] = "html",
    session_dir: SessionDirOpt = None,
) -> None:
    """Make a report of a session: a few sentences that say how it went, then the timeline
    with each cue, where the roller or ball was on your spine, its speed and time on each
    spot, pictures of the cue moments (when the video was kept), and every measurement."""
    from posecoach.record.store import find_record, load_record, sessions_root
    from posecoach.record.summary import summarise_rows
    from posecoach.report.data import log_from_rows, read_log_rows
    from posecoach.report.page import FORMATS, write_numbers, write_session_report

    if fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(FORMATS)}",
                                 param_hint="--format")
    suffix = ".html" if fmt == "html" else f".{fmt}"
    path = Path(target)
    if path.suffix == ".jsonl" or path.is_file():
        rows = read_log_rows(path)
        summary = summarise_rows(rows, complete=True, ended="closed")
        log, video, default = log_from_rows(path, rows), None, path.with_suffix(suffix)
    else:
        record = load_record(find_record(target, session_dir or sessions_root()), repair=True)
        summary, video = record.summary, record.video
        log = log_from_rows(record.frames, read_log_rows(record.frames)) if (
            record.frames is not None and fmt == "html") else None
        default = record.folder / ("report.html" if fmt == "html" else f"summary{suffix}")
    target_path = out_path or default
    if fmt == "html":
        written = write_session_report(summary, log, target_path, video=video)
    else:
        written = write_numbers(summary, target_path, fmt)
    out.print(f"Report: {written}")


@app.command()
def history(
    session_dir: SessionDirOpt = None,
    html_path: Annotated[Path | None, typer.Option(
        "--html", help="Where to write the history page (default: history.html beside the "
                       "session records).")] = None,
    export: Annotated[Path | None, typer.Option(
        "--export", help="Also write one CSV line per session here.")] = None,
    keep_days: Annotated[int | None, typer.Option(
        "--keep-days", min=0, help="First delete the session records started more than this "
                                   "many days ago.")] = None,
    days: Annotated[int, typer.Option(
        "--days", min=1, help="How many recent days the terminal table shows.")] = 14,
) -> None:
    """List past sessions and show the trends: daily % upright, minutes of self-massage,
    sessions per week and streaks, here and as an HTML page."""
    from datetime import datetime

    from posecoach.record.store import load_records, prune, sessions_root
    from posecoach.report.history import (
        daily,
        export_csv,
        session_rows,
        streaks,
        weekly,
        write_history_page,
    )

    root = session_dir or sessions_root()
    now = datetime.now()
    if keep_days is not None:
        for folder in prune(root, keep_days, now):
            out.print(f"Deleted {folder.name}")
    rows = session_rows(load_records(root))
    if not rows:
        out.print(f"No session records in {root} yet.")
    else:
        table = Table(title=f"posecoach sessions ({root})")
        for column in ("session", "started", "min", "upright", "self-massage", "cues",
                       "coached"):
            table.add_column(column)
        for r in rows[-20:]:
            pct = r.upright_pct
            table.add_row(r.name, r.started.strftime("%a %d %b %H:%M"),
                          f"{r.duration_s / 60:.1f}", "—" if pct is None else f"{pct:.0f} %",
                          f"{r.massage_s / 60:.1f} min" if r.massage_s else "—", str(r.cues),
                          r.exercises)
        out.print(table)
        trend = Table(title=f"last {days} days")
        for column in ("day", "sessions", "upright", "self-massage"):
            trend.add_column(column)
        for d in daily(rows)[-days:]:
            pct = d.upright_pct
            trend.add_row(d.day.strftime("%a %d %b"), str(d.sessions),
                          "—" if pct is None else f"{pct:.0f} %", f"{d.massage_s / 60:.1f} min")
        out.print(trend)
        current, longest = streaks({r.started.date() for r in rows}, now.date())
        weeks = ", ".join(f"{w}: {n}" for w, n in weekly(rows)[-6:])
        out.print(f"Streak: {current} day{'s' if current != 1 else ''} in a row "
                  f"(longest {longest}). Sessions per week: {weeks}.")
    page = write_history_page(rows, html_path or root / "history.html", now.date())
    out.print(f"History page: {page}")
    if export is not None:
        out.print(f"CSV: {export_csv(rows, export)}")


def _limit(flag: str, help_text: str) -> object:
    return typer.Option(flag, min=0.0, help=help_text + " Exit 1 if not met.",
                        rich_help_panel="Gate")


@app.command(name="eval")
def evaluate(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Truth files (*.truth.json, *.truth.json.gz) or folders to search; "
             "default: samples/.", show_default=False)] = None,
    split: Annotated[str | None, typer.Option(
        "--split", help="Only samples of this split: dev, val or test.")] = None,
    json_path: Annotated[Path | None, typer.Option(
        "--json", help="Also write every score (per clip, group, factor, cue) as JSON here.")
    ] = None,
    clips: Annotated[bool, typer.Option(
        "--clips", help="Also print a table with one row per clip.")] = False,
    gate: Annotated[bool, typer.Option(
        "--gate", help="Apply every coaching target: recall ≥ 0.95, false alarms ≤ 5 %, "
                       "onset ≤ 1.5 s, clear ≤ 2 s, roller ≤ 3 cm (p90 ≤ 6), ball ≤ 1.5 cm, "
                       "coverage ≥ 90 % (the flags below override single ones).",
        rich_help_panel="Gate")] = False,
    min_recall: Annotated[float | None, _limit(
        "--min-recall", "Least share of faults answered within 3 s, per coach.")] = None,
    max_false_alarm_rate: Annotated[float | None, _limit(
        "--max-false-alarm-rate", "Largest share of no-fault stretches with a corrective cue, "
                                  "per coach.")] = None,
    max_onset_s: Annotated[float | None, _limit(
        "--max-onset-s", "Largest median onset (s), per coach.")] = None,
    max_clear_s: Annotated[float | None, _limit(
        "--max-clear-s", "Largest time (s) a cue may stay after its fault is corrected, "
                         "per coach.")] = None,
    max_roller_error_cm: Annotated[float | None, _limit(
        "--max-roller-error-cm", "Largest median roller error along the spine (cm).")] = None,
    max_roller_error_p90_cm: Annotated[float | None, _limit(
        "--max-roller-error-p90-cm", "Largest 90th-percentile roller error (cm).")] = None,
    max_ball_error_cm: Annotated[float | None, _limit(
        "--max-ball-error-cm", "Largest median ball centre error (cm).")] = None,
    min_prop_coverage: Annotated[float | None, _limit(
        "--min-prop-coverage", "Least share of frames with the prop visible on the back "
                               "that get a position, per prop.")] = None,
    profile: ProfileOpt = None,
    model: ModelOpt = None,
) -> None:
    """Replay labelled samples and score posecoach against their ground truth: per family,
    per nuisance factor and per cue; exits 1 when a threshold given here fails."""
    from posecoach.evaluation import tables
    from posecoach.evaluation.gate import ISSUE_11, Thresholds, check, failures
    from posecoach.evaluation.runner import (
        ClipDone,
        evaluate_all,
        find_truth_files,
        load_samples,
        write_report,
    )
    from posecoach.evaluation.summary import by_coach, by_cue, by_factor, by_family
    from posecoach.evaluation.truth import SPLITS
    from posecoach.model import models_dir

    if split is not None and split not in SPLITS:
        raise typer.BadParameter(f"{split!r} is not one of {', '.join(SPLITS)}",
                                 param_hint="--split")
    try:
        limits = Thresholds(min_recall, max_false_alarm_rate, max_onset_s, max_clear_s,
                            max_roller_error_cm, max_roller_error_p90_cm, max_ball_error_cm,
                            min_prop_coverage)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if gate:
        limits = limits.filled_from(ISSUE_11)
    settings = _settings(profile, model)
    files = find_truth_files(paths or [models_dir().parent / "samples"])
    truths = load_samples(files, split)
    if not truths:
        where = f" of split {split}" if split else ""
        raise PosecoachError(f"no labelled samples{where} found (*.truth.json[.gz])",
                             "pass a truth file or a folder of samples")

    def progress(done: ClipDone) -> None:
        s = done.score
        faults = sum(f.detected for f in s.faults)
        false = sum(st.false_alarm for st in s.stretches)
        err.print(f"posecoach: [{done.index}/{done.total}] {s.name} ({s.family}): "
                  f"{faults}/{len(s.faults)} faults answered, {false}/{len(s.stretches)} "
                  f"stretches with a false alarm ({done.seconds:.0f} s)", highlight=False)

    missing = [t.video for t in truths if not t.video.is_file()]
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise PosecoachError(f"no video for {len(missing)} samples: {missing[0]}{more}",
                             "regenerate them (samplegen) or pass only the samples you have")
    err.print(f"posecoach: evaluating {len(truths)} samples…")
    scores = evaluate_all(truths, settings, on_clip=progress)
    wide = Console(soft_wrap=True, width=max(160, out.width))
    if clips:
        wide.print(tables.clip_table(scores))
    wide.print(tables.group_table("per family", by_family(scores)))
    wide.print(tables.group_table("per coach (what --gate judges)", by_coach(scores)))
    factors = by_factor(scores)
    if factors:
        wide.print(tables.factor_table(factors))
    wide.print(tables.cue_table(by_cue(scores)))
    checks = check(scores, limits)
    if checks:
        wide.print(tables.gate_table(checks))
    if json_path is not None:
        write_report(scores, json_path, limits, checks)
        out.print(f"Scores: {json_path}")
    failed = failures(checks)
    for failure in failed:
        err.print(f"posecoach: gate failed: {failure.line()}", markup=False, highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command()
def doctor(model: ModelOpt = None) -> None:
    """Check the setup: packages, pose model, cameras, display, audio. Exits 1 if unusable."""
    from posecoach.doctor import Status, run_checks

    checks = run_checks(str(model) if model else None)
    table = Table(title=f"posecoach {__version__} — setup check")
    table.add_column("check")
    table.add_column("status")
    table.add_column("detail", overflow="fold")
    colours = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "bold red"}
    for check in checks:
        table.add_row(check.name, f"[{colours[check.status]}]{check.status.value}[/]",
                      check.detail)
    out.print(table)
    if any(check.status is Status.FAIL for check in checks):
        raise typer.Exit(1)


@app.command()
def version() -> None:
    """Print the version."""
    out.print(f"posecoach {__version__}")


def _stop_on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM (a service manager, `kill`) stops a session as Ctrl-C does: outputs flushed
    and closed, summary printed. Later SIGTERMs are ignored so the cleanup can finish."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def main() -> None:
    """Entry point: runs the app; user errors become one line on stderr and a non-zero exit."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        app()
    except PosecoachError as exc:
        err.print(f"posecoach: error: {exc.one_line()}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("posecoach: stopped.")
        sys.exit(130)
    finally:
        # The work is done and its outputs are closed: a Ctrl-C that lands while the
        # interpreter shuts down has nothing left to stop, and must not turn a finished
        # session's exit status into "killed by SIGINT".
        signal.signal(signal.SIGINT, signal.SIG_IGN)
