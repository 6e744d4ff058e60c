from __future__ import annotations

from posecoach.cli import main

if __name__ == "__main__":
    main()
