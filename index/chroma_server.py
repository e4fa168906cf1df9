"""A Chroma server as the vector store: one client per server URL, shared by the threads of a
process (chromadb's HTTP client is an httpx.Client, which is thread-safe)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def connect(url: str) -> Any:
    """The chromadb client for the server at `url` (http://host:port, https://..., or host:port)."""
    from index.store import StoreError

    with _clients_lock:
        if url not in _clients:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            host, port, ssl = parse_url(url)
            try:
                _clients[url] = chromadb.HttpClient(host=host, port=port, ssl=ssl,
                                                    settings=ChromaSettings(anonymized_telemetry=False))
            except ValueError as e:  # chromadb's "Could not connect to a Chroma server"
                raise StoreError(f"The Chroma server at {url} is not reachable ({e}). Start it with: "
                                 f"chroma run --path DIR --host {host} --port {port}; or unset "
                                 "RAG_CHROMA_URL / drop --chroma-url to use the embedded store.") from e
        return _clients[url]


def existing_collection(client: Any, name: str, url: str, index_dir: Path) -> Any:
    from chromadb.errors import NotFoundError

    from index.store import StoreError

    try:
        return client.get_collection(name, embedding_function=None)
    except NotFoundError as e:
        raise StoreError(f"The Chroma server at {url} has no vectors for the index at {index_dir} "
                         f"(collection {name}). Index the articles through it again: "
                         f"rag index PATH --index-dir {index_dir} --chroma-url {url}") from e


def parse_url(url: str) -> tuple[str, int, bool]:
    """(host, port, ssl); the port defaults to Chroma's 8000 over http, 443 over https."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{url}' is not a Chroma server URL; give one like http://127.0.0.1:8000")
    ssl = parts.scheme == "https"
    return parts.hostname, parts.port or (443 if ssl else 8000), ssl
