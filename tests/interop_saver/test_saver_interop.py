"""tfckpt's CheckpointSaver behaves exactly like TF's tf.compat.v1.train.Saver.

Both sides run the same sequence of saves under the same controlled clock
(TF's saver module reads time.time(), patched here; tfckpt's saver takes an
injected clock). After every save the returned prefix, the tracked list
(last_checkpoints), the set of files in the directory and the bytes of the
`checkpoint` state file must match what TensorFlow produced in this run.
Then each side reads the other's state files.
"""

import json
import os
import subprocess

import pytest
import tensorflow as tf
from tensorflow.python.training import saver as saver_module

HOUR = 3600.0
START = 1_700_000_000.0


def _driver():
    path = os.environ.get("TFCKPT_SAVER_DRIVER")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("TFCKPT_SAVER_DRIVER must name the built saver_driver; run through ctest",
                    pytrace=False)
    return path


def _list_files(root):
    files = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            files.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(files)


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8")
    except FileNotFoundError:
        return ""


def run_tf(monkeypatch, workdir, options, saves, recover=False):
    """Runs the saves with TF's Saver; returns one report per save."""
    clock = {"now": START}
    monkeypatch.setattr(saver_module.time, "time", lambda: clock["now"])
    monkeypatch.chdir(workdir)
    reports = []
    with tf.Graph().as_default():
        tf.compat.v1.get_variable("w", initializer=tf.constant([1.0, 2.0]))
        saver = tf.compat.v1.train.Saver(**options)
        if recover:
            state = tf.compat.v1.train.get_checkpoint_state(os.path.dirname(saves[0]["path"]) or ".")
            saver.recover_last_checkpoints(state.all_model_checkpoint_paths)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            for save in saves:
                clock["now"] = save["time"]
                prefix = saver.save(sess, save["path"], global_step=save["step"])
                state_file = os.path.join(os.path.dirname(save["path"]), "checkpoint")
                reports.append({"prefix": prefix,
                                "last_checkpoints": list(saver.last_checkpoints),
                                "files": _list_files("."),
                                "state": _read(state_file)})
    return reports


def run_tfckpt(workdir, options, saves, recover=False):
    script = {"options": options, "start_time": START, "write_meta": True, "saves": saves}
    if recover:
        script["recover_from"] = os.path.dirname(saves[0]["path"]) or "."
    script_path = os.path.join(workdir, "..", os.path.basename(workdir) + "-script.json")
    with open(script_path, "w") as f:
        json.dump(script, f)
    proc = subprocess.run([_driver(), "run", script_path], cwd=workdir,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def compare(monkeypatch, tmp_path, options, saves, tf_dir="tf", ours_dir="ours",
            prepare=None, recover=False):
    """Runs both sides in sibling directories and compares every step.

    Absolute paths in the saves use {dir}, replaced by each side's directory.
    """
    results = {}
    for side, name in (("tf", tf_dir), ("ours", ours_dir)):
        workdir = tmp_path / name
        workdir.mkdir(exist_ok=True)
        side_saves = [dict(s, path=s["path"].replace("{dir}", str(workdir))) for s in saves]
        if prepare:
            prepare(workdir)
        if side == "tf":
            results[side] = run_tf(monkeypatch, workdir, options, side_saves, recover)
        else:
            results[side] = run_tfckpt(workdir, options, side_saves, recover)
    tf_root, ours_root = str(tmp_path / tf_dir), str(tmp_path / ours_dir)

    def normalize(report, root):
        return json.loads(json.dumps(report).replace(root, "{dir}"))

    assert len(results["tf"]) == len(results["ours"]) == len(saves)
    for step, (theirs, ours) in enumerate(zip(results["tf"], results["ours"])):
        theirs, ours = normalize(theirs, tf_root), normalize(ours, ours_root)
        assert ours == theirs, f"save #{step + 1} ({saves[step]}) differs"
    return results


def every_half_hour(path, count, first=0.5):
    return [{"path": path, "step": 100 * k, "time": START + (first + 0.5 * (k - 1)) * HOUR}
            for k in range(1, count + 1)]


def test_tutorial_retention_four_newest_plus_one_every_two_hours(monkeypatch, tmp_path):
    options = {"max_to_keep": 4, "keep_checkpoint_every_n_hours": 2}
    results = compare(monkeypatch, tmp_path, options, every_half_hour("my_test_model", 20))
    # The N-hours rule really kept some checkpoints beyond the newest four.
    final_files = results["ours"][-1]["files"]
    assert sum(f.endswith(".index") for f in final_files) > 4


def test_n_hours_clock_catches_up(monkeypatch, tmp_path):
    options = {"max_to_keep": 1, "keep_checkpoint_every_n_hours": 2}
    saves = [{"path": "model", "step": k, "time": START + (10.0 + 0.1 * k) * HOUR}
             for k in range(8)]
    compare(monkeypatch, tmp_path, options, saves)


def test_absolute_paths_padding_and_resaving_the_same_step(monkeypatch, tmp_path):
    options = {"max_to_keep": 3, "pad_step_number": True}
    steps = [1, 2, 3, 2, 4, 5, 5, 6, 7]
    saves = [{"path": "{dir}/ckpt/model", "step": s, "time": START + i * 60.0}
             for i, s in enumerate(steps)]
    compare(monkeypatch, tmp_path, options, saves,
            prepare=lambda d: (d / "ckpt").mkdir(exist_ok=True))


def test_max_to_keep_zero_keeps_everything(monkeypatch, tmp_path):
    options = {"max_to_keep": 0}
    compare(monkeypatch, tmp_path, options, every_half_hour("model", 7))


def test_save_relative_paths_with_absolute_save_path(monkeypatch, tmp_path):
    options = {"max_to_keep": 2, "save_relative_paths": True}
    saves = [{"path": "{dir}/model", "step": k, "time": START + k} for k in range(5)]
    compare(monkeypatch, tmp_path, options, saves)


def test_relative_subdirectory_and_no_global_step(monkeypatch, tmp_path):
    options = {"max_to_keep": 2}
    saves = ([{"path": "sub/model", "step": k, "time": START + k} for k in range(4)] +
             [{"path": "sub/final", "step": None, "time": START + 10},
              {"path": "sub/final", "step": None, "time": START + 20}])
    compare(monkeypatch, tmp_path, options, saves,
            prepare=lambda d: (d / "sub").mkdir(exist_ok=True))


def test_recover_last_checkpoints_adopts_an_earlier_run(monkeypatch, tmp_path):
    options = {"max_to_keep": 3, "keep_checkpoint_every_n_hours": 1}
    compare(monkeypatch, tmp_path, options, every_half_hour("model", 5))
    later = [{"path": "model", "step": 1000 + k, "time": START + (10 + k) * HOUR}
             for k in range(5)]
    compare(monkeypatch, tmp_path, options, later, recover=True)


def test_each_side_reads_the_others_state_files(monkeypatch, tmp_path):
    options = {"max_to_keep": 2}
    for path in ("model", "{dir}/abs/model"):
        saves = [{"path": path, "step": k, "time": START + k} for k in range(3)]
        compare(monkeypatch, tmp_path, options, saves,
                prepare=lambda d: (d / "abs").mkdir(exist_ok=True))
        for writer in ("tf", "ours"):
            directory = tmp_path / writer
            if path.startswith("{dir}"):
                directory = directory / "abs"
            # TF reading (either side's files) is the reference.
            expected = tf.train.latest_checkpoint(str(directory))
            assert expected is not None
            proc = subprocess.run([_driver(), "latest", str(directory)],
                                  capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
            assert json.loads(proc.stdout) == expected
            state = tf.compat.v1.train.get_checkpoint_state(str(directory))
            proc = subprocess.run([_driver(), "state", str(directory)],
                                  capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
            ours = json.loads(proc.stdout)
            assert ours["model_checkpoint_path"] == state.model_checkpoint_path
            assert ours["all_model_checkpoint_paths"] == list(state.all_model_checkpoint_paths)


def test_latest_checkpoint_is_none_when_files_are_missing(tmp_path):
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "gone-5"\n')
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    proc = subprocess.run([_driver(), "latest", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) is None
