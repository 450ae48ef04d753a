import Foundation
import PathFiles
import Planner
import Processes
import Randomness
import ScengineTestSupport
import Testing

/// What scenario keys mean (issue 9, items 1, 2, 4, 6, 7): a historical window replays the
/// returns dated in it; a regime without a correlation uses the top-level one; every
/// `repair: nearest` is recorded; forced jumps are counted one by one; EGARCH's starting
/// variance is named for what it is.
@Suite("Scenario semantics")
struct ScenarioSemanticsTests {
  typealias F = ScenarioFixture

  /// Three assets whose matrix has eigenvalues 1.8, 1.8 and −0.8 (not a correlation matrix).
  static let notPSD = "[[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]"

  /// A three-asset scenario with `model` and `variants` (flow YAML lines).
  static func threeAssets(model: String, correlation: String? = nil, variants: String? = nil)
    -> String
  {
    F.scenario([
      "assets": "assets: [A, B, C]",
      "initial": "initial: 100",
      "correlation": correlation.map { "correlation: \($0)" },
      "model": "model: \(model)",
      "portfolio": nil,
      "variants": variants.map { "variants: \($0)" },
    ])
  }

  func parse(_ yaml: String, in folder: TemporaryDirectory? = nil) throws -> ScenarioSpec {
    try ScenarioLoader.parse(
      yaml: yaml, file: "test.yaml", baseDirectory: folder?.url.path ?? ".")
  }

  func regime(_ spec: ScenarioSpec) throws -> RegimeSwitchingProcess {
    let model = spec.model.process(as: RegimeSwitchingProcess.self)
    return try #require(model, "expected a regime model, got \(spec.model.key)")
  }

  func garch(_ spec: ScenarioSpec) throws -> GARCHProcess {
    let model = spec.model.process(as: GARCHProcess.self)
    return try #require(model, "expected a garch model, got \(spec.model.key)")
  }

  struct NotAnObject: Error, CustomStringConvertible {
    let value: JSONValue?
    var description: String { "expected a JSON object, got \(String(describing: value))" }
  }

  /// A JSON value that must be an object.
  func object(_ value: JSONValue?) throws -> [String: JSONValue] {
    guard case .object(let o)? = value else { throw NotAnObject(value: value) }
    return o
  }

  // MARK: - Historical replay

  /// Replays `from`…`to` of the fixture's price file on EQ from step 10.
  func replay(from: String, to: String, csv: String = F.priceCSV) throws -> VariantSpec {
    let folder = try TemporaryDirectory("replay")
    defer { folder.remove() }
    try folder.write(csv, to: "spx.csv")
    let spec = try parse(
      F.stressed(
        "historical: {at: 10, file: spx.csv, column: close, assets: [EQ], from: \(from), to: \(to)}"
      ), in: folder)
    return try #require(spec.variants.first)
  }

  static let closes = [1251.70, 1192.70, 1213.60, 1156.39, 1206.51, 1255.08]

  @Test("a window of m rows replays m returns, the first from the row before 'from'")
  func windowReplaysEveryDatedReturn() throws {
    let cases: [(from: String, to: String, rows: Range<Int>)] = [
      ("2008-09-15", "2008-09-15", 1..<2),  // the Lehman day alone
      ("2008-09-15", "2008-09-19", 1..<6),
      ("2008-09-13", "2008-09-16", 1..<3),  // from a Saturday: the returns dated 15th and 16th
      ("2008-09-17", "2008-09-19", 3..<6),
    ]
    for c in cases {
      let v = try replay(from: c.from, to: c.to)
      let r = try #require(v.schedule.historicalReturn)
      let expected = c.rows.map { log(Self.closes[$0] / Self.closes[$0 - 1]) }
      let observed = (0..<expected.count).map { r[(9 + $0) * 2] }
      #expect(observed == expected, "\(c.from)…\(c.to): expected \(expected), got \(observed)")
      #expect(r[(9 + expected.count) * 2].isNaN, "\(c.from)…\(c.to): one return too many")
      #expect(v.stresses.first?.from == 10 && v.stresses.first?.to == 9 + expected.count)
    }
  }

  @Test(
    "a window whose first return has no previous row, or that holds no row, is refused",
    arguments: [
      ("2008-09-12", "2008-09-16", "historical.from", "has no row before 2008-09-12"),
      ("2008-09-11", "2008-09-16", "historical.from", "not covered by price file"),
      ("2008-09-13", "2008-09-14", "historical.file", "no dated return between 2008-09-13"),
      ("2008-09-16", "2008-09-15", "historical.to", "2008-09-15 is before 2008-09-16"),
    ])
  func windowWithoutReturns(from: String, to: String, field: String, fragment: String) throws {
    let error = #expect(throws: ScenarioError.self) { try self.replay(from: from, to: to) }
    #expect(error?.field == "variants.stressed.stresses[0].\(field)", "\(error?.field ?? "")")
    #expect(error?.message.contains(fragment) == true, "message: \(error?.message ?? "none")")
    #expect(error?.message.contains("spx.csv") == true || field == "historical.to")
  }

  @Test(
    "dates in a price file must increase: a duplicate or earlier date names file, line and date",
    arguments: [
      ("2008-09-16,1213.60\n2008-09-16,1213.60", "duplicate date 2008-09-16", 4),
      (
        "2008-09-16,1213.60\n2008-09-15,1192.70", "date 2008-09-15 does not come after 2008-09-16",
        4
      ),
    ])
  func datesMustIncrease(rows: String, fragment: String, line: Int) throws {
    let csv = "date,close\n2008-09-12,1251.70\n\(rows)\n2008-09-17,1156.39\n2008-09-18,1206.51\n"
    let error = #expect(throws: ScenarioError.self) {
      try self.replay(from: "2008-09-17", to: "2008-09-18", csv: csv)
    }
    #expect(error?.file.hasSuffix("spx.csv") == true, "file: \(error?.file ?? "none")")
    #expect(error?.line == line, "line: \(String(describing: error?.line)), expected \(line)")
    #expect(error?.message.contains(fragment) == true, "message: \(error?.message ?? "none")")
  }

  // MARK: - Regime correlation

  @Test("a regime without its own correlation uses the top-level one, and the record says so")
  func regimeInheritsTopLevelCorrelation() throws {
    let spec = try parse(F.regime())
    let process = try regime(spec)
    #expect(process.correlations == [spec.correlation, spec.correlation])
    #expect(!spec.correlation.isIdentity)
    let regimes = try object(spec.modelParameters["regimes"])
    for name in ["calm", "crisis"] {
      let r = try object(regimes[name])
      #expect(
        r["correlation"]
          == .array([.array([.number(1), .number(0.3)]), .array([.number(0.3), .number(1)])]))
      #expect(r["correlation_from"] == .string("top-level"))
      #expect(r["correlation_repair"] == nil)
    }
  }

  @Test("a regime correlation repaired with repair: nearest is used and recorded")
  func regimeRepairRecorded() throws {
    let model =
      "{regime: {transition: [[0.9, 0.1], [0.1, 0.9]], regimes: {calm: {drift: 0.05, "
      + "volatility: 0.1}, crisis: {drift: -0.2, volatility: 0.4, correlation: {matrix: "
      + "\(Self.notPSD), repair: nearest}}}}}"
    let spec = try parse(Self.threeAssets(model: model, correlation: "{constant: 0.2}"))
    let process = try regime(spec)
    let repair = try #require(process.correlations[1].repair)
    let regimes = try object(spec.modelParameters["regimes"])
    let crisis = try object(regimes["crisis"])
    #expect(crisis["correlation_from"] == .string("regime"))
    let record = try object(crisis["correlation_repair"])
    #expect(record["method"] == .string("higham2002"))
    #expect(record["frobenius_distance"] == .number(repair.frobeniusDistance))
    #expect(record["eigenvalues_clipped"] == .number(1))
    guard case .number(let smallest)? = record["smallest_input_eigenvalue"] else {
      Issue.record("no smallest_input_eigenvalue in \(record)")
      return
    }
    #expect(abs(smallest - -0.8) < 1e-9)
    let calm = try object(regimes["calm"])
    #expect(calm["correlation_from"] == .string("top-level"))
    #expect(process.correlations[0] == spec.correlation)
    // Without repair the same matrix is refused at its field.
    let refused = #expect(throws: ScenarioError.self) {
      try self.parse(
        Self.threeAssets(model: model.replacingOccurrences(of: ", repair: nearest", with: "")))
    }
    #expect(refused?.field == "model.regime.regimes.crisis.correlation.matrix")
  }

  // MARK: - Correlation stress targets

  @Test(
    "a correlation stress target repaired with repair: nearest is recorded, wherever repair sits",
    arguments: [
      "{from: 5, to: 9, toward: {matrix: \(notPSD), repair: nearest}, weight: 0.5}",
      "{from: 5, to: 9, toward: {matrix: \(notPSD)}, weight: 0.5, repair: nearest}",
    ])
  func stressTargetRepairRecorded(stress: String) throws {
    let spec = try parse(
      Self.threeAssets(
        model: "{gbm: {drift: 0.05, volatility: 0.2}}",
        variants: "{base: {}, panic: {stresses: [{shock: {at: 2, returns: -0.1}}, "
          + "{correlation: \(stress)}]}}"))
    let panic = try #require(spec.variants.last)
    let target = try #require(panic.stresses[1].repairedCorrelationTarget)
    let repair = try #require(target.repair, "the target was repaired")
    #expect(panic.stresses[1].description.contains("repaired"))
    let record = Manifest.Variant(panic, seconds: 0)
    let repairs = try #require(record.correlationRepairs)
    #expect(repairs.count == 1)
    #expect(repairs[0].stress == 1)
    #expect(repairs[0].target.repair?.frobeniusDistance == repair.frobeniusDistance)
    #expect(repairs[0].target.repair?.eigenvaluesClipped == 1)
    #expect(repairs[0].target.matrix.count == 3 && repairs[0].target.smallestEigenvalue > -1e-12)
    #expect(Manifest.Variant(spec.variants[0], seconds: 0).correlationRepairs == nil)
    #expect(panic.stresses[0].repairedCorrelationTarget == nil)
  }

  @Test("repair given both in toward and beside it is refused")
  func repairGivenTwice() {
    let error = #expect(throws: ScenarioError.self) {
      try self.parse(
        Self.threeAssets(
          model: "{gbm: {drift: 0.05, volatility: 0.2}}",
          variants: "{panic: {stresses: [{correlation: {from: 5, to: 9, toward: {matrix: "
            + "\(Self.notPSD), repair: nearest}, weight: 0.5, repair: nearest}}]}}"))
    }
    #expect(error?.field == "variants.panic.stresses[0].correlation.repair")
    #expect(error?.message.contains("given twice") == true, "\(error?.message ?? "none")")
  }

  // MARK: - Forced jumps

  @Test("two forced jumps at one step are two jumps of summed size")
  func forcedJumpsCounted() throws {
    let spec = try parse(
      F.scenario([
        "model":
          "model: {merton: {drift: 0.05, volatility: 0.2, jumps: {intensity: 1, mean: -0.05, stdev: 0.1}}}",
        "variants":
          "variants: {jumpy: {stresses: [{jumps: {at: 5, size: -0.1}}, {jumps: {at: 5, size: {EQ: -0.05}}}, {jumps: {at: 7, size: 0.02}}]}}",
      ]))
    let s = try #require(spec.variants.first).schedule
    let sizes = try #require(s.forcedJump)
    let counts = try #require(s.forcedJumpCount)
    #expect(counts[4 * 2] == 2 && counts[4 * 2 + 1] == 1, "step 5: \(counts[8]), \(counts[9])")
    #expect(abs(sizes[4 * 2] - -0.15) < 1e-15 && sizes[4 * 2 + 1] == -0.1)
    #expect(counts[6 * 2] == 1 && counts[6 * 2 + 1] == 1)
    #expect(counts.reduce(0, +) == 5)
  }

  // MARK: - EGARCH starting variance

  @Test("EGARCH initial_variance: unconditional is E[σ²]; unconditional_geometric_mean is named")
  func egarchInitialVariance() throws {
    let body =
      "{garch: {type: egarch, omega: -0.3, alpha: 0.1, beta: 0.97, gamma: -0.06"
    let unconditional = try garch(try parse(F.model(body + "}}")))
    #expect(unconditional.initialVarianceRule == .unconditional)
    let expected = try GARCHProcess.egarchUnconditionalVariance(
      omega: -0.3, alpha: 0.1, beta: 0.97, gamma: -0.06, innovations: .normal)
    #expect(unconditional.initialVariance == [expected, expected])
    let spec = try parse(F.model(body + ", initial_variance: unconditional_geometric_mean}}"))
    let geometric = try garch(spec)
    // The engine's exponential (the same on every CPU), not the C library's.
    let start = PortableMath.exp(-0.3 / (1 - 0.97))
    #expect(geometric.initialVariance == [start, start], "observed \(geometric.initialVariance)")
    #expect(
      spec.modelParameters["initial_variance_rule"] == .string("unconditional_geometric_mean"))
  }

  @Test(
    "a starting variance that does not exist is refused at initial_variance",
    arguments: [
      (
        "{garch: {type: egarch, omega: -0.3, alpha: 0.1, beta: 0.97, gamma: -0.06, "
          + "innovations: {student_t: 6}}}", "model.garch",
        "initial_variance of EQ: unconditional: E[σ²] is infinite with Student-t innovations"
      ),
      (
        "{garch: {type: egarch, omega: -0.3, alpha: 0.1, beta: 0.97, gamma: -0.06, "
          + "innovations: {student_t: 6}, initial_variance: unconditional}}",
        "model.garch.initial_variance", "unconditional_geometric_mean for exp(ω / (1 − β))"
      ),
      (
        "{garch: {type: gjr, omega: 2.0e-6, alpha: 0.03, beta: 0.9, gamma: 0.1, "
          + "initial_variance: unconditional_geometric_mean}}",
        "model.garch.initial_variance", "defined for egarch only"
      ),
    ])
  func missingStartingVariance(model: String, field: String, fragment: String) {
    let error = #expect(throws: ScenarioError.self) { try self.parse(F.model(model)) }
    #expect(error?.field == field, "field: \(error?.field ?? "none")")
    #expect(error?.message.contains(fragment) == true, "message: \(error?.message ?? "none")")
  }

  // MARK: - Through the binary

  @Test("scengine run records every correlation really used and every repair in the manifest")
  func manifestRecordsRepairs() throws {
    let folder = try TemporaryDirectory("semantics-manifest")
    defer { folder.remove() }
    let model =
      "{regime: {transition: [[0.9, 0.1], [0.1, 0.9]], regimes: {calm: {drift: 0.05, "
      + "volatility: 0.1}, crisis: {drift: -0.2, volatility: 0.4, correlation: {matrix: "
      + "\(Self.notPSD), repair: nearest}}}}}"
    let file = try folder.write(
      Self.threeAssets(
        model: model, correlation: "{constant: 0.25}",
        variants: "{base: {}, panic: {stresses: [{correlation: {from: 5, to: 9, toward: {matrix: "
          + "\(Self.notPSD), repair: nearest}, weight: 0.5}}]}}"),
      to: "scenario.yaml")
    let out = folder.url.appendingPathComponent("out")
    try ScengineBinary.runScenario(file, out: out, ["--threads", "1", "--paths", "10"])
    let manifest = try readManifest(out)
    let regimes = try object(manifest.model["regimes"])
    let calm = try object(regimes["calm"])
    let crisis = try object(regimes["crisis"])
    #expect(calm["correlation_from"] == .string("top-level"))
    #expect(
      calm["correlation"]
        == .array(manifest.correlation.matrix.map { .array($0.map { .number($0) }) }))
    #expect(crisis["correlation_from"] == .string("regime"))
    #expect(crisis["correlation_repair"] != nil, "crisis: \(crisis)")
    #expect(manifest.variants.map(\.name) == ["base", "panic"])
    #expect(manifest.variants[0].correlationRepairs == nil)
    let repairs = try #require(manifest.variants[1].correlationRepairs)
    #expect(repairs.map(\.stress) == [0])
    #expect((repairs[0].target.repair?.frobeniusDistance ?? 0) > 0)
  }

  @Test(
    "under a risk-neutral measure the drift is rate − dividend: it may be left out, and a given one is not used"
  )
  func riskNeutralDrift() throws {
    let measure = "measure: {risk_neutral: {rate: 0.05, dividend: {A: 0.01, B: 0, C: 0.02}}}\n"
    let expected = [0.05 - 0.01, 0.05 - 0, 0.05 - 0.02]
    let models = [
      "{gbm: {volatility: 0.2}}",
      "{merton: {volatility: 0.2, jumps: {intensity: 1, mean: -0.05, stdev: 0.1}}}",
      "{kou: {volatility: 0.2, jumps: {intensity: 1, up_probability: 0.4, up_mean: 0.02, "
        + "down_mean: 0.04}}}",
      "{regime: {transition: [[0.9, 0.1], [0.1, 0.9]], regimes: {calm: {volatility: 0.1}, "
        + "crisis: {drift: -0.2, volatility: 0.4}}}}",
    ]
    for model in models {
      let spec = try parse(Self.threeAssets(model: model) + measure)
      let drifts: [[Double]]
      switch spec.model.process {
      case let p as GeometricBrownianMotion: drifts = [p.drift]
      case let p as JumpDiffusion: drifts = [p.drift]
      case let p as RegimeSwitchingProcess: drifts = p.regimes.map(\.drift)
      default:
        Issue.record("unexpected process \(type(of: spec.model.process)) for \(model)")
        continue
      }
      for d in drifts { #expect(d == expected, "\(model): drift \(d)") }
      // The real world needs the drift, and says so at the model's mapping.
      let error = #expect(throws: ScenarioError.self) {
        try self.parse(Self.threeAssets(model: model))
      }
      #expect(
        error?.message.contains("missing required key 'drift'") == true,
        "\(model): \(error?.message ?? "no error")")
    }
  }
}
