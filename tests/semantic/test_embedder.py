"""The default embedding model, run in numpy, against the model's published similarities."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from app.semantic.embedder import (
    DEFAULT_MODEL,
    MINILM_FILES,
    Embedder,
    ModelFilesInvalid,
    RememberingEmbedder,
    Vectors,
    get_embedder,
    minilm_directory,
    verify_files,
)

# The example in sentence-transformers' quickstart (docs/quickstart.rst, repository
# huggingface/sentence-transformers, commit 0d2ffedcc55531e390dfc9515b5d7af9ed563b26):
# SentenceTransformer("all-MiniLM-L6-v2") gives these cosine similarities, to four decimals.
QUICKSTART_SENTENCES = [
    "The weather is lovely today.",
    "It's so sunny outside!",
    "He drove to the stadium.",
]
QUICKSTART_SIMILARITIES = [
    [1.0000, 0.6660, 0.1046],
    [0.6660, 1.0000, 0.1411],
    [0.1046, 0.1411, 1.0000],
]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    """Return the process's default embedder (loaded and verified once)."""
    return get_embedder(DEFAULT_MODEL)


class TestMiniLM:
    def test_reproduces_the_published_similarities(self, embedder: Embedder) -> None:
        vectors = embedder.embed(QUICKSTART_SENTENCES)
        assert vectors.shape == (3, 384)
        assert vectors.dtype == np.float32
        similarities = vectors @ vectors.T
        # Published to four decimals: within half a unit of the last place, plus float32 noise.
        np.testing.assert_allclose(similarities, QUICKSTART_SIMILARITIES, atol=6e-5)

    def test_vectors_are_unit_length(self, embedder: Embedder) -> None:
        vectors = embedder.embed(["glute amnesia", "Sitting all day switches your glutes off."])
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), [1.0, 1.0], atol=1e-5)

    def test_a_batch_of_mixed_lengths_equals_each_text_alone(self, embedder: Embedder) -> None:
        texts = ["squats", "Do hip thrusts build bigger glutes than back squats do? " * 40]
        together = embedder.embed(texts)
        alone = np.vstack([embedder.embed([text]) for text in texts])
        np.testing.assert_allclose(together, alone, atol=1e-5)

    def test_nothing_to_embed_is_an_empty_matrix(self, embedder: Embedder) -> None:
        assert embedder.embed([]).shape == (0, 384)

    def test_the_process_loads_the_model_once(self, embedder: Embedder) -> None:
        assert get_embedder(DEFAULT_MODEL) is embedder


class TestRememberingEmbedder:
    """`citedb reindex` runs each distinct text through the model once while it is kept."""

    def test_repeated_texts_get_the_model_vectors_and_run_once(self, embedder: Embedder) -> None:
        remembering = RememberingEmbedder(embedder)
        texts = ["glute amnesia", "Sitting switches your glutes off", "glute amnesia"]
        first = remembering.embed(texts)
        np.testing.assert_allclose(first, embedder.embed(texts), atol=1e-5)
        assert remembering.computed == 2
        again = remembering.embed(["glute amnesia", "dead butt syndrome"])
        np.testing.assert_allclose(again[0], first[0], atol=0)
        np.testing.assert_allclose(again[1], embedder.embed(["dead butt syndrome"])[0], atol=1e-5)
        assert remembering.computed == 3
        assert (remembering.name, remembering.dimensions) == (embedder.name, 384)

    def test_the_least_recently_used_text_is_forgotten_past_capacity(
        self, embedder: Embedder
    ) -> None:
        remembering = RememberingEmbedder(embedder, capacity=2)
        remembering.embed(["squats", "lunges"])
        remembering.embed(["squats", "deadlifts"])  # lunges is the least recently used
        remembering.embed(["squats"])
        assert remembering.computed == 3
        remembering.embed(["lunges"])
        assert remembering.computed == 4


class TestModelFiles:
    def test_the_installed_files_have_the_known_hashes(self) -> None:
        verify_files(minilm_directory(), MINILM_FILES)

    def test_a_changed_file_is_refused(self, tmp_path: Path) -> None:
        (tmp_path / "model.safetensors").write_bytes(b"not the weights")
        with pytest.raises(ModelFilesInvalid, match="SHA-256"):
            verify_files(tmp_path, {"model.safetensors": MINILM_FILES["model.safetensors"]})

    def test_a_missing_file_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ModelFilesInvalid, match="missing"):
            verify_files(tmp_path, MINILM_FILES)

    def test_an_unknown_model_name_is_refused(self) -> None:
        with pytest.raises(ModelFilesInvalid, match="Unknown embedding model"):
            get_embedder("no-such-model")

    def test_a_factory_path_supplies_another_model(self) -> None:
        embedder = get_embedder("tests.semantic.test_embedder:tiny_embedder")
        assert embedder.name == "tiny"
        assert embedder.embed(["a", "b"]).shape == (2, 2)


class TinyEmbedder:
    """A stand-in model, to show that a factory path replaces the default."""

    name = "tiny"
    dimensions = 2

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Return the same unit vector for every text."""
        return np.tile(np.array([[1.0, 0.0]], dtype=np.float32), (len(texts), 1))


def tiny_embedder() -> TinyEmbedder:
    """Return the stand-in model."""
    return TinyEmbedder()
