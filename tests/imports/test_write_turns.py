"""Write turns: a long import commits in batches and other curators' writes go in between."""

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import insert_key
from tests.databases import TestDatabase
from tests.problems import assert_problem
from tests.server import LiveServer, serve, server_settings

RECORDS = 10_000
CURATORS = 20


def ris_records(count: int) -> str:
    """Return ``count`` minimal RIS records with distinct titles."""
    return "".join(
        f"TY  - JOUR\nTI  - Imported record {n}\nPY  - 2020\nER  - \n" for n in range(count)
    )


@pytest.fixture(scope="module")
def import_server(database: TestDatabase) -> Iterator[LiveServer]:
    """A server that takes a 10,000-record upload (the shared one keeps a small body limit)."""
    settings = server_settings(
        database.url,
        max_body_bytes=5_000_000,
        import_max_records=RECORDS,
        cache_ttl=0,
    )
    with serve(settings) as server:
        yield server


class TestWritesDuringAnImport:
    def test_twenty_curators_write_while_ten_thousand_records_import(
        self, import_server: LiveServer, clean_database: TestDatabase
    ) -> None:
        importer = insert_key(clean_database, name="importer", role="editor")
        curators = [
            insert_key(clean_database, name=f"curator {n}", role="editor") for n in range(CURATORS)
        ]
        body = ris_records(RECORDS).encode()
        order: list[str] = []  # who answered, in the order the answers came
        outcome: dict[str, Any] = {}

        def run_import() -> None:
            with httpx.Client(base_url=import_server.base_url, timeout=600) as http:
                response = http.post(
                    "/v1/studies/import",
                    content=body,
                    headers={
                        "Authorization": f"Bearer {importer}",
                        "Content-Type": "application/x-research-info-systems",
                    },
                )
            order.append("import")
            outcome["import"] = response

        def curate(n: int) -> None:
            headers = {"Authorization": f"Bearer {curators[n]}"}
            with httpx.Client(base_url=import_server.base_url, headers=headers, timeout=60) as http:
                topic = http.post("/v1/topics", json={"name": f"Curated topic {n}"})
                study = http.post(
                    "/v1/studies", json={"title": f"A study curated by {n}", "year": 2021}
                )
            order.append(f"curator {n}")
            outcome[f"curator {n}"] = (topic, study)

        importing = threading.Thread(target=run_import)
        importing.start()
        with httpx.Client(base_url=import_server.base_url, timeout=30) as http:
            deadline = time.monotonic() + 120
            # Once the first batch is visible the import is committing batch by batch.
            while not http.get("/v1/studies", params={"limit": 1}).json()["items"]:
                assert importing.is_alive(), "the import ended before a batch was visible"
                assert time.monotonic() < deadline, "no batch committed in time"
                time.sleep(0.05)
        writers = [threading.Thread(target=curate, args=(n,)) for n in range(CURATORS)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        importing.join()

        for n in range(CURATORS):
            topic, study = outcome[f"curator {n}"]
            assert topic.status_code == 201, topic.text
            assert study.status_code == 201, study.text
        # Every curator was answered before the import was: none waited for the whole upload.
        assert order[-1] == "import"
        report = outcome["import"].json()
        assert outcome["import"].status_code == 200, report
        assert (report["created"], report["errors"]) == (RECORDS, 0)
        ((studies,),) = clean_database.execute("SELECT count(*) FROM studies")
        assert studies == RECORDS + CURATORS


class TestNoTurnInTime:
    def test_a_write_that_cannot_get_its_turn_is_503_with_retry_after(
        self, backend: str, database: TestDatabase, clean_database: TestDatabase
    ) -> None:
        if backend != "sqlite":
            pytest.skip("PostgreSQL writers lock rows, not the database: they take no turns")
        # One batch for the whole upload holds the turn far longer than a writer may wait.
        settings = server_settings(
            database.url,
            max_body_bytes=5_000_000,
            import_max_records=RECORDS,
            import_batch_records=RECORDS,
            write_wait_seconds=0.05,
        )
        importer = insert_key(clean_database, name="importer", role="editor")
        curator = insert_key(clean_database, name="curator", role="editor")
        answers: list[httpx.Response] = []
        with serve(settings) as server:
            importing = threading.Thread(
                target=lambda: httpx.post(
                    f"{server.base_url}/v1/studies/import",
                    content=ris_records(3_000).encode(),
                    headers={
                        "Authorization": f"Bearer {importer}",
                        "Content-Type": "application/x-research-info-systems",
                    },
                    timeout=120,
                )
            )
            importing.start()
            headers = {"Authorization": f"Bearer {curator}"}
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as http:
                n = 0
                while importing.is_alive() and not any(a.status_code == 503 for a in answers):
                    n += 1
                    answers.append(http.post("/v1/topics", json={"name": f"Topic {n}"}))
                importing.join()
                after = http.post("/v1/topics", json={"name": "After the import"})
        assert {a.status_code for a in answers} <= {201, 503}
        busy = [a for a in answers if a.status_code == 503]
        assert busy, "no write waited past the limit"
        assert_problem(busy[0], 503)
        assert int(busy[0].headers["Retry-After"]) > 0
        assert after.status_code == 201, after.text
