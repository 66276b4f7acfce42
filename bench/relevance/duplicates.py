"""The near-duplicate rule of `POST /v1/claims` measured: conflicts among distinct claims of
Check-COVID and HealthFC, and paraphrases caught.

    .venv/bin/python -m bench.relevance.duplicates            # figures
    .venv/bin/python -m bench.relevance.duplicates --pairs    # and every conflicting pair

A conflict is a pair of distinct claims of one file that the rule (app/semantic/similar.py)
calls the same claim, in either order. Distinct: texts that still differ after folding case,
whitespace and punctuation (everything but letters and digits); the texts this folding merges
are listed with ``--pairs``. Paraphrases are the pairs of ``paraphrases.yaml``: ``tuning`` (the
rule was designed with them) and ``held_out`` (not looked at while designing it).
"""

import argparse
import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from app.semantic import service as semantic_service
from app.semantic import similar

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent.parent / "shared" / "datasets"
_NOT_WORD = re.compile(r"[\W_]+")


def folded(text: str) -> str:
    """Return ``text`` in lower case with punctuation and runs of space made one space."""
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


@dataclass
class Claims:
    """The distinct claims of one file, and the texts folded into an earlier one."""

    name: str
    texts: list[str] = field(default_factory=list)
    merged: list[tuple[str, str]] = field(default_factory=list)

    def add(self, text: str, seen: dict[str, str]) -> None:
        """Keep ``text`` unless it folds to a kept one (then record the pair)."""
        text = " ".join(text.split())
        key = folded(text)
        if key in seen:
            if seen[key] != text:
                self.merged.append((seen[key], text))
            return
        seen[key] = text
        self.texts.append(text)


def healthfc() -> Claims:
    """Return HealthFC's distinct English claims."""
    claims, seen = Claims("HealthFC"), dict[str, str]()
    path = SHARED / "healthfc" / "Datensatz.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for record in csv.DictReader(handle):
            claims.add(record["en_claim"], seen)
    return claims


def check_covid() -> Claims:
    """Return Check-COVID's distinct claims."""
    claims, seen = Claims("Check-COVID"), dict[str, str]()
    path = SHARED / "check-covid" / "Check-COVID_all.json"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            claims.add(json.loads(line)["claim"], seen)
    return claims


def conflicts(claims: Claims) -> tuple[int, list[tuple[float, str, str]]]:
    """Return the pairs at or above the rule's cosine, and the pairs the rule calls the same."""
    model = semantic_service.embedder()
    vectors = model.embed(claims.texts)
    cosines = vectors @ vectors.T
    first, second = np.triu_indices(len(claims.texts), 1)
    close = np.flatnonzero(cosines[first, second] >= similar.SIMILAR_COSINE)
    found = []
    for k in close:
        a, b = claims.texts[first[k]], claims.texts[second[k]]
        cosine = float(cosines[first[k], second[k]])
        if similar.same_claim(a, b, cosine) or similar.same_claim(b, a, cosine):
            found.append((cosine, a, b))
    return len(close), sorted(found, reverse=True)


def paraphrases() -> dict[str, tuple[int, int, list[tuple[float, str, str]]]]:
    """Return per half: paraphrases caught, pairs, and the pairs missed."""
    model = semantic_service.embedder()
    halves = yaml.safe_load((HERE / "paraphrases.yaml").read_text(encoding="utf-8"))
    report = {}
    for half, pairs in halves.items():
        caught, missed = 0, []
        for first, second in pairs:
            vectors = model.embed([first, second])
            cosine = float(vectors[0] @ vectors[1])
            if similar.same_claim(first, second, cosine):
                caught += 1
            else:
                missed.append((cosine, first, second))
        report[half] = (caught, len(pairs), missed)
    return report


def report(*, pairs: bool) -> None:
    """Print the figures (and with ``pairs`` every merged text, conflict and miss)."""
    print(f"rule: cosine >= {similar.SIMILAR_COSINE} and {similar.RULE}")
    print("| set | distinct claims | folded away | pairs at the cosine | conflicts |")
    print("| --- | ---: | ---: | ---: | ---: |")
    listed = []
    for claims in (healthfc(), check_covid()):
        close, found = conflicts(claims)
        print(
            f"| {claims.name} | {len(claims.texts)} | {len(claims.merged)} | {close} | "
            f"{len(found)} |"
        )
        listed.append((claims, found))
    print()
    print("| paraphrases | caught | of |")
    print("| --- | ---: | ---: |")
    misses = []
    for half, (caught, total, missed) in paraphrases().items():
        print(f"| {half} | {caught} | {total} |")
        misses.append((half, missed))
    if pairs:
        for claims, found in listed:
            print(f"\n{claims.name}: folded into an earlier text")
            for kept, text in claims.merged:
                print(f"  {kept!r} <- {text!r}")
            print(f"{claims.name}: conflicts")
            for cosine, a, b in found:
                print(f"  {cosine:.3f} {a!r} | {b!r}")
        for half, missed in misses:
            print(f"\nparaphrases missed ({half})")
            for cosine, a, b in missed:
                print(f"  {cosine:.3f} {a!r} | {b!r}")


def main() -> None:
    """Measure the rule from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", action="store_true", help="List conflicts and misses.")
    report(pairs=parser.parse_args().pairs)


if __name__ == "__main__":
    main()
