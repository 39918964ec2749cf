"""Dies half-way through writing a checkpoint, as a training killed by the OOM killer
or a Slurm time limit does: `KILL_IN=checkpoint.pth KILL_AT=2 python test/kill_in_save.py
ARGS` runs `python -m fama_espnet.bin.train ARGS` and, on the KILL_AT-th file whose name
starts with KILL_IN, writes its first records and half of the next one, syncs them to
disk and SIGKILLs its own process. `tear(..., die=...)` installs the same writer in
this process with another way to die (an exception), for in-process tests."""
import io
import os
import signal
import sys
from pathlib import Path

import torch
import torch.serialization as ser

# Bytes written whole before the torn record: past the zip header, into the tensor data.
INTACT = 4096


def sigkill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def tear(prefix: str, nth: int) -> None:
    """Replace torch's file writer (the one `torch.save(obj, path)` opens) by one that
    tears the `nth` file whose name starts with `prefix`."""
    seen = [0]

    class TornFile(io.FileIO):
        written = 0

        def write(self, data):
            data = bytes(data)
            if self.written + len(data) < INTACT:
                self.written += len(data)
                return super().write(data)
            super().write(data[: max(1, len(data) // 2)])
            os.fsync(self.fileno())
            sigkill()

    class Writer(ser._open_zipfile_writer_file):
        def __init__(self, name: str) -> None:
            if Path(name).name.startswith(prefix):
                seen[0] += 1
                if seen[0] == nth:
                    # torch's own route for names it cannot open in C++: a Python stream.
                    self.name, self.file_stream = name, TornFile(name, "w")
                    ser._opener.__init__(self, torch._C.PyTorchFileWriter(
                        self.file_stream, ser.get_crc32_options(), ser._get_storage_alignment()))
                    return
            super().__init__(name)

    ser._open_zipfile_writer_file = Writer


if __name__ == "__main__":
    tear(os.environ["KILL_IN"], int(os.environ["KILL_AT"]))
    from fama_espnet.bin.train import main

    main(sys.argv[1:])
