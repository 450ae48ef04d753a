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
