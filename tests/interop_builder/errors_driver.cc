// Prints the build-time error GraphBuilder gives for each case, one line
// each ("case<TAB>message"), for test_builder_interop.py to compare with the
// errors TensorFlow raises for the same graphs. Nodes are made in separate
// statements: C++ leaves the order of a call's arguments unspecified, and
// node names ("zeros", "zeros_1") follow creation order.
#include <functional>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "tfckpt/graph.h"
#include "tfckpt/graph_builder.h"

namespace {

using tfckpt::DataType;
using tfckpt::GraphBuilder;
using tfckpt::PartialShape;

const std::vector<std::pair<std::string, std::function<void(GraphBuilder&)>>>& Cases() {
  static const auto* cases =
      new std::vector<std::pair<std::string, std::function<void(GraphBuilder&)>>>{
          {"add_variables",
           [](GraphBuilder& tf) {
             auto a = tf.Variable(tf.Zeros({2}), "a");
             auto b = tf.Variable(tf.Zeros({5}), "b");
             (void)(a + b);
           }},
          {"matmul_inner",
           [](GraphBuilder& tf) {
             auto a = tf.Zeros({2, 3});
             tf.MatMul(a, tf.Zeros({4, 5}));
           }},
          {"matmul_rank",
           [](GraphBuilder& tf) {
             auto a = tf.Zeros({2});
             tf.MatMul(a, tf.Zeros({4, 5}));
           }},
          {"add_dtypes",
           [](GraphBuilder& tf) {
             auto a = tf.Zeros({2}, DataType::kInt32);
             tf.Add(a, tf.Zeros({2}));
           }},
          {"bias_add",
           [](GraphBuilder& tf) {
             auto value = tf.Zeros({2, 3});
             tf.BiasAdd(value, tf.Zeros({4}));
           }},
          {"reshape", [](GraphBuilder& tf) { tf.Reshape(tf.Zeros({2, 3}), {4, 2}); }},
          {"broadcast_placeholders",
           [](GraphBuilder& tf) {
             auto a = tf.Placeholder(DataType::kFloat, PartialShape({-1, 3}));
             auto b = tf.Placeholder(DataType::kFloat, PartialShape({4}));
             (void)(a * b);
           }},
          {"conv2d_depth",
           [](GraphBuilder& tf) {
             auto input = tf.Zeros({1, 8, 8, 3});
             tf.Conv2D(input, tf.Zeros({3, 3, 4, 5}), {.strides = {1, 1, 1, 1}, .padding = "SAME"});
           }},
          {"reduce_axis", [](GraphBuilder& tf) { tf.ReduceSum(tf.Zeros({2, 3}), {2}); }},
      };
  return *cases;
}

}  // namespace

int main() {
  for (const auto& [name, build] : Cases()) {
    tfckpt::Graph graph;
    GraphBuilder tf(&graph);
    build(tf);
    std::cout << name << "\t" << (tf.status().ok() ? "OK" : std::string(tf.status().message()))
              << "\n";
  }
  return 0;
}
