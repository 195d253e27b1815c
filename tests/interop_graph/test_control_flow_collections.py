"""import_meta_graph with an import scope rebuilds the queue_runners,
cond_context and while_context collections (QueueRunnerDef, CondContextDef,
WhileContextDef) and renames the frames of the loops' Enter ops as TensorFlow
does, and export_meta_graph with an export scope strips them as TF does:
graph_tool imports and re-exports, and the result equals what TF's own
import then export_meta_graph write."""

import pytest
import tensorflow as tf
from tensorflow.core.protobuf import control_flow_pb2, meta_graph_pb2, queue_runner_pb2

v1 = tf.compat.v1
KINDS = {"queue_runners": queue_runner_pb2.QueueRunnerDef,
         "cond_context": control_flow_pb2.CondContextDef,
         "while_context": control_flow_pb2.WhileContextDef}


@pytest.fixture(scope="module")
def control_flow_meta(tmp_path_factory):
    """A TF1 graph with a queue runner, a tf.cond nested in a while loop's
    body, and a tf.cond outside it (v1 control flow, which records
    contexts); returns the path of its .meta."""
    path = str(tmp_path_factory.mktemp("cf") / "model.meta")
    v1.disable_control_flow_v2()
    try:
        graph = tf.Graph()
        with graph.as_default():
            x = v1.placeholder(tf.float32, [], name="x")
            with v1.name_scope("loop"):
                def body(i, acc):
                    return [i + 1, v1.cond(acc > 10.0, lambda: acc, lambda: acc * x)]
                v1.while_loop(lambda i, acc: i < 5, body, [tf.constant(0), x],
                              maximum_iterations=7)
            v1.cond(x > 0.0, lambda: x + 1.0, lambda: x - 1.0, name="outer")
            queue = v1.FIFOQueue(4, [tf.float32], name="queue")
            enqueue = queue.enqueue([tf.constant(1.0)])
            v1.train.add_queue_runner(v1.train.QueueRunner(queue, [enqueue]))
            v1.train.export_meta_graph(path)
    finally:
        v1.enable_control_flow_v2()
    return path


def tf_round_trip(meta_path, import_scope="", export_scope=None):
    """The meta graph as TF imports and re-exports it."""
    v1.disable_control_flow_v2()
    try:
        with tf.Graph().as_default():
            v1.train.import_meta_graph(meta_path, import_scope=import_scope)
            return v1.train.export_meta_graph(export_scope=export_scope)
    finally:
        v1.enable_control_flow_v2()


def our_round_trip(graph_tool, meta_path, out, *flags):
    graph_tool.run("roundtrip", meta_path, out, *flags)
    meta = meta_graph_pb2.MetaGraphDef()
    meta.ParseFromString(out.read_bytes())
    return meta


def frames(meta):
    """Enter node name -> frame_name."""
    return {node.name: node.attr["frame_name"].s
            for node in meta.graph_def.node if node.op in ("Enter", "RefEnter")}


def decoded(meta):
    out = {}
    for key, kind in KINDS.items():
        values = []
        for value in meta.collection_def[key].bytes_list.value:
            message = kind()
            message.ParseFromString(value)
            values.append(message)
        out[key] = values
    return out


@pytest.mark.parametrize("scope", ["", "net"])
def test_control_flow_collections_match_tf(graph_tool, control_flow_meta, tmp_path, scope):
    ours = our_round_trip(graph_tool, control_flow_meta, tmp_path / "ours.meta",
                          *(["--import-scope", scope] if scope else []))
    theirs = tf_round_trip(control_flow_meta, scope)
    assert all(decoded(theirs)[key] for key in KINDS), "the fixture lacks a collection"
    for key in KINDS:
        assert decoded(ours)[key] == decoded(theirs)[key], key
    assert frames(theirs), "the fixture has no Enter op"
    assert frames(ours) == frames(theirs)


def test_export_scope_strips_control_flow_collections_like_tf(graph_tool, control_flow_meta,
                                                              tmp_path):
    ours = our_round_trip(graph_tool, control_flow_meta, tmp_path / "ours.meta",
                          "--export-scope", "loop")
    theirs = tf_round_trip(control_flow_meta, export_scope="loop")
    # The queue and the outer cond are outside "loop": TF leaves them out.
    assert decoded(theirs)["while_context"] and not decoded(theirs)["queue_runners"]
    for key in KINDS:
        assert decoded(ours)[key] == decoded(theirs)[key], key
    assert frames(ours) == frames(theirs)


def test_dangling_context_names_are_rejected(graph_tool, control_flow_meta, tmp_path):
    meta = meta_graph_pb2.MetaGraphDef()
    meta.ParseFromString(open(control_flow_meta, "rb").read())
    cond = control_flow_pb2.CondContextDef()
    cond.ParseFromString(meta.collection_def["cond_context"].bytes_list.value[0])
    cond.pred_name = "no_such_op:0"
    meta.collection_def["cond_context"].bytes_list.value[0] = cond.SerializeToString()
    bad = tmp_path / "bad.meta"
    bad.write_bytes(meta.SerializeToString())
    proc = graph_tool.run("roundtrip", bad, tmp_path / "out.meta", "--import-scope", "net",
                          check=False)
    assert proc.returncode == 1
    assert "cond_context" in proc.stderr and "no_such_op" in proc.stderr
