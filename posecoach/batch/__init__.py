"""Batch analysis of many recordings (``posecoach batch``): every video through the same
pipeline as ``replay``, headless, on a local process pool or on a Ray cluster; a session record
and report per video, one table (CSV and Parquet) and an HTML overview of the cohort.

Modules: :mod:`~posecoach.batch.inputs` (which videos, with what settings),
:mod:`~posecoach.batch.worker` (one video), :mod:`~posecoach.batch.store` (the output folder,
resuming), :mod:`~posecoach.batch.local` and :mod:`~posecoach.batch.ray_runner` (where the work
runs), :mod:`~posecoach.batch.aggregate` (the table), :mod:`~posecoach.batch.overview` (the
page).
"""
