"""Fixtures for the graph interop tests.

TensorFlow runs in-process; tfckpt is reached through graph_tool (named by
$TFCKPT_GRAPH_TOOL, which CTest sets). Expected results always come from
TensorFlow in the same run.
"""

import json
import os
import subprocess

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TF loads

import pytest  # noqa: E402


class GraphTool:
    def __init__(self, path):
        self._path = path

    def run(self, *args, check=True):
        proc = subprocess.run([self._path, *map(str, args)],
                              capture_output=True, text=True)
        if check:
            assert proc.returncode == 0, (
                f"graph_tool {args[0]} exited {proc.returncode}: "
                f"{proc.stderr[-4000:]}")
        return proc

    def json(self, *args):
        return json.loads(self.run(*args).stdout)


@pytest.fixture(scope="session")
def graph_tool():
    path = os.environ.get("TFCKPT_GRAPH_TOOL")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("TFCKPT_GRAPH_TOOL is not an executable; run these tests "
                    "with `ctest -L interop`", pytrace=False)
    return GraphTool(path)


def tf_real(relative):
    base = os.environ.get("TFCKPT_TF_REAL_DIR") or os.path.join(
        os.path.dirname(__file__), "..", "..", "..", "shared", "testdata",
        "tf-real")
    return os.path.join(base, relative)
