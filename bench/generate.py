"""Deterministic benchmark data grown from the real records, bulk-loaded into SQLite and PostgreSQL.

Claims come from Check-COVID (statements), HealthFC (English questions, German phrasings as
aliases) and PubMedQA (questions); studies from the Check-COVID abstracts, the HealthFC articles
and the PubMedQA abstracts (with their real PMIDs). Every base record is grown into variants
(prefixes, populations, qualifiers) so that statements are unique and varied. The same seed
always gives the same rows.
"""

import csv
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from app.bibliography.identifiers import normalize_title
from app.claims.search import STOP_WORDS
from app.slugs import slugify, with_suffix
from app.studies.citation_keys import key_stem, letters

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_ROOT / "bench"
DATA_DIR = Path(os.environ.get("CITEDB_BENCH_DATA", BENCH_DIR / "data"))
SQLITE_PATH = DATA_DIR / "db.sqlite3"
MANIFEST_PATH = DATA_DIR / "manifest.json"
DATASETS = Path(os.environ.get("CITEDB_BENCH_DATASETS", PROJECT_ROOT.parent / "shared/datasets"))
PG_SERVER = os.environ.get("CITEDB_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PG_DATABASE = os.environ.get("CITEDB_BENCH_PG_DATABASE", "citedb_bench")
SEED = 20261125
GENERATOR_VERSION = 1
HUB_EVIDENCE = 120  # links of a "hub" claim: lets the SQL-count check page through 100 items

Row = tuple[Any, ...]

COLUMNS: dict[str, tuple[str, ...]] = {
    "topics": ("id", "slug", "name", "description", "created_at", "updated_at", "version"),
    "claims": (
        "id",
        "slug",
        "statement",
        "summary",
        "aliases_text",
        "created_at",
        "updated_at",
        "deleted_at",
        "version",
    ),
    "claim_aliases": ("id", "claim_id", "position", "alias"),
    "claim_slugs": ("slug", "claim_id", "retired_at"),
    "claim_topics": ("claim_id", "topic_id"),
    "verdicts": (
        "id",
        "claim_id",
        "rating",
        "certainty",
        "rationale",
        "decided_at",
        "decided_by",
        "is_current",
    ),
    "studies": (
        "id",
        "title",
        "title_key",
        "year",
        "journal",
        "volume",
        "issue",
        "pages",
        "doi",
        "pmid",
        "pmcid",
        "url",
        "accessed",
        "publisher",
        "publication_type",
        "design",
        "sample_size",
        "population",
        "abstract",
        "notes",
        "retracted",
        "retraction_note",
        "created_at",
        "updated_at",
        "version",
        "bibtex_key",
    ),
    "study_authors": ("id", "study_id", "position", "family", "given"),
    "evidence": (
        "id",
        "claim_id",
        "study_id",
        "stance",
        "finding",
        "quote",
        "notes",
        "created_at",
        "updated_at",
        "version",
    ),
}
# Parents before children, so that foreign keys hold at every step.
LOAD_ORDER = tuple(COLUMNS)
SERIAL_TABLES = tuple(table for table in LOAD_ORDER if COLUMNS[table][0] == "id")

# (slug, name, words that tag a claim with it)
TOPICS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("covid-19", "COVID-19", ("covid", "sars", "coronavirus", "pandemic")),
    ("vaccines", "Vaccines", ("vaccin", "immunis", "immuniz", "booster")),
    ("masks", "Masks and face coverings", ("mask", "face covering")),
    ("testing", "Tests and diagnosis", ("test", "pcr", "antigen", "diagnos", "screening")),
    ("transmission", "How infections spread", ("transmi", "spread", "airborne", "aerosol")),
    ("medicines", "Medicines and treatments", ("drug", "treatment", "medication", "therap")),
    ("nutrition", "Diet and nutrition", ("diet", "food", "eat", "nutrition", "coffee")),
    ("supplements", "Vitamins and supplements", ("vitamin", "supplement", "zinc", "omega")),
    ("exercise", "Exercise and physical activity", ("exercise", "physical activ", "fitness")),
    ("strength-training", "Strength training", ("strength", "muscle", "resistance", "training")),
    ("heart", "Heart and circulation", ("heart", "cardi", "blood pressure", "hypertens")),
    ("diabetes", "Diabetes and blood sugar", ("diabet", "insulin", "glucose")),
    ("weight", "Weight and obesity", ("obes", "weight", "bmi")),
    ("cancer", "Cancer", ("cancer", "tumor", "tumour", "carcinoma")),
    ("mental-health", "Mental health", ("depress", "anxiety", "mental", "stress")),
    ("sleep", "Sleep", ("sleep", "insomnia")),
    ("pregnancy", "Pregnancy and birth", ("pregnan", "birth", "infant", "neonat")),
    ("children", "Children's health", ("child", "pediatric", "paediatric", "adolescen")),
    ("ageing", "Ageing and dementia", ("elderly", "older", "aging", "ageing", "dementia")),
    ("pain", "Pain", ("pain", "analges")),
    ("back-pain", "Back pain", ("back pain", "spine", "lumbar")),
    ("surgery", "Surgery", ("surg", "operation", "postoperative")),
    ("infections", "Infections and antibiotics", ("infect", "antibiot", "bacteri", "virus")),
    ("lungs", "Lungs and breathing", ("lung", "asthma", "respirat", "copd", "pneumon")),
    ("alternative-medicine", "Alternative medicine", ("homeopath", "acupunct", "herbal")),
    ("smoking-alcohol", "Smoking and alcohol", ("smok", "alcohol", "tobacco", "cigarette")),
    ("skin", "Skin", ("skin", "derma", "eczema")),
    ("eyes", "Eyes and vision", ("eye", "vision", "ocular", "retina")),
    ("teeth", "Teeth and mouth", ("dental", "tooth", "teeth", "oral")),
    ("public-health", "Public health", ("policy", "lockdown", "public health", "mortality")),
)

STATEMENT_PREFIXES = (
    "{}",
    "Is it true that {}",
    "People say {}",
    "Some claim that {}",
    "I read that {}",
    "Many believe {}",
    "Apparently {}",
    "Experts say {}",
    "My doctor says {}",
    "Posts on social media claim that {}",
    "It is often said that {}",
    "News reports say {}",
)
QUESTION_PREFIXES = (
    "{}",
    "Fact check: {}",
    "Quick question: {}",
    "Honest question: {}",
    "Asking for a friend: {}",
    "Does science say: {}",
    "True or false: {}",
    "Serious question: {}",
    "I keep hearing this: {}",
    "Myth or fact: {}",
    "Doctors, {}",
    "What does the evidence say: {}",
)
POPULATIONS = (
    "",
    "in adults",
    "in older adults",
    "in children",
    "in teenagers",
    "in athletes",
    "in women",
    "in men",
    "in pregnant women",
    "in people with diabetes",
    "in people with obesity",
    "in healthcare workers",
)
QUALIFIERS = (
    "",
    "over the long term",
    "at high doses",
    "within a few weeks",
    "after a single session",
    "compared with placebo",
)
VARIANTS = len(STATEMENT_PREFIXES) * len(POPULATIONS) * len(QUALIFIERS)

DESIGNS = (
    "meta_analysis",
    "systematic_review",
    "randomized_trial",
    "non_randomized_trial",
    "cohort",
    "case_control",
    "cross_sectional",
    "case_series",
    "case_report",
    "laboratory",
    "narrative_review",
    "expert_opinion",
    "other",
)
DESIGN_WEIGHTS = (4, 6, 16, 5, 18, 8, 14, 5, 4, 6, 6, 3, 5)
DESIGN_PHRASES = {
    "meta_analysis": "a meta-analysis",
    "systematic_review": "a systematic review",
    "randomized_trial": "a randomised controlled trial",
    "non_randomized_trial": "a non-randomised controlled study",
    "cohort": "a prospective cohort study",
    "case_control": "a case-control study",
    "cross_sectional": "a cross-sectional survey",
    "case_series": "a case series",
    "case_report": "a case report",
    "laboratory": "a laboratory study",
    "narrative_review": "a narrative review",
    "expert_opinion": "an expert consensus statement",
    "other": "an observational analysis",
}
REVIEW_DESIGNS = frozenset({"meta_analysis", "systematic_review", "narrative_review"})
JOURNALS = (
    "BMJ",
    "The Lancet",
    "JAMA",
    "New England Journal of Medicine",
    "PLoS One",
    "BMC Public Health",
    "Annals of Internal Medicine",
    "Journal of Clinical Epidemiology",
    "Cochrane Database of Systematic Reviews",
    "British Journal of Sports Medicine",
    "Medicine and Science in Sports and Exercise",
    "Journal of Strength and Conditioning Research",
    "American Journal of Clinical Nutrition",
    "Nutrients",
    "Vaccine",
    "Clinical Infectious Diseases",
    "Journal of Infectious Diseases",
    "Pediatrics",
    "Diabetes Care",
    "European Heart Journal",
    "Sleep",
    "Journal of Affective Disorders",
    "Age and Ageing",
    "Obstetrics and Gynecology",
    "Spine",
    "Pain",
    "Scientific Reports",
    "Frontiers in Public Health",
    "International Journal of Epidemiology",
    "Sports Medicine",
)
GIVEN_NAMES = (
    "Anna", "Ben", "Chen", "Daniela", "Emeka", "Fatima", "Georg", "Hana", "Ingrid", "Jorge",
    "Kenji", "Laura", "Mehmet", "Nadia", "Olu", "Priya", "Quentin", "Rosa", "Sven", "Tariq",
    "Ursula", "Vikram", "Wen", "Ximena", "Yusuf", "Zofia", "Marta", "Luca", "Aiko", "Pierre",
)  # fmt: skip
FAMILY_NAMES = (
    "Müller", "Smith", "Wang", "García", "Okafor", "Nguyen", "Kowalski", "Rossi", "Tanaka",
    "Johansson", "Dubois", "Kim", "Silva", "Patel", "Schmidt", "O'Brien", "Hansen", "Ivanova",
    "Yilmaz", "Cohen", "Novak", "Fischer", "Lopez", "Andersen", "Murphy", "Sato", "Costa",
    "Weber", "Nowak", "Ahmed", "van der Berg", "Moreau", "Becker", "Li", "Hoffmann", "Brown",
)  # fmt: skip
CURATORS = (
    "evidence desk",
    "Anna Berger",
    "Tom Okafor",
    "Mei Lin",
    "R. Schmidt",
    "review board",
    "Sara Costa",
    "import bot",
)
RATINGS = ("supported", "mostly_supported", "mixed", "mostly_refuted", "refuted", "unproven")
CERTAINTIES = ("high", "moderate", "low", "very_low")
STANCES = ("supports", "contradicts", "mixed", "mentions")
START = datetime(2019, 1, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]+")


@dataclass(frozen=True)
class SeedStudy:
    """One real study record."""

    title: str
    sentences: tuple[str, ...]
    abstract: str | None
    year: int | None
    pmid: str | None
    url: str | None
    authors: tuple[tuple[str, str | None], ...]
    publication_type: str
    design: str | None
    accessed: date | None = None
    publisher: str | None = None


@dataclass(frozen=True)
class SeedClaim:
    """One real claim record, with what its source says about it."""

    text: str
    question: bool
    summary: str | None
    aliases: tuple[str, ...]
    stance: str
    rating: str
    certainty: str | None
    rationale: str
    study: int | None
    finding: str | None


@dataclass
class Seeds:
    """The real records the data set grows from."""

    claims: list[SeedClaim] = field(default_factory=list)
    studies: list[SeedStudy] = field(default_factory=list)


@dataclass
class Dataset:
    """Every row of the benchmark database, table by table, in load order."""

    rows: dict[str, list[Row]]
    claims: int
    studies: int
    evidence: int

    def counts(self) -> dict[str, int]:
        """Return the number of rows of each table."""
        return {table: len(rows) for table, rows in self.rows.items()}


def _clean(text: str) -> str:
    return " ".join(text.split())


def _sentences(text: str) -> tuple[str, ...]:
    return tuple(part for part in (_clean(p) for p in _SENTENCE.split(text)) if part)


def _person(name: str) -> tuple[str, str | None]:
    parts = name.strip().split()
    if len(parts) == 1:
        return parts[0], None
    return parts[-1], " ".join(parts[:-1])


def _pubmedqa_design(meshes: Sequence[str]) -> str | None:
    terms = " ".join(meshes).lower()
    for needle, design in (
        ("meta-analysis", "meta_analysis"),
        ("randomized controlled trial", "randomized_trial"),
        ("cross-sectional", "cross_sectional"),
        ("case-control", "case_control"),
        ("cohort", "cohort"),
        ("prospective studies", "cohort"),
        ("longitudinal", "cohort"),
        ("follow-up studies", "cohort"),
        ("retrospective studies", "cohort"),
        ("feasibility", "non_randomized_trial"),
    ):
        if needle in terms:
            return design
    return None


def _healthfc_verdict(label: str, verdict: str) -> tuple[str, str, str | None]:
    """Return (stance, rating, certainty) for a HealthFC label and German verdict."""
    lowered = verdict.lower()
    if lowered.startswith("hohe"):
        certainty: str | None = "high"
    elif lowered.startswith("mittlere") or lowered.startswith("wahrscheinlich"):
        certainty = "moderate"
    elif lowered.startswith("niedrige") or lowered.startswith("möglicherweise"):
        certainty = "low"
    elif label == "1":
        certainty = "very_low"
    else:
        certainty = None
    if label == "0":
        strong = lowered in ("ja",) or lowered.startswith("hohe")
        return "supports", "supported" if strong else "mostly_supported", certainty
    if label == "2":
        strong = lowered in ("nein",)
        return "contradicts", "refuted" if strong else "mostly_refuted", certainty
    if "widersprüch" in lowered:
        return "mixed", "mixed", certainty
    return "mentions", "unproven", certainty


def read_seeds(datasets: Path = DATASETS) -> Seeds:
    """Read the real records from the shared data sets (English text only)."""
    seeds = Seeds()
    seen: set[str] = set()

    def add_claim(claim: SeedClaim) -> None:
        key = claim.text.casefold()
        if key not in seen and 3 <= len(claim.text) <= 300:
            seen.add(key)
            seeds.claims.append(claim)

    # Check-COVID: abstracts are studies; SUPPORT/REFUTE claims link to them (NOTENOUGHINFO
    # reuses the same texts, see its README).
    corpus: dict[str, int] = {}
    sentences_of: dict[str, tuple[str, ...]] = {}
    with open(datasets / "check-covid/corpus.json", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            sentences = tuple(_clean(s) for s in record["abstract"] if _clean(s))
            if sentences and sentences[0].startswith("Abstract "):
                sentences = (sentences[0][len("Abstract ") :], *sentences[1:])
            corpus[record["cord_id"]] = len(seeds.studies)
            sentences_of[record["cord_id"]] = tuple(record["abstract"])
            seeds.studies.append(
                SeedStudy(
                    title=_clean(record["title"]),
                    sentences=sentences,
                    abstract=" ".join(sentences) or None,
                    year=2020,
                    pmid=None,
                    url=None,
                    authors=(),
                    publication_type="journal_article",
                    design=None,
                )
            )
    with open(datasets / "check-covid/Check-COVID_all.json", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["label"] not in ("SUPPORT", "REFUTE"):
                continue
            abstract = sentences_of[record["cord_id"]]
            primary = [
                _clean(abstract[item["sent_index"]])
                for item in record["evidence_set"]
                if item["type"] == "PRIMARY"
            ]
            finding = " ".join(primary) or None
            supports = record["label"] == "SUPPORT"
            add_claim(
                SeedClaim(
                    text=_clean(record["claim"]),
                    question=False,
                    summary=finding,
                    aliases=(),
                    stance="supports" if supports else "contradicts",
                    rating="mostly_supported" if supports else "mostly_refuted",
                    certainty=None,
                    rationale=finding or "The linked study bears on the claim directly.",
                    study=corpus[record["cord_id"]],
                    finding=finding,
                )
            )

    # HealthFC: English questions; the German phrasing becomes an alias; the article a study.
    articles: dict[str, int] = {}
    with open(datasets / "healthfc/Datensatz.csv", encoding="utf-8-sig", newline="") as file:
        for row in csv.DictReader(file):
            url = row["url"].strip()
            if url not in articles:
                title = _clean(row["de_title"].replace("| Medizin Transparent", ""))
                year_text = row["date"].split()[-1] if row["date"].split() else ""
                year = int(year_text) if year_text.isdigit() else None
                authors = tuple(_person(n) for n in row["authors"].split(",") if n.strip())
                articles[url] = len(seeds.studies)
                sentences = _sentences(row["en_top_sentences"])
                seeds.studies.append(
                    SeedStudy(
                        title=title or url,
                        sentences=sentences,
                        abstract=" ".join(sentences) or None,
                        year=year,
                        pmid=None,
                        url=url,
                        authors=authors,
                        publication_type="web_page",
                        design="narrative_review",
                        accessed=date(2024, 4, 11),
                        publisher="Medizin transparent, Universität für Weiterbildung Krems",
                    )
                )
            stance, rating, certainty = _healthfc_verdict(row["label"], row["de_verdict"])
            explanation = _clean(row["en_explanation"]) or None
            top = _sentences(row["en_top_sentences"])
            add_claim(
                SeedClaim(
                    text=_clean(row["en_claim"]),
                    question=True,
                    summary=explanation,
                    aliases=(_clean(row["de_claim"]),) if row["de_claim"].strip() else (),
                    stance=stance,
                    rating=rating,
                    certainty=certainty,
                    rationale=explanation or "The studies found do not settle the question.",
                    study=articles[url],
                    finding=top[0] if top else explanation,
                )
            )

    # PubMedQA: the question is both the claim and (as usual there) the article's title.
    with open(datasets / "pubmedqa/ori_pqal_sample500.json", encoding="utf-8") as file:
        entries: dict[str, dict[str, Any]] = json.load(file)
    decisions = {
        "yes": ("supports", "mostly_supported"),
        "no": ("contradicts", "mostly_refuted"),
        "maybe": ("mixed", "mixed"),
    }
    for pmid, entry in entries.items():
        sentences = tuple(s for c in entry["CONTEXTS"] for s in _sentences(c))
        year = int(entry["YEAR"]) if entry.get("YEAR") else None
        study = len(seeds.studies)
        seeds.studies.append(
            SeedStudy(
                title=_clean(entry["QUESTION"]),
                sentences=sentences,
                abstract=" ".join(sentences) or None,
                year=year,
                pmid=str(int(pmid)),
                url=None,
                authors=(),
                publication_type="journal_article",
                design=_pubmedqa_design(entry["MESHES"]),
            )
        )
        stance, rating = decisions[entry["final_decision"]]
        answer = _clean(entry["LONG_ANSWER"])
        add_claim(
            SeedClaim(
                text=_clean(entry["QUESTION"]),
                question=True,
                summary=answer,
                aliases=(),
                stance=stance,
                rating=rating,
                certainty=None,
                rationale=answer,
                study=study,
                finding=answer,
            )
        )
    return seeds


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if len(first) > 1 and (first[1].isupper() or any(c.isdigit() for c in first)):
        return text  # an acronym such as COVID-19 or mRNA-1273 keeps its case
    return text[:1].lower() + text[1:]


def phrase(seed: SeedClaim, variant: int) -> str:
    """Return the statement of one variant of a seed claim; variant 0 is the original text."""
    prefixes = QUESTION_PREFIXES if seed.question else STATEMENT_PREFIXES
    prefix, rest = divmod(variant, len(POPULATIONS) * len(QUALIFIERS))
    population, qualifier = divmod(rest, len(QUALIFIERS))
    end = "?" if seed.question else "."
    core = seed.text.rstrip(" ?.!")
    extra = " ".join(p for p in (POPULATIONS[population], QUALIFIERS[qualifier]) if p)
    if extra:
        core = f"{core} {extra}"
    template = prefixes[prefix]
    if template != "{}":
        core = _lower_first(core)
        if not seed.question and template.startswith("Is it true"):
            end = "?"
    return template.format(core) + end


def _keywords(text: str) -> list[str]:
    words = [w.lower() for w in _WORD.findall(text)]
    return list(dict.fromkeys(w for w in words if w not in STOP_WORDS and len(w) > 2))


def _timestamp(rng: random.Random, start: datetime = START, end: datetime = END) -> datetime:
    span = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randrange(max(span, 1)), microseconds=rng.randrange(10**6))


def _distribute(rng: random.Random, count: int, total: int, low: int, high: int) -> list[int]:
    """Return ``count`` integers in [low, high] that add up to ``total``."""
    if not low * count <= total <= high * count:
        raise ValueError(f"cannot spread {total} over {count} items in [{low}, {high}]")
    values = [rng.randint(low, high) for _ in range(count)]
    difference = total - sum(values)
    while difference:
        index = rng.randrange(count)
        if difference > 0 and values[index] < high:
            values[index] += 1
            difference -= 1
        elif difference < 0 and values[index] > low:
            values[index] -= 1
            difference += 1
    return values


@dataclass
class _BibtexKeys:
    """The keys given so far, and per stem the first letter suffix that may still be free."""

    held: set[str] = field(default_factory=set)
    next_letter: dict[str, int] = field(default_factory=dict)

    def give(self, family: str | None, title: str, year: int | None) -> str:
        """Return the key the app gives a study in id order (``first_free`` of its stem).

        The same key as ``first_free(stem, held)``, found without copying ``held`` each time.
        """
        stem = key_stem(family=family, title=title, year=year)
        key = stem
        index = self.next_letter.get(stem, 0)
        if key in self.held:
            while (key := stem + letters(index)) in self.held:
                index += 1
            self.next_letter[stem] = index + 1
        self.held.add(key)
        return key


def build(claims: int, *, seed: int = SEED, seeds: Seeds | None = None) -> Dataset:
    """Build every row for ``claims`` claims, half as many studies and three links a claim."""
    rng = random.Random(seed)
    seeds = seeds or read_seeds()
    studies = max(claims // 2, 1)
    evidence_total = 3 * claims
    rows: dict[str, list[Row]] = {table: [] for table in LOAD_ORDER}

    for topic_id, (slug, name, words) in enumerate(TOPICS, start=1):
        created = _timestamp(rng, START, START + timedelta(days=90))
        description = f"Claims about {name.lower()}: " + ", ".join(words) + "."
        rows["topics"].append((topic_id, slug, name, description, created, created, 1))

    # Studies: variant 0 of each seed is the real record (the only ones with a PMID or URL).
    study_seed: list[int] = []
    seed_variants: dict[int, list[int]] = {}
    author_id = 0
    bibtex_keys = _BibtexKeys()
    for study_id in range(1, studies + 1):
        index = (study_id - 1) % len(seeds.studies)
        variant = (study_id - 1) // len(seeds.studies)
        origin = seeds.studies[index]
        study_seed.append(index)
        seed_variants.setdefault(index, []).append(study_id)
        created = _timestamp(rng)
        updated = created if rng.random() < 0.7 else _timestamp(rng, created, END)
        if variant == 0:
            title, year, design = origin.title, origin.year, origin.design
            pmid, url, authors = origin.pmid, origin.url, list(origin.authors)
            publication_type, journal = origin.publication_type, None
            accessed, publisher = origin.accessed, origin.publisher
        else:
            design = rng.choices(DESIGNS, DESIGN_WEIGHTS)[0]
            population = rng.choice(POPULATIONS[1:])
            title = f"{origin.title.rstrip('.?')}: {DESIGN_PHRASES[design]} {population}"
            base_year = origin.year or 2015
            year = min(2026, max(1975, base_year + rng.randint(-12, 6)))
            if rng.random() < 0.03:
                year = None
            pmid, url, accessed = None, None, None
            publisher = None
            authors = [
                (rng.choice(FAMILY_NAMES), rng.choice(GIVEN_NAMES))
                for _ in range(rng.choice((1, 2, 3, 3, 4, 4, 5, 6, 8)))
            ]
            journal = rng.choice(JOURNALS)
            publication_type = (
                "review_article"
                if design in REVIEW_DESIGNS
                else ("preprint" if rng.random() < 0.05 else "journal_article")
            )
        if journal is not None:
            volume: str | None = str(rng.randint(1, 400))
            issue: str | None = str(rng.randint(1, 12))
            first_page = rng.randint(1, 2000)
            pages: str | None = f"{first_page}-{first_page + rng.randint(3, 15)}"
        else:
            volume = issue = pages = None
        sample_size = (
            rng.randint(12, 25_000)
            if design in ("randomized_trial", "non_randomized_trial", "cohort", "case_control")
            or design == "cross_sectional"
            else None
        )
        retracted = rng.random() < 0.003
        rows["studies"].append(
            (
                study_id,
                title,
                normalize_title(title),
                year,
                journal,
                volume,
                issue,
                pages,
                None,
                pmid,
                None,
                url,
                accessed,
                publisher,
                publication_type,
                design,
                sample_size,
                rng.choice(POPULATIONS[1:])[3:] if sample_size is not None else None,
                origin.abstract,
                None,
                retracted,
                "Retracted by the journal after a data-integrity review." if retracted else None,
                created,
                updated,
                1 if updated == created else rng.randint(2, 4),
                bibtex_keys.give(authors[0][0] if authors else None, title, year),
            )
        )
        for position, (family, given) in enumerate(authors):
            author_id += 1
            rows["study_authors"].append((author_id, study_id, position, family, given))

    # Claims: seed i's variants are drawn without repetition from every phrasing it can take.
    per_seed = -(-claims // len(seeds.claims))
    if per_seed > VARIANTS:
        raise ValueError(f"at most {VARIANTS * len(seeds.claims)} claims can be grown")
    variants_of = [
        [0, *rng.sample(range(1, VARIANTS), per_seed - 1)] for _ in range(len(seeds.claims))
    ]
    # A few "hub" claims carry many links (popular claims do), so pages of 100 exist.
    hubs = (
        set(rng.sample(range(1, claims + 1), max(1, claims // 5000))) if claims >= 1000 else set()
    )
    counts = _distribute(rng, claims - len(hubs), evidence_total - HUB_EVIDENCE * len(hubs), 1, 6)
    ordinary = iter(counts)
    slugs: set[str] = set()
    statements: set[str] = set()
    topic_words = [(topic_id, words) for topic_id, (_, _, words) in enumerate(TOPICS, start=1)]
    alias_id = verdict_id = evidence_id = 0
    for claim_id in range(1, claims + 1):
        index = (claim_id - 1) % len(seeds.claims)
        base = seeds.claims[index]
        choices = variants_of[index]
        statement = phrase(base, choices[(claim_id - 1) // len(seeds.claims)])
        while statement.casefold() in statements:  # near-identical seeds: pick another phrasing
            statement = phrase(base, rng.randrange(1, VARIANTS))
        statements.add(statement.casefold())
        slug = slugify(statement, prefix="claim")
        number = 1
        candidate = slug
        while candidate in slugs:
            number += 1
            candidate = with_suffix(slug, number)
        slugs.add(candidate)

        keywords = _keywords(base.text)
        pool = [base.text] if base.text != statement else []
        pool += list(base.aliases)
        if keywords:
            pool.append(" ".join(keywords[: rng.randint(2, 4)]))
            pool.append("#" + "".join(w.capitalize() for w in keywords[:2]))
        pool.append(f"{rng.choice(('the', 'that', 'a'))} {' '.join(keywords[-2:]) or 'claim'} myth")
        aliases: list[str] = []
        wanted_aliases = rng.randint(1, 3)
        for alias in rng.sample(pool, len(pool)):
            if len(aliases) == wanted_aliases:
                break
            alias = alias[:300]
            if alias.casefold() != statement.casefold() and alias.casefold() not in {
                a.casefold() for a in aliases
            }:
                aliases.append(alias)
        if not aliases:
            aliases.append(f"claim {claim_id}")
        for position, alias in enumerate(aliases):
            alias_id += 1
            rows["claim_aliases"].append((alias_id, claim_id, position, alias))

        created = _timestamp(rng, START, END - timedelta(days=30))
        updated = created + timedelta(seconds=rng.randrange(60, 400 * 86400))
        updated = min(updated, END)
        deleted = updated + timedelta(hours=1) if rng.random() < 0.005 else None
        summary = base.summary if rng.random() < 0.85 else None
        n_verdicts = rng.choices((1, 2, 3), (50, 35, 15))[0]
        rows["claims"].append(
            (
                claim_id,
                candidate,
                statement,
                summary[:5000] if summary else None,
                "\n".join(aliases),
                created,
                updated,
                deleted,
                n_verdicts + rng.randint(0, 3),
            )
        )
        if rng.random() < 0.01:
            former = slugify(
                f"{base.text} {rng.choice(('claim', 'myth', 'question'))}", prefix="claim"
            )
            if former not in slugs:
                slugs.add(former)
                rows["claim_slugs"].append((former, claim_id, created + (updated - created) / 2))

        lowered = base.text.lower()
        matching = [t for t, words in topic_words if any(w in lowered for w in words)]
        wanted = rng.choices((0, 1, 2, 3), (10, 35, 35, 20))[0]
        chosen = matching[:wanted]
        while len(chosen) < wanted:
            topic_id = rng.randint(1, len(TOPICS))
            if topic_id not in chosen:
                chosen.append(topic_id)
        for topic_id in sorted(chosen):
            rows["claim_topics"].append((claim_id, topic_id))

        decided = sorted(_timestamp(rng, created, updated) for _ in range(n_verdicts))
        for number, decided_at in enumerate(decided, start=1):
            verdict_id += 1
            current = number == n_verdicts
            rating = (
                (base.rating if rng.random() < 0.8 else rng.choice(RATINGS))
                if current
                else rng.choice(("unproven", "unproven", *RATINGS))
            )
            certainty = (
                base.certainty
                if current and base.certainty
                else rng.choices(CERTAINTIES, (10, 35, 35, 20))[0]
            )
            rationale = base.rationale if current else "Early assessment, before the newer studies."
            rows["verdicts"].append(
                (
                    verdict_id,
                    claim_id,
                    rating,
                    certainty,
                    rationale[:5000],
                    decided_at,
                    rng.choice(CURATORS),
                    current,
                )
            )

        links = HUB_EVIDENCE if claim_id in hubs else next(ordinary)
        linked: list[int] = []
        if base.study is not None and base.study in seed_variants:
            linked.append(rng.choice(seed_variants[base.study]))
        while len(linked) < links:
            study_id = rng.randint(1, studies)
            if study_id not in linked:
                linked.append(study_id)
        for position, study_id in enumerate(linked):
            evidence_id += 1
            study_sentences = seeds.studies[study_seed[study_id - 1]].sentences
            if position == 0 and base.study is not None and base.finding:
                stance, finding = base.stance, base.finding
            else:
                stance = rng.choices(STANCES, (35, 25, 15, 25))[0]
                finding = rng.choice(study_sentences) if study_sentences else "See the abstract."
            quote = rng.choice(study_sentences) if study_sentences and rng.random() < 0.3 else None
            linked_at = _timestamp(rng, created, updated)
            rows["evidence"].append(
                (
                    evidence_id,
                    claim_id,
                    study_id,
                    stance,
                    finding[:5000],
                    quote[:5000] if quote else None,
                    "Checked against the full text." if rng.random() < 0.05 else None,
                    linked_at,
                    linked_at,
                    1,
                )
            )
    return Dataset(rows=rows, claims=claims, studies=studies, evidence=evidence_id)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # The format SQLAlchemy's SQLite DATETIME writes (naive UTC, microseconds).
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _sqlite_rows(rows: Iterable[Row]) -> Iterator[Row]:
    for row in rows:
        yield tuple(_sqlite_value(value) for value in row)


def migrate(database_url: str) -> None:
    """Build the schema with ``citedb migrate`` (Alembic), as an operator would.

    Without the claims' vectors: the generated claims are inserted by SQL, and embedding 100,000
    of them takes minutes (bench/semantic_speed.py measures that on its own), so search here
    ranks by words, as before vectors existed.
    """
    citedb = Path(sys.executable).parent / "citedb"
    env = {**os.environ, "CITEDB_DATABASE_URL": database_url}
    subprocess.run(
        [str(citedb), "migrate", "--no-reindex"], check=True, env=env, capture_output=True
    )


def sqlite_url(path: Path = SQLITE_PATH) -> str:
    """Return the app's SQLAlchemy URL of the SQLite file."""
    return f"sqlite+aiosqlite:///{path}"


def postgresql_url(database: str = PG_DATABASE) -> str:
    """Return the app's SQLAlchemy URL of the PostgreSQL database."""
    return f"{PG_SERVER.replace('postgresql://', 'postgresql+asyncpg://')}/{database}"


def load_sqlite(dataset: Dataset, path: Path = SQLITE_PATH) -> dict[str, float]:
    """Create a fresh SQLite file, migrate it and bulk-insert the rows; return timings."""
    timings: dict[str, float] = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    migrate(sqlite_url(path))
    timings["migrate"] = time.perf_counter() - started
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            "cache_size = -1000000",
            "temp_store = MEMORY",
            "foreign_keys = OFF",
        ):
            connection.execute(f"PRAGMA {pragma}")
        started = time.perf_counter()
        connection.execute("BEGIN")
        for table in LOAD_ORDER:
            columns = COLUMNS[table]
            placeholders = ", ".join("?" for _ in columns)
            table_started = time.perf_counter()
            connection.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
                _sqlite_rows(dataset.rows[table]),
            )
            timings[f"insert {table}"] = time.perf_counter() - table_started
        connection.execute("COMMIT")
        timings["insert"] = time.perf_counter() - started
        started = time.perf_counter()
        problems = connection.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign keys broken: {problems[:5]}")
        integrity = connection.execute("PRAGMA quick_check").fetchone()
        if integrity != ("ok",):
            raise RuntimeError(f"quick_check: {integrity}")
        connection.execute("INSERT INTO claims_fts (claims_fts) VALUES ('integrity-check')")
        connection.execute("ANALYZE")
        connection.execute("PRAGMA journal_mode = WAL")
        timings["check+analyze"] = time.perf_counter() - started
    finally:
        connection.close()
    return timings


def load_postgresql(dataset: Dataset, database: str = PG_DATABASE) -> dict[str, float]:
    """Recreate the PostgreSQL database, migrate it and COPY the rows in; return timings.

    The row trigger fills ``claims_fts`` during COPY. Measured at 10k claims: COPY of claims
    with the trigger 1.3 s; with the trigger disabled 0.4 s plus 2.0 s for one
    ``INSERT ... SELECT`` of the same documents, so the trigger stays on (and no copy of its
    expression can drift from the migration).
    """
    import psycopg

    timings: dict[str, float] = {}
    started = time.perf_counter()
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')
    migrate(postgresql_url(database))
    timings["migrate"] = time.perf_counter() - started
    with psycopg.connect(f"{PG_SERVER}/{database}") as connection:
        started = time.perf_counter()
        with connection.transaction():
            with connection.cursor() as cursor:
                for table in LOAD_ORDER:
                    table_started = time.perf_counter()
                    columns = ", ".join(COLUMNS[table])
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in dataset.rows[table]:
                            copy.write_row(row)
                    timings[f"copy {table}"] = time.perf_counter() - table_started
            for table in SERIAL_TABLES:
                connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
        timings["copy"] = time.perf_counter() - started
        started = time.perf_counter()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - started
    return timings


def write_manifest(
    dataset: Dataset,
    loads: dict[str, dict[str, float]],
    built: float,
    vectors: dict[str, Any] | None = None,
) -> None:
    """Record what was generated, so that ``--skip-generate`` can check it."""
    MANIFEST_PATH.parent.mkdir(parents=True, exist_ok=True)
    manifest = {
        "generator": GENERATOR_VERSION,
        "seed": SEED,
        "claims": dataset.claims,
        "studies": dataset.studies,
        "evidence": dataset.evidence,
        "rows": dataset.counts(),
        "build_seconds": round(built, 1),
        "loads": {name: {k: round(v, 2) for k, v in t.items()} for name, t in loads.items()},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "vectors": vectors,
    }
    MANIFEST_PATH.write_text(json.dumps(manifest, indent=2) + "\n")


def read_manifest() -> dict[str, Any] | None:
    """Return the manifest of the data on disk, if any."""
    if not MANIFEST_PATH.exists():
        return None
    manifest: dict[str, Any] = json.loads(MANIFEST_PATH.read_text())
    return manifest


def generate(claims: int, *, backends: Sequence[str]) -> dict[str, Any]:
    """Build the data and load it into SQLite (always: Datasette serves it) and PostgreSQL."""
    started = time.perf_counter()
    dataset = build(claims)
    built = time.perf_counter() - started
    print(f"built {dataset.counts()} in {built:.1f}s", flush=True)
    loads: dict[str, dict[str, float]] = {}
    started = time.perf_counter()
    loads["sqlite"] = load_sqlite(dataset)
    loads["sqlite"]["total"] = time.perf_counter() - started
    print(f"sqlite loaded in {loads['sqlite']['total']:.1f}s", flush=True)
    if "postgresql" in backends:
        started = time.perf_counter()
        loads["postgresql"] = load_postgresql(dataset)
        loads["postgresql"]["total"] = time.perf_counter() - started
        print(f"postgresql loaded in {loads['postgresql']['total']:.1f}s", flush=True)
    from bench import vectors

    claim_vectors = vectors.ensure(backends)
    print(f"claim vectors: {json.dumps(claim_vectors)}", flush=True)
    write_manifest(dataset, loads, built, claim_vectors)
    manifest = read_manifest()
    assert manifest is not None
    return manifest


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    arguments = parser.parse_args()
    chosen = [arguments.only] if arguments.only else ["sqlite", "postgresql"]
    print(json.dumps(generate(arguments.claims, backends=chosen)))
