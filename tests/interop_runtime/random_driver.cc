// Test-only bridge for test_random_ops.py: runs a GraphDef's fetches in one
// Session several times and stores every fetched tensor, bit for bit, in a
// checkpoint that TensorFlow then reads.
//
//   random_driver GRAPH.pb OUT_PREFIX RUN [RUN...]
//
// Each RUN is a comma-separated list of tensor names fetched by one
// Session::Run; the value of fetch F in run R (0-based) is stored under the
// key "R/F".
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "tfckpt/bundle_writer.h"
#include "tfckpt/graph.h"
#include "tfckpt/session.h"

namespace {

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
  return parts;
}

tfckpt::Status RunAll(const std::string& graph_path, const std::string& prefix,
                      const std::vector<std::string>& runs) {
  std::ifstream in(graph_path, std::ios::binary);
  tensorflow::GraphDef graph_def;
  if (!graph_def.ParseFromIstream(&in)) {
    return tfckpt::InvalidArgumentError("Cannot parse GraphDef " + graph_path);
  }
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<tfckpt::Graph> graph,
                          tfckpt::Graph::FromGraphDef(graph_def));
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<tfckpt::Session> session,
                          tfckpt::Session::Create(graph.get()));
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<tfckpt::BundleWriter> writer,
                          tfckpt::BundleWriter::Create(prefix));
  for (size_t run = 0; run < runs.size(); ++run) {
    const std::vector<std::string> fetches = SplitCommas(runs[run]);
    TFCKPT_ASSIGN_OR_RETURN(std::vector<tfckpt::Tensor> values,
                            session->Run({}, fetches, {}));
    for (size_t i = 0; i < fetches.size(); ++i) {
      TFCKPT_RETURN_IF_ERROR(
          writer->Add(std::to_string(run) + "/" + fetches[i], values[i]));
    }
  }
  return writer->Finish();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: random_driver GRAPH.pb OUT_PREFIX RUN [RUN...]\n";
    return 2;
  }
  const tfckpt::Status status =
      RunAll(argv[1], argv[2], std::vector<std::string>(argv + 3, argv + argc));
  if (!status.ok()) {
    std::cerr << "random_driver: " << status.ToString() << "\n";
    return 1;
  }
  return 0;
}
