import Foundation
import Planner
import Processes
import ScengineTestSupport
import Testing

/// A scenario file's `model: {schwartz: …}`: parsing, the errors at their fields, the stresses
/// refused, and what `scengine check` and the manifest record.
@Suite struct SchwartzScenarioTests {
  typealias F = ScenarioFixture

  static let model =
    "{schwartz: {mean_reversion: {EQ: 1.5, BOND: 4}, long_run_price: {EQ: 80, BOND: 105}, "
    + "volatility: {EQ: 0.3, BOND: 0.1}}}"

  func parse(_ yaml: String) throws -> ScenarioSpec {
    try ScenarioLoader.parse(yaml: yaml, file: "test.yaml")
  }

  /// The error of parsing `yaml`, which must fail.
  func failure(_ yaml: String) -> ScenarioError? {
    #expect(throws: ScenarioError.self) { try parse(yaml) }
  }

  @Test("a schwartz model is read per asset, with the file's correlation")
  func parses() throws {
    let spec = try parse(F.model(Self.model))
    #expect(spec.model.key == "schwartz")
    let p = try #require(spec.model.process(as: SchwartzOneFactor.self))
    #expect(p.meanReversion == [1.5, 4])
    #expect(p.longRunPrice == [80, 105])
    #expect(p.volatility == [0.3, 0.1])
    #expect(p.correlation.matrix.rowArrays == [[1, 0.3], [0.3, 1]])
    #expect(spec.model.parameters.map(\.key) == ["mean_reversion", "long_run_price", "volatility"])
    #expect(spec.model.latentStates == [])
    // The fixture's stressed variant (a shock) is accepted.
    #expect(spec.variants.map(\.name) == ["baseline", "stressed"])
  }

  @Test("the record lists the resolved parameters under their keys")
  func record() throws {
    let r = try parse(F.model(Self.model)).modelParameters
    #expect(r["type"] == .string("schwartz"))
    #expect(r["mean_reversion"] == .array([.number(1.5), .number(4)]))
    #expect(r["long_run_price"] == .array([.number(80), .number(105)]))
    #expect(r["volatility"] == .array([.number(0.3), .number(0.1)]))
    #expect(r.count == 4, "keys: \(r.keys.sorted())")
  }

  @Test("an out-of-range mean_reversion is named at its asset's field")
  func meanReversionOutOfRange() throws {
    let e = failure(
      F.model(
        "{schwartz: {mean_reversion: {EQ: 1.5, BOND: 0}, long_run_price: 80, volatility: 0.2}}"))
    #expect(e?.field == "model.schwartz.mean_reversion.BOND", "field: \(e?.field ?? "none")")
    #expect(
      e?.message.contains("mean reversion of BOND is 0.0, expected a finite rate per year > 0")
        == true, "message: \(e?.message ?? "none")")
    let big = failure(
      F.model("{schwartz: {mean_reversion: 5000, long_run_price: 80, volatility: 0.2}}"))
    #expect(big?.field == "model.schwartz.mean_reversion", "field: \(big?.field ?? "none")")
    #expect(big?.message.contains("at most 1000") == true, "message: \(big?.message ?? "none")")
    let level = failure(
      F.model("{schwartz: {mean_reversion: 1, long_run_price: -3, volatility: 0.2}}"))
    #expect(level?.field == "model.schwartz.long_run_price", "field: \(level?.field ?? "none")")
  }

  @Test("a missing key and an unknown key are errors")
  func keys() throws {
    let missing = failure(F.model("{schwartz: {mean_reversion: 1, volatility: 0.2}}"))
    #expect(
      missing?.message.contains("missing required key 'long_run_price'") == true,
      "message: \(missing?.message ?? "none")")
    #expect(missing?.field == "model.schwartz", "field: \(missing?.field ?? "none")")
    let unknown = failure(
      F.model("{schwartz: {mean_reversion: 1, long_run_price: 80, volatility: 0.2, drift: 0.1}}"))
    #expect(
      unknown?.message.contains("unknown key 'drift'") == true,
      "message: \(unknown?.message ?? "none")")
  }

  @Test("a risk-neutral measure is refused")
  func riskNeutral() throws {
    let e = failure(
      F.model(Self.model) + "measure: {risk_neutral: {rate: 0.03}}\n")
    #expect(e?.field == "model.schwartz", "field: \(e?.field ?? "none")")
    #expect(
      e?.message.hasPrefix("a risk-neutral measure needs a market price of risk") == true,
      "message: \(e?.message ?? "none")")
  }

  @Test("drift and variance stresses are refused, naming the model")
  func refusedStresses() throws {
    func stressed(_ stress: String) -> String {
      F.stressed(stress).replacingOccurrences(
        of: F.lines.first { $0.key == "model" }!.line, with: "model: \(Self.model)")
    }
    let drift = failure(stressed("{drift: {from: 5, to: 10, drift: {EQ: 0.5}}}"))
    #expect(drift?.field == "variants.stressed.stresses[0]", "field: \(drift?.field ?? "none")")
    #expect(
      drift?.message.contains("schwartz has no drift") == true,
      "message: \(drift?.message ?? "none")")
    let variance = failure(stressed("{variance: {at: 5, variance: {EQ: 0.001}}}"))
    #expect(
      variance?.message == "a variance stress needs a garch model, this is schwartz",
      "message: \(variance?.message ?? "none")")
    // The stresses it honours.
    for ok in [
      "{volatility: {from: 5, to: 10, multiplier: {EQ: 2}}}",
      "{correlation: {from: 5, to: 10, toward: {constant: 0.9}, weight: 0.5}}",
      "{shock: {at: 3, returns: {BOND: -0.1}}}",
    ] {
      #expect(throws: Never.self, "\(ok)") { _ = try parse(stressed(ok)) }
    }
  }

  @Test("a stressed median far beyond float32's range is refused along the reverting median")
  func medianCheck() throws {
    // Shocks multiply EQ by 10⁶ at steps 1 to 7 (log 96.7 from 100 = e^4.6) in float32,
    // whose limit is 85: the median reverts by a small step only (κ dt = 1.5/252).
    let stresses = (1...7).map { "{shock: {at: \($0), returns: {EQ: 999999}}}" }
    let yaml = F.scenario(
      [
        "model": "model: \(Self.model)",
        "variants": "variants: {up: {stresses: [\(stresses.joined(separator: ", "))]}}",
      ], extra: "output: {precision: float32}")
    let spec = try parse(yaml)
    let e = #expect(throws: ScenarioError.self) { try spec.checkSimulations() }
    #expect(e?.field == "variants.up", "field: \(e?.field ?? "none")")
    #expect(
      e?.message.contains("the median log price reaches") == true,
      "message: \(e?.message ?? "none")")
  }

  @Test("scengine check prints the model's parameters")
  func check() throws {
    let folder = try TemporaryDirectory("schwartz-check")
    defer { folder.remove() }
    let file = try folder.write(F.model(Self.model), to: "schwartz.yaml")
    let result = try ScengineBinary.run(["check", file])
    #expect(result.status == 0, "stderr: \(result.stderr)")
    let line = result.stdout.split(separator: "\n").first { $0.hasPrefix("model") } ?? ""
    #expect(
      line.contains(
        "schwartz: long_run_price [80, 105]; mean_reversion [1.5, 4]; volatility [0.3, 0.1]"),
      "line: \(line)")
  }
}
