import Foundation
import ScengineTestSupport
import Testing

private typealias F = ScenarioFixture

@Suite("scengine check's report")
struct CheckReportTests {
  /// `assets` assets and two regimes: `calm` with the top-level correlation (constant 0.2),
  /// `crisis` with its own (constant 0.6).
  static func regimes(assets: Int, crisisCorrelation: Bool = true) -> String {
    let own = crisisCorrelation ? ", correlation: {constant: 0.6}" : ""
    return F.assets(
      assets,
      [
        "correlation": "correlation: {constant: 0.2}", "variants": "variants: {baseline: {}}",
        "model": """
        model:
          regime:
            transition: [[0.95, 0.05], [0.1, 0.9]]
            regimes:
              calm: {drift: 0.05, volatility: 0.1}
              crisis: {drift: -0.2, volatility: 0.4\(own)}
        """,
      ])
  }

  static func check(_ yaml: String) throws -> [Substring] {
    let folder = try TemporaryDirectory("check-report")
    defer { folder.remove() }
    let file = try folder.write(yaml, to: "s.yaml")
    let result = try ScengineBinary.run(["check", file])
    #expect(result.status == 0, "stderr: \(result.stderr)")
    return result.stdout.split(separator: "\n")
  }

  @Test("regimes with correlations of their own get a correlation line each")
  func correlationPerRegime() throws {
    let lines = try Self.check(Self.regimes(assets: 3)).filter { $0.hasPrefix("correlation") }
    // Constant ρ over 3 assets: smallest eigenvalue 1 − ρ.
    #expect(
      lines == [
        "correlation calm: 3×3, valid (positive semi-definite), smallest eigenvalue 0.8, rank 3",
        "correlation crisis: 3×3, valid (positive semi-definite), smallest eigenvalue 0.4, rank 3",
      ], "lines: \(lines)")
    let inherited = try Self.check(Self.regimes(assets: 3, crisisCorrelation: false))
      .filter { $0.hasPrefix("correlation") }
    #expect(
      inherited == [
        "correlation 3×3, valid (positive semi-definite), smallest eigenvalue 0.8, rank 3"
      ], "lines: \(inherited)")
  }

  @Test(
    "the GARCH line names its type, and under a risk-neutral measure shows the mean's rule, not the unused number"
  )
  func garchTypeAndRiskNeutralMean() throws {
    let garch =
      "model:\n  garch: {type: gjr, mean: 0.001, omega: 2.0e-6, alpha: 0.05, beta: 0.9, "
      + "gamma: 0.03}"
    let real = try Self.check(F.scenario(["model": garch]))
    let line = try #require(real.first { $0.hasPrefix("model") })
    #expect(line.hasPrefix("model      garch (gjr): alpha [0.05, 0.05]"), "model line: \(line)")
    #expect(line.contains("mean [0.001, 0.001]"), "model line: \(line)")
    let neutral = try Self.check(
      F.scenario(["model": garch], extra: "measure: {risk_neutral: {rate: 0.05}}"))
    let rn = try #require(neutral.first { $0.hasPrefix("model") })
    #expect(
      rn.contains("mean (rate − dividend) dt − σₜ²/2 (risk-neutral)") && !rn.contains("0.001"),
      "model line: \(rn)")
    #expect(
      neutral.contains(
        "note: model.garch.mean is not used: under the risk-neutral measure a step's mean log "
          + "return is (rate − dividend) dt − σₜ²/2"), "lines: \(neutral)")
  }

  @Test("matrices of more than 10 rows are summarised by their size")
  func largeMatricesSummarised() throws {
    let lines = try Self.check(Self.regimes(assets: 11))
    let model = try #require(lines.first { $0.hasPrefix("model") })
    #expect(model.contains("correlation: <11×11 matrix>"), "model line: \(model)")
    #expect(model.contains("transition [[0.95, 0.05], [0.1, 0.9]]"), "model line: \(model)")
    #expect(model.count < 1000, "model line of \(model.count) characters")
    let small = try Self.check(Self.regimes(assets: 10))
    let shown = try #require(small.first { $0.hasPrefix("model") })
    #expect(shown.contains("correlation: [[1, 0.6, 0.6"), "model line: \(shown)")
  }
}
