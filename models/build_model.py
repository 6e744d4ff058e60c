"""Rebuild ``models/pose_landmarker_full.task`` from the mediapipe 0.10.21 wheel.

The current ``mediapipe`` wheel only offers the Tasks API and ships no pose
model. The older ``mediapipe==0.10.21`` wheel still bundles the BlazePose GHUM
models as bare ``.tflite`` files. This script:

1. creates a throwaway virtual environment in a temporary directory and
   pip-installs ``mediapipe==0.10.21`` into it (the project's own venv is not
   touched);
2. runs ``models/_add_metadata.py`` with that venv's interpreter, which adds
   the metadata the Tasks API needs (image input normalisation, one feature
   output per tensor) to ``pose_detection.tflite`` and
   ``pose_landmark_full.tflite``;
3. packs the two results, uncompressed and 4-byte aligned, with fixed
   timestamps and permissions, as ``pose_detector.tflite`` and
   ``pose_landmarks_detector.tflite`` into ``pose_landmarker_full.task``;
4. writes ``pose_landmarker_full.task.sha256`` and ``LICENSE`` (the licence
   file from the wheel's dist-info) next to it.

Run it with any Python 3.11 (the wheel is cp311)::

    python3.11 models/build_model.py

Only the Python standard library is needed to run this script itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
HELPER = HERE / "_add_metadata.py"

DEFAULT_MEDIAPIPE = "0.10.21"
TASK_NAME = "pose_landmarker_full.task"
# Order inside the bundle: detector first, then the landmark model.
BUNDLE_MEMBERS: tuple[str, ...] = ("pose_detector.tflite", "pose_landmarks_detector.tflite")

# Fixed metadata for every zip entry so that the bytes only depend on the models.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)  # earliest timestamp a zip can hold
ZIP_MODE = 0o100644  # regular file, rw-r--r--
ALIGNMENT = 4  # data offsets aligned like mediapipe's own bundle writer
_LOCAL_HEADER_SIZE = 30
_ALIGN_EXTRA_ID = 0xD935  # the extra-field id Android's zipalign uses for padding


def sha256_hex(data: bytes) -> str:
    """Return the hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _padding_extra(offset: int, name: str) -> bytes:
    """Return an extra field that aligns the member data starting at ``offset``.

    ``offset`` is where the member's local header will be written. The field
    is a well-formed (id, size, zeros) record of at least 4 bytes.
    """
    data_start = offset + _LOCAL_HEADER_SIZE + len(name.encode("utf-8")) + 4
    pad = (-data_start) % ALIGNMENT
    return struct.pack("<HH", _ALIGN_EXTRA_ID, pad) + b"\x00" * pad


def write_bundle(members: dict[str, bytes], out_path: Path) -> None:
    """Write ``members`` (name -> bytes, in order) as a stored, aligned zip."""
    tmp_path = out_path.with_name(out_path.name + ".tmp")
    with tmp_path.open("wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as bundle:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, so external_attr means a file mode
            info.external_attr = ZIP_MODE << 16
            info.extra = _padding_extra(raw.tell(), name)
            bundle.writestr(info, data)
    _check_bundle(tmp_path, members)
    tmp_path.replace(out_path)


def _check_bundle(path: Path, members: dict[str, bytes]) -> None:
    """Re-read the bundle and make sure it holds exactly ``members``, aligned."""
    blob = path.read_bytes()
    with zipfile.ZipFile(path) as bundle:
        infos = bundle.infolist()
        if [info.filename for info in infos] != list(members):
            raise RuntimeError(f"unexpected members in {path}: {bundle.namelist()}")
        for info in infos:
            if info.compress_type != zipfile.ZIP_STORED:
                raise RuntimeError(f"{info.filename} is compressed")
            name_len, extra_len = struct.unpack_from("<HH", blob, info.header_offset + 26)
            start = info.header_offset + _LOCAL_HEADER_SIZE + name_len + extra_len
            if start % ALIGNMENT:
                raise RuntimeError(f"{info.filename} data at {start} is not aligned")
            if blob[start : start + info.file_size] != members[info.filename]:
                raise RuntimeError(f"{info.filename} does not round-trip")


def _venv_python(env_dir: Path) -> Path:
    scripts = "Scripts" if sys.platform == "win32" else "bin"
    exe = "python.exe" if sys.platform == "win32" else "python"
    return env_dir / scripts / exe


def convert_in_throwaway_venv(
    mediapipe_version: str, work_dir: Path, pip_args: list[str]
) -> dict[str, object]:
    """Install the old mediapipe into a venv under ``work_dir`` and convert.

    Returns the helper's JSON summary; the converted models and the licence
    are left in ``work_dir / "out"``.
    """
    env_dir = work_dir / "venv"
    print(f"[build_model] creating venv in {env_dir}", file=sys.stderr)
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = _venv_python(env_dir)
    print(f"[build_model] installing mediapipe=={mediapipe_version}", file=sys.stderr)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"mediapipe=={mediapipe_version}",
            *pip_args,
        ],
        check=True,
    )
    print("[build_model] adding metadata", file=sys.stderr)
    result = subprocess.run(
        [str(python), str(HELPER), str(work_dir / "out")],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


def build(out_dir: Path, mediapipe_version: str, pip_args: list[str], keep: bool) -> Path:
    """Build the ``.task`` bundle, its ``.sha256`` file and ``LICENSE`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.TemporaryDirectory(prefix="posecoach-model-")
    work_dir = Path(tmp.name)
    try:
        summary = convert_in_throwaway_venv(mediapipe_version, work_dir, pip_args)
        converted = work_dir / "out"
        members = {name: (converted / name).read_bytes() for name in BUNDLE_MEMBERS}
        task_path = out_dir / TASK_NAME
        write_bundle(members, task_path)
        digest = sha256_hex(task_path.read_bytes())
        (out_dir / f"{TASK_NAME}.sha256").write_text(f"{digest}  {TASK_NAME}\n", encoding="ascii")
        (out_dir / "LICENSE").write_bytes((converted / "LICENSE").read_bytes())
        summary["task"] = {
            "path": str(task_path),
            "size": task_path.stat().st_size,
            "sha256": digest,
        }
        print(json.dumps(summary, indent=2))
        return task_path
    finally:
        if keep:
            print(f"[build_model] kept {work_dir}", file=sys.stderr)
        else:
            tmp.cleanup()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="Rebuild models/pose_landmarker_full.task from the mediapipe "
        f"{DEFAULT_MEDIAPIPE} wheel (needs Python 3.11 and access to PyPI).",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=HERE,
        help="where to write the .task, .sha256 and LICENSE (default: %(default)s)",
    )
    parser.add_argument(
        "--mediapipe-version",
        default=DEFAULT_MEDIAPIPE,
        help="old mediapipe release to take the models from (default: %(default)s)",
    )
    parser.add_argument(
        "--pip-arg",
        action="append",
        default=[],
        dest="pip_args",
        metavar="ARG",
        help="extra argument for pip install in the throwaway venv (repeatable)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary venv and intermediate files",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    if sys.version_info[:2] != (3, 11):
        print(
            "[build_model] warning: mediapipe 0.10.21 is installed from a cp311 wheel; "
            f"this is Python {sys.version_info[0]}.{sys.version_info[1]}",
            file=sys.stderr,
        )
    build(args.out_dir, args.mediapipe_version, args.pip_args, args.keep)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
