# Shared by scripts/run and scripts/test: create .venv with Python >= 3.11 and install the project.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "需要 Python 3.11 或更高版本（Python >= 3.11 is required）" >&2
  return 1
}

ensure_venv() {
  local extras="${1:-}"
  local stamp="$VENV/.installed${extras:+-$extras}"
  if [ ! -x "$VENV/bin/python" ]; then
    "$(find_python)" -m venv "$VENV"
  fi
  # Reinstall when pyproject.toml changes, so a pulled dependency is never missing.
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT${extras:+[$extras]}"
    # OCR of reply letters (optional extra): a machine without wheels for it still gets the rest of the app.
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT[ocr]" ||
      echo "警告：无法安装文字识别组件（rapidocr、onnxruntime、pypdfium2），答复书识别功能不可用" >&2
    touch "$stamp"
  fi
}
