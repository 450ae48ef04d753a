import LinearAlgebra
import ScengineTestSupport
import Shocks
import Testing

@testable import Planner

private typealias F = ScenarioFixture

/// A variant whose schedule a parse did not keep is compiled again from the file; the
/// correlations the first parse validated are then taken from its `CorrelationMemo`.
@Suite("correlations validated once per scenario text")
struct CorrelationMemoTests {
  static let notPSD =
    "[[1, 0.9, -0.9, 0.1], [0.9, 1, 0.9, 0.1], [-0.9, 0.9, 1, 0.1], [0.1, 0.1, 0.1, 1]]"

  static let yaml = F.assets(
    4,
    [
      "correlation": "correlation: {one_factor: {loadings: {A0: 0.5, A1: 0.6, A2: 0.7, A3: 0.3}}}",
      "model": "model: {gbm: {drift: 0.05, volatility: 0.2}}",
      "variants": """
      variants:
        base: {}
        stressed:
          stresses:
            - correlation: {from: 2, to: 9, toward: {constant: 0.8}, weight: 0.5}
            - correlation: {from: 5, to: 7, toward: {matrix: \(notPSD), repair: nearest}, weight: 0.7}
      """,
    ])

  @Test("a variant compiled again has the schedule of a kept one, its correlations from the memo")
  func compiledAgainFromTheMemo() throws {
    let kept = try ScenarioLoader.parse(yaml: Self.yaml, file: "s.yaml", schedules: .all)
    let dropped = try ScenarioLoader.parse(
      yaml: Self.yaml, file: "s.yaml", schedules: .withinBudget(bytes: 0))
    let variant = try #require(dropped.variants.last)
    #expect(!variant.isScheduleCompiled)
    let memo = try #require(dropped.source?.memo)
    #expect(memo.hits == 0)
    let again = try dropped.schedule(of: variant)
    #expect(again == kept.variants[1].schedule)
    #expect(again.correlationBlends.count == 2)
    // The scenario's correlation and both targets (the repaired one with its repair).
    #expect(memo.hits == 3, "\(memo.hits) look-ups found an earlier validation, expected 3")
    #expect(
      variant.stresses[1].repairedCorrelationTarget
        == kept.variants[1].stresses[1].repairedCorrelationTarget)
    _ = try dropped.schedule(of: variant)
    #expect(memo.hits == 6)
  }

  @Test("a known smallest eigenvalue is taken as given; the other checks still run")
  func knownEigenvalueTaken() throws {
    let valid = try Matrix([[1, 0.5], [0.5, 1]])
    let checked = try CorrelationMatrix.checked(valid, knownSmallestEigenvalue: 0.5)
    #expect(checked.smallestEigenvalue == 0.5)
    #expect(throws: CorrelationError.notPositiveSemiDefinite(smallestEigenvalue: -1)) {
      try CorrelationMatrix.checked(valid, knownSmallestEigenvalue: -1)
    }
    let asymmetric = try Matrix([[1, 0.5], [0.4, 1]])
    #expect(throws: CorrelationError.self) {
      try CorrelationMatrix.checked(asymmetric, knownSmallestEigenvalue: 0.5)
    }
  }
}
