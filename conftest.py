"""Test-wide setup: a hermetic Jupyter environment for every kernel the tests start.

Jupyter, IPython and matplotlib write state under $HOME; the notebook check and the
tests must neither read a learner's settings nor leave files behind. Live-AWS mode is
forced off, and the progress file goes to a temporary folder.
"""

import os
import tempfile

from hypothesis import settings

_HOME = tempfile.mkdtemp(prefix="course-tests-")
for _var, _sub in {
    "JUPYTER_CONFIG_DIR": "jupyter-config",
    "IPYTHONDIR": "ipython",
    "MPLCONFIGDIR": "matplotlib",
}.items():
    os.environ[_var] = os.path.join(_HOME, _sub)
    os.makedirs(os.environ[_var], exist_ok=True)
os.environ["COURSE_PROGRESS_FILE"] = os.path.join(_HOME, "progress.json")
os.environ["PYTHONHASHSEED"] = "0"
for _var in ("COURSE_LIVE_AWS", "COURSE_AWS_ENDPOINT_URL"):
    os.environ.pop(_var, None)

# Two shared cores make wall-clock deadlines flaky; property tests check behaviour only.
# In CI the examples are derived from each test's name, so a run is judged on the code,
# not on the draw; local runs keep exploring new examples every time.
settings.register_profile("course", deadline=None, derandomize=bool(os.environ.get("CI")))
settings.load_profile("course")
