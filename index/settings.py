"""One settings object, read from env vars and an optional TOML file, passed down everywhere."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

ENV_PREFIX = "RAG_"


def _data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "rag-news"


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag-news"


@dataclass(frozen=True)
class Settings:
    """Everything that can be tuned. Each field can be set as RAG_<FIELD> in the environment
    or as a key in rag.toml (current directory, or the file named by RAG_CONFIG)."""

    index_dir: Path = _data_home() / "index"
    cache_dir: Path = _cache_home()
    # A path to any local GGUF file; empty means the packaged default model.
    model_path: str = ""
    # A sentence-transformers folder; empty means the packaged all-MiniLM-L6-v2.
    embed_model: str = ""
    chunk_tokens: int = 180
    chunk_overlap: int = 30
    # Chunks embedded and written to Chroma at a time. Large calls let the embedder batch
    # texts of similar length (less padding); smaller ones use less memory and lose less on a kill.
    embed_batch: int = 1024
    top_k: int = 4
    # The best candidates whose sentences compete for the prompt (rag/context.py focus()): the
    # top_k passages given are those whose sentences bear most on the question.
    focus_candidates: int = 8
    # Of those, a passage whose best sentence scores more than passage_margin hundredths (cosine
    # similarity plus the question's own words) below the best passage's is not given: measured on
    # the four suites, 0.20 kept every answering passage and cut the prompt from ~443 to ~362
    # tokens (2.9 passages a question instead of 3.8). 0: always top_k passages.
    passage_margin: int = 20
    candidates: int = 30
    max_per_article: int = 2
    hybrid: bool = True
    clean: bool = True
    dedup: bool = True
    time_aware: bool = True
    # Counting and 'which year' questions answered from the event table (index/events.py).
    events: bool = True
    # A question naming someone or somewhere no article contains ("Northwind Front", "Atlantis") is
    # refused without asking the model. Off: such questions go through retrieval like any other.
    refuse_unknown_names: bool = True
    # The LLM words the computed count (checked against the arithmetic); off: the plain computed text.
    phrase_counts: bool = True
    # Quote-then-answer, with the quote checked against the passages. Off: a plain RAG prompt.
    verify_quotes: bool = True
    # Prompt tokens of passage text, all passages together: each passage is cut to the sentences
    # that bear most on the question (0: whole passages). Prompt tokens are most of the latency.
    passage_budget: int = 300
    # When the model finds no answer in the passages, it is shown this many of their sentences that
    # bear most on the question and asked which one answers; that sentence, quoted, is the answer,
    # checked as any other (0: no second look). A small model overlooks the answering sentence
    # among 300 tokens of passages, yet picks it out of a handful.
    second_look: int = 5
    # A question of two joined questions ('which company ran the mine, and what did the government
    # decide?') is answered part by part: the second part is asked again on the same passages and
    # its answer joined to the first. A small model answers the first part and drops the second.
    answer_each_part: bool = True
    max_answer_tokens: int = 300
    context_tokens: int = 4096
    threads: int = max(1, os.cpu_count() or 1)
    max_question_chars: int = 2000
    # Servers, for several users at once (README, Deployment); empty = embedded Chroma and
    # in-process llama.cpp. chroma_url: a Chroma server (`chroma run`), e.g. http://host:8000.
    chroma_url: str = ""
    # llm_url: an OpenAI-compatible API base, e.g. http://host:8080/v1 (llama_cpp.server,
    # llama.cpp's llama-server, vLLM); llm_model: the model name sent (empty: the server's first).
    llm_url: str = ""
    llm_model: str = ""
    llm_timeout: int = 300  # seconds without a byte from the LLM server before giving up
    # Sent as a bearer token; best given as RAG_LLM_API_KEY rather than written in rag.toml.
    llm_api_key: str = dataclasses.field(default="", repr=False)

    @classmethod
    def load(cls, config_file: str | Path | None = None, **overrides: object) -> Settings:
        """Defaults, then the config file, then RAG_* env vars, then explicit overrides."""
        values: dict[str, object] = {}
        path = Path(config_file or os.environ.get("RAG_CONFIG") or "rag.toml")
        if path.is_file():
            with path.open("rb") as f:
                values.update(tomllib.load(f))
        for field in fields(cls):
            env = os.environ.get(ENV_PREFIX + field.name.upper())
            if env is not None:
                values[field.name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise SettingError(f"unknown setting(s) {sorted(unknown)} in {path} or overrides; "
                               f"known: {', '.join(f.name for f in fields(cls))}")
        return replace(cls(), **{k: _coerce(cls, k, v) for k, v in values.items()})

    def with_(self, **changes: object) -> Settings:
        return replace(self, **{k: _coerce(type(self), k, v) for k, v in changes.items()})

    def corpus_index_dir(self, paths: list[str | Path]) -> Path:
        """A dedicated index for exactly these paths, so `--corpus` never mixes corpora."""
        key = "\n".join(sorted(str(Path(p).resolve()) for p in paths))
        # Settings that change what is indexed get an index of their own.
        key += repr((self.clean, self.dedup, self.chunk_tokens, self.chunk_overlap, self.embed_model))
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        return self.cache_dir / "corpora" / digest


class SettingError(ValueError):
    """A setting that does not exist, or a value it cannot take; the message says which."""


TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _coerce(cls: type, name: str, value: object) -> object:
    known = [f.name for f in fields(cls)]
    if name not in known:
        raise SettingError(f"unknown setting '{name}'; known: {', '.join(known)}")
    default = getattr(cls(), name)
    if isinstance(default, bool):
        if not isinstance(value, str):
            return bool(value)
        # A typo ("flase") must not quietly switch a component off.
        if value.strip().lower() not in TRUE | FALSE:
            raise SettingError(f"setting '{name}' is true or false, not '{value}'")
        return value.strip().lower() in TRUE
    if isinstance(default, int):
        try:
            return int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise SettingError(f"setting '{name}' is a whole number, not '{value}'") from None
    if isinstance(default, Path):
        return Path(str(value)).expanduser()
    return str(value)
