"""ESPnet's trainer for FAMA models: `python -m fama_espnet.bin.train --config conf/... ...`.

Takes every option of ESPnet's trainer (--ngpu, --multiprocessing_distributed,
--resume, --init_param, ...); FAMA's components are registered on import.
"""
import sys
from typing import Optional, Sequence

from fama_espnet.task import FamaTask


def main(argv: Optional[Sequence[str]] = None) -> int:
    FamaTask.main(cmd=argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
