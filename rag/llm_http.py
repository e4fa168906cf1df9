"""An OpenAI-compatible chat completions server as the LLM (llama_cpp.server, llama.cpp's
llama-server, vLLM), behind the same create_chat_completion(..., stream=True) call as an
in-process llama_cpp.Llama, so rag/api.py does not care which one it talks to."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from rag.models import ModelError

CONNECT_TIMEOUT_S = 10.0


class ChatClient:
    """One per server URL and process; httpx.Client pools connections and is thread-safe."""

    def __init__(self, base_url: str, model: str = "", api_key: str = "", timeout: float = 300.0) -> None:
        self.base_url = api_base(base_url)
        self.model = model
        self.timeout = timeout
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT_S))
        self._model_lock = threading.Lock()

    def create_chat_completion(self, messages: list[dict], stream: bool = False, **params: Any) -> Any:
        """`params` as for llama_cpp.Llama (temperature, top_k, max_tokens...). stream=True returns a
        ChatStream of OpenAI-style chunks; otherwise the whole response."""
        body = {"model": self.model_name(), "messages": messages, "stream": stream, **params}
        if stream:
            body["stream_options"] = {"include_usage": True}
            return ChatStream(self, body)
        return self._post("/chat/completions", body)

    def create_completion(self, prompt: str, **params: Any) -> dict:
        return self._post("/completions", {"model": self.model_name(), "prompt": prompt, **params})

    def model_name(self) -> str:
        """The configured name, else the first model the server lists (vLLM insists on the name;
        llama_cpp.server takes any)."""
        with self._model_lock:
            if not self.model:
                models = self._request("GET", "/models").get("data") or [{}]
                self.model = models[0].get("id") or "default"
            return self.model

    def _post(self, path: str, body: dict) -> dict:
        return self._request("POST", path, body)

    def _request(self, method: str, path: str, body: dict | None = None) -> dict:
        with self._errors():
            response = self.http.request(method, self.base_url + path, json=body)
            _raise_for_status(response, self.base_url)
            return response.json()

    def _errors(self) -> _HttpErrors:
        return _HttpErrors(self.base_url, self.timeout)

    def close(self) -> None:
        self.http.close()


class ChatStream:
    """The chunks of one streamed reply, each with a choices[0].delta. The server's usage report
    (sent after the last chunk when it honours stream_options.include_usage) lands in `usage`."""

    def __init__(self, client: ChatClient, body: dict) -> None:
        self.client = client
        self.body = body
        self.usage: dict[str, int] = {}
        self._chunks = self._read()

    def __iter__(self) -> Iterator[dict]:
        return self._chunks

    @property
    def prompt_tokens(self) -> int:
        """As the server reports it; else (llama_cpp.server reports no usage when streaming) an
        estimate: the messages in cl100k tokens plus a few per message for the chat template."""
        if "prompt_tokens" in self.usage:
            return int(self.usage["prompt_tokens"])
        from index.chunk import count_tokens

        return sum(count_tokens(str(m.get("content") or "")) + 4 for m in self.body["messages"])

    def close(self) -> None:
        self._chunks.close()  # closes the HTTP response: the server stops generating for us

    def _read(self) -> Iterator[dict]:
        client = self.client
        url = client.base_url + "/chat/completions"
        with client._errors():
            with client.http.stream("POST", url, json=self.body) as response:
                if response.status_code >= 400:
                    response.read()
                _raise_for_status(response, client.base_url)
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue  # SSE comments (pings), event names, blank separators
                    data = line[len("data:") :].strip()
                    if data == "[DONE]":
                        return
                    chunk = json.loads(data)
                    if chunk.get("error"):
                        raise ModelError(f"The LLM server at {client.base_url} failed mid-answer: "
                                         f"{_error_text(chunk)}")
                    if chunk.get("usage"):
                        self.usage = chunk["usage"]
                    if chunk.get("choices"):
                        yield chunk


class _HttpErrors:
    """Turns httpx's failures into a ModelError that says what to do."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url, self.timeout = base_url, timeout

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, error: BaseException | None, tb: object) -> bool:
        if isinstance(error, httpx.TimeoutException) and not isinstance(error, httpx.ConnectTimeout):
            raise ModelError(f"The LLM server at {self.base_url} sent nothing for {self.timeout:g}s. "
                             "It may be overloaded: add servers, or raise RAG_LLM_TIMEOUT.") from error
        if isinstance(error, httpx.TransportError):
            raise ModelError(f"The LLM server at {self.base_url} is not reachable ({error}). Start it, "
                             "e.g.: python -m llama_cpp.server --model MODEL.gguf --host HOST --port PORT "
                             "--interrupt_requests false; or unset RAG_LLM_URL / drop --llm-url to use "
                             "the local model.") from error
        if isinstance(error, json.JSONDecodeError):
            raise ModelError(f"The server at {self.base_url} did not answer like an OpenAI-compatible "
                             f"API ({error}). Check RAG_LLM_URL: it is the API base, e.g. "
                             "http://host:8080/v1.") from error
        return False


def _raise_for_status(response: httpx.Response, base_url: str) -> None:
    if response.status_code < 400:
        return
    try:
        detail = _error_text(response.json())
    except ValueError:
        detail = response.text[:300]
    hints = {401: " Set RAG_LLM_API_KEY to the server's key.",
             404: " Check RAG_LLM_URL: it is the API base, e.g. http://host:8080/v1."}
    hint = hints.get(response.status_code, "")
    raise ModelError(f"The LLM server at {base_url} answered HTTP {response.status_code}: {detail}.{hint}")


def _error_text(payload: Any) -> str:
    error = payload.get("error", payload) if isinstance(payload, dict) else payload
    if isinstance(error, dict):
        return str(error.get("message") or error.get("detail") or error)
    return str(error)


def api_base(url: str) -> str:
    """http://host:8080 (or host:8080) -> http://host:8080/v1, where these servers put the API;
    a URL with a path of its own is taken as given."""
    url = url.strip().rstrip("/")
    url = url if "://" in url else f"http://{url}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ModelError(f"'{url}' is not an LLM server URL; give the API base, e.g. http://127.0.0.1:8080/v1")
    return url if parts.path else url + "/v1"
