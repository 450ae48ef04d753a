import Foundation
import ScengineTestSupport
import Testing

/// Numbers, sizes and names outside their documented ranges (README, "Names and ranges"):
/// each must be refused where it enters, with the field and the value, by `check` as by `run`
/// — never a trap, a hang, an allocation without bound or a silent ∞ in the output.
@Suite("hostile numbers, sizes and names")
struct InputLimitTests {
  typealias F = ScenarioFixture

  /// The same scenario through `run` and through `check`.
  static func both(
    _ name: String, _ yaml: String, _ fragment: String, files: [String: String] = [:],
    timeout: Double = 60
  ) -> [HostileCase] {
    HostileCase.runAndCheck(name, yaml, fragment, files: files, timeout: timeout)
  }

  static func merton(intensity: String, time: String = "{steps: 252, dt: 1/252}") -> String {
    F.scenario([
      "time": "time: \(time)",
      "model":
        "model: {merton: {drift: 0.05, volatility: 0.2, jumps: {intensity: \(intensity), "
        + "mean: -0.05, stdev: 0.1}}}",
    ])
  }

  static func merton(stresses: [String]) -> String {
    merton(intensity: "1").replacingOccurrences(
      of: F.lines.last!.line,
      with: "variants:\n  stressed:\n    stresses:\n"
        + stresses.map { "      - \($0)\n" }.joined())
  }

  static func kou(intensity: String) -> String {
    F.model(
      "{kou: {drift: 0.05, volatility: 0.2, jumps: {intensity: \(intensity), up_probability: "
        + "0.3, up_mean: 0.05, down_mean: 0.08}}}")
  }

  static func garch(_ extra: String) -> String {
    F.model("{garch: {omega: 2.0e-6, alpha: 0.05, beta: 0.9\(extra)}}")
  }

  /// Nine anchors, each ten aliases of the one before: 10⁹ nodes when expanded.
  static func aliasBomb(asKey: Bool) -> String {
    var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in 1...9 {
      lines.append(
        "a\(i): &a\(i) ["
          + Array(repeating: "*a\(i - 1)", count: 10).joined(
            separator: ", ") + "]")
    }
    lines.append(asKey ? "? *a9\n: bomb" : "bomb: *a9")
    return F.scenario(extra: lines.joined(separator: "\n"))
  }

  /// Numbers that used to trap (exit 132 with a stack trace).
  static let traps: [HostileCase] =
    both("Merton intensity 1e300", merton(intensity: "1e300"), "jump intensity of EQ is 1e+300")
    + both(
      "intensity overflowing to infinity through dt",
      merton(intensity: "1e308", time: "{steps: 10, dt: 100}"), "expected jumps in a step")
    + both(
      "compounded intensity multipliers",
      merton(stresses: [
        "jumps: {from: 1, to: 20, intensity_multiplier: 100000}",
        "jumps: {from: 10, to: 30, intensity_multiplier: 10}",
      ]), "multiplier of EQ compounds to 1000000.0")
    + both(
      "0 × ∞ intensity multiplier",
      merton(stresses: [
        "jumps: {from: 1, to: 20, intensity_multiplier: 0}",
        "jumps: {from: 1, to: 20, intensity_multiplier: 1e300}",
      ]), "multiplier of EQ is 1e+300, expected a number from 0 to 1000000")
    + both(
      "1001 correlation stresses",
      F.scenario([
        "variants":
          "variants:\n  stressed:\n    stresses:\n"
          + String(
            repeating:
              "      - correlation: {from: 1, to: 2, toward: {constant: 0.5}, weight: 0.5}\n",
            count: 1001)
      ]), "more than 1000 correlation stresses in one variant")
    + [
      HostileCase(
        name: "--block-size 1000000000", files: ["s.yaml": F.scenario()],
        arguments: ["run", "s.yaml", "--out", "out", "--block-size", "1000000000"],
        fragment: "--block-size 1000000000 needs 4048000000000 bytes of buffers per worker"),
      HostileCase(
        name: "--block-size 2^62", files: ["s.yaml": F.scenario()],
        arguments: ["run", "s.yaml", "--out", "out", "--block-size", "4611686018427387904"],
        fragment: "needs more than 2^63 bytes of buffers per worker"),
    ]

  /// Inputs that used to hang (or take hours) and ignore SIGTERM.
  static let hangs: [HostileCase] =
    both(
      "alias bomb as a mapping key", aliasBomb(asKey: true), "aliases expand to more than",
      timeout: 20)
    + both(
      "alias bomb as a value", aliasBomb(asKey: false), "aliases expand to more than",
      timeout: 20)
    + both(
      "Kou intensity 1e11", kou(intensity: "1e11"), "expected at most 1000 per step",
      timeout: 20)
    + both(
      "Kou intensity of 1000 jumps a step over 10,000 steps",
      kou(intensity: "252000").replacingOccurrences(
        of: "steps: 252,", with: "steps: 10000,"
      ).replacingOccurrences(of: ", start: 2027-01-04", with: ""),
      "expected at most 10000000 per path", timeout: 20)

  /// One path whose correlated shocks take seconds (a cancelled run stops between paths).
  static let slowPaths: [HostileCase] =
    both(
      "2001 steps × 1000 correlated assets",
      F.scenario([
        "time": "time: {steps: 2001, dt: 1/252}",
        "assets": "assets: [\((0..<1000).map { "A\($0)" }.joined(separator: ", "))]",
        "initial": "initial: 100", "correlation": "correlation: {constant: 0.2}", "portfolio": nil,
        "model": "model: {gbm: {drift: 0.05, volatility: 0.2}}", "variants": nil,
      ]), "2001 steps × 1000² correlated assets take 2001000000 multiply-adds per path")
    // Refused before the correlation's O(assets³) validation, which took 41 s here.
    + both(
      "126 steps × 4000 correlated assets, refused at once",
      F.scenario([
        "time": "time: {steps: 126, dt: 1/252}",
        "assets": "assets: [\((0..<4000).map { "A\($0)" }.joined(separator: ", "))]",
        "initial": "initial: 100", "correlation": "correlation: {constant: 0.2}",
        "portfolio": nil, "model": "model: {gbm: {drift: 0.05, volatility: 0.2}}",
        "variants": nil,
      ]), "126 steps × 4000² correlated assets take 2016000000 multiply-adds per path",
      timeout: 8)
    // Refused before the correlation and the 28 targets before it are validated (133 s here).
    + both(
      "29 correlation stresses of 3000 assets, over the matrices' 4 GiB, refused at once",
      F.assets(
        3000,
        [
          "time": "time: {steps: 40, dt: 1/252}", "correlation": "correlation: {constant: 0.2}",
          "model": "model: {gbm: {drift: 0.05, volatility: 0.2}}",
          "variants": "variants: {x: {stresses: ["
            + (1...29).map {
              "{correlation: {from: \($0), to: \($0), toward: {constant: 0.5}, weight: 0.5}}"
            }.joined(separator: ", ") + "]}}",
        ]),
      "29 correlation stresses × 1 regimes need 30 correlation matrices of 3000 × 3000 in force",
      timeout: 8)

  /// Scales that made every price ∞ or 0 with exit status 0.
  static let infinities: [HostileCase] =
    both(
      "a drift stress that makes overflow certain",
      F.scenario([
        "time": "time: {steps: 5, dt: 100}",
        "variants": "variants: {x: {stresses: [{drift: {from: 1, to: 5, drift: {EQ: 10}}}]}}",
      ]),
      "variants.x: EQ: the median log price reaches 1002.")
    + both(
      "a volatility stress that makes underflow certain",
      F.scenario([
        "time": "time: {steps: 20, dt: 1/252}",
        "variants":
          "variants: {x: {stresses: [{volatility: {from: 1, to: 20, multiplier: {EQ: 1000}}}]}}",
      ]),
      "variants.x: EQ: the median log price reaches -7")
    + both(
      "prices certain to overflow float32",
      F.scenario([
        "time": "time: {steps: 5, dt: 1}", "initial": "initial: 1e30",
        "model": "model: {gbm: {drift: 10, volatility: 0}}",
        "variants": "output: {precision: float32}",
      ]),
      "where float32 prices overflow to infinity or underflow to 0")
    + both(
      "dt 1e300", F.scenario(["time": "time: {steps: 252, dt: 1e300}"]),
      "dt is 1e+300, expected a finite number of years > 0, at most 100")
    + both(
      "volatility 1e200", F.model("{gbm: {drift: 0.05, volatility: 1e200}}"),
      "volatility of EQ is 1e+200")
    + both(
      "drift 1e300", F.model("{gbm: {drift: 1e300, volatility: 0.2}}"), "drift of EQ is 1e+300")
    + both(
      "risk-neutral rate 1e300", F.scenario(extra: "measure: {risk_neutral: {rate: 1e300}}"),
      "measure.risk_neutral.rate: risk-neutral rate is 1e+300")
    + both(
      "dividend yield 11",
      F.scenario(extra: "measure: {risk_neutral: {rate: 0.05, dividend: {BOND: 11}}}"),
      "measure.risk_neutral.dividend.BOND: dividend yield of BOND is 11.0")
    + both(
      "empty dividend map",
      F.scenario(extra: "measure: {risk_neutral: {rate: 0.05, dividend: {}}}"),
      "measure.risk_neutral.dividend: an empty map sets no asset's dividend yield")
    + both(
      "GARCH initial_variance 1e300", garch(", initial_variance: 1e300"),
      "initial_variance of EQ is 1e+300")
    + both(
      "EGARCH unconditional variance overflowing",
      F.model("{garch: {type: egarch, omega: 9, alpha: 0.1, beta: 0.99}}"),
      "initial_variance of EQ: unconditional: E[σ²] = exp(900.09")
    + both(
      "two +1e200 shocks at one step",
      F.scenario([
        "variants":
          "variants: {stressed: {stresses: [{shock: {at: 5, returns: {EQ: 1e200}}}, "
          + "{shock: {at: 5, returns: {EQ: 1e200}}}]}}"
      ]), "return of EQ is 1e+200: a price move by a factor of 1e+200")
    + both(
      "three shocks compounding beyond a factor 1e6",
      F.scenario([
        "variants":
          "variants: {stressed: {stresses: [{shock: {at: 5, returns: {EQ: 199}}}, "
          + "{shock: {at: 5, returns: {EQ: 199}}}, {shock: {at: 5, returns: {EQ: 199}}}]}}"
      ]), "with the other stresses of step 5 the price moves by a factor of 8000000")
    + both(
      "a price of 1e-320 in a price file",
      F.stressed(
        "historical: {at: 1, file: p.csv, column: close, from: 2008-09-12, to: 2008-09-16}"),
      "'1e-320' is not a price: expected a positive, normal, finite number",
      files: ["p.csv": "date,close\n2008-09-11,1\n2008-09-12,1\n2008-09-15,1e-320\n2008-09-16,1\n"])
    + both(
      "a price file from 1e-300 to 1e300",
      F.stressed(
        "historical: {at: 1, file: p.csv, column: close, from: 2008-09-12, to: 2008-09-16}"),
      "of column 'close' is ",
      files: [
        "p.csv": "date,close\n2008-09-11,1\n2008-09-12,1e-300\n2008-09-15,1e300\n2008-09-16,1\n"
      ])
    + both(
      "a drift that leaves the range of a double by the horizon",
      F.scenario([
        "time": "time: {steps: 1000000, dt: 1}", "variants": nil,
        "model": "model: {gbm: {drift: 1, volatility: 0.2}}",
      ]), "the median log price at the horizon")
    + [
      HostileCase(
        name: "an explosive non-stationary GARCH fails while running, naming the path",
        files: [
          "s.yaml": garch(
            ", alpha: 5, beta: 5, allow_nonstationary: true, initial_variance: 1.0e-4"
          ).replacingOccurrences(of: "alpha: 0.05, beta: 0.9, ", with: "")
        ],
        arguments: ["run", "s.yaml", "--out", "out", "--progress", "none"], status: 1,
        fragment: "variant baseline: path 0, step "),
      HostileCase(
        name: "a collapsing non-stationary EGARCH variance fails the run (not emitted)",
        files: [
          "s.yaml": F.scenario([
            "time": "time: {steps: 40, dt: 1/252}", "portfolio": nil, "variants": nil,
            "correlation": nil,
            "model":
              "model: {garch: {type: egarch, mean: 0, omega: 10, alpha: 10, gamma: 10, "
              + "beta: 10, initial_variance: 1e-4, allow_nonstationary: true}}",
          ])
        ],
        arguments: ["run", "s.yaml", "--out", "out", "--progress", "none"], status: 1,
        fragment: "the conditional variance is 0.0, outside the range a path file can hold"),
      HostileCase(
        name: "prices certain to leave the range of float32 output are refused up front",
        files: [
          "s.yaml": F.scenario([
            "time": "time: {steps: 10000, dt: 1/252}", "portfolio": nil, "variants": nil,
            "model": "model: {gbm: {drift: 10, volatility: 0.2}}",
          ])
        ],
        arguments: [
          "run", "s.yaml", "--out", "out", "--progress", "none", "--precision", "float32",
        ],
        status: 2, fragment: "beyond ±85, where float32 prices overflow to infinity"),
      HostileCase(
        name: "drift stresses certain to overflow are refused up front, naming the variant",
        files: [
          "s.yaml": F.scenario([
            "time": "time: {steps: 1000, dt: 1}", "portfolio": nil,
            "variants":
              "variants: {calm: {}, wild: {stresses: [{drift: {from: 1, to: 1000, drift: 10}}]}}",
          ])
        ],
        arguments: ["run", "s.yaml", "--out", "out", "--progress", "none"], status: 2,
        fragment: "variants.wild: EQ: the median log price reaches 70"),
    ]

  /// Names that become path components or columns.
  static let names: [HostileCase] =
    both("scenario name ..", F.scenario(["name": "name: \"..\""]), "'..' is not a valid name")
    + both("scenario name .", F.scenario(["name": "name: ."]), "starts with '.'")
    + both("scenario name with a slash", F.scenario(["name": "name: a/b"]), "holds characters")
    + both(
      "scenario name with a control character", F.scenario(["name": "name: \"a\\u001bb\""]),
      "'a\\u{1B}b' is not a valid name")
    + both(
      "variant named manifest.json",
      F.scenario(["variants": "variants: {manifest.json: {}}"]),
      "'manifest.json' is not a valid variant name")
    + both(
      "variant named MANIFEST.JSON",
      F.scenario(["variants": "variants: {MANIFEST.JSON: {}}"]),
      "'MANIFEST.JSON' is not a valid variant name")
    + both(
      "256-character variant name",
      F.scenario(["variants": "variants: {\(String(repeating: "v", count: 256)): {}}"]),
      "is 256 bytes long, more than 128")
    + both(
      "hidden variant name", F.scenario(["variants": "variants: {.partial: {}}"]),
      "starts with '.'")
    + both(
      "variants differing only by case",
      F.scenario(["variants": "variants: {Crash: {}, crash: {}}"]),
      "variant 'crash' differs from variant 'Crash' only by case")
    + both(
      "asset named date", F.scenario(["assets": "assets: [EQ, date]"]),
      "asset 'date' is a column of the path files")
    + both(
      "assets differing only by case",
      F.scenario(["assets": "assets: [EQ, eq]", "initial": "initial: 100", "portfolio": nil]),
      "differs from assets[0] 'EQ' only by case")

  @Test(arguments: traps)
  func trap(_ c: HostileCase) throws { try c.check() }

  @Test(arguments: hangs)
  func hang(_ c: HostileCase) throws { try c.check() }

  @Test(arguments: slowPaths)
  func slowPath(_ c: HostileCase) throws { try c.check() }

  @Test(arguments: infinities)
  func infinity(_ c: HostileCase) throws { try c.check() }

  @Test(arguments: names)
  func name(_ c: HostileCase) throws { try c.check() }

  /// Anchors and aliases used as YAML means them, to share a block, are accepted.
  @Test func modestAliasesAccepted() throws {
    let sandbox = try TemporaryDirectory("aliases")
    defer { sandbox.remove() }
    try sandbox.write(
      F.model(
        "{regime: {transition: [[0.95, 0.05], [0.05, 0.95]], regimes: {calm: {drift: "
          + "&d {EQ: 0.05, BOND: 0.03}, volatility: 0.1}, crisis: {drift: *d, volatility: 0.3}}}}"
      ), to: "s.yaml")
    let result = try ScengineBinary.run(["check", "s.yaml"], in: sandbox.url, timeout: 60)
    #expect(result.reason == .exit && result.status == 0, "stderr: \(result.stderr)")
  }

  /// `check`'s size estimate of a huge run saturates instead of overflowing.
  @Test func sizeEstimateOverflow() throws {
    let sandbox = try TemporaryDirectory("estimate")
    defer { sandbox.remove() }
    let assets = (0..<134).map { "A\($0)" }.joined(separator: ", ")
    try sandbox.write(
      F.scenario(
        [
          "paths": "paths: 4294967296", "time": "time: {steps: 1000000, dt: 1/252}",
          "assets": "assets: [\(assets)]", "initial": "initial: 100", "correlation": nil,
          "portfolio": nil,
          "model": "model: {garch: {omega: 2.0e-6, alpha: 0.05, beta: 0.9}}",
          "variants": "variants: {a: {}, b: {}}",
        ], extra: "output: {emit: [prices, returns, variance]}"), to: "s.yaml")
    let result = try ScengineBinary.run(["check", "s.yaml"], in: sandbox.url, timeout: 60)
    #expect(result.reason == .exit && result.status == 0, "stderr: \(result.stderr)")
    #expect(result.stdout.contains("in all"), "stdout: \(result.stdout)")
    #expect(result.stdout.contains("more than"), "stdout: \(result.stdout)")
    HostileCase.expectOneCleanMessage(result.stderr, name: "size estimate")
  }

  /// SIGTERM during one long block ends the run within about a second, with status 143 and
  /// no file left.
  @Test func sigtermInsideALongBlock() throws {
    let binary = try #require(ScengineBinary.url, "scengine not found beside the tests")
    let sandbox = try TemporaryDirectory("sigterm")
    defer { sandbox.remove() }
    // About 250,000 Kou jumps per path: a few milliseconds each, one block of 4,000 paths.
    try sandbox.write(
      F.model(
        "{kou: {drift: 0.05, volatility: 0.2, jumps: {intensity: 250000, up_probability: 0.5, "
          + "up_mean: 0.01, down_mean: 0.01}}}"), to: "s.yaml")
    let process = Process()
    process.executableURL = binary
    process.arguments = [
      "run", "s.yaml", "--out", "out", "--paths", "4000", "--threads", "1", "--block-size",
      "4000", "--progress", "none",
    ]
    process.currentDirectoryURL = sandbox.url
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    Thread.sleep(forTimeInterval: 1.5)
    #expect(process.isRunning, "the run ended before the signal")
    let sent = Date()
    kill(process.processIdentifier, SIGTERM)
    let deadline = sent.addingTimeInterval(10)
    while process.isRunning && Date() < deadline { usleep(5_000) }
    let seconds = Date().timeIntervalSince(sent)
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    process.waitUntilExit()
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(seconds < 2, "the run took \(seconds) s to end after SIGTERM")
    #expect(
      process.terminationReason == .exit && process.terminationStatus == 143,
      "status \(process.terminationStatus); stderr: \(stderr)")
    #expect(stderr.contains("interrupted by SIGTERM"), "stderr: \(stderr)")
    let left = regularFiles(under: sandbox.url).filter { $0 != "s.yaml" }
    #expect(left.isEmpty, "files left: \(left)")
  }
}
