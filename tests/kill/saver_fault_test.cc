// Faults injected into the graph-level Saver (SaveV2 run by a Session, the
// state file, the .meta, retention): each mutating file operation of a save
// in turn fails, or is dropped (reports success, does nothing). After each:
// - the checkpoints reported saved before are still there and complete;
// - the state file names a complete checkpoint, or, only where the disk
//   lied (a dropped operation), one whose damage reading detects: never a
//   checkpoint that reads back wrong values;
// - a failed operation fails the save (unless it hit retention's deletion,
//   which is best effort, as in TensorFlow);
// - the next save, on a healthy disk, succeeds and restores.
#include "tests/kill/step_checkpoint.h"
#include "tests/testing/fault_injection_file_system.h"
#include "tests/testing/testing.h"
#include "tfckpt/checkpoint_state.h"
#include "tfckpt/saver.h"

namespace tfckpt {
namespace {

using ::tfckpt::testing::AssignStep;
using ::tfckpt::testing::CheckStepCheckpoint;
using ::tfckpt::testing::FaultInjectionFileSystem;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;
using Fault = FaultInjectionFileSystem::Fault;

struct SavingGraph {
  Graph graph;
  std::unique_ptr<Session> session;
  std::unique_ptr<Saver> saver;
};

// A graph of step variables whose session and saver use `fs`.
std::unique_ptr<SavingGraph> MakeSavingGraph(FileSystem* fs) {
  auto saving = std::make_unique<SavingGraph>();
  Status built = testing::BuildStepGraph(&saving->graph);
  EXPECT_THAT(built, IsOk());
  SessionOptions session_options;
  session_options.file_system = fs;
  auto session = Session::Create(&saving->graph, session_options);
  EXPECT_THAT(session, IsOk());
  SaverOptions saver_options;
  saver_options.max_to_keep = 2;
  saver_options.file_system = fs;
  auto saver = Saver::Create(&saving->graph, saver_options);
  EXPECT_THAT(saver, IsOk());
  if (!built.ok() || !session.ok() || !saver.ok()) return nullptr;
  saving->session = *std::move(session);
  saving->saver = *std::move(saver);
  return saving;
}

StatusOr<std::string> SaveStep(SavingGraph* saving, const std::string& dir, int64_t step) {
  TFCKPT_RETURN_IF_ERROR(AssignStep(saving->session.get(), step));
  SaverSaveOptions options;
  options.global_step = step;
  return saving->saver->Save(saving->session.get(), dir + "/model", options);
}

// Injects `fault` at every operation of the third save in turn; returns
// how many operations the save has.
int InjectAtEveryOperation(Fault fault) {
  int fail_at = 1;
  for (;; ++fail_at) {
    TempDir dir;
    FaultInjectionFileSystem fs(FileSystem::Default(), 0);
    auto saving = MakeSavingGraph(&fs);
    if (saving == nullptr) return 0;
    auto first = SaveStep(saving.get(), dir.path(), 1);
    auto second = SaveStep(saving.get(), dir.path(), 2);
    if (!first.ok() || !second.ok()) {
      ADD_FAILURE() << "healthy saves failed: " << first.status() << " / " << second.status();
      return 0;
    }
    fs.Arm(fail_at, fault);
    const StatusOr<std::string> third = SaveStep(saving.get(), dir.path(), 3);
    const std::string injected_op = fs.injected_op();
    fs.Arm(0, fault);  // healthy again, for the checks and the next save
    if (injected_op.empty()) {
      EXPECT_THAT(third, IsOk());
      break;
    }
    SCOPED_TRACE("fault at operation " + std::to_string(fail_at) + ": " + injected_op);
    const bool best_effort = injected_op.starts_with("delete");
    if (fault == Fault::kFail && !best_effort) {
      EXPECT_THAT(third, StatusIs(StatusCode::kUnavailable));
    }

    // The second save was reported saved and retention keeps two: it stays.
    auto step = CheckStepCheckpoint(*second);
    EXPECT_THAT(step, IsOk());
    auto latest = LatestCheckpoint(dir.path());
    if (!latest.ok()) {
      // A lost write of the state file: an empty or cut-off file, which
      // reading reports.
      EXPECT_EQ(fault, Fault::kDrop) << latest.status();
      EXPECT_THAT(latest.status().code(),
                  ::testing::AnyOf(StatusCode::kInvalidArgument, StatusCode::kDataLoss))
          << latest.status();
      latest = std::optional<std::string>();
    } else if (!latest->has_value()) {
      // The state file names a checkpoint whose index is missing (LatestCheckpoint
      // then finds none, as TensorFlow's does): only a dropped rename does that.
      EXPECT_EQ(fault, Fault::kDrop);
      EXPECT_TRUE(injected_op.starts_with("rename")) << injected_op;
    }
    step = latest->has_value() ? CheckStepCheckpoint(**latest)
                               : StatusOr<int64_t>(NotFoundError("no latest checkpoint"));
    if (step.ok()) {
      EXPECT_EQ(*step, **latest == *second ? 2 : 3) << **latest;
      // A save reported done is the latest, unless the disk lied about the
      // state file's rename.
      if (third.ok() && fault == Fault::kFail) {
        EXPECT_EQ(**latest, *third);
      }
    } else {
      // Only a lying disk may leave a damaged latest checkpoint, and reading
      // must say so.
      EXPECT_EQ(fault, Fault::kDrop) << step.status();
      EXPECT_THAT(step.status().code(),
                  ::testing::AnyOf(StatusCode::kDataLoss, StatusCode::kNotFound,
                                   StatusCode::kOutOfRange))
          << step.status();
    }
    // The first checkpoint goes only to retention, once a newer one is
    // named (or, on a lying disk, was meant to be).
    if (!CheckpointExists(*first) && fault == Fault::kFail) {
      EXPECT_NE(GetCheckpointState(dir.path())->model_checkpoint_path, *second);
    }

    // The next save on a healthy disk recovers, and the graph restores it.
    auto fourth = SaveStep(saving.get(), dir.path(), 4);
    EXPECT_THAT(fourth, IsOk());
    if (!fourth.ok()) return 0;
    EXPECT_THAT(CheckStepCheckpoint(*fourth), IsOk());
    EXPECT_THAT(AssignStep(saving->session.get(), 5), IsOk());
    EXPECT_THAT(saving->saver->Restore(saving->session.get(), *fourth), IsOk());
    auto restored = saving->session->Run({}, {"label:0", "small:0"}, {});
    EXPECT_THAT(restored, IsOk());
    if (restored.ok()) {
      EXPECT_EQ((*restored)[0].strings()[0], "4");
      EXPECT_EQ((*restored)[1].flat<float>()[0], 4.0f);
    }
    if (::testing::Test::HasFailure()) return fail_at;
  }
  return fail_at - 1;
}

TEST(SaverFaultTest, FailureAtAnyOperationLosesNothing) {
  // SaveV2's data and index files, the .meta, the state file, retention.
  EXPECT_GT(InjectAtEveryOperation(Fault::kFail), 20);
}

TEST(SaverFaultTest, DroppedOperationIsDetectedOrHarmless) {
  EXPECT_GT(InjectAtEveryOperation(Fault::kDrop), 20);
}

}  // namespace
}  // namespace tfckpt
