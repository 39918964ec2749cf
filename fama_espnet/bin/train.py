"""ESPnet's trainer for FAMA models: `python -m fama_espnet.bin.train --config conf/... ...`.

Takes every option of ESPnet's trainer (--ngpu, --multiprocessing_distributed,
--resume, --init_param, ...); FAMA's components are registered on import.
"""
from typing import Optional, Sequence

from fama_espnet.task import FamaTask


def main(cmd: Optional[Sequence[str]] = None) -> None:
    FamaTask.main(cmd=cmd)


if __name__ == "__main__":
    main()
