"""Serve the fake API for other processes: prints the base URL, then serves until killed."""
import argparse
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fake_openai import FakeOpenAI  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--compression", default="auto", help="auto, none, gzip, deflate, br or zstd")
    ap.add_argument("--mode", default="ok")
    args = ap.parse_args()
    api = FakeOpenAI(port=args.port)
    api.set(compression=None if args.compression == "none" else args.compression, mode=args.mode)
    print(api.base_url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    api.close()


if __name__ == "__main__":
    main()
