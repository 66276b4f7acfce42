"""Check-COVID through the HTTP API: about 200 real claims, their papers and stances, counted."""

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
import pytest

from tests import databases
from tests.conftest import SHARED, insert_key
from tests.server import LiveServer

DATASET_PATH = "datasets/check-covid"
DATASET = SHARED / DATASET_PATH
pytestmark = pytest.mark.shared(DATASET_PATH)
# Windows (start, stop) over the SUPPORT/REFUTE records in file order. Together they hold the
# file's quirks: a claim repeated with and without a trailing space (records 343/345), an exact
# repeat of a claim-paper pair (342/344), three pairs of different papers under one title
# (304/751, 350/739, 375/737), one claim on two papers (842/844), and one paper under two CORD
# ids with the same title and abstract (302/997), which the loader posts as one study.
WINDOWS = ((300, 400), (700, 800), (840, 846), (996, 1000))
STANCES = {"SUPPORT": "supports", "REFUTE": "contradicts"}
MAX_FINDING = 5000
WORD = re.compile(r"[^\W_]+")

PaperKey = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Paper:
    """One abstract of corpus.json."""

    cord_id: str
    title: str
    sentences: tuple[str, ...]

    @property
    def key(self) -> PaperKey:
        """Return what makes two CORD records the same paper: title and abstract."""
        return (self.title, self.sentences)

    @property
    def abstract(self) -> str:
        """Return the abstract as one text."""
        return " ".join(sentence.strip() for sentence in self.sentences)


@dataclass(frozen=True)
class Record:
    """One labelled claim of Check-COVID_all.json, with its paper."""

    id: str
    claim: str  # as in the file, trailing spaces and all
    label: str
    paper: Paper
    sentence_indexes: tuple[int, ...]

    @property
    def statement(self) -> str:
        """Return the statement the API stores: the claim text with its white space collapsed."""
        return " ".join(self.claim.split())

    @property
    def claim_key(self) -> str:
        """Return what makes two claim texts one claim: their words, whatever the spacing."""
        return " ".join(self.claim.split()).casefold()

    @property
    def stance(self) -> str:
        """Return the citedb stance of the label."""
        return STANCES[self.label]

    @property
    def finding(self) -> str:
        """Return the evidence sentences joined, trimmed and cut to the API's limit."""
        sentences = (self.paper.sentences[index].strip() for index in self.sentence_indexes)
        return " ".join(sentences)[:MAX_FINDING].strip()


@cache
def load_slice() -> tuple[Record, ...]:
    """Read the deterministic slice of SUPPORT/REFUTE records from the dataset files."""
    papers: dict[str, Paper] = {}
    with (DATASET / "corpus.json").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            papers[row["cord_id"]] = Paper(row["cord_id"], row["title"], tuple(row["abstract"]))
    labelled: list[Record] = []
    with (DATASET / "Check-COVID_all.json").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["label"] not in STANCES:
                continue
            labelled.append(
                Record(
                    id=row["id"],
                    claim=row["claim"],
                    label=row["label"],
                    paper=papers[row["cord_id"]],
                    sentence_indexes=tuple(item["sent_index"] for item in row["evidence_set"]),
                )
            )
    return tuple(record for start, stop in WINDOWS for record in labelled[start:stop])


def words(text: str) -> set[str]:
    """Return the lower-case words of a text."""
    return {word.lower() for word in WORD.findall(text)}


def first_by_claim(records: tuple[Record, ...]) -> dict[str, Record]:
    """Return the first record of each distinct claim."""
    first: dict[str, Record] = {}
    for record in records:
        first.setdefault(record.claim_key, record)
    return first


def record_with(records: tuple[Record, ...], statement: str) -> Record:
    """Return the first record whose stored statement is ``statement``."""
    return next(record for record in records if record.statement == statement)


@dataclass
class Loaded:
    """What the API answered while the slice was loaded, in file order."""

    claim_urls: dict[str, str] = field(default_factory=dict)  # claim key -> Location
    claim_ids: dict[str, int] = field(default_factory=dict)  # claim key -> id
    study_ids: dict[PaperKey, int] = field(default_factory=dict)
    # (record id, status, Location of a 201 or `existing` of a 409)
    claim_posts: list[tuple[str, int, str | None]] = field(default_factory=list)
    evidence_posts: list[tuple[str, int, str | None]] = field(default_factory=list)
    created_claims: dict[str, dict[str, Any]] = field(default_factory=dict)  # record id -> body


def _location(response: httpx.Response) -> str | None:
    """Return the Location of a 201, or the `existing` URL of a 409."""
    if response.status_code == 201:
        location: str | None = response.headers.get("location")
        return location
    if response.status_code == 409:
        existing: str | None = response.json().get("existing")
        return existing
    return None


def load_through_api(http: httpx.Client, records: tuple[Record, ...]) -> Loaded:
    """Post each claim, each distinct paper and each claim-paper link, as a loader would.

    The dataset's claims are distinct by construction (a claim and its negation, "the same
    species" and "a different species"), so the loader says so with ``allow_similar=true``; a
    repeat of the same statement is still 409.
    """
    loaded = Loaded()
    for record in records:
        response = http.post(
            "/v1/claims", params={"allow_similar": "true"}, json={"statement": record.claim}
        )
        loaded.claim_posts.append((record.id, response.status_code, _location(response)))
        if response.status_code == 201:
            body = response.json()
            loaded.created_claims[record.id] = body
            loaded.claim_urls.setdefault(record.claim_key, response.headers["location"])
            loaded.claim_ids.setdefault(record.claim_key, body["id"])
        if record.paper.key not in loaded.study_ids:
            study = {
                "title": record.paper.title,
                "abstract": record.paper.abstract,
                "publication_type": "journal_article",
            }
            created = http.post("/v1/studies", json=study)
            assert created.status_code == 201, created.text
            loaded.study_ids[record.paper.key] = created.json()["id"]
        claim_id = loaded.claim_ids.get(record.claim_key)
        if claim_id is None:
            continue
        link = {
            "study_id": loaded.study_ids[record.paper.key],
            "stance": record.stance,
            "finding": record.finding,
        }
        response = http.post(f"/v1/claims/{claim_id}/evidence", json=link)
        loaded.evidence_posts.append((record.id, response.status_code, _location(response)))
    return loaded


@pytest.fixture(scope="module")
def records() -> tuple[Record, ...]:
    """Return the slice, read from the dataset files."""
    return load_slice()


@pytest.fixture(scope="module")
def http(database: databases.TestDatabase, live_server: LiveServer) -> Iterator[httpx.Client]:
    """Return one editor client for the module, on a database emptied for it."""
    database.reset()
    key = insert_key(database, name="check-covid-loader", role="editor")
    with httpx.Client(
        base_url=live_server.base_url, timeout=30, headers={"Authorization": f"Bearer {key}"}
    ) as client:
        yield client


@pytest.fixture(scope="module")
def loaded(http: httpx.Client, records: tuple[Record, ...]) -> Loaded:
    """Load the slice through the API once per backend."""
    return load_through_api(http, records)


def all_items(http: httpx.Client, path: str) -> list[dict[str, Any]]:
    """Return every item of a list, page after page."""
    items: list[dict[str, Any]] = []
    params: dict[str, str | int] = {"limit": 100}
    while True:
        response = http.get(path, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["next_cursor"] is None:
            return items
        params["cursor"] = page["next_cursor"]


def search(http: httpx.Client, q: str) -> list[str]:
    """Return the statements a search answers, best first."""
    response = http.get("/v1/claims", params={"q": q, "limit": 100})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return [item["statement"] for item in response.json()["items"]]


class TestLoad:
    def test_slice_has_the_quirks_it_was_chosen_for(self, records: tuple[Record, ...]) -> None:
        assert len(records) == 210
        trailing = [record for record in records if record.claim != record.statement]
        assert len(trailing) == 29
        by_text = Counter(record.claim_key for record in records)
        assert sorted(by_text.values(), reverse=True)[:4] == [2, 2, 2, 1]
        cord_ids = {record.paper.cord_id for record in records}
        paper_keys = {record.paper.key for record in records}
        assert (len(cord_ids), len(paper_keys)) == (91, 90)
        titles = Counter(title for title, _ in paper_keys)
        assert sorted(count for count in titles.values() if count > 1) == [2, 2, 2]

    def test_each_new_claim_is_201_and_each_repeat_409_naming_the_first(
        self, loaded: Loaded, records: tuple[Record, ...]
    ) -> None:
        first = first_by_claim(records)
        expected = [
            (
                record.id,
                201 if first[record.claim_key] is record else 409,
                loaded.claim_urls.get(record.claim_key),
            )
            for record in records
        ]
        assert loaded.claim_posts == expected
        assert len(loaded.claim_urls) == len(first)

    def test_statements_are_the_file_text_trimmed(
        self, loaded: Loaded, records: tuple[Record, ...]
    ) -> None:
        created = {record.id: record for record in records if record.id in loaded.created_claims}
        assert len(created) == len(first_by_claim(records))
        for record_id, body in loaded.created_claims.items():
            assert body["statement"] == created[record_id].statement
            assert f"/v1/claims/{body['slug']}" == loaded.claim_urls[created[record_id].claim_key]

    def test_each_pair_links_once_and_a_repeat_is_409_naming_the_link(
        self, loaded: Loaded, records: tuple[Record, ...]
    ) -> None:
        first_link: dict[tuple[str, PaperKey], str | None] = {}
        expected: list[tuple[str, int, str | None]] = []
        for (record_id, status, url), record in zip(loaded.evidence_posts, records, strict=True):
            pair = (record.claim_key, record.paper.key)
            if pair in first_link:
                expected.append((record.id, 409, first_link[pair]))
            else:
                first_link[pair] = url if status == 201 else None
                expected.append((record.id, 201, url))
            assert record_id == record.id
        assert loaded.evidence_posts == expected
        assert [status for _, status, _ in loaded.evidence_posts].count(409) == 2

    def test_stats_match_the_file(
        self, http: httpx.Client, loaded: Loaded, records: tuple[Record, ...]
    ) -> None:
        claims = len({record.claim_key for record in records})
        studies = len({record.paper.key for record in records})
        evidence = len({(record.claim_key, record.paper.key) for record in records})
        assert (claims, studies, evidence) == (207, 90, 208)
        response = http.get("/v1/stats")
        assert response.status_code == 200
        ratings = ("supported", "mostly_supported", "mixed", "mostly_refuted", "refuted")
        assert response.json() == {
            "claims": claims,
            "studies": studies,
            "evidence": evidence,
            "topics": 0,
            "verdicts": {**dict.fromkeys((*ratings, "unproven"), 0), "none": claims},
        }

    def test_studies_are_the_distinct_papers(
        self, http: httpx.Client, loaded: Loaded, records: tuple[Record, ...]
    ) -> None:
        papers = {record.paper.key: record.paper for record in records}
        studies = all_items(http, "/v1/studies")
        assert Counter((study["title"], study["abstract"]) for study in studies) == Counter(
            (paper.title, paper.abstract) for paper in papers.values()
        )
        assert {study["publication_type"] for study in studies} == {"journal_article"}
        assert {(study["doi"], study["pmid"], study["pmcid"]) for study in studies} == {
            (None, None, None)
        }


class TestSummaries:
    def test_evidence_summary_matches_the_file(
        self, http: httpx.Client, loaded: Loaded, records: tuple[Record, ...]
    ) -> None:
        statement = "Some patients hospitalized with COVID-19 had new-onset psychosis."
        key = record_with(records, statement).claim_key
        mine = [record for record in records if record.claim_key == key]
        links = {record.paper.key: record for record in mine}
        stances = Counter(record.stance for record in links.values())
        assert (stances["supports"], stances["contradicts"], len(links)) == (2, 0, 2)
        response = http.get(loaded.claim_urls[key])
        assert response.status_code == 200
        assert response.json()["evidence_summary"] == {
            "supports": stances["supports"],
            "contradicts": stances["contradicts"],
            "mixed": 0,
            "mentions": 0,
            "studies": len(links),
            "strongest_design": None,
        }
        evidence = all_items(http, f"{loaded.claim_urls[key]}/evidence")
        assert sorted(
            (item["study"]["id"], item["stance"], item["finding"]) for item in evidence
        ) == (
            sorted(
                (loaded.study_ids[paper], record.stance, record.finding)
                for paper, record in links.items()
            )
        )

    def test_every_claim_summary_matches_the_file(
        self, http: httpx.Client, loaded: Loaded, records: tuple[Record, ...]
    ) -> None:
        expected: dict[int, Counter[str]] = {}
        seen: set[tuple[str, PaperKey]] = set()
        for record in records:
            counts = expected.setdefault(loaded.claim_ids[record.claim_key], Counter())
            if (record.claim_key, record.paper.key) not in seen:
                seen.add((record.claim_key, record.paper.key))
                counts[record.stance] += 1
        claims = all_items(http, "/v1/claims")
        assert len(claims) == len(expected)
        actual = {
            claim["id"]: (
                claim["evidence_summary"]["supports"],
                claim["evidence_summary"]["contradicts"],
                claim["evidence_summary"]["studies"],
            )
            for claim in claims
        }
        assert actual == {
            claim_id: (counts["supports"], counts["contradicts"], counts.total())
            for claim_id, counts in expected.items()
        }


class TestSearch:
    def test_search_answers_every_claim_with_the_word(
        self, http: httpx.Client, loaded: Loaded, records: tuple[Record, ...]
    ) -> None:
        expected = {
            record.statement for record in records if "polypropylene" in words(record.claim)
        }
        assert len(expected) == 2
        assert set(search(http, "polypropylene")) == expected

    def test_distinctive_words_rank_their_claim_first(
        self, http: httpx.Client, loaded: Loaded, records: tuple[Record, ...]
    ) -> None:
        target = record_with(
            records,
            "The risk of coronavirus is exacerbated by deforestation, hunting, and the global "
            "wildlife trade, particularly in exotic or endangered species.",
        )
        others = Counter(
            word
            for record in first_by_claim(records).values()
            if record.claim_key != target.claim_key
            for word in words(record.claim)
        )
        distinctive = sorted(
            word for word in words(target.claim) if len(word) > 4 and not others[word]
        )
        assert len(distinctive) >= 4
        found = search(http, " ".join(distinctive))
        assert found[0] == target.statement

    def test_exact_statement_ranks_above_its_near_duplicate(
        self, http: httpx.Client, loaded: Loaded, records: tuple[Record, ...]
    ) -> None:
        best = "The best material to slip in a cloth mask as a filter is polypropylene."
        worst = "The worst material to slip in a cloth mask as a filter is polypropylene."
        assert {record_with(records, best).label, record_with(records, worst).label} == {
            "SUPPORT",
            "REFUTE",
        }
        found = search(http, best)
        assert found[:2] == [best, worst]

    def test_question_ranks_the_claim_it_asks_about_first(
        self, http: httpx.Client, loaded: Loaded, records: tuple[Record, ...]
    ) -> None:
        reduce = record_with(
            records, "Wearing face masks can reduce the risk of novel coronavirus infection."
        )
        increase = record_with(
            records, "Wearing face masks can increase the risk of novel coronavirus infection."
        )
        found = search(http, "Does wearing a face mask reduce the risk of infection?")
        assert found[0] == reduce.statement
        assert increase.statement in found
