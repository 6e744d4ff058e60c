"""Wiring a session from settings: sources, model, pipeline stages, overlay and sinks.

The CLI calls these; tests and the benchmark call them too, so every entry point runs the same
code path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from posecoach.ahead import (
    MIN_FRAMES,
    SHARE,
    SHARE_WITH_VIDEO,
    PosesAhead,
    PosesBeside,
    split_frame,
)
from posecoach.baseline import PostureBaseline, baseline_path_for, load_baseline, save_baseline
from posecoach.config import Settings
from posecoach.controls import ControlsStage
from posecoach.desk import DeskMode
from posecoach.estimator import PoseEstimator
from posecoach.exercises.ball import BallAnalyzer
from posecoach.exercises.posture import PostureAnalyzer
from posecoach.exercises.roller import RollerAnalyzer
from posecoach.gestures import GestureStage
from posecoach.guidance import GuidanceStage
from posecoach.model import ModelFile, resolve_model
from posecoach.overlay import Annotator, CueAnnotator, HudAnnotator, SkeletonAnnotator
from posecoach.overlay.ball import BallAnnotator
from posecoach.overlay.gesture import GestureAnnotator
from posecoach.overlay.help import HelpAnnotator
from posecoach.overlay.posture import PostureAnnotator
from posecoach.overlay.roller import RollerAnnotator
from posecoach.overlay.routine import RoutineAnnotator
from posecoach.overlay.safety import SafetyNoteAnnotator
from posecoach.picture import PictureStage
from posecoach.pipeline import LatencyMeter, Pipeline, SessionStats, Stage
from posecoach.props.ball import BallTracker
from posecoach.props.roller import RollerTracker
from posecoach.routine import RoutineStage
from posecoach.safety import SafetyNoteStage, default_marker_path
from posecoach.scale import TrunkRuler, scale_totals
from posecoach.selector import Exercise, ExerciseSelector
from posecoach.sink_workers import ProcessSinkWorker, ThreadSinkWorker
from posecoach.sinks import JsonlSink, VideoFileSink, WindowSink
from posecoach.sinks.base import Sink
from posecoach.smoothing import OneEuroFilter, PoseSmoother
from posecoach.sources import (
    CameraSource,
    FrameSource,
    ImageFolderSource,
    OpenCvCamera,
    PacedFileCamera,
    SourceInfo,
    VideoFileSource,
    paced,
)
from posecoach.stages import (
    BallStage,
    CoachStage,
    ExerciseStage,
    PostureStage,
    RollerStage,
    SceneStage,
)
from posecoach.tracking import PersonSelector
from posecoach.types import Frame, FrameResult
from posecoach.voice import make_voice_sink

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outputs:
    """What a session writes. Nothing is written unless asked (private by default).

    Attributes:
        video: annotated video file, or None.
        log: per-frame JSONL log, or None.
        log_every: write one log row per this many frames (and each frame whose cue changes).
        speak: say each cue aloud when it appears.
        record: the session record folder (frame log + summary.json, see
            :mod:`posecoach.record`), or None.
        record_frames: keep the frame log in the record (False: the summary only).
    """

    video: Path | None = None
    log: Path | None = None
    speak: bool = False
    log_every: int = 1
    record: Path | None = None
    record_frames: bool = True


def open_replay_source(path: Path, fps: float = 30.0) -> FrameSource:
    """A video file, or a folder of images played at ``fps``."""
    return ImageFolderSource(path, fps=fps) if path.is_dir() else VideoFileSource(path)


def open_camera_source(settings: Settings, simulate: Path | None = None,
                       simulate_speed: float = 1.0,
                       simulate_unplug_after_s: float | None = None) -> CameraSource:
    """The live camera from settings, or a video paced like a camera when ``simulate`` is set
    (played ``simulate_speed`` times faster, and unplugged after ``simulate_unplug_after_s``
    seconds of video if given)."""
    camera = settings.camera
    grabber = (PacedFileCamera(simulate, simulate_speed, unplug_after_s=simulate_unplug_after_s)
               if simulate is not None
               else OpenCvCamera(camera.device, camera.width, camera.height, camera.fps))
    return CameraSource(grabber, reconnect_timeout_s=camera.reconnect_timeout_s)


def build_annotators(settings: Settings) -> list[Annotator]:
    annotators: list[Annotator] = []
    if settings.display.skeleton:
        annotators.append(SkeletonAnnotator())
    annotators.append(PostureAnnotator())
    annotators.append(RollerAnnotator())
    annotators.append(BallAnnotator())
    annotators.append(CueAnnotator())
    annotators.append(SafetyNoteAnnotator())
    if settings.gestures.enabled:
        annotators.append(GestureAnnotator())
    if settings.display.hud:
        annotators.append(HudAnnotator())
    annotators.append(RoutineAnnotator())
    annotators.append(HelpAnnotator(gestures=settings.gestures.enabled))
    return annotators


def load_posture_baseline(settings: Settings, source_name: str) -> PostureBaseline | None:
    """The baseline named in settings, else the one saved for this camera, else None."""
    if settings.posture.baseline:
        return load_baseline(Path(settings.posture.baseline).expanduser())
    saved = baseline_path_for(source_name)
    return load_baseline(saved) if saved.exists() else None


def build_stages(settings: Settings, source_name: str = "",
                 baseline: PostureBaseline | None = None,
                 on_calibrated: Callable[[PostureBaseline], None] | None = None) -> list[Stage]:
    """Scene checks, the prop search and exercise selector, the analyzers and the coach, in
    order. ``exercise.mode`` other than ``auto`` forces one exercise."""
    posture = PostureAnalyzer(settings.posture, baseline=baseline, on_calibrated=on_calibrated,
                              source_name=source_name)
    mode = settings.exercise.mode
    forced = None if mode == "auto" else Exercise(mode)
    stages: list[Stage] = [
        SceneStage(),
        ExerciseStage(RollerTracker() if mode in ("auto", "roller") else None,
                      BallTracker() if mode in ("auto", "ball") else None,
                      ExerciseSelector(forced)),
    ]
    # One ruler for the session: the trunk length the ball measures serves the roller too.
    ruler = TrunkRuler(settings.user_shoulder_hip_cm)
    if mode in ("auto", "roller"):
        stages.append(RollerStage(RollerAnalyzer(ruler=ruler)))
    if mode in ("auto", "ball"):
        stages.append(BallStage(BallAnalyzer(ruler=ruler)))
    if mode in ("auto", "posture"):
        stages.append(PostureStage(posture))
    stages.append(GuidanceStage())  # set-up guidance (information cues) for the coach
    coach = CoachStage(settings.coach)
    stages.append(coach)
    routine = RoutineStage(settings.routine.name or None, settings.routine,
                           is_paused=lambda: coach.paused)
    if settings.gestures.enabled:
        stages.append(gesture_stage(coach, routine))
    stages.append(routine)
    exercise = next(s for s in stages if isinstance(s, ExerciseStage))
    modes = tuple(m for m in (Exercise.POSTURE, Exercise.ROLLER, Exercise.BALL)
                  if mode in ("auto", m.value))
    stages.append(ControlsStage(coach, exercise if mode == "auto" else None, modes))
    return stages


def desk_mode(settings: Settings, info: SourceInfo) -> DeskMode | None:
    """Desk mode for a live posture session (see :mod:`posecoach.desk`), else None."""
    desk = settings.desk
    if not (desk.enabled and info.live and settings.exercise.mode in ("auto", "posture")):
        return None
    return DeskMode(desk.still_fps, desk.settle_s)


def gesture_stage(coach: CoachStage, routine: RoutineStage | None = None) -> GestureStage:
    """Gestures wired to the coach: both hands up pause or resume it; a hand on the head ends
    the set: in a routine, its phase; otherwise coaching pauses until both hands go up (or
    ``p``)."""
    def toggle(t: float) -> None:
        coach.paused = not coach.paused

    def end_set(t: float) -> None:
        if routine is not None and routine.active:
            routine.skip()
        else:
            coach.paused = True

    return GestureStage(on_pause=toggle, on_end_set=end_set)


def build_pipeline(settings: Settings, estimator: PoseEstimator,
                   stages: list[Stage] | None = None) -> Pipeline:
    smoothing = settings.smoothing
    smoother = PoseSmoother(
        OneEuroFilter(smoothing.min_cutoff_hz, smoothing.beta, smoothing.derivative_cutoff_hz),
        reset_after_s=smoothing.reset_after_s,
    )
    return Pipeline(estimator, smoother, PersonSelector(),
                    build_stages(settings) if stages is None else stages,
                    build_annotators(settings))


@dataclass(frozen=True)
class CalibrationRequest:
    """Record the upright baseline at the start of a session.

    Attributes:
        save_to: where to save it (None: use it for this session only).
        stop_when_done: end the session once it is recorded (``posecoach calibrate``), or
            when it could not be recorded within ``patience_s`` more seconds.
    """

    save_to: Path | None = None
    stop_when_done: bool = False
    patience_s: float = 20.0


def run_session(source: FrameSource, settings: Settings, outputs: Outputs,
                show_window: bool, pace: bool = False, model: ModelFile | None = None,
                calibration: CalibrationRequest | None = None, save_calibrations: bool = True,
                parallel: bool = True,
                on_start: Callable[[SourceInfo], None] | None = None,
                on_result: Callable[[FrameResult], None] | None = None,
                latency: LatencyMeter | None = None,
                estimator: PoseEstimator | None = None) -> SessionStats:
    """Open everything, run the pipeline over ``source``, close everything (flushing outputs).

    Args:
        calibration: calibrate at the start (see :class:`CalibrationRequest`).
        save_calibrations: save baselines recorded during the session (the ``c`` key) as this
            camera's baseline; replays of recorded videos do not.
        parallel: for a long video replayed as fast as possible, estimate the poses of its
            second part in a worker process (:mod:`posecoach.ahead`).
        on_start: called once the source is open (its size and frame count known).
        on_result: called after every frame.
        latency: records each live frame's capture → screen time (benchmarks).
        estimator: an open estimator to use (the caller restarts and closes it; batch workers
            keep one per process), instead of opening one from ``model``.

    Raises:
        PosecoachError: the model, the source or an output cannot be opened.
    """
    model = model or resolve_model(settings.model.path or None)
    with ExitStack() as stack:
        if estimator is None and isinstance(source, CameraSource):
            # The model first: a camera opened earlier would drop the frames it takes while
            # the model loads.
            estimator = stack.enter_context(PoseEstimator(model, settings.model))
        stack.enter_context(source)
        info = source.info
        # For a file, the child processes start before the model loads here: their start-up
        # (imports, model, ~1 s each) overlaps this process's own instead of the video's.
        ahead = None
        if (parallel and not pace and isinstance(source, VideoFileSource)
                and (info.frame_count or 0) >= MIN_FRAMES):
            ahead = stack.enter_context(PosesAhead(
                source.path, model, settings.model,
                split_frame(info.frame_count or 0,
                            SHARE_WITH_VIDEO if outputs.video is not None else SHARE),
                warmup_frames=int(round(info.fps))))
        sinks: list[Sink] = []
        if outputs.video is not None:
            sinks.append(VideoFileSink(outputs.video, info.fps, (info.width, info.height)))
        if outputs.speak:
            voice = make_voice_sink(settings.voice, settings.coach)
            if voice is not None:
                sinks.append(voice)
        sink_worker = None
        if outputs.video is not None:
            # Drawing and encoding a video go to their own process (see sink_workers).
            sink_worker = ProcessSinkWorker(sinks, build_annotators(settings),
                                            (info.height, info.width, 3))
            sink_worker.start()
            stack.callback(sink_worker.shutdown)  # if the session fails before it runs
        if estimator is None:
            estimator = stack.enter_context(PoseEstimator(model, settings.model))
        if on_start is not None:
            on_start(info)
        log_writer = None
        log_sinks: list[Sink] = []
        if outputs.log is not None:
            log_sinks.append(JsonlSink(outputs.log, every=outputs.log_every))
        if outputs.record is not None:
            log_sinks.append(_record_sink(outputs, info, settings, model))
        if log_sinks:
            # The log is written from this process (on a thread), never by the video's sink
            # process: if that process dies, the log still holds every frame analysed.
            log_writer = stack.enter_context(ThreadSinkWorker(log_sinks, annotators=[]))
        window = stack.enter_context(WindowSink()) if show_window else None
        recorded: list[PostureBaseline] = []

        def calibrated(baseline: PostureBaseline) -> None:
            recorded.append(baseline)
            target = calibration.save_to if calibration is not None else None
            if target is None and save_calibrations:
                target = baseline_path_for(info.name)
            if target is not None:
                save_baseline(baseline, target)

        baseline = None if calibration else load_posture_baseline(settings, info.name)
        stages = build_stages(settings, info.name, baseline, on_calibrated=calibrated)
        if info.live:
            stages.append(PictureStage())  # black (shutter) or frozen camera pictures
            # Once per user, before the first roller or ball session (replays are reviews).
            stages.append(SafetyNoteStage(default_marker_path()))
        posture = next((s for s in stages if isinstance(s, PostureStage)), None)
        if calibration is not None and posture is not None:
            posture.analyzer.calibrate_on_next_person()
        desk = desk_mode(settings, info)
        if desk is not None:
            stages.append(desk)  # last: it reads the finished result
        pipeline = build_pipeline(settings, estimator, stages)
        pipeline.latency = latency
        frames: Iterable[Frame] = paced(source) if pace else source
        if desk is not None:
            frames = desk.frames(frames)
        stop = None
        if calibration is not None and calibration.stop_when_done:
            give_up_s = settings.posture.calibration_s + calibration.patience_s
            stop = _StopAfterCalibration(recorded, give_up_s)
        if log_writer is not None:
            on_result = _also_logged(log_writer, on_result)
        poses_for = ahead
        if not pace and not info.live:
            # A file as fast as it goes: poses on a thread, overlapping the analysis.
            split = ahead.split if ahead is not None else None
            beside = stack.enter_context(PosesBeside(
                frames, estimator, skip=None if split is None else lambda f: f.index >= split))
            frames = beside.frames()
            poses_for = beside if ahead is None else _either(ahead, beside)
        stats = pipeline.run(frames, sinks, window=window, on_result=on_result, stop_when=stop,
                             poses_for=poses_for, sink_worker=sink_worker)
        if stats.source_error is None:
            stats.source_error = getattr(source, "error", None)
        for stage in stages:
            if isinstance(stage, CoachStage):
                stats.totals.update(stage.summary())
            if isinstance(stage, (BallStage, RollerStage)):  # one ruler: the same totals
                stats.totals.update(scale_totals(stage.analyzer.ruler.scale))
            if isinstance(stage, RoutineStage):
                stats.totals.update(stage.finish())
        stats.baselines.extend(recorded)
        return stats


def _record_sink(outputs: Outputs, info: SourceInfo, settings: Settings,
                 model: ModelFile) -> Sink:
    from datetime import datetime

    from posecoach.record.sink import RecordSink, record_meta

    assert outputs.record is not None
    video = outputs.video
    name = None if video is None else (
        video.name if video.parent.resolve() == outputs.record.resolve() else str(video.resolve()))
    meta = record_meta(datetime.now(), info, settings, model, name, outputs.log_every)
    # With --log the record points at that log rather than writing the same rows twice.
    shared = outputs.log if outputs.record_frames else None
    meta["frames_log"] = str(shared.resolve()) if shared is not None else None
    return RecordSink(outputs.record, meta, every=outputs.log_every,
                      keep_frames=outputs.record_frames and shared is None)


def _also_logged(writer: ThreadSinkWorker,
                 then: Callable[[FrameResult], None] | None) -> Callable[[FrameResult], None]:
    def on_result(result: FrameResult) -> None:
        writer.submit(None, result, annotated=True)  # type: ignore[arg-type]  # log: no image
        if then is not None:
            then(result)
    return on_result


def _either(first: Callable[[Frame], tuple | None], second: Callable[[Frame], tuple | None]
            ) -> Callable[[Frame], tuple | None]:
    """Poses from ``first`` (the other process), else from ``second`` (the thread)."""
    def poses_for(frame: Frame) -> tuple | None:
        found = first(frame)
        return found if found is not None else second(frame)

    return poses_for


class _StopAfterCalibration:
    """Ends a calibration session once a baseline is recorded, or after ``give_up_s``."""

    def __init__(self, recorded: list[PostureBaseline], give_up_s: float) -> None:
        self.recorded = recorded
        self.give_up_s = give_up_s
        self.first_t: float | None = None

    def __call__(self, result: FrameResult) -> bool:
        if self.first_t is None:
            self.first_t = result.t
        return bool(self.recorded) or result.t - self.first_t > self.give_up_s
