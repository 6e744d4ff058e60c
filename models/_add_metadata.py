"""Add Tasks-API metadata to the BlazePose models bundled in mediapipe 0.10.21.

This helper is NOT imported by posecoach. ``models/build_model.py`` runs it with
the interpreter of a throwaway virtual environment in which the old
``mediapipe==0.10.21`` wheel is installed, because that wheel is the one that
still ships the raw BlazePose GHUM ``.tflite`` files together with a working
``MetadataWriter``.

The landmark model carries no TFLite metadata, and the Tasks API refuses to
load it ("requires specifying NormalizationOptions metadata"); the detector
carries metadata left over from a face detector ("Full Range Face Detection").
We replace both with our own. For each model we record:

* general info (name, description),
* the image input: RGB with the normalisation each model was trained with,
  the same float range MediaPipe's legacy graphs fed them
  (``pose_detection_cpu.pbtxt``: ``[-1, 1]``; ``pose_landmark_by_roi_cpu.pbtxt``:
  ``[0, 1]``). Getting the detector's range wrong still "works" on large,
  close-up people but loses most detections of smaller ones,
* one plain feature output per output tensor, in the model's own order
  (2 for the detector, 5 for the landmarker).

Usage (inside the old venv)::

    python _add_metadata.py OUT_DIR

It writes ``OUT_DIR/pose_detector.tflite``, ``OUT_DIR/pose_landmarks_detector.tflite``,
``OUT_DIR/LICENSE`` (the licence file from the wheel's dist-info) and prints a
JSON summary on stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path

# Tensor order of each model, checked against the model before writing.
# Each entry: (tensor name inside the .tflite, metadata name, description).
_Outputs = tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class ModelSpec:
    """One model to convert: where it lives in the wheel and how to label it."""

    source: str  # path relative to the installed ``mediapipe`` package
    target: str  # file name inside the .task bundle
    name: str
    description: str
    # Input normalisation, ``(pixel - mean) / std`` with pixels in 0..255.
    norm_mean: float
    norm_std: float
    outputs: _Outputs


SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        source="modules/pose_detection/pose_detection.tflite",
        target="pose_detector.tflite",
        name="pose_detector",
        description=(
            "BlazePose person detector (224x224 RGB input, values in [-1, 1]); "
            "from mediapipe 0.10.21, metadata added by posecoach."
        ),
        norm_mean=127.5,
        norm_std=127.5,
        outputs=(
            ("Identity", "raw_boxes", "Box and keypoint regressors per anchor (1x2254x12)."),
            ("Identity_1", "raw_scores", "Detection logits per anchor (1x2254x1)."),
        ),
    ),
    ModelSpec(
        source="modules/pose_landmark/pose_landmark_full.tflite",
        target="pose_landmarks_detector.tflite",
        name="pose_landmarks_detector",
        description=(
            "BlazePose GHUM 3D landmark model, full variant (256x256 RGB input, "
            "values in [0, 1]); from mediapipe 0.10.21, metadata added by posecoach."
        ),
        norm_mean=0.0,
        norm_std=255.0,
        outputs=(
            ("Identity", "landmarks", "39 landmarks x (x, y, z, visibility, presence) (1x195)."),
            ("Identity_1", "pose_flag", "Score that a pose is present in the crop (1x1)."),
            ("Identity_2", "segmentation", "Person segmentation logits (1x256x256x1)."),
            ("Identity_3", "heatmap", "Landmark heatmaps (1x64x64x39)."),
            ("Identity_4", "world_landmarks", "39 world landmarks x (x, y, z) in metres (1x117)."),
        ),
    ),
)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def add_metadata(model: bytes, spec: ModelSpec) -> bytes:
    """Return ``model`` with Tasks-API metadata for ``spec`` written into it."""
    # Imported here so that ``--help`` works without mediapipe installed.
    from mediapipe.tasks.python.metadata.metadata_writers import (
        metadata_writer,
        writer_utils,
    )

    found = writer_utils.get_output_tensor_names(model)
    expected = [tensor for tensor, _, _ in spec.outputs]
    if list(found) != expected:
        raise SystemExit(
            f"{spec.source}: output tensors are {found}, expected {expected}; "
            "the wheel's model changed, update SPECS"
        )

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(spec.name, spec.description)
    writer.add_image_input(norm_mean=[spec.norm_mean], norm_std=[spec.norm_std])
    for _, name, description in spec.outputs:
        writer.add_feature_output(name=name, description=description)
    content, _json = writer.populate()
    return bytes(content)


def _licence_text() -> tuple[str, str]:
    """Return (file name inside dist-info, text) of the mediapipe licence."""
    dist = importlib_metadata.distribution("mediapipe")
    for entry in dist.files or ():
        parts = Path(str(entry)).parts
        if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1].startswith("LICENSE"):
            text = dist.read_text(parts[1])
            if text:
                return str(entry), text
    raise SystemExit("no LICENSE file found in mediapipe's dist-info")


def main(argv: list[str] | None = None) -> int:
    """Convert both models into ``OUT_DIR`` and print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="directory to write the converted models into")
    args = parser.parse_args(argv)

    import mediapipe

    package_dir = Path(mediapipe.__file__).resolve().parent
    version = importlib_metadata.version("mediapipe")
    out_dir: Path = args.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)

    summary: dict[str, object] = {"mediapipe_version": version, "models": []}
    models: list[dict[str, object]] = []
    for spec in SPECS:
        raw = (package_dir / spec.source).read_bytes()
        converted = add_metadata(raw, spec)
        (out_dir / spec.target).write_bytes(converted)
        models.append(
            {
                "source": f"mediapipe/{spec.source}",
                "source_size": len(raw),
                "source_sha256": _sha256(raw),
                "target": spec.target,
                "norm_mean": spec.norm_mean,
                "norm_std": spec.norm_std,
                "target_size": len(converted),
                "target_sha256": _sha256(converted),
            }
        )
    summary["models"] = models

    licence_name, licence = _licence_text()
    (out_dir / "LICENSE").write_text(licence, encoding="utf-8")
    summary["licence_file"] = licence_name

    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
