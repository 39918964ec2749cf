"""The problem report every data stage that meets bad input writes (format_data,
fairseq_tsv, filter_data): utterances grouped by problem, with a detail each; a
problem drops the utterance, converts it, or is of a kind a stage adds (noted).
One format, so one reader (`ProblemLog.read`) serves every report.
"""
import re
from pathlib import Path
from typing import Dict, Sequence, Set, Tuple

from fama_espnet.files import write_text

DROPPED, CONVERTED = "dropped", "converted"


class ProblemLog:
    """Utterance ids per problem, with a detail each, and the report written from them.
    `problems` maps each problem, in report order, to (its kind, what it means)."""

    def __init__(self, problems: Dict[str, Tuple[str, str]]):
        self.problems = problems
        self.found: Dict[str, Dict[str, str]] = {name: {} for name in problems}

    def add(self, name: str, utt: str, detail: str = "") -> None:
        self.found[name].setdefault(utt, detail)

    def ids(self, kind: str) -> Set[str]:
        return {u for name, utts in self.found.items() if self.problems[name][0] == kind for u in utts}

    def counts(self, kind: str) -> str:
        parts = [f"{n} {len(u)}" for n, u in self.found.items() if u and self.problems[n][0] == kind]
        return ", ".join(parts)

    def write(self, path: Path, header: Sequence[str], n_input: int, kept: Set[str]) -> None:
        converts = any(kind == CONVERTED for kind, _ in self.problems.values())
        lines = list(header) + [
            "",
            f"utterances in input: {n_input}",
            f"kept:                {len(kept)}"
            + (f" (converted: {len(self.ids(CONVERTED) & kept)})" if converts else ""),
            f"dropped:             {n_input - len(kept)}",
        ]
        for name, utts in self.found.items():
            if not utts:
                continue
            kind, meaning = self.problems[name]
            lines += ["", f"== {kind}: {name} ({len(utts)}) -- {meaning}"]
            lines += [f"{u}\t{d}".rstrip() for u, d in sorted(utts.items())]
        if not any(self.found.values()):
            lines += ["", "no problems found"]
        write_text(path, "\n".join(lines) + "\n")

    @staticmethod
    def read(path: Path) -> Dict[str, Dict[str, str]]:
        """A written report back as {problem: {utterance (or manifest:line): detail}};
        a section whose rows disagree with its count (a cut file) is an error."""
        sections: Dict[str, Dict[str, str]] = {}
        current, count = None, 0
        for line in Path(path).read_text(encoding="utf-8").splitlines() + [""]:
            head = re.match(r"== \w+: (\w+) \((\d+)\)", line)
            if head:
                current, count = sections.setdefault(head.group(1), {}), int(head.group(2))
            elif current is not None and line:
                key, _, detail = line.partition("\t")
                current[key] = detail
            elif current is not None:
                if len(current) != count:
                    raise ValueError(f"{path}: a section lists {len(current)} rows, its header says {count}")
                current = None
        return sections
