"""The peer of scripts/bench-data.ts: pandas.read_csv of FILE, then windows of lookback 168 over every column with
numpy's sliding_window_view (a view: no window is copied, as in seqtune), and the peak RSS of the process.
Prints one JSON line. Run with Debian's /usr/bin/python3 (python3-pandas)."""

import json
import resource
import sys
import time

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

LOOKBACK = 168


def main(path: str) -> None:
    t0 = time.perf_counter()
    df = pd.read_csv(path)
    t1 = time.perf_counter()
    values = df.to_numpy(dtype=np.float32)
    windows = sliding_window_view(values, LOOKBACK, axis=0)  # (rows - 167, 20, 168)
    first = float(windows[0, 0, 0]) + float(windows[-1, -1, -1])  # touch both ends
    t2 = time.perf_counter()
    print(
        json.dumps(
            {
                "peer": "pandas + numpy",
                "rows": int(len(df)),
                "read_s": t1 - t0,
                "window_s": t2 - t1,
                "windows": int(windows.shape[0]),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "check": first,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
