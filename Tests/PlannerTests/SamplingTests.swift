import Foundation
import Randomness
import ScengineTestSupport
import Shocks
import Testing

@testable import Planner

/// The scenario's `sampling` key: its parse and errors, antithetic pairs that are exact
/// negatives for every model, and Sobol' points whose bridge gives the terminal law.
@Suite struct SamplingTests {
  func parse(_ yaml: String) throws -> ScenarioSpec {
    try ScenarioLoader.parse(yaml: yaml, file: "test.yaml")
  }

  func failure(_ yaml: String) -> ScenarioError? {
    #expect(throws: ScenarioError.self) { try parse(yaml) }
  }

  @Test(
    "sampling modes are read, Sobol' scrambling defaults to owen",
    arguments: [
      (nil, Sampling.monteCarlo), ("{}", .monteCarlo), ("{antithetic: false}", .monteCarlo),
      ("{antithetic: true}", .antithetic), ("{sobol: {}}", .sobol(.owen)),
      ("{sobol: {scramble: owen}}", .sobol(.owen)), ("{sobol: {scramble: shift}}", .sobol(.shift)),
      ("{sobol: {scramble: none}}", .sobol(.none)),
    ] as [(String?, Sampling)])
  func parses(_ text: String?, _ expected: Sampling) throws {
    let yaml = ScenarioFixture.scenario(extra: text.map { "sampling: \($0)" })
    #expect(try parse(yaml).sampling == expected, "sampling: \(text ?? "absent")")
  }

  @Test(
    "bad sampling keys are named at their field",
    arguments: [
      ("{antithetic: true, sobol: {}}", "sampling", "cannot be combined"),
      ("{sobol: {scramble: halton}}", "sampling.sobol.scramble", "is not a scrambling"),
      ("{antithetic: yes please}", "sampling.antithetic", "expected true or false"),
      ("{antithetic: yes}", "sampling.antithetic", "expected true or false, got 'yes'"),
      ("{antithetic: on}", "sampling.antithetic", "expected true or false, got 'on'"),
      ("{latin: true}", "sampling.latin", "unknown key 'latin'"),
      ("{sobol: {scramble: owen, skip: 3}}", "sampling.sobol.skip", "unknown key 'skip'"),
      ("antithetic", "sampling", "expected a mapping"),
    ])
  func errors(_ text: String, _ field: String, _ words: String) {
    let e = failure(ScenarioFixture.scenario(extra: "sampling: \(text)"))
    #expect(e?.field == field, "\(text): field \(e?.field ?? "none")")
    #expect(e?.message.contains(words) == true, "\(text): \(e?.message ?? "none")")
  }

  @Test("unscrambled Sobol' takes at most 2³² − 1 paths: path i is point i + 1")
  func unscrambledPathLimit() throws {
    let most = SobolSequence.maximumPoints - 1
    for (scramble, paths, refused) in [
      ("none", most, false), ("none", most + 1, true), ("owen", most + 1, false),
      ("shift", most + 1, false),
    ] {
      let yaml = ScenarioFixture.scenario(
        ["paths": "paths: \(paths)"], extra: "sampling: {sobol: {scramble: \(scramble)}}")
      if refused {
        let e = failure(yaml)
        #expect(e?.field == "sampling.sobol", "\(scramble) \(paths): \(e?.field ?? "none")")
        #expect(
          e?.message.contains("at most \(most) paths") == true, "\(e?.message ?? "none")")
        let overridden = #expect(throws: ScenarioError.self) {
          try ScenarioLoader.parse(
            yaml: ScenarioFixture.scenario(extra: "sampling: {sobol: {scramble: none}}"),
            file: "test.yaml", overrides: .init(paths: paths))
        }
        #expect(overridden?.message.contains("(--paths)") == true, "\(overridden?.message ?? "")")
      } else {
        #expect(try parse(yaml).paths == paths, "\(scramble) \(paths)")
      }
    }
  }

  @Test("Sobol' beyond the Joe–Kuo table's dimensions is refused with the counts")
  func tooManyDimensions() {
    // 252 steps × 100 assets = 25,200 dimensions.
    let names = (0..<100).map { "A\($0)" }
    let yaml = ScenarioFixture.scenario(
      [
        "assets": "assets: [\(names.joined(separator: ", "))]",
        "initial": "initial: 100", "correlation": nil, "portfolio": nil,
        "model": "model: {gbm: {drift: 0.05, volatility: 0.2}}",
        "variants": nil,
      ], extra: "sampling: {sobol: {scramble: owen}}")
    let e = failure(yaml)
    #expect(e?.field == "sampling.sobol", "field \(e?.field ?? "none")")
    #expect(
      e?.message.contains("252 steps × 100 shocks per step = 25200 dimensions") == true
        && e?.message.contains("\(SobolSequence.maximumDimensions)") == true,
      "\(e?.message ?? "none")")
  }

  /// A one-asset (or `assets`-asset) scenario of `model` with `sampling`, 252 daily steps.
  static func scenario(
    model: String, sampling: String, paths: Int, emit: String, seed: Int = 11, assets: Int = 1
  ) -> String {
    let names = (0..<assets).map { "A\($0)" }
    let correlation =
      assets == 1
      ? "" : "correlation: {constant: 0.4}\n"
    return """
      name: sampling
      seed: \(seed)
      paths: \(paths)
      time: {steps: 252, dt: 1/252}
      assets: [\(names.joined(separator: ", "))]
      initial: 100
      \(correlation)model: \(model)
      sampling: \(sampling)
      output: {emit: [\(emit)]}

      """
  }

  /// The arrays of a run of `yaml`, by series name.
  static func run(_ yaml: String, _ arguments: [String] = []) throws -> [String: NPYArray] {
    let folder = try TemporaryDirectory("sampling")
    defer { folder.remove() }
    let file = try folder.write(yaml, to: "s.yaml")
    let out = folder.url.appendingPathComponent("out")
    try ScengineBinary.runScenario(file, out: out, arguments)
    var arrays: [String: NPYArray] = [:]
    for name in ["prices", "returns", "variance", "jumps", "regimes"] {
      let path = out.appendingPathComponent("base/\(name).npy").path
      if FileManager.default.fileExists(atPath: path) {
        arrays[name] = try NPYArray(contentsOf: path)
      }
    }
    return arrays
  }

  struct Model: Sendable, CustomStringConvertible {
    let name: String
    let yaml: String
    let emit: String
    /// Whether the step's log return is its shock term alone (a zero log drift), so that the
    /// pair's returns are exact negatives; otherwise the shared draws are compared.
    let symmetric: Bool
    var description: String { name }
  }

  // Drifts of σ²/2 make the log drift (μ − σ²/2) dt exactly 0 (σ = 0.5 or 0.25).
  static let models: [Model] = [
    Model(
      name: "gbm", yaml: "{gbm: {drift: 0.125, volatility: 0.5}}", emit: "prices, returns",
      symmetric: true),
    Model(
      name: "regimes",
      yaml:
        "{regime: {transition: [[0.95, 0.05], [0.1, 0.9]], regimes: {calm: {drift: 0.03125, "
        + "volatility: 0.25}, crisis: {drift: 0.125, volatility: 0.5}}}}",
      emit: "prices, returns, regimes", symmetric: true),
    Model(
      name: "garch t",
      yaml:
        "{garch: {mean: 0, omega: 0.000002, alpha: 0.08, beta: 0.9, innovations: {student_t: 5}}}",
      emit: "prices, returns, variance", symmetric: true),
    Model(
      name: "egarch",
      yaml:
        "{garch: {type: egarch, mean: 0, omega: -0.2, alpha: 0.1, beta: 0.97, gamma: -0.08}}",
      emit: "prices, returns, variance", symmetric: false),
    Model(
      name: "merton",
      yaml:
        "{merton: {drift: 0.05, volatility: 0.2, jumps: {intensity: 20, mean: -0.05, stdev: 0.1}}}",
      emit: "prices, returns, jumps", symmetric: false),
    Model(
      name: "kou",
      yaml:
        "{kou: {drift: 0.05, volatility: 0.2, jumps: {intensity: 20, up_probability: 0.3, "
        + "up_mean: 0.04, down_mean: 0.06}}}",
      emit: "prices, returns, jumps", symmetric: false),
    Model(
      name: "schwartz",
      yaml: "{schwartz: {mean_reversion: 1.5, long_run_price: 80, volatility: 0.3}}",
      emit: "prices, returns", symmetric: false),
  ]

  @Test("antithetic: path 2i + 1 mirrors path 2i, for every model", arguments: models)
  func antitheticPairs(_ m: Model) throws {
    let paths = 9  // the last path is unpaired
    let yaml = Self.scenario(
      model: m.yaml, sampling: "{antithetic: true}", paths: paths, emit: m.emit, assets: 2)
    let a = try Self.run(yaml, ["--threads", "2", "--block-size", "1"])
    let plain = try Self.run(
      Self.scenario(model: m.yaml, sampling: "{}", paths: paths, emit: m.emit, assets: 2))
    let r = try #require(a["returns"]).values
    let perPath = 252 * 2
    var mismatches = 0
    var differences = 0
    for pair in 0..<(paths / 2) {
      let even = (2 * pair) * perPath
      let odd = even + perPath
      for k in 0..<perPath {
        if m.symmetric {
          if r[odd + k] != -r[even + k] { mismatches += 1 }
        } else if r[odd + k] != r[even + k] {
          differences += 1
        }
      }
    }
    #expect(mismatches == 0, "\(m.name): \(mismatches) returns of odd paths are not −even")
    if !m.symmetric {
      #expect(differences > 0, "\(m.name): odd paths repeat even paths instead of mirroring")
    }
    // Shared draws: the regime path, the jump counts, and a GARCH variance that depends on z².
    for shared in ["regimes", "jumps", "variance"] where m.symmetric || shared != "variance" {
      guard let values = a[shared]?.values else { continue }
      let each = values.count / paths
      for pair in 0..<(paths / 2) {
        let even = Array(values[(2 * pair * each)..<((2 * pair + 1) * each)])
        let odd = Array(values[((2 * pair + 1) * each)..<((2 * pair + 2) * each)])
        #expect(even == odd, "\(m.name): \(shared) of paths \(2 * pair) and \(2 * pair + 1)")
      }
    }
    // Even paths are plain Monte Carlo's paths (common random numbers with a plain run).
    let p = try #require(a["prices"]).values
    let q = try #require(plain["prices"]).values
    let each = p.count / paths
    for path in stride(from: 0, to: paths, by: 2) {
      #expect(
        Array(p[(path * each)..<((path + 1) * each)])
          == Array(q[(path * each)..<((path + 1) * each)]),
        "\(m.name): even path \(path) differs from the plain run")
    }
  }

  /// Φ(x), from the portable complementary error function.
  static func normalCDF(_ x: Double) -> Double { 0.5 * PortableMath.erfc(-x / 2.0.squareRoot()) }

  @Test(
    "Sobol' + bridge: the terminal shocks of 4,096 paths stratify [0, 1) exactly once each",
    arguments: [SobolScrambling.owen, .shift])
  func terminalStratification(_ scrambling: SobolScrambling) throws {
    let paths = 4096
    let sigma = 0.5
    let yaml = Self.scenario(
      model: "{gbm: {drift: 0.125, volatility: \(sigma)}}",
      sampling: "{sobol: {scramble: \(scrambling.rawValue)}}", paths: paths, emit: "returns")
    let r = try #require(try Self.run(yaml, ["--threads", "2", "--block-size", "7"])["returns"])
    let dt = 1.0 / 252
    // Each step's log return is σ √dt e_t; the bridge's increments sum to √252 z_0, so the
    // path's z_0 = Σ_t e_t / √252, and Φ(z_0) is the first Sobol' coordinate of the point.
    var terminal: [Double] = []
    var stepSums = [Double](repeating: 0, count: 252)
    var stepSquares = [Double](repeating: 0, count: 252)
    var lag = 0.0
    for path in 0..<paths {
      var sum = 0.0
      var previous = 0.0
      for t in 0..<252 {
        let e = r.values[path * 252 + t] / (sigma * dt.squareRoot())
        sum += e
        stepSums[t] += e
        stepSquares[t] += e * e
        if t > 0 { lag += e * previous }
        previous = e
      }
      terminal.append(Self.normalCDF(sum / 252.0.squareRoot()))
    }
    // Sorted, point k lies in [k/n, (k+1)/n): one point per cell. The slack covers the
    // rounding of the sum of 252 increments.
    terminal.sort()
    let slack = 1e-9
    let misplaced = terminal.indices.filter { k in
      let u = terminal[k] * Double(paths)
      return !(u >= Double(k) - slack && u < Double(k + 1) + slack)
    }
    #expect(
      misplaced.count == 0,
      "\(scrambling): \(misplaced.count) of \(paths) points outside their cell, first at rank \(misplaced.first ?? -1)"
    )
    // Each increment has variance 1, and successive increments are uncorrelated.
    let n = Double(paths)
    for t in [0, 1, 125, 251] {
      let mean = stepSums[t] / n
      let variance = stepSquares[t] / n - mean * mean
      let tolerance = 5 * (2 / n).squareRoot()  // 5 standard errors of a sample variance
      #expect(
        abs(variance - 1) < tolerance,
        "step \(t): variance expected 1, observed \(variance), tolerance \(tolerance)")
    }
    let correlation = lag / (n * 251)
    let tolerance = 5 / (n * 251).squareRoot()
    #expect(
      abs(correlation) < tolerance,
      "lag-1 correlation of increments expected 0, observed \(correlation), tolerance \(tolerance)")
  }

  @Test("unscrambled Sobol': path i is point i + 1, the origin skipped")
  func unscrambledSkipsTheOrigin() throws {
    let paths = 64
    let sigma = 0.5
    let yaml = Self.scenario(
      model: "{gbm: {drift: 0.125, volatility: \(sigma)}}", sampling: "{sobol: {scramble: none}}",
      paths: paths, emit: "returns")
    let r = try #require(try Self.run(yaml, ["--threads", "2", "--block-size", "5"])["returns"])
    let sequence = try SobolSequence(dimensions: 252, scrambling: .none, seed: 0)
    var point = [Double](repeating: 0, count: 252)
    let dt = 1.0 / 252
    for path in 0..<paths {
      // The path's z_0 = Σ_t e_t / √252 (see `terminalStratification`): Φ(z_0) is the first
      // coordinate of its point.
      var sum = 0.0
      for t in 0..<252 { sum += r.values[path * 252 + t] / (sigma * dt.squareRoot()) }
      let observed = Self.normalCDF(sum / 252.0.squareRoot())
      point.withUnsafeMutableBufferPointer {
        sequence.fillUniforms(point: path + 1, into: $0.baseAddress!)
      }
      #expect(
        abs(observed - point[0]) < 1e-9,
        "path \(path): Φ(z_0) = \(observed), expected point \(path + 1)'s \(point[0]), tolerance 1e-9"
      )
    }
    // The origin would have driven this GARCH's variance to overflow on path 0.
    let garch = Self.scenario(
      model: "{garch: {mean: 0.0003, omega: 0.000002, alpha: 0.05, beta: 0.9}}",
      sampling: "{sobol: {scramble: none}}", paths: 101, emit: "prices")
    let prices = try #require(try Self.run(garch)["prices"])
    #expect(prices.values.allSatisfy { $0.isFinite && $0 > 0 }, "GARCH prices not all finite")
  }

  @Test("Sobol' scrambling is keyed by the seed; unscrambled points ignore it")
  func seedKeyed() throws {
    func prices(_ scramble: String, seed: Int) throws -> [Double] {
      try #require(
        try Self.run(
          Self.scenario(
            model: "{gbm: {drift: 0.05, volatility: 0.2}}",
            sampling: "{sobol: {scramble: \(scramble)}}", paths: 16, emit: "prices", seed: seed,
            assets: 3))["prices"]
      ).values
    }
    for scramble in ["owen", "shift"] {
      let a = try prices(scramble, seed: 1)
      #expect(a == (try prices(scramble, seed: 1)), "\(scramble): same seed, other prices")
      #expect(a != (try prices(scramble, seed: 2)), "\(scramble): other seed, same prices")
    }
    #expect(try prices("none", seed: 1) == (try prices("none", seed: 2)))
  }

  @Test("the manifest records the sampling; plain Monte Carlo records none")
  func manifestRecord() throws {
    /// The record of `sampling: {sobol: {scramble: <scramble>}}`, and the one expected, with
    /// `extra` fields.
    func sobolRecord(_ scramble: String, _ extra: [String: JSONValue] = [:]) throws
      -> (observed: JSONValue?, expected: JSONValue)
    {
      let yaml = "sampling: {sobol: {scramble: \(scramble)}}"
      let record: [String: JSONValue] = [
        "scramble": .string(scramble), "direction_numbers": .string("new-joe-kuo-6.21201"),
        "construction": .string("brownian_bridge"),
      ]
      return (
        try parse(ScenarioFixture.scenario(extra: yaml)).samplingRecord,
        .object(["sobol": .object(record.merging(extra) { $1 })])
      )
    }
    let shift = try sobolRecord("shift")
    #expect(shift.observed == shift.expected)
    #expect(try parse(ScenarioFixture.scenario()).samplingRecord == nil)
    let anti = try parse(ScenarioFixture.scenario(extra: "sampling: {antithetic: true}"))
    #expect(anti.samplingRecord == .object(["antithetic": .bool(true)]))
    // The plain sequence's record says that path i is point i + 1.
    let plain = try sobolRecord("none", ["first_point": .number(1)])
    #expect(plain.observed == plain.expected)
  }
}
