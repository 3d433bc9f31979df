"""The installation check reports every dependency and the renderer."""

from course_lib import diagnostics as doctor


def test_diagnose_covers_python_packages_renderer_and_widgets():
    names = [check.name for check in doctor.diagnose()]
    assert names[0] == "Python"
    assert {"simpy", "matplotlib", "Graphviz renderer", "widgets extension"} <= set(names)


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
