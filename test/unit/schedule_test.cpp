// schedule_test.cpp - unit tests of the pipeline schedules of fgrt dist
// (runtime/src/dist/schedule*.cpp, compiled into fgcc as fgcc_schedule).
//
// The expected action lists were derived by hand from torch's generators
// (torch/distributed/pipelining/schedules.py) with the None padding slots
// dropped; the expected bubble fractions from the closed forms of the
// papers: (P-1)/(M+P-1) for GPipe and 1F1B, x/(1+x) with x = (P-1)/(V*M)
// for interleaved 1F1B (Narayanan et al. 2021), an idle time of (P-1) F
// per rank for ZB-H1 (Qi et al. 2024), and for ZB-V the start-up bound: the
// last rank's first forward waits for P-1 stage forwards of F/2 each.
#include <gtest/gtest.h>

#include "fgrt/dist/schedule.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace fgrt::dist;

/// A rank's actions as "F0.0 B0.0 ..." text.
std::string listed(const std::vector<Action> &actions) {
  std::string text;
  for (const Action &action : actions)
    text += (text.empty() ? "" : " ") + to_string(action);
  return text;
}

/// The message of the std::invalid_argument `f` throws, or a marker.
std::string invalidArgumentOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const std::invalid_argument &e) {
    return e.what();
  }
  return "<no std::invalid_argument>";
}

/// True when some problem contains `part`.
bool mentions(const std::vector<std::string> &problems, const std::string &part) {
  for (const std::string &problem : problems)
    if (problem.find(part) != std::string::npos)
      return true;
  return false;
}

/// Calls `check` on every schedule of a sweep of shapes the generators
/// accept (P 1..6, M 1..12, V 1..4); returns how many there were.
int forEachSchedule(const std::function<void(const PipelineSchedule &)> &check) {
  int accepted = 0;
  for (ScheduleKind kind : all_schedule_kinds())
    for (int P = 1; P <= 6; ++P)
      for (int M = 1; M <= 12; ++M)
        for (int V = 1; V <= 4; ++V) {
          PipelineSchedule schedule;
          try {
            schedule = make_schedule({kind, P, M, V});
          } catch (const std::invalid_argument &) {
            continue; // a V the kind does not take, or rounds not dividing M
          }
          ++accepted;
          check(schedule);
        }
  return accepted;
}

// ================================================================ names ====

TEST(ScheduleNames, RoundTripAndUnknown) {
  for (ScheduleKind kind : all_schedule_kinds())
    EXPECT_EQ(parse_schedule_kind(schedule_kind_name(kind)), kind);
  EXPECT_EQ(all_schedule_kinds().size(), 6u);
  EXPECT_EQ(invalidArgumentOf([] { parse_schedule_kind("1F1B"); }),
            "unknown schedule '1F1B' (known: gpipe, 1f1b, interleaved-1f1b, looped-bfs, zb-h1, zbv)");
}

TEST(ScheduleNames, DefaultStagesPerRank) {
  EXPECT_EQ(make_schedule({ScheduleKind::GPipe, 4, 8, 0}).spec.stages_per_rank, 1);
  EXPECT_EQ(make_schedule({ScheduleKind::OneFOneB, 4, 8, 0}).spec.stages_per_rank, 1);
  EXPECT_EQ(make_schedule({ScheduleKind::Interleaved1F1B, 4, 8, 0}).spec.stages_per_rank, 2);
  EXPECT_EQ(make_schedule({ScheduleKind::LoopedBFS, 4, 8, 0}).spec.stages_per_rank, 2);
  EXPECT_EQ(make_schedule({ScheduleKind::ZeroBubbleH1, 4, 8, 0}).spec.stages_per_rank, 1);
  EXPECT_EQ(make_schedule({ScheduleKind::ZeroBubbleV, 4, 8, 0}).spec.stages_per_rank, 2);
}

// =========================================================== generators ====

TEST(ScheduleGenerators, GPipeRunsAllForwardsThenAllBackwards) {
  PipelineSchedule s = make_schedule({ScheduleKind::GPipe, 2, 3, 1});
  EXPECT_EQ(listed(s.actions[0]), "F0.0 F0.1 F0.2 B0.0 B0.1 B0.2");
  EXPECT_EQ(listed(s.actions[1]), "F1.0 F1.1 F1.2 B1.0 B1.1 B1.2");
  EXPECT_EQ(s.rank_of_stage, (std::vector<int>{0, 1}));
}

TEST(ScheduleGenerators, OneFOneBWarmsUpWithSMinusStageForwards) {
  PipelineSchedule s = make_schedule({ScheduleKind::OneFOneB, 4, 8, 1});
  EXPECT_EQ(listed(s.actions[0]), "F0.0 F0.1 F0.2 F0.3 B0.0 F0.4 B0.1 F0.5 B0.2 F0.6 B0.3 F0.7 B0.4 B0.5 B0.6 B0.7");
  EXPECT_EQ(listed(s.actions[3]), "F3.0 B3.0 F3.1 B3.1 F3.2 B3.2 F3.3 B3.3 F3.4 B3.4 F3.5 B3.5 F3.6 B3.6 F3.7 B3.7");
  // Fewer microbatches than stages: the warmup is all of them.
  EXPECT_EQ(listed(make_schedule({ScheduleKind::OneFOneB, 4, 2, 1}).actions[0]), "F0.0 F0.1 B0.0 B0.1");
}

TEST(ScheduleGenerators, InterleavedFollowsTorchRoundsDepthFirst) {
  // P=4, M=8: 2 rounds of 4 microbatches; rank 0 warms up with
  // (V-1)*4 + 2*(P-1) = 10 forwards, backwards start at the last local stage.
  PipelineSchedule s = make_schedule({ScheduleKind::Interleaved1F1B, 4, 8, 2});
  EXPECT_EQ(s.rank_of_stage, (std::vector<int>{0, 1, 2, 3, 0, 1, 2, 3}));
  EXPECT_EQ(listed(s.actions[0]), "F0.0 F0.1 F0.2 F0.3 F4.0 F4.1 F4.2 F4.3 F0.4 F0.5 "
                                  "F0.6 B4.0 F0.7 B4.1 F4.4 B4.2 F4.5 B4.3 F4.6 B0.0 F4.7 B0.1 "
                                  "B0.2 B0.3 B4.4 B4.5 B4.6 B4.7 B0.4 B0.5 B0.6 B0.7");
}

TEST(ScheduleGenerators, LoopedBFSGoesBreadthFirstAndBackInReverse) {
  PipelineSchedule s = make_schedule({ScheduleKind::LoopedBFS, 2, 2, 2});
  EXPECT_EQ(listed(s.actions[1]), "F1.0 F1.1 F3.0 F3.1 B3.1 B3.0 B1.1 B1.0");
}

TEST(ScheduleGenerators, ZeroBubbleH1DefersOneMoreWeightPerRank) {
  PipelineSchedule s = make_schedule({ScheduleKind::ZeroBubbleH1, 4, 8, 1});
  EXPECT_EQ(listed(s.actions[0]).substr(0, 39), "F0.0 F0.1 F0.2 F0.3 I0.0 W0.0 F0.4 I0.1");
  EXPECT_EQ(listed(s.actions[3]).substr(0, 44), "F3.0 I3.0 F3.1 I3.1 F3.2 I3.2 F3.3 I3.3 W3.0");
  for (int rank = 0; rank < 4; ++rank) {
    int inputsBeforeFirstWeight = 0;
    for (const Action &a : s.actions[rank]) {
      if (a.kind == ActionKind::BackwardWeight)
        break;
      inputsBeforeFirstWeight += a.kind == ActionKind::BackwardInput;
    }
    EXPECT_EQ(inputsBeforeFirstWeight, rank + 1) << "rank " << rank;
  }
}

TEST(ScheduleGenerators, ZbvPlacesTheVAndFillsTheWayDownFirst) {
  PipelineSchedule s = make_schedule({ScheduleKind::ZeroBubbleV, 4, 8, 2});
  EXPECT_EQ(s.placement, Placement::V);
  EXPECT_EQ(s.rank_of_stage, (std::vector<int>{0, 1, 2, 3, 3, 2, 1, 0}));
  EXPECT_EQ(listed(s.actions[0]).substr(0, 49), "F0.0 F0.1 F0.2 F0.3 F0.4 F0.5 F0.6 F7.0 I7.0 W7.0");
  EXPECT_EQ(listed(s.actions[3]).substr(0, 29), "F3.0 F4.0 F3.1 F4.1 F3.2 F4.2");
}

TEST(ScheduleGenerators, RejectsSpecsWithoutASchedule) {
  auto error = [](ScheduleKind kind, int P, int M, int V) {
    return invalidArgumentOf([&] { make_schedule({kind, P, M, V}); });
  };
  EXPECT_EQ(error(ScheduleKind::OneFOneB, 4, 0, 1), "microbatches must be at least 1, got 0");
  EXPECT_EQ(error(ScheduleKind::GPipe, 0, 4, 1), "ranks must be at least 1, got 0");
  EXPECT_EQ(error(ScheduleKind::LoopedBFS, 2, 4, -1), "stages per rank must be at least 1, got -1");
  EXPECT_EQ(error(ScheduleKind::GPipe, 4, 8, 2),
            "gpipe runs one stage per rank, got 2 stages per rank (use interleaved-1f1b or looped-bfs)");
  EXPECT_EQ(error(ScheduleKind::ZeroBubbleV, 4, 8, 1),
            "zbv places exactly 2 stages per rank (the V placement), got 1");
  EXPECT_EQ(error(ScheduleKind::Interleaved1F1B, 4, 9, 2),
            "interleaved-1f1b with 2 stages per rank needs the microbatches (9) to be a multiple of the rounds "
            "max(1, M/P) = 2");
  EXPECT_EQ(error(ScheduleKind::GPipe, 4096, 4096, 1),
            "ranks x stages per rank x microbatches must be at most 4194304");
  // One local stage has nothing to interleave: any M.
  EXPECT_NO_THROW(make_schedule({ScheduleKind::ZeroBubbleH1, 4, 9, 1}));
}

// ============================================================= validate ====

TEST(ScheduleValidate, EveryGeneratedScheduleIsSound) {
  int checked = forEachSchedule([](const PipelineSchedule &s) {
    std::vector<std::string> problems = validate(s);
    EXPECT_TRUE(problems.empty()) << schedule_kind_name(s.spec.kind) << " P=" << s.spec.ranks
                                  << " M=" << s.spec.microbatches << " V=" << s.spec.stages_per_rank << ": "
                                  << problems.front();
  });
  EXPECT_GT(checked, 900);
}

TEST(ScheduleValidate, ReportsAMissingBackward) {
  PipelineSchedule s = make_schedule({ScheduleKind::OneFOneB, 2, 2, 1});
  s.actions[0].pop_back(); // B0.1
  std::vector<std::string> problems = validate(s);
  EXPECT_TRUE(mentions(problems, "stage 0 microbatch 1 runs F 1x, B 0x, I 0x, W 0x")) << problems.front();
}

TEST(ScheduleValidate, ReportsABackwardBeforeItsForward) {
  PipelineSchedule s = make_schedule({ScheduleKind::GPipe, 2, 2, 1});
  std::swap(s.actions[1][0], s.actions[1][2]); // B1.0 first
  std::vector<std::string> problems = validate(s);
  EXPECT_TRUE(mentions(problems, "rank 1 action 0 (B1.0) runs before F1.0"));
  EXPECT_TRUE(mentions(problems, "deadlock:"));
}

TEST(ScheduleValidate, ReportsAStageOnTheWrongRank) {
  PipelineSchedule s = make_schedule({ScheduleKind::GPipe, 2, 1, 1});
  s.actions[0].push_back({ActionKind::Forward, 1, 0});
  EXPECT_EQ(validate(s), (std::vector<std::string>{"rank 0 action 2 (F1.0): stage 1 is placed on rank 1"}));
}

TEST(ScheduleValidate, ReportsAnUnreceivedMessage) {
  // Rank 1 never runs microbatch 1: rank 0's activations and the gradient
  // rank 0 waits for are a send without a receive and a receive without a
  // send.
  PipelineSchedule s = make_schedule({ScheduleKind::GPipe, 2, 2, 1});
  s.actions[1] = {{ActionKind::Forward, 1, 0}, {ActionKind::Backward, 1, 0}};
  std::vector<std::string> problems = validate(s);
  EXPECT_TRUE(mentions(problems, "activations of stage 0 microbatch 1 to stage 1: sent 1x, received 0x"));
  EXPECT_TRUE(mentions(problems, "gradients of stage 1 microbatch 1 to stage 0: sent 0x, received 1x"));
}

TEST(ScheduleValidate, ReportsADeadlockOfWellOrderedRanks) {
  // Each rank's order is fine on its own, but rank 0 waits for the gradient
  // of microbatch 0 before it sends microbatch 1, while rank 1 wants
  // microbatch 1 first.
  PipelineSchedule s = make_schedule({ScheduleKind::GPipe, 2, 2, 1});
  s.actions[0] = {{ActionKind::Forward, 0, 0}, {ActionKind::Backward, 0, 0},
                  {ActionKind::Forward, 0, 1}, {ActionKind::Backward, 0, 1}};
  s.actions[1] = {{ActionKind::Forward, 1, 1}, {ActionKind::Forward, 1, 0},
                  {ActionKind::Backward, 1, 0}, {ActionKind::Backward, 1, 1}};
  EXPECT_EQ(validate(s), (std::vector<std::string>{
                             "deadlock: rank 0 action 1 (B0.0) waits for the gradient of stage 1 microbatch 0 "
                             "(rank 1); rank 1 action 0 (F1.1) waits for F0.1"}));
  EXPECT_THROW(simulate(s), std::invalid_argument);
}

TEST(ScheduleValidate, ReportsActivationsAboveTheBound) {
  PipelineSchedule s = make_schedule({ScheduleKind::OneFOneB, 4, 8, 1});
  EXPECT_EQ(peak_activations(s), (std::vector<int>{4, 3, 2, 1}));
  s.activation_bound[0] = 3;
  EXPECT_EQ(validate(s), (std::vector<std::string>{
                             "rank 0 holds up to 4 stage activations, above the schedule's bound of 3"}));
}

TEST(ScheduleValidate, ZeroBubbleKeepsOneFOneBPeakMemory) {
  // ZB-H1 defers W but keeps 1F1B's first-rank peak (P) on every rank;
  // ZB-V's 2P half-size stage activations are the same amount.
  EXPECT_EQ(peak_activations(make_schedule({ScheduleKind::ZeroBubbleH1, 4, 8, 1})), (std::vector<int>{4, 4, 4, 4}));
  EXPECT_EQ(peak_activations(make_schedule({ScheduleKind::ZeroBubbleV, 4, 8, 2})), (std::vector<int>{8, 8, 8, 8}));
}

// ============================================================= simulate ====

TEST(ScheduleSimulate, BubbleFractionsForFourRanksEightMicrobatches) {
  auto bubble = [](ScheduleKind kind) { return simulate(make_schedule({kind, 4, 8, 0})).bubble_fraction; };
  EXPECT_NEAR(bubble(ScheduleKind::GPipe), 3.0 / 11, 1e-12);
  EXPECT_NEAR(bubble(ScheduleKind::OneFOneB), 3.0 / 11, 1e-12);
  EXPECT_NEAR(bubble(ScheduleKind::Interleaved1F1B), 3.0 / 19, 1e-12);
  EXPECT_NEAR(bubble(ScheduleKind::LoopedBFS), 3.0 / 19, 1e-12);
  EXPECT_NEAR(bubble(ScheduleKind::ZeroBubbleH1), 1.0 / 9, 1e-12);
  EXPECT_NEAR(bubble(ScheduleKind::ZeroBubbleV), 1.0 / 17, 1e-12);
}

TEST(ScheduleSimulate, MatchesTheClosedForms) {
  for (int P : {2, 3, 4, 8})
    for (int k : {1, 2, 4}) {
      const int M = k * P;
      double onefoneb = double(P - 1) / (M + P - 1);
      EXPECT_NEAR(simulate(make_schedule({ScheduleKind::OneFOneB, P, M, 1})).bubble_fraction, onefoneb, 1e-12);
      EXPECT_NEAR(simulate(make_schedule({ScheduleKind::GPipe, P, M, 1})).bubble_fraction, onefoneb, 1e-12);
      for (int V : {2, 3, 4}) {
        double x = double(P - 1) / (V * M);
        EXPECT_NEAR(simulate(make_schedule({ScheduleKind::Interleaved1F1B, P, M, V})).bubble_fraction, x / (1 + x),
                    1e-12)
            << "P=" << P << " M=" << M << " V=" << V;
      }
    }
}

TEST(ScheduleSimulate, ZeroBubbleH1IdlesAThirdOfOneFOneB) {
  Simulation onefoneb = simulate(make_schedule({ScheduleKind::OneFOneB, 4, 8, 1}));
  Simulation zbh1 = simulate(make_schedule({ScheduleKind::ZeroBubbleH1, 4, 8, 1}));
  for (int rank = 0; rank < 4; ++rank) {
    EXPECT_DOUBLE_EQ(onefoneb.idle[rank], 9); // (P-1)(F+B)
    EXPECT_DOUBLE_EQ(zbh1.idle[rank], 3);     // (P-1)F
  }
  EXPECT_DOUBLE_EQ(zbh1.makespan, 27);
}

TEST(ScheduleSimulate, ZbvIdlesOnlyForTheStartUp) {
  // The last rank cannot start before P-1 stage forwards (F/2 each) ran
  // upstream; ZB-V idles exactly that long on every rank once M >= 2P-1.
  for (int P : {2, 4, 8}) {
    Simulation s = simulate(make_schedule({ScheduleKind::ZeroBubbleV, P, 2 * P, 2}));
    for (double idle : s.idle)
      EXPECT_DOUBLE_EQ(idle, (P - 1) * 0.5) << "P=" << P;
  }
}

TEST(ScheduleSimulate, MessageLatencyLengthensTheCriticalPath) {
  // GPipe's critical path crosses 2(P-1) ranks boundaries.
  CostModel costs;
  costs.comm = 0.5;
  EXPECT_DOUBLE_EQ(simulate(make_schedule({ScheduleKind::GPipe, 4, 8, 1}), costs).makespan, 33 + 6 * 0.5);
}

TEST(ScheduleSimulate, IntervalsRespectRanksAndInputs) {
  CostModel costs;
  costs.comm = 0.25;
  forEachSchedule([&](const PipelineSchedule &s) {
    Simulation sim = simulate(s, costs);
    // When each forward ended, to check that the next stage started later.
    std::vector<std::vector<double>> forwardEnd(s.num_stages, std::vector<double>(s.spec.microbatches));
    for (const std::vector<BusyInterval> &list : sim.busy)
      for (const BusyInterval &i : list)
        if (i.action.kind == ActionKind::Forward)
          forwardEnd[i.action.stage][i.action.microbatch] = i.end;
    for (size_t rank = 0; rank < sim.busy.size(); ++rank) {
      double rankFree = 0;
      for (const BusyInterval &i : sim.busy[rank]) {
        ASSERT_GE(i.start, rankFree - 1e-12);
        rankFree = i.end;
        const Action &a = i.action;
        if (a.kind == ActionKind::Forward && a.stage > 0) {
          bool remote = s.rank_of_stage[a.stage - 1] != static_cast<int>(rank);
          ASSERT_GE(i.start, forwardEnd[a.stage - 1][a.microbatch] + (remote ? costs.comm : 0) - 1e-12);
        }
      }
    }
  });
}

// =============================================================== render ====

TEST(ScheduleRender, TextEndsWithTheBubbleFraction) {
  std::string text = render_text(analyze_schedule({ScheduleKind::OneFOneB, 2, 2, 1}));
  EXPECT_EQ(text, "schedule 1f1b: 2 ranks, 2 microbatches, 1 stage per rank, 2 stages (loop placement)\n"
                  "costs per stage pass: F=1 B=2 I=1 W=1 (a rank's whole layers / V=1); comm=0\n"
                  "timeline: one column per 1 time unit; '-' continues the action to its left, '.' is idle\n"
                  "rank 0 | F0.0 F0.1 .... .... B0.0 ---- .... B0.1 ----\n"
                  "rank 1 | .... F1.0 B1.0 ---- F1.1 B1.1 ---- .... ....\n"
                  "validation: ok (one F and one B or I+W per stage and microbatch, backwards after their "
                  "forwards, every send received, no deadlock, activations within bounds)\n"
                  "rank 0: busy=6 idle=3 peak_activations=2 bound=2\n"
                  "rank 1: busy=6 idle=3 peak_activations=1 bound=1\n"
                  "makespan=9\n"
                  "bubble_fraction=0.333333\n");
}

TEST(ScheduleRender, JsonHoldsActionsAndSimulation) {
  nlohmann::json doc = nlohmann::json::parse(render_json(analyze_schedule({ScheduleKind::ZeroBubbleV, 2, 3, 2})));
  EXPECT_EQ(doc["schedule"], "zbv");
  EXPECT_EQ(doc["placement"], "v");
  EXPECT_EQ(doc["rank_of_stage"], nlohmann::json({0, 1, 1, 0}));
  EXPECT_EQ(doc["actions"][0][0], nlohmann::json({{"kind", "F"}, {"stage", 0}, {"microbatch", 0}}));
  EXPECT_EQ(doc["actions"][0].size(), doc["simulation"]["busy"][0].size());
  EXPECT_EQ(doc["problems"], nlohmann::json::array());
  EXPECT_GT(doc["simulation"]["bubble_fraction"].get<double>(), 0);
}

TEST(ScheduleRender, SvgIsAStandalonePicture) {
  ScheduleReport report = analyze_schedule({ScheduleKind::ZeroBubbleH1, 2, 2, 1});
  std::string svg = render_svg(report);
  EXPECT_EQ(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("zb-h1: P=2 ranks, M=2 microbatches, V=1 stage per rank - bubble fraction 0.142857"),
            std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  // One tooltip per action.
  size_t titles = 0;
  for (size_t at = svg.find("<title>"); at != std::string::npos; at = svg.find("<title>", at + 1))
    ++titles;
  EXPECT_EQ(titles, report.schedule.actions[0].size() + report.schedule.actions[1].size());
}

} // namespace
