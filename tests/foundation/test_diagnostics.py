"""The installation check reports every dependency and the renderer."""

from course_lib import diagnostics as doctor


def test_diagnose_covers_python_packages_renderer_and_widgets():
    names = [check.name for check in doctor.diagnose()]
    assert names[:2] == ["runs in", "Python"]
    assert {"simpy", "matplotlib", "Graphviz renderer", "widgets extension"} <= set(names)
    assert {"jupyterlab", "ipywidgets"} <= set(names)  # the [lab] extra, on a machine


def test_doctor_prints_a_verdict(capsys):
    doctor.doctor()
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "All good: the course is ready."


def test_a_failing_check_says_how_to_fix(monkeypatch, capsys):
    monkeypatch.setattr(
        doctor,
        "_graphviz",
        lambda: doctor.Check("Graphviz renderer", False, "none", "pip install graphviz-pure"),
    )
    doctor.doctor()
    out = capsys.readouterr().out
    assert "✘ Graphviz renderer" in out and "fix: pip install graphviz-pure" in out
    assert "1 problem(s) to fix" in out


def test_doctor_says_where_the_learner_copies_are(tmp_path, monkeypatch):
    from course_lib import copies

    monkeypatch.chdir(tmp_path)
    copies.make_work(tmp_path, copies.reference_notebooks()[:2])
    check = doctor.diagnose()[-1]
    assert check.name == "your copies" and check.ok
    assert check.detail == f"2 of {len(copies.reference_notebooks())} lessons in {tmp_path}"


def test_in_the_browser_the_checks_speak_of_the_page(monkeypatch):
    monkeypatch.setattr(doctor, "in_browser", lambda: True)
    checks = {check.name: check for check in doctor.diagnose()}
    assert checks["runs in"].detail.startswith("the browser (JupyterLite)")
    assert "jupyterlab" not in checks  # the page brings JupyterLab, the kernel does not need it
    assert (
        checks["widgets extension"].ok and checks["widgets extension"].detail == "part of the page"
    )
    assert checks["live-AWS cells"].detail.startswith("not in the browser")
    assert "browser's storage" in checks["your copies"].detail


def test_a_missing_package_in_the_browser_points_to_the_first_cell(monkeypatch):
    from importlib import metadata

    monkeypatch.setattr(doctor, "in_browser", lambda: True)
    real = metadata.version

    def version(name):
        if name == "simpy":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(doctor.metadata, "version", version)
    simpy = next(c for c in doctor.diagnose() if c.name == "simpy")
    assert not simpy.ok and "first cell" in simpy.fix
