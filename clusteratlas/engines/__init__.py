"""Engine plumbing beside :mod:`clusteratlas.engine`: Spark sessions, engine-side reading and
writing of files. Analytics never import this package; the edge (CLI, the Python API's
``backend=`` argument) does, through :mod:`clusteratlas.engine`.

* :mod:`.spark` — a local or cluster SparkSession, Java found or a one-line error;
* :mod:`.files` — Parquet/CSV paths and partitioned Parquet folders read by the engine, and
  Parquet written by the engine (atomically where the target is a local path).
"""
