// Writes one tensor with an installed tfckpt and reads it back.
//   consumer PREFIX
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tfckpt/tfckpt.h"

namespace {

tfckpt::Status RoundTrip(const std::string& prefix) {
  const std::vector<float> values = {1.5f, -2.0f, 0.25f, 8.0f, 0.0f, -0.5f};
  TFCKPT_ASSIGN_OR_RETURN(
      tfckpt::Tensor written,
      tfckpt::Tensor::FromValues<float>(tfckpt::TensorShape{2, 3}, values));

  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<tfckpt::BundleWriter> writer,
                          tfckpt::BundleWriter::Create(prefix));
  TFCKPT_RETURN_IF_ERROR(writer->Add("weights", written));
  TFCKPT_RETURN_IF_ERROR(writer->Finish());

  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<tfckpt::BundleReader> reader,
                          tfckpt::BundleReader::Open(prefix));
  TFCKPT_ASSIGN_OR_RETURN(tfckpt::Tensor read, reader->ReadTensor("weights"));
  if (!read.IdenticalTo(written)) {
    return tfckpt::DataLossError("read back " + read.DebugString() +
                                 ", wrote " + written.DebugString());
  }
  return tfckpt::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: consumer PREFIX\n";
    return 2;
  }
  const tfckpt::Status status = RoundTrip(argv[1]);
  if (!status.ok()) {
    std::cerr << "consumer: " << status << "\n";
    return 1;
  }
  std::cout << "consumer: tfckpt " << TFCKPT_VERSION_STRING
            << " wrote and read back " << argv[1] << "\n";
  return 0;
}
