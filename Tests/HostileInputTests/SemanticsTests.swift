import ScengineTestSupport
import Testing

/// Inputs whose meaning the engine used to get wrong (issue 9, items 2, 6, 7): a price file
/// with a repeated or out-of-order date, a replay window whose first return has no previous
/// price or that holds no trading day, a starting variance that does not exist, a repair policy
/// given twice. Each is refused with one message naming the file, the field or line, the value
/// and what was expected, through `run` and through `check`.
@Suite("hostile inputs: semantics")
struct SemanticsTests {
  typealias F = ScenarioFixture

  /// A price file around the Lehman weekend with `rows` replacing the rows of 15 and 16 Sept.
  static func prices(_ rows: String) -> String {
    "date,close\n2008-09-12,1251.70\n\(rows)\n2008-09-17,1156.39\n2008-09-18,1206.51\n"
  }

  /// The fixture replaying `from`…`to` of `spx.csv` on EQ from step 10.
  static func replay(_ from: String, _ to: String) -> String {
    F.stressed(
      "historical: {at: 10, file: spx.csv, column: close, assets: [EQ], from: \(from), to: \(to)}"
    )
  }

  /// The case run by `scengine run` and by `scengine check`.
  static func both(
    _ name: String, scenario: String, csv: String? = nil, fragment: String
  ) -> [HostileCase] {
    HostileCase.runAndCheck(
      name, scenario, fragment, files: csv.map { ["spx.csv": $0] } ?? [:],
      scenario: "scenario.yaml")
  }

  static let egarch = "{garch: {type: egarch, omega: -0.3, alpha: 0.1, beta: 0.97, gamma: -0.06"
  static let notPSD = "[[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]"

  static let cases: [HostileCase] =
    both(
      "price file with a duplicate date",
      scenario: replay("2008-09-15", "2008-09-18"),
      csv: prices("2008-09-15,1192.70\n2008-09-15,1192.70"),
      fragment: "spx.csv:4: date: duplicate date 2008-09-15")
    + both(
      "price file with a duplicate date outside the replay window",
      scenario: replay("2008-09-15", "2008-09-16"),
      csv: prices("2008-09-15,1192.70\n2008-09-16,1213.60") + "2008-09-18,1206.51\n",
      fragment: "spx.csv:7: date: duplicate date 2008-09-18")
    + both(
      "price file with a date out of order",
      scenario: replay("2008-09-17", "2008-09-18"),
      csv: prices("2008-09-16,1213.60\n2008-09-15,1192.70"),
      fragment: "spx.csv:4: date: date 2008-09-15 does not come after 2008-09-16")
    + both(
      "price file sorted newest first",
      scenario: replay("2008-09-15", "2008-09-16"),
      csv: "date,close\n2008-09-17,1156.39\n2008-09-16,1213.60\n2008-09-15,1192.70\n",
      fragment: "date 2008-09-16 does not come after 2008-09-17")
    + both(
      "replay from the first date (no previous price for its return)",
      scenario: replay("2008-09-12", "2008-09-16"),
      csv: prices("2008-09-15,1192.70\n2008-09-16,1213.60"),
      fragment: "historical.from: price file ./spx.csv has no row before 2008-09-12")
    + both(
      "replay by columns from the first date",
      scenario: F.stressed(
        "historical: {at: 10, file: spx.csv, columns: {EQ: close, BOND: close}, "
          + "from: 2008-09-12, to: 2008-09-15}"),
      csv: prices("2008-09-15,1192.70\n2008-09-16,1213.60"),
      fragment: "has no row before 2008-09-12 (its first date is 2008-09-12)")
    + both(
      "replay window on a weekend (no trading day)",
      scenario: replay("2008-09-13", "2008-09-14"),
      csv: prices("2008-09-15,1192.70\n2008-09-16,1213.60"),
      fragment: "no dated return between 2008-09-13 and 2008-09-14")
    + both(
      "replay window ending before it starts",
      scenario: replay("2008-09-17", "2008-09-16"),
      csv: prices("2008-09-15,1192.70\n2008-09-16,1213.60"),
      fragment: "historical.to: 2008-09-16 is before 2008-09-17")
    + both(
      "EGARCH with Student-t innovations from its unconditional variance (infinite)",
      scenario: F.model(egarch + ", innovations: {student_t: 5}}}"),
      fragment: "model.garch: initial_variance of EQ: unconditional: E[σ²] is infinite")
    + both(
      "EGARCH with Student-t innovations and initial_variance: unconditional",
      scenario: F.model(
        egarch + ", innovations: {student_t: 5}, initial_variance: unconditional}}"),
      fragment: "model.garch.initial_variance: initial_variance of EQ")
    + both(
      "GJR from unconditional_geometric_mean (EGARCH only)",
      scenario: F.model(
        "{garch: {type: gjr, omega: 2.0e-6, alpha: 0.03, beta: 0.9, gamma: 0.1, "
          + "initial_variance: unconditional_geometric_mean}}"),
      fragment: "unconditional_geometric_mean is defined for egarch only")
    + both(
      "correlation stress with repair both in toward and beside it",
      scenario: F.stressed(
        "correlation: {from: 5, to: 9, toward: {constant: 0.5, repair: nearest}, weight: 0.5, "
          + "repair: nearest}"),
      fragment: "correlation.repair: repair is given twice")
    + both(
      "correlation stress target not positive semi-definite, without repair",
      scenario: F.scenario([
        "assets": "assets: [A, B, C]", "initial": "initial: 100", "correlation": nil,
        "portfolio": nil, "model": "model: {gbm: {drift: 0.05, volatility: 0.2}}",
        "variants":
          "variants: {panic: {stresses: [{correlation: {from: 5, to: 9, toward: {matrix: "
          + "\(notPSD)}, weight: 0.5}}]}}",
      ]),
      fragment: "toward.matrix")

  @Test(arguments: cases)
  func rejected(_ c: HostileCase) throws { try c.check() }
}
