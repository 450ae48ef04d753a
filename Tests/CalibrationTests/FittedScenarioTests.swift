import Calibration
import Foundation
import Planner
import Processes
import Testing

/// A fitted model of any kind, for the writers: a GBM block, optional regime probabilities.
struct StubCalibratedModel: CalibratedModel {
  var modelKey = "gbm"
  var assets = ["A"]
  var scenarioModel = "  gbm:\n    drift: 0.05\n    volatility: 0.2\n"
  var correlation: [[Double]]? = nil
  var fits: [AssetFit] = [
    AssetFit(
      asset: "A",
      parameters: [
        ParameterEstimate(key: "drift", estimate: 0.05, standardError: 0.01),
        ParameterEstimate(
          key: "volatility", estimate: 0.2, standardError: nil, robustStandardError: 0.03,
          atBound: true),
      ], logLikelihood: -1.5, observations: 3, iterations: 7, converged: false,
      warnings: ["start 2 did not converge"])
  ]
  var logLikelihood = -1.5
  var parameterCount = 2
  var observations = 3
  var report: [String: JSONValue] = ["forecast": .number(.nan), "model": .string("ignored")]
  var summary = "stub"
  var regimeProbabilities: RegimeProbabilities? = nil
}

@Suite struct FittedScenarioTests {
  /// Three dated rows of `assets` (or, undated, as if indexed 1, 2, 3).
  static func data(assets: [String] = ["A"], dated: Bool = true) throws -> CalibrationData {
    func row(_ base: Double) -> String {
      assets.indices.map { "\(base + Double($0))" }.joined(separator: ",")
    }
    let (table, folder) = try PriceHistoryTests.table(
      "date,\(assets.joined(separator: ","))\n2024-01-04,\(row(100))\n2024-01-05,\(row(101))\n"
        + "2024-01-08,\(row(99.5))\n")
    defer { folder.remove() }
    var out = CalibrationData(history: try table.history())
    if !dated {
      out.dated = false
      out.start = nil
      out.returnLabels = ["2", "3"]
    }
    return out
  }

  @Test("the fitted GBM scenario parses as scengine run reads it, numbers exact")
  func gbmScenarioRoundTrip() throws {
    let a = GBMFitTests.returns(250, mean: 0.0002, sd: 0.011, seed: 3)
    let b = zip(a, GBMFitTests.returns(250, mean: 0, sd: 0.01, seed: 4)).map { 0.5 * $0 + $1 }
    let fit = try GBMFit.fit(
      ReturnSample(assets: ["null", "B.2"], returns: [a, b], timeStep: 1.0 / 252),
      shrinkage: .ledoitWolf)
    let data = try Self.data(assets: ["null", "B.2"])
    let yaml = FittedScenario.yaml(model: fit, data: data, timeStep: 1.0 / 252)
    #expect(yaml.hasPrefix("# Fitted by `scengine calibrate --model gbm` to "))
    #expect(yaml.contains("assets: [\"null\", B.2]"), "\(yaml)")
    let spec = try ScenarioLoader.parse(yaml: yaml, file: "fitted.yaml")
    try spec.checkSimulations()
    #expect(spec.assets == ["null", "B.2"])
    #expect(spec.initialPrices == data.lastPrices)
    #expect(spec.grid.timeStep == 1.0 / 252 && spec.grid.steps == FittedScenario.steps)
    #expect(spec.dates?.first == "2024-01-08", "the first date is that of the last prices")
    #expect(spec.paths == FittedScenario.paths && spec.variants.map(\.name) == ["baseline"])
    #expect(spec.correlation.matrix.rowArrays == fit.correlation)
    guard let process = spec.model.process(as: GeometricBrownianMotion.self) else {
      Issue.record("model \(spec.model.key), expected gbm")
      return
    }
    #expect(process.drift == fit.fits.map { $0.parameters[0].estimate })
    #expect(process.volatility == fit.fits.map { $0.parameters[1].estimate })
  }

  @Test("an integer index gives no start date; one asset no correlation block")
  func undatedSingleAsset() throws {
    let yaml = FittedScenario.yaml(
      model: StubCalibratedModel(), data: try Self.data(dated: false), timeStep: 0.5)
    #expect(yaml.contains("time: {steps: 252, dt: 0.5}\n"), "\(yaml)")
    #expect(!yaml.contains("correlation"))
    let spec = try ScenarioLoader.parse(yaml: yaml, file: "fitted.yaml")
    #expect(spec.dates == nil && spec.initialPrices == [99.5])
  }

  @Test("fit.json: the documented keys, the model's own merged beneath them, NaN as null")
  func reportJSON() throws {
    let bytes = try FittedScenario.reportJSON(
      model: StubCalibratedModel(), data: try Self.data(), timeStep: 1.0 / 252)
    let text = String(decoding: bytes, as: UTF8.self)
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    #expect(json["model"] as? String == "gbm", "a model's report never overrides 'model'")
    #expect(json["forecast"] is NSNull, "\(text)")
    for key in ["data", "dt", "units", "loglik", "aic", "bic", "parameters_count", "assets"] {
      #expect(json[key] != nil, "missing \(key)")
    }
    #expect(json["correlation"] == nil)
    let data = try #require(json["data"] as? [String: Any])
    #expect(data["from"] as? String == "2024-01-04" && data["to"] as? String == "2024-01-08")
    #expect(data["rows"] as? Int == 3 && data["rows_dropped"] as? Int == 0)
    #expect(data["observations"] as? Int == 2)
    let asset = try #require((json["assets"] as? [String: Any])?["A"] as? [String: Any])
    #expect(asset["converged"] as? Bool == false && asset["iterations"] as? Int == 7)
    let p = try #require(asset["parameters"] as? [String: [String: Any]])
    #expect(
      p["drift"]?["std_error"] as? Double == 0.01 && p["drift"]?["robust_std_error"] is NSNull,
      "every parameter has both standard errors' keys, null when unknown")
    #expect(p["volatility"]?["std_error"] is NSNull)
    #expect(p["volatility"]?["at_bound"] as? Bool == true)
    #expect(p["volatility"]?["robust_std_error"] as? Double == 0.03)
    let stub = StubCalibratedModel()
    #expect(json["aic"] as? Double == stub.aic && json["bic"] as? Double == stub.bic)
    // Sorted keys: "aic" comes before "assets", which comes before "bic".
    let order = ["\"aic\"", "\"assets\"", "\"bic\"", "\"data\"", "\"dt\""].map {
      text.range(of: $0)!.lowerBound
    }
    #expect(order == order.sorted())
  }

  @Test("regime probabilities: a date column then filtered and smoothed per regime")
  func probabilities() throws {
    let p = RegimeProbabilities(
      regimes: ["calm", "storm"], filtered: [[0.9, 0.1], [0.25, 0.75]],
      smoothed: [[0.8, 0.2], [0.3, 0.7]])
    let csv = try FittedScenario.probabilitiesCSV(p, data: try Self.data())
    #expect(
      csv == "date,filtered_calm,filtered_storm,smoothed_calm,smoothed_storm\n"
        + "2024-01-05,0.9,0.1,0.8,0.2\n2024-01-08,0.25,0.75,0.3,0.7\n")
    let indexed = try FittedScenario.probabilitiesCSV(p, data: try Self.data(dated: false))
    #expect(indexed.hasPrefix("index,filtered_calm"))
    let short = RegimeProbabilities(regimes: ["calm"], filtered: [[1]], smoothed: [[1]])
    #expect(throws: CalibrationError.self) {
      try FittedScenario.probabilitiesCSV(short, data: try Self.data())
    }
  }

  @Test("names YAML would read as something else are quoted")
  func yamlKeys() {
    for name in ["null", "True", "1.5", "1e3", "-x", ".inf", "~", "no"] {
      #expect(FittedScenario.yamlKey(name) == "\"\(name)\"", "\(name)")
    }
    for name in ["SPX", "B.2", "gold_usd", "Zürich"] {
      #expect(FittedScenario.yamlKey(name) == name, "\(name)")
    }
  }
}
