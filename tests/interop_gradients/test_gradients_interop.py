"""Symbolic gradients, optimizers and fine-tuning (tfckpt.Gradients,
*Optimizer.Minimize, examples/fine_tune.cc) against TensorFlow.

- The same models built in TF and with GraphBuilder (gradients_driver.cc),
  from the same initial values, give the same gradients (tf.gradients), made
  of the same ops under the same names ("gradients/..."). The op models
  ("binary", "shapes") cover every differentiable op one by one.
- A few GradientDescent / Momentum / Adam steps give the same variables and
  slots; the checkpoints hold the same keys and shapes; TF imports the C++
  meta graph with the same variable collections and keeps training it.
- fine_tune on a CNN TF trained: the frozen variables do not change (bit for
  bit), the loss of the new layer falls, TF restores the result.
"""

import os
import re
import subprocess

import numpy as np
import pytest
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_v2_behavior()  # TF1 graphs: reference variables, as GraphBuilder

STEPS = 3
OPTIMIZERS = {
    "sgd": lambda: tf1.train.GradientDescentOptimizer(0.1),
    "momentum": lambda: tf1.train.MomentumOptimizer(0.05, 0.9),
    "adam": lambda: tf1.train.AdamOptimizer(0.01),
}


def _binary(env_name):
    path = os.environ.get(env_name)
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"{env_name} must name the built program; run through ctest", pytrace=False)
    return path


def _run(args):
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


# --- The models, as gradients_driver.cc builds them --------------------------

def _data(shape, name):
    return tf1.Variable(tf.zeros(shape), name=name, trainable=False)


def _mlp():
    x = _data([4, 5], "x")
    labels = _data([4, 3], "labels")
    w1 = tf1.Variable(tf.zeros([5, 6]), name="w1")
    b1 = tf1.Variable(tf.zeros([6]), name="b1")
    w2 = tf1.Variable(tf.zeros([6, 3]), name="w2")
    b2 = tf1.Variable(tf.zeros([3]), name="b2")
    hidden = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w1), b1))
    gated = hidden * tf.sigmoid(hidden)
    logits = tf.nn.bias_add(tf.matmul(gated, w2), b2)
    # The op itself, as GraphBuilder makes it (no reshaping wrapper).
    per_example, _ = tf.raw_ops.SoftmaxCrossEntropyWithLogits(
        features=logits, labels=labels, name="softmax_cross_entropy_with_logits")
    xent = tf.reduce_mean(per_example)
    return xent + tf.reduce_sum(tf.square(w1)) * 0.005


def _cnn():
    x = _data([2, 6, 6, 2], "x")
    target = _data([2, 3], "target")
    kernel = tf1.Variable(tf.zeros([3, 3, 2, 4]), name="kernel")
    bias = tf1.Variable(tf.zeros([4]), name="bias")
    w = tf1.Variable(tf.zeros([3, 72]), name="w")
    conv = tf.tanh(tf.nn.bias_add(tf.nn.conv2d(x, kernel, strides=1, padding="SAME"), bias))
    largest = tf1.nn.max_pool(conv, 2, 2, "VALID")
    average = tf1.nn.avg_pool(conv, 2, 2, "VALID")
    features = tf.reshape(tf.concat([largest, average], 3), [2, 72])
    out = tf.nn.relu6(tf.matmul(features, w, transpose_b=True) * 3.0)
    error = tf.sqrt(tf.square(out - target) + 1.0)
    soft = tf.math.log(tf.exp(out * 0.1) + 1.0) / error
    return tf.reduce_sum(tf.reduce_sum(soft, 1)) - tf.reduce_mean(tf.sigmoid(-out))


def _binary_ops():
    """Elementwise binary ops and Abs, with and without broadcasting."""
    def var(shape, name):
        return tf1.Variable(tf.zeros(shape), name=name)
    maximum = tf.maximum(var([2, 3], "max_x"), var([3], "max_y"))
    minimum = tf.minimum(var([2, 3], "min_x"), var([2, 3], "min_y"))
    power = tf.pow(var([2, 3], "pos_base"), var([3], "exponent"))
    magnitude = tf.abs(var([2, 3], "abs_x"))
    spread = tf.math.squared_difference(var([2, 3], "sd_x"), var([3], "sd_y"))
    same = tf.math.squared_difference(var([2, 3], "sd_same_x"), var([2, 3], "sd_same_y"))
    return (tf.reduce_sum(maximum) + tf.reduce_sum(minimum) + tf.reduce_sum(power)
            + tf.reduce_sum(magnitude) + tf.reduce_sum(spread) + tf.reduce_sum(same))


def _shape_ops():
    """Layout ops, gather, slicing, padding, batch norm (inference and
    training), partial reductions, a concat of 17 inputs, gathers along inner
    axes."""
    def var(shape, name):
        return tf1.Variable(tf.zeros(shape), name=name)
    log_probs = tf.nn.log_softmax(var([2, 4], "logits"))
    moved = tf.transpose(var([2, 3, 4], "cube"), [2, 0, 1])
    expanded = tf.expand_dims(var([2, 3], "flat"), 1)
    rows = tf.gather(var([4, 3], "table"), [2, 0, 2])
    sliced = var([4, 5], "grid")[1:3, ::2]
    padded = tf.pad(var([2, 3], "padded"), [[1, 0], [2, 1]])
    padded_with = tf.pad(var([2, 3], "padded_with"), [[0, 1], [1, 1]], constant_values=2.0)
    normalized, _, _ = tf1.nn.fused_batch_norm(
        var([2, 3, 3, 2], "images"), var([2], "gamma"), var([2], "beta"),
        mean=tf.constant([0.1, 0.2]), variance=tf.constant([1.0, 2.0]),
        epsilon=0.001, is_training=False)
    joined = tf.concat([var([2, 3], "left"), var([2, 2], "right")], 1)
    trained, _, _ = tf1.nn.fused_batch_norm(
        var([2, 3, 3, 2], "batch"), var([2], "batch_gamma"), var([2], "batch_beta"),
        epsilon=0.001, is_training=True)
    # Past 16 inputs, TF's gradient of concat splits instead of slicing.
    wide = tf.concat([var([2, k % 3 + 1], f"wide_{k}") for k in range(17)], 1)
    # Past axis 0, the gradient of gather moves the axis first and back.
    columns = tf.gather(var([3, 4, 2], "columns"), [[1, 0], [1, 3]], axis=1)
    last = tf.gather(var([2, 3], "last"), [2, 2, 0], axis=-1)
    loss = (tf.reduce_sum(log_probs) + tf.reduce_sum(moved, [0, 1]) * 0.5
            + tf.reduce_mean(expanded, [1]) + tf.reduce_sum(rows) + tf.reduce_sum(sliced)
            + tf.reduce_sum(padded) + tf.reduce_sum(padded_with)
            + tf.reduce_mean(normalized) + tf.reduce_sum(joined * joined)
            + tf.reduce_sum(trained * trained) + tf.reduce_sum(wide * wide)
            + tf.reduce_sum(columns * columns) + tf.reduce_sum(last * last))
    return tf.reduce_sum(loss)


# Models trained by every optimizer, and models that check op gradients.
TRAINING_MODELS = {"mlp": _mlp, "cnn": _cnn}
OP_MODELS = {"binary": _binary_ops, "shapes": _shape_ops}
MODELS = {**TRAINING_MODELS, **OP_MODELS}


def _initial_checkpoint(name, tmp_path_factory):
    """(model name, prefix of a checkpoint of random initial values)."""
    rng = np.random.default_rng(len(name))
    prefix = str(tmp_path_factory.mktemp(name) / "init")
    graph = tf.Graph()
    with graph.as_default():
        MODELS[name]()
        model_vars = tf1.global_variables()
        with tf1.Session() as sess:
            for var in model_vars:
                shape = var.shape.as_list()
                if var.op.name == "labels":
                    value = np.eye(3, dtype=np.float32)[rng.integers(0, 3, shape[0])]
                else:
                    value = rng.normal(0.0, 0.5, shape).astype(np.float32)
                    if var.op.name.startswith("pos"):
                        value = np.abs(value) + 0.5
                var.load(value, sess)
            tf1.train.Saver(model_vars).save(sess, prefix, write_meta_graph=False)
    return name, prefix


@pytest.fixture(scope="module", params=sorted(TRAINING_MODELS))
def initial(request, tmp_path_factory):
    return _initial_checkpoint(request.param, tmp_path_factory)


@pytest.fixture(scope="module", params=sorted(MODELS))
def any_initial(request, tmp_path_factory):
    return _initial_checkpoint(request.param, tmp_path_factory)


def _restored_model(name, prefix):
    """A graph with the model restored from `prefix`: (graph, session, loss)."""
    graph = tf.Graph()
    with graph.as_default():
        loss = MODELS[name]()
        model_vars = tf1.global_variables()
        sess = tf1.Session(graph=graph)
        tf1.train.Saver(model_vars).restore(sess, prefix)
    return graph, sess, loss


def _dense(grad):
    """A gradient as a tensor: IndexedSlices (Gather's) converted as TF
    converts them, inside the scope of the gradient op that made them."""
    if not isinstance(grad, tf.IndexedSlices):
        return grad
    scope = grad.values.op.name.rsplit("/", 1)[0]
    with tf1.name_scope(scope + "/"):
        return tf.convert_to_tensor(grad)


def test_gradients_match_tf_gradients(any_initial, tmp_path):
    name, prefix = any_initial
    out = str(tmp_path / "grads")
    _run([_binary("TFCKPT_GRADIENTS_DRIVER"), "grads", name, prefix, out])
    graph, sess, loss = _restored_model(name, prefix)
    with graph.as_default():
        trainable = tf1.trainable_variables()
        grads = [_dense(g) for g in tf1.gradients(loss, trainable)]
        expected = sess.run(grads)
        tf_ops = {op.name: op.type for op in graph.get_operations()
                  if op.name.startswith("gradients/")}
    ours = {name: op for name, op in _graph_ops(out + ".meta").items()
            if name.startswith("gradients/")}
    assert ours == tf_ops
    reader = tf.train.load_checkpoint(out)
    assert sorted(reader.get_variable_to_shape_map()) == sorted(v.op.name for v in trainable)
    for var, value in zip(trainable, expected):
        # The input gradient of training-mode batch norm subtracts per-channel
        # float sums of nearly equal size; summed in another order than
        # Eigen's, it loses a digit to the cancellation.
        rtol = 1e-4 if var.op.name == "batch" else 1e-5
        np.testing.assert_allclose(reader.get_tensor(var.op.name), value, rtol=rtol, atol=1e-6,
                                   err_msg=var.op.name)


def _train_in_tf(name, prefix, optimizer, out):
    graph = tf.Graph()
    with graph.as_default():
        loss = MODELS[name]()
        model_vars = tf1.global_variables()
        step = tf1.train.get_or_create_global_step()
        train = OPTIMIZERS[optimizer]().minimize(loss, global_step=step)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            tf1.train.Saver(model_vars).restore(sess, prefix)
            for _ in range(STEPS):
                sess.run(train)
            tf1.train.Saver().save(sess, out)
        collections = {key: sorted(v.op.name for v in graph.get_collection(key))
                       for key in ("variables", "trainable_variables", "global_step")}
        collections["train_op"] = [op.name for op in graph.get_collection("train_op")]
        ops = {op.name: op.type for op in graph.get_operations()
               if not op.name.startswith(("save", "restore"))}
    return collections, ops


def _graph_ops(meta_path):
    """Op name -> type of a .meta, without the Saver's ops."""
    meta = tf1.MetaGraphDef()
    with open(meta_path, "rb") as f:
        meta.ParseFromString(f.read())
    return {node.name: node.op for node in meta.graph_def.node
            if not node.name.startswith(("save", "restore"))}


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_training_steps_match_tf(initial, optimizer, tmp_path):
    name, prefix = initial
    ours = str(tmp_path / "ours" / "model")
    theirs = str(tmp_path / "tf" / "model")
    _run([_binary("TFCKPT_GRADIENTS_DRIVER"), "train", name, prefix, optimizer, str(STEPS), ours])
    tf_collections, tf_ops = _train_in_tf(name, prefix, optimizer, theirs)
    # Every forward, gradient and optimizer op under TF's name and type.
    assert _graph_ops(ours + ".meta") == tf_ops

    ours_reader = tf.train.load_checkpoint(ours)
    theirs_reader = tf.train.load_checkpoint(theirs)
    # Same keys (variables, slots, beta powers, global_step) and shapes.
    assert ours_reader.get_variable_to_shape_map() == theirs_reader.get_variable_to_shape_map()
    assert ours_reader.get_variable_to_dtype_map() == theirs_reader.get_variable_to_dtype_map()
    for key in theirs_reader.get_variable_to_shape_map():
        np.testing.assert_allclose(ours_reader.get_tensor(key), theirs_reader.get_tensor(key),
                                   rtol=1e-5, atol=1e-6, err_msg=key)
    assert ours_reader.get_tensor("global_step") == STEPS

    # TF imports the C++ graph with the same collections and keeps training.
    graph = tf.Graph()
    with graph.as_default():
        saver = tf1.train.import_meta_graph(ours + ".meta")
        collections = {key: sorted(v.op.name for v in graph.get_collection(key))
                       for key in ("variables", "trainable_variables", "global_step")}
        collections["train_op"] = [op.name for op in graph.get_collection("train_op")]
        assert collections == tf_collections
        with tf1.Session() as sess:
            saver.restore(sess, ours)
            sess.run(graph.get_collection("train_op"))
            assert sess.run("global_step:0") == STEPS + 1


# --- Fine-tuning --------------------------------------------------------------

def _train_base_cnn(prefix):
    """A small CNN trained a few Adam steps in TF: x -> conv -> pool ->
    features [batch, 64] -> head; saved with its training ops."""
    rng = np.random.default_rng(3)
    graph = tf.Graph()
    with graph.as_default():
        tf1.set_random_seed(5)
        x = tf1.placeholder(tf.float32, [None, 8, 8, 1], name="x")
        y = tf1.placeholder(tf.float32, [None, 2], name="y")
        with tf1.variable_scope("conv"):
            w = tf1.get_variable("w", [3, 3, 1, 4],
                                 initializer=tf1.truncated_normal_initializer(stddev=0.5))
            b = tf1.get_variable("b", [4], initializer=tf1.constant_initializer(0.1))
        conv = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w, 1, "SAME"), b))
        pooled = tf.nn.max_pool2d(conv, 2, 2, "VALID")
        features = tf.reshape(pooled, [-1, 64], name="features")
        with tf1.variable_scope("head"):
            kernel = tf1.get_variable("kernel", [64, 2])
            bias = tf1.get_variable("bias", [2], initializer=tf1.zeros_initializer())
        head = tf.matmul(features, kernel) + bias
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=head))
        step = tf1.train.get_or_create_global_step()
        train = tf1.train.AdamOptimizer(0.01).minimize(loss, global_step=step)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            feed = {x: rng.random((8, 8, 8, 1), dtype=np.float32),
                    y: np.eye(2, dtype=np.float32)[rng.integers(0, 2, 8)]}
            for _ in range(5):
                sess.run(train, feed)
            tf1.train.Saver().save(sess, prefix)


def _losses(stdout):
    before = float(re.search(r"loss before: (\S+)", stdout).group(1))
    after = float(re.search(r"loss after \d+ steps: (\S+)", stdout).group(1))
    return before, after


def _check_tf_restores(prefix, keys):
    graph = tf.Graph()
    with graph.as_default():
        saver = tf1.train.import_meta_graph(prefix + ".meta")
        with tf1.Session() as sess:
            saver.restore(sess, prefix)
            reader = tf.train.load_checkpoint(prefix)
            for key in keys:
                np.testing.assert_array_equal(sess.run(key + ":0"), reader.get_tensor(key))
            x = graph.get_tensor_by_name("x:0")
            labels = graph.get_tensor_by_name("fine_tune/labels:0")
            images = np.random.default_rng(0).random((4, 8, 8, 1), dtype=np.float32)
            loss = sess.run("fine_tune/loss:0",
                            {x: images, labels: np.eye(3, dtype=np.float32)[[0, 1, 2, 0]]})
            assert np.isfinite(loss)


def test_fine_tune_keeps_tf_model_frozen_and_trains_new_layer(tmp_path):
    base = str(tmp_path / "base" / "model")
    _train_base_cnn(base)
    out = tmp_path / "out"
    stdout = _run([_binary("TFCKPT_FINE_TUNE"), str(out), "--model", base, "--cut",
                   "features:0"])
    before, after = _losses(stdout)
    assert after < 0.8 * before, stdout
    tuned = tf1.train.latest_checkpoint(str(out / "fine_tuned"))
    assert tuned is not None
    base_reader = tf.train.load_checkpoint(base)
    tuned_reader = tf.train.load_checkpoint(tuned)
    base_keys = base_reader.get_variable_to_shape_map()
    assert "head/kernel/Adam" in base_keys
    for key in base_keys:
        frozen = base_reader.get_tensor(key)
        value = tuned_reader.get_tensor(key)
        assert value.dtype == frozen.dtype and value.tobytes() == frozen.tobytes(), key
    new_keys = set(tuned_reader.get_variable_to_shape_map()) - set(base_keys)
    assert new_keys == {"fine_tune/w", "fine_tune/b"}
    _check_tf_restores(tuned, ["conv/w", "fine_tune/w", "fine_tune/b"])


def test_fine_tune_builds_its_own_base_model(tmp_path):
    stdout = _run([_binary("TFCKPT_FINE_TUNE"), str(tmp_path)])
    before, after = _losses(stdout)
    assert after < 0.8 * before, stdout
    base_reader = tf.train.load_checkpoint(str(tmp_path / "base" / "model"))
    tuned = tf1.train.latest_checkpoint(str(tmp_path / "fine_tuned"))
    tuned_reader = tf.train.load_checkpoint(tuned)
    for key in ("conv/w", "conv/b"):
        assert tuned_reader.get_tensor(key).tobytes() == base_reader.get_tensor(key).tobytes()
    _check_tf_restores(tuned, ["conv/w", "fine_tune/w", "fine_tune/b"])
