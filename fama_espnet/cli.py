"""What every `python -m fama_espnet.bin.<x>` shares.

Each has `main(argv: Optional[Sequence[str]] = None) -> int`, 0 when done, and ends with
`sys.exit(main())`. A user's error (input it cannot use, an output made from other
inputs) is `<prog>: error: <message>` on stderr and a non-zero status, not a traceback:
the recipes show stderr in their logs and branch on the status. No bin module imports
another; what two of them share lives in the library, here when it is about the command
line itself.
"""
import argparse
import sys


def str2bool(value: str) -> bool:
    """argparse type of the `true|false` options the recipes pass."""
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def fail(prog: str, message: object, status: int = 1) -> int:
    """Reports a user's error as `<prog>: error: <message>` on stderr; returns `status`,
    for main to return."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    return status
