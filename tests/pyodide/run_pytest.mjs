// Runs pytest inside Pyodide (CPython on WebAssembly) under Node, offline.
//
//   node run_pytest.mjs <pyodide dir> <wheel dir> <repository> <output dir> -- <pytest args>
//
// Every wheel in <wheel dir> is installed with micropip from the in-memory file system
// (no index, no network). The repository's tests/ and data/ are mounted at /course
// beside a copy of its conftest.py, but not course_lib/: the course under test is the
// installed wheel, not the source tree. <output dir> is /course/out, for reports.
// Exits with pytest's exit code.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, wheelDir, repository, outputDir, sep, ...pytestArgs] = process.argv.slice(2);
if (sep !== "--") {
  console.error("usage: run_pytest.mjs <pyodide dir> <wheel dir> <repository> <output dir> -- <pytest args>");
  process.exit(2);
}
const { loadPyodide } = await import(pathToFileURL(join(resolve(pyodideDir), "pyodide.mjs")).href);
const started = performance.now();
const pyodide = await loadPyodide({ indexURL: resolve(pyodideDir) + "/" });
const raw = (stream) => ({ write: (bytes) => (stream.write(bytes), bytes.length) });
pyodide.setStdout(raw(process.stdout));
pyodide.setStderr(raw(process.stderr));
const wheels = readdirSync(wheelDir).filter((name) => name.endsWith(".whl")).sort();
const micropipWheel = wheels.find((name) => name.startsWith("micropip-"));
if (!micropipWheel) {
  console.error(`no micropip wheel in ${wheelDir}`);
  process.exit(2);
}
await pyodide.loadPackage(join(resolve(wheelDir), micropipWheel), { messageCallback: () => {} });
pyodide.FS.mkdirTree("/wheels");
const targets = [];
for (const name of wheels.filter((name) => name !== micropipWheel)) {
  pyodide.FS.writeFile(`/wheels/${name}`, readFileSync(join(wheelDir, name)));
  targets.push(`emfs:/wheels/${name}`);
}
const micropip = pyodide.pyimport("micropip");
await micropip.install.callKwargs(targets, { deps: false });
const mounts = { tests: resolve(repository, "tests"), data: resolve(repository, "data"), out: resolve(outputDir) };
for (const [folder, root] of Object.entries(mounts)) {
  pyodide.FS.mkdirTree(`/course/${folder}`);
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root }, `/course/${folder}`);
}
pyodide.FS.writeFile("/course/conftest.py", readFileSync(join(repository, "conftest.py")));
pyodide.FS.writeFile("/course/pytest.ini", "[pytest]\n");
const ready = ((performance.now() - started) / 1000).toFixed(1);
console.log(`pyodide ${pyodide.version}: ${targets.length} wheels installed in ${ready} s`);
pyodide.globals.set("pytest_args", pyodide.toPy(pytestArgs));
pyodide.globals.set("ci", process.env.CI ?? "");
const code = await pyodide.runPythonAsync(`
import os, sys
sys.dont_write_bytecode = True
if ci:
    os.environ["CI"] = ci
os.chdir("/course")
import pytest
int(pytest.main(["-c", "/course/pytest.ini", "--rootdir", "/course", "-p", "no:cacheprovider", *pytest_args]))
`);
process.exit(code);
