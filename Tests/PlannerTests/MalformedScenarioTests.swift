import Foundation
import Planner
import ScengineTestSupport
import Testing

/// One scenario file that must be rejected (DESIGN invariant 7).
struct MalformedScenario: Sendable, CustomTestStringConvertible {
  let name: String
  let yaml: String
  /// A fragment of the message that names the offending value and what was expected.
  let fragment: String
  /// The field path the error must name; empty for the file as a whole.
  let field: String
  /// Extra command-line arguments (`--variant nope`).
  var arguments: [String] = []
  /// Files written beside the scenario (name → content).
  var files: [String: String] = [:]

  var testDescription: String { name }

  typealias F = ScenarioFixture

  static let all: [MalformedScenario] = [
    .init(
      name: "YAML syntax error", yaml: F.scenario(extra: "description: [1, 2"),
      fragment: "invalid YAML: did not find expected ',' or ']'", field: ""),
    .init(name: "empty file", yaml: "", fragment: "the file is empty", field: ""),
    .init(
      name: "two YAML documents", yaml: F.scenario() + "---\nname: other\n",
      fragment: "expected a single document in the stream but found another document", field: ""),
    .init(
      name: "a list instead of a mapping", yaml: "- name: x\n",
      fragment: "expected a mapping of keys, got a list", field: ""),
    .init(
      name: "missing model", yaml: F.scenario(["model": nil]),
      fragment: "missing required key 'model'", field: ""),
    .init(
      name: "unknown top-level key suggests seed", yaml: F.scenario(["seed": "sed: 7"]),
      fragment: "unknown key 'sed' (did you mean 'seed'?)", field: "sed"),
    .init(
      name: "unknown key inside model.gbm",
      yaml: F.model("{gbm: {drift: 0.05, volatility: 0.2, volatilty: 0.3}}"),
      fragment: "unknown key 'volatilty' (did you mean 'volatility'?)", field: "model.gbm.volatilty"
    ),
    .init(
      name: "unsupported version", yaml: F.scenario(extra: "version: 2"),
      fragment: "version 2 is not supported", field: "version"),
    .init(
      name: "control characters", yaml: "name: x\n\u{01}\n",
      fragment: "invalid YAML: control characters are not allowed", field: ""),
    .init(
      name: "more paths than one file can hold",
      yaml: F.scenario([
        "paths": "paths: 4294967296", "time": "time: {steps: 1000000, dt: 1/252}",
        "assets": "assets: [\((0..<300).map { "A\($0)" }.joined(separator: ", "))]",
        "initial": "initial: 100", "correlation": nil, "portfolio": nil, "variants": nil,
        "model": "model: {gbm: {drift: 0.05, volatility: 0.2}}",
      ]),
      fragment:
        "4294967296 paths × 1000001 time points × 300 assets is more than one file can hold",
      field: "paths"),
    .init(
      name: "more assets than the limit",
      yaml: F.scenario([
        "assets": "assets: [\((0..<4001).map { "A\($0)" }.joined(separator: ", "))]",
        "initial": "initial: 100", "correlation": nil, "portfolio": nil, "variants": nil,
      ]),
      fragment: "4001 assets, expected at most 4000 (the correlation is factored as a full matrix)",
      field: "assets"),
    .init(
      name: "paths of the wrong type", yaml: F.scenario(["paths": "paths: \"many\""]),
      fragment: "expected a whole number, got the string 'many'", field: "paths"),
    .init(
      name: "negative paths", yaml: F.scenario(["paths": "paths: -5"]),
      fragment: "-5 paths asked for, expected 1 to", field: "paths"),
    .init(
      name: "zero steps", yaml: F.scenario(["time": "time: {steps: 0, dt: 1/252}"]),
      fragment: "0 steps, expected 1 to 1000000", field: "time.steps"),
    .init(
      name: "dt of zero", yaml: F.scenario(["time": "time: {steps: 252, dt: 0}"]),
      fragment: "0.0 years, expected a step length > 0", field: "time.dt"),
    .init(
      name: "dt dividing by zero", yaml: F.scenario(["time": "time: {steps: 252, dt: 1/0}"]),
      fragment: "division by zero in '1/0'", field: "time.dt"),
    .init(
      name: "impossible start date",
      yaml: F.scenario(["time": "time: {steps: 252, dt: 1/252, start: 2027-02-30}"]),
      fragment: "'2027-02-30' is not a date; expected YYYY-MM-DD", field: "time.start"),
    .init(
      name: "start on a Saturday",
      yaml: F.scenario(["time": "time: {steps: 252, dt: 1/252, start: 2027-01-09}"]),
      fragment: "2027-01-09 is a Saturday", field: "time.start"),
    .init(
      name: "duplicate asset", yaml: F.scenario(["assets": "assets: [EQ, BOND, EQ]"]),
      fragment: "asset 'EQ' is listed twice", field: "assets[2]"),
    .init(
      name: "initial price not positive",
      yaml: F.scenario(["initial": "initial: {EQ: 100, BOND: -3}"]),
      fragment: "initial price of BOND is -3.0, expected a price > 0", field: "initial.BOND"),
    .init(
      name: "initial map missing an asset", yaml: F.scenario(["initial": "initial: {EQ: 100}"]),
      fragment: "no initial price for asset 'BOND'", field: "initial"),
    .init(
      name: "correlation asymmetric",
      yaml: F.scenario(["correlation": "correlation: {matrix: [[1, 0.3], [0.2, 1]]}"]),
      fragment: "not symmetric: entry [1][0] (BOND, EQ) is 0.2 but [0][1] is 0.3",
      field: "correlation.matrix"),
    .init(
      name: "correlation diagonal not 1",
      yaml: F.scenario(["correlation": "correlation: {matrix: [[1, 0.3], [0.3, 0.9]]}"]),
      fragment: "diagonal entry [1][1] (BOND) is 0.9, expected 1", field: "correlation.matrix"),
    .init(
      name: "correlation entry above 1",
      yaml: F.scenario(["correlation": "correlation: {matrix: [[1, 1.5], [1.5, 1]]}"]),
      fragment: "(EQ, BOND) is 1.5, expected a value in [-1, 1]", field: "correlation.matrix"),
    .init(
      name: "correlation of the wrong size",
      yaml: F.scenario([
        "correlation": "correlation: {matrix: [[1, 0.3, 0], [0.3, 1, 0], [0, 0, 1]]}"
      ]),
      fragment: "3 rows for 2 assets", field: "correlation.matrix"),
    .init(
      name: "correlation not positive semi-definite without repair",
      yaml: nonPSDScenario(repair: nil),
      fragment: "not positive semi-definite: smallest eigenvalue -0.8", field: "correlation.matrix"),
    .init(
      name: "constant correlation 2 with one asset (never used, still refused)",
      yaml: F.scenario([
        "assets": "assets: [EQ]", "initial": "initial: 100",
        "correlation": "correlation: {constant: 2}",
        "portfolio": nil,
        "model": "model: {gbm: {drift: 0.05, volatility: 0.2}}", "variants": nil,
      ]),
      fragment: "2.0 is not a correlation, expected a value in [-1, 1]",
      field: "correlation.constant"),
    .init(
      name: "one-factor loading above 1",
      yaml: F.scenario([
        "correlation": "correlation: {one_factor: {loadings: {EQ: 0.5, BOND: 1.5}}}"
      ]),
      fragment: "loading of BOND is 1.5", field: "correlation.one_factor.loadings.BOND"),
    .init(
      name: "unknown model", yaml: F.model("{gmb: {drift: 0.05, volatility: 0.2}}"),
      fragment: "unknown model 'gmb' (did you mean 'gbm'?)", field: "model.gmb"),
    .init(
      name: "two models",
      yaml: F.model(
        "{gbm: {drift: 0.05, volatility: 0.2}, merton: {drift: 0.05, volatility: 0.2}}"),
      fragment: "give exactly one model, got gbm, merton", field: "model"),
    .init(
      name: "negative volatility",
      yaml: F.model("{gbm: {drift: 0.05, volatility: {EQ: -0.2, BOND: 0.05}}}"),
      fragment: "volatility of EQ is -0.2, expected", field: "model.gbm.volatility.EQ"),
    .init(
      name: "drift list of the wrong length",
      yaml: F.model("{gbm: {drift: [0.05, 0.02, 0.01], volatility: 0.2}}"),
      fragment: "3 values for 2 assets (EQ, BOND)", field: "model.gbm.drift"),
    .init(
      name: "Merton jump stdev negative",
      yaml: F.model(
        "{merton: {drift: 0.05, volatility: 0.2, jumps: {intensity: 1, mean: -0.1, stdev: -0.15}}}"),
      fragment: "jump stdev of EQ is -0.15", field: "model.merton.jumps.stdev"),
    .init(
      name: "GARCH not stationary",
      yaml: F.model("{garch: {omega: 2.0e-6, alpha: 0.2, beta: 0.85}}"),
      fragment: "not stationary: alpha + beta = 1.05", field: "model.garch"),
    .init(
      name: "GARCH Student-t with nu of 2",
      yaml: F.model(
        "{garch: {omega: 2.0e-6, alpha: 0.05, beta: 0.9, innovations: {student_t: 2}}}"),
      fragment: "student_t degrees of freedom is 2.0, expected a finite number > 2",
      field: "model.garch.innovations.student_t"),
    .init(
      name: "regime transition row not summing to 1",
      yaml: F.regime(transition: "[[0.9, 0.05], [0.05, 0.95]]"),
      fragment: "transition row 0 sums to 0.95", field: "model.regime.transition"),
    .init(
      name: "regime initial distribution not summing to 1",
      yaml: F.regime(initial: "[0.5, 0.6]"),
      fragment: "initial distribution sums to 1.1", field: "model.regime.initial"),
    .init(
      name: "regime with a negative volatility",
      yaml: F.regime(crisisVolatility: "-0.4"),
      fragment: "volatility of EQ is -0.4", field: "model.regime.regimes.crisis.volatility"),
    .init(
      name: "unknown asset in a stress", yaml: F.stressed("shock: {at: 10, returns: {SPX: -0.2}}"),
      fragment: "unknown asset 'SPX'; assets are EQ, BOND",
      field: "variants.stressed.stresses[0].shock.returns.SPX"),
    .init(
      name: "window outside the horizon",
      yaml: F.stressed("volatility: {from: 10, to: 300, multiplier: 2}"),
      fragment: "step 300 is outside the horizon 1…252",
      field: "variants.stressed.stresses[0].volatility.to"),
    .init(
      name: "window ending before it starts",
      yaml: F.stressed("volatility: {from: 60, to: 10, multiplier: 2}"),
      fragment: "window ends at step 10, before it starts at 60",
      field: "variants.stressed.stresses[0].volatility.to"),
    .init(
      name: "shock return of -100%", yaml: F.stressed("shock: {at: 10, returns: {EQ: -1}}"),
      fragment: "return of EQ is -1.0, expected a simple return > -1",
      field: "variants.stressed.stresses[0].shock.returns.EQ"),
    .init(
      name: "negative volatility multiplier",
      yaml: F.stressed("volatility: {from: 10, to: 20, multiplier: {EQ: -2}}"),
      fragment: "multiplier of EQ is -2.0, expected a number ≥ 0",
      field: "variants.stressed.stresses[0].volatility.multiplier.EQ"),
    .init(
      name: "correlation stress weight above 1",
      yaml: F.stressed("correlation: {from: 10, to: 20, toward: {constant: 0.9}, weight: 1.5}"),
      fragment: "1.5, expected a weight in [0, 1]",
      field: "variants.stressed.stresses[0].correlation.weight"),
    .init(
      name: "unknown stress kind",
      yaml: F.stressed("volatilty: {from: 10, to: 20, multiplier: 2}"),
      fragment: "unknown stress 'volatilty' (did you mean 'volatility'?)",
      field: "variants.stressed.stresses[0]"),
    .init(
      name: "regime stress on a gbm model",
      yaml: F.stressed("regime: {from: 1, to: 20, force: crisis}"),
      fragment: "a regime stress needs a regime model, this is gbm",
      field: "variants.stressed.stresses[0].regime"),
    .init(
      name: "variance stress on a gbm model",
      yaml: F.stressed("variance: {at: 1, variance: 4.0e-4}"),
      fragment: "a variance stress needs a garch model, this is gbm",
      field: "variants.stressed.stresses[0].variance"),
    .init(
      name: "jumps stress on a gbm model",
      yaml: F.stressed("jumps: {from: 1, to: 20, intensity_multiplier: 5}"),
      fragment: "a jumps stress needs a model with jumps",
      field: "variants.stressed.stresses[0].jumps"),
    .init(
      name: "regimes emitted by a gbm model",
      yaml: F.scenario(extra: "output: {emit: [prices, regimes]}"),
      fragment: "'regimes' cannot be emitted by a gbm model", field: "output.emit"),
    .init(
      name: "portfolio weights not summing to 1",
      yaml: F.scenario(["portfolio": "portfolio: {EQ: 0.6, BOND: 0.3}"]),
      fragment: "weights sum to 0.89", field: "portfolio"),
    .init(
      name: "unknown variant on --variant", yaml: F.scenario(),
      fragment: "no variant named 'nope' (--variant); the file has: baseline, stressed",
      field: "variants",
      arguments: ["--variant", "nope"]),
    .init(
      name: "historical stress with a missing file",
      yaml: F.stressed(
        "historical: {at: 10, file: missing.csv, column: close, from: 2008-09-12, to: 2008-09-19}"),
      fragment: "cannot read price file", field: "variants.stressed.stresses[0].historical.file"),
    .init(
      name: "historical window outside the data",
      yaml: F.stressed(
        "historical: {at: 10, file: spx.csv, column: close, from: 2009-09-14, to: 2009-09-18}"),
      fragment: "the window 2009-09-14…2009-09-18 is not covered by price file",
      field: "variants.stressed.stresses[0].historical.from", files: ["spx.csv": F.priceCSV]),
    .init(
      name: "historical window running past the data",
      yaml: F.stressed(
        "historical: {at: 10, file: spx.csv, column: close, from: 2008-09-15, to: 2008-12-31}"),
      fragment: "whose dates run from 2008-09-12 to 2008-09-19",
      field: "variants.stressed.stresses[0].historical.to", files: ["spx.csv": F.priceCSV]),
    .init(
      name: "historical replay past the last step",
      yaml: F.stressed(
        "historical: {at: 250, file: spx.csv, column: close, from: 2008-09-15, to: 2008-09-19}"),
      fragment: "the replay of 5 returns from step 250 ends at step 254, after the last step 252",
      field: "variants.stressed.stresses[0].historical", files: ["spx.csv": F.priceCSV]),
    // Ranges, names and YAML features (README, "Names and ranges").
    .init(
      name: "dt longer than 100 years", yaml: F.scenario(["time": "time: {steps: 252, dt: 101}"]),
      fragment: "dt is 101.0, expected a finite number of years > 0, at most 100", field: "time.dt"),
    .init(
      name: "volatility above 10",
      yaml: F.model("{gbm: {drift: 0.05, volatility: {EQ: 11, BOND: 0.05}}}"),
      fragment: "volatility of EQ is 11.0, expected a finite annualized volatility ≥ 0, at most 10",
      field: "model.gbm.volatility.EQ"),
    .init(
      name: "initial price above 1e30",
      yaml: F.scenario(["initial": "initial: {EQ: 1e31, BOND: 100}"]),
      fragment: "initial price of EQ is 1e+31, expected a price from 1e-30 to 1e+30",
      field: "initial.EQ"),
    .init(
      name: "portfolio weight above 100",
      yaml: F.scenario(["portfolio": "portfolio: {EQ: 101, BOND: -100}"]),
      fragment: "weight of EQ is 101.0, expected a weight from -100 to 100", field: "portfolio.EQ"),
    .init(
      name: "Merton intensity above 1000 jumps a step",
      yaml: F.model(
        "{merton: {drift: 0.05, volatility: 0.2, jumps: {intensity: 300000, mean: -0.05, "
          + "stdev: 0.1}}}"),
      fragment: "expected at most 1000 per step", field: "model.merton.jumps.intensity"),
    .init(
      name: "volatility multiplier above 1000",
      yaml: F.stressed("volatility: {from: 1, to: 5, multiplier: {EQ: 1001}}"),
      fragment: "multiplier of EQ is 1001.0, expected a number from 0 to 1000.0",
      field: "variants.stressed.stresses[0].volatility.multiplier.EQ"),
    .init(
      name: "shocks of one step compounding beyond a factor 1e6",
      yaml: F.scenario([
        "variants":
          "variants: {stressed: {stresses: [{shock: {at: 3, returns: {EQ: 999}}}, "
          + "{shock: {at: 3, returns: {EQ: 9999}}}]}}"
      ]),
      fragment: "with the other stresses of step 3 the price moves by a factor of 10000000",
      field: "variants.stressed.stresses[1].shock.returns.EQ"),
    .init(
      name: "scenario name ..", yaml: F.scenario(["name": "name: \"..\""]),
      fragment: "'..' is not a valid name", field: "name"),
    .init(
      name: "variant named manifest.json",
      yaml: F.scenario(["variants": "variants: {manifest.json: {}}"]),
      fragment: "'manifest.json' is not a valid variant name", field: "variants.manifest.json"),
    .init(
      name: "YAML merge key",
      yaml: F.scenario(["model": "model: {gbm: {<<: {drift: 0.05}, volatility: 0.2}}"]),
      fragment: "YAML merge keys (<<) are not supported", field: "model.gbm"),
    .init(
      name: "a list as a key", yaml: F.scenario(extra: "? [a, b]\n: 1"),
      fragment: "a key is a list; keys must be plain text", field: ""),
    // Stresses that would change nothing, and one that cannot do what it says.
    .init(
      name: "an empty multiplier map",
      yaml: F.stressed("{volatility: {from: 1, to: 10, multiplier: {}}}"),
      fragment: "an empty map changes nothing",
      field: "variants.stressed.stresses[0].volatility.multiplier"),
    .init(
      name: "an empty shock map", yaml: F.stressed("{shock: {at: 3, returns: {}}}"),
      fragment: "an empty map changes nothing",
      field: "variants.stressed.stresses[0].shock.returns"),
    .init(
      name: "a variant other than baseline with no value",
      yaml: F.scenario(["variants": "variants:\n  baseline:\n  crash:\n"]),
      fragment: "variant 'crash' has no value", field: "variants.crash"),
    .init(
      name: "historical columns with assets",
      yaml: F.stressed(
        "{historical: {at: 10, file: spx.csv, columns: {EQ: close}, assets: [EQ], "
          + "from: 2008-09-15, to: 2008-09-19}}"),
      fragment: "assets goes with column", field: "variants.stressed.stresses[0].historical",
      files: ["spx.csv": F.priceCSV]),
    .init(
      name: "historical with an asset listed twice",
      yaml: F.stressed(
        "{historical: {at: 10, file: spx.csv, column: close, assets: [EQ, EQ], "
          + "from: 2008-09-15, to: 2008-09-19}}"),
      fragment: "lists 'EQ' twice; name each asset once",
      field: "variants.stressed.stresses[0].historical.assets", files: ["spx.csv": F.priceCSV]),
    .init(
      name: "a variant named shards",
      yaml: F.scenario(["variants": "variants: {baseline: {}, Shards: {}}"]),
      fragment: "'Shards' is not a valid variant name: the output folder holds a run's shards",
      field: "variants.Shards"),
    .init(
      name: "historical with no assets",
      yaml: F.stressed(
        "{historical: {at: 10, file: spx.csv, column: close, assets: [], "
          + "from: 2008-09-15, to: 2008-09-19}}"),
      fragment: "an empty list replays nothing",
      field: "variants.stressed.stresses[0].historical.assets", files: ["spx.csv": F.priceCSV]),
    .init(
      name: "systemic jumps with a multiplier for one asset",
      yaml: F.scenario([
        "model":
          "model: {merton: {drift: 0.05, volatility: 0.2, jumps: {intensity: 2, mean: -0.05, "
          + "stdev: 0.1, systemic: true}}}",
        "variants":
          "variants: {s: {stresses: [{jumps: {from: 5, to: 9, intensity_multiplier: {EQ: 10}}}]}}",
      ]),
      fragment: "at step 5 they multiply EQ × 10.0, BOND × 1.0",
      field: "variants.s.stresses"),
    .init(
      name: "systemic jumps with stresses whose multipliers differ where they overlap",
      yaml: F.scenario([
        "model":
          "model: {merton: {drift: 0.05, volatility: 0.2, jumps: {intensity: 2, mean: -0.05, "
          + "stdev: 0.1, systemic: true}}}",
        "variants":
          "variants: {s: {stresses: [{jumps: {from: 5, to: 9, intensity_multiplier: {EQ: 2, "
          + "BOND: 3}}}, {jumps: {from: 5, to: 8, intensity_multiplier: {EQ: 3, BOND: 2}}}]}}",
      ]),
      fragment: "at step 9 they multiply EQ × 2.0, BOND × 3.0, every stress of the variant",
      field: "variants.s.stresses"),
  ]

  /// Three assets whose correlation has eigenvalues 1.8, 1.8 and −0.8.
  static func nonPSDScenario(repair: String?) -> String {
    let repairEntry = repair.map { ", repair: \($0)" } ?? ""
    return F.scenario([
      "assets": "assets: [A, B, C]",
      "initial": "initial: 100",
      "correlation":
        "correlation: {matrix: [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]\(repairEntry)}",
      "model": "model: {gbm: {drift: 0.05, volatility: 0.2}}",
      "portfolio": nil,
      "variants": nil,
    ])
  }

  /// Writes the scenario (as `scenario.yaml`) and its side files into `directory`.
  func write(into directory: TemporaryDirectory) throws -> String {
    for (name, text) in files { try directory.write(text, to: name) }
    return try directory.write(yaml, to: "scenario.yaml")
  }
}

@Suite("Malformed scenario files")
struct MalformedScenarioTests {
  /// Through the binary: a non-zero exit, one line on stderr naming the file, the field and the
  /// value, no crash report, and no output directory.
  @Test("scengine run rejects it cleanly", arguments: MalformedScenario.all)
  func runRejects(_ scenario: MalformedScenario) throws {
    let folder = try TemporaryDirectory("malformed")
    defer { folder.remove() }
    let file = try scenario.write(into: folder)
    let out = folder.url.appendingPathComponent("out")
    let result = try ScengineBinary.run(
      ["run", file, "--out", out.path, "--progress", "none"] + scenario.arguments, in: folder.url)

    #expect(result.reason == .exit, "terminated by signal \(result.status)")
    #expect(result.status != 0)
    let lines = result.stderr.split(whereSeparator: \.isNewline)
    #expect(lines.count == 1, "expected one line on stderr, got:\n\(result.stderr)")
    let message = String(lines.first ?? "")
    #expect(
      message.hasPrefix("error: \(file)"), "the message does not start with the file: \(message)")
    if !scenario.field.isEmpty {
      #expect(
        message.contains(" \(scenario.field): "), "field \(scenario.field) not named: \(message)")
    }
    #expect(message.contains(scenario.fragment), "'\(scenario.fragment)' not in: \(message)")
    for crash in ["Fatal error", "Stack dump", "stack trace", "Backtrace", "Illegal instruction"] {
      #expect(!result.stderr.contains(crash), "crash report on stderr: \(result.stderr)")
    }
    #expect(result.stdout.isEmpty, "stdout: \(result.stdout)")
    #expect(!FileManager.default.fileExists(atPath: out.path), "the run created \(out.path)")
    #expect(!FileManager.default.fileExists(atPath: folder.path("out")), "the run created out/")
  }

  /// In process: the error's field path is exactly the expected one.
  @Test("ScenarioLoader names the exact field", arguments: MalformedScenario.all)
  func loaderNamesField(_ scenario: MalformedScenario) throws {
    let folder = try TemporaryDirectory("malformed-parse")
    defer { folder.remove() }
    let file = try scenario.write(into: folder)
    var overrides = ScenarioOverrides()
    if let i = scenario.arguments.firstIndex(of: "--variant") {
      overrides.variants = [scenario.arguments[i + 1]]
    }
    let error = #expect(throws: ScenarioError.self) {
      try ScenarioLoader.load(path: file, overrides: overrides)
    }
    #expect(error?.file == file)
    #expect(error?.field == scenario.field)
    #expect(
      error?.message.contains(scenario.fragment) == true, "message: \(error?.message ?? "none")")
  }

  @Test("a non-PSD correlation with repair: nearest runs and the manifest records the repair")
  func nearestRepair() throws {
    let folder = try TemporaryDirectory("repair")
    defer { folder.remove() }
    let file = try folder.write(
      MalformedScenario.nonPSDScenario(repair: "nearest"), to: "scenario.yaml")
    let out = folder.url.appendingPathComponent("out")
    try ScengineBinary.runScenario(file, out: out, ["--threads", "1"])
    let manifest = try readManifest(out)
    let repair = try #require(manifest.correlation.repair, "manifest.correlation.repair is missing")
    #expect(repair.method == "higham2002")
    #expect(repair.frobeniusDistance > 0)
    #expect(repair.eigenvaluesClipped >= 1)
    #expect(abs(repair.smallestInputEigenvalue - -0.8) < 1e-9)
    #expect(manifest.correlation.smallestEigenvalue >= -1e-12)
    let m = manifest.correlation.matrix
    for i in 0..<3 {
      #expect(m[i][i] == 1)
      for j in 0..<3 { #expect(m[i][j] == m[j][i]) }
    }
  }

  @Test("scengine check on a valid file exits 0, prints the plan and writes nothing")
  func checkWritesNothing() throws {
    let scenarioFolder = try TemporaryDirectory("check-scenario")
    let workFolder = try TemporaryDirectory("check-cwd")
    defer {
      scenarioFolder.remove()
      workFolder.remove()
    }
    let file = try scenarioFolder.write(ScenarioFixture.scenario(), to: "scenario.yaml")
    let result = try ScengineBinary.run(["check", file], in: workFolder.url)
    #expect(result.reason == .exit && result.status == 0, "stderr: \(result.stderr)")
    #expect(result.stdout.contains("first stressed step: 10"))
    #expect(result.stderr.isEmpty)
    #expect(try FileManager.default.contentsOfDirectory(atPath: workFolder.url.path).isEmpty)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: scenarioFolder.url.path) == [
        "scenario.yaml"
      ])
  }
}
