import LinearAlgebra
import Processes
import Shocks
import Testing

/// Every invalid parameter gets its own `ProcessError` whose description names the model, the
/// parameter and the offending value (invariant 7: a clear error, never a crash).
@Suite("Parameter validation")
struct ValidationTests {
  /// An invalid model, the error it must raise and the words its description must contain.
  struct Case: Sendable, CustomTestStringConvertible {
    let name: String
    let expected: @Sendable (ProcessError) -> Bool
    let mentions: [String]
    let build: @Sendable () throws -> Void
    var testDescription: String { name }

    init(
      _ name: String, mentions: [String], expected: @escaping @Sendable (ProcessError) -> Bool,
      _ build: @escaping @Sendable () throws -> Void
    ) {
      self.name = name
      self.mentions = mentions
      self.expected = expected
      self.build = build
    }
  }

  static func parameter(_ model: String, _ parameter: String, asset: Int?)
    -> @Sendable (ProcessError) -> Bool
  {
    {
      guard case .invalidParameter(let m, let p, let a, _, _) = $0 else { return false }
      return m == model && p.label == parameter && a == asset
    }
  }

  static func count(_ model: String, _ parameter: String, _ count: Int, _ expected: Int)
    -> @Sendable (ProcessError) -> Bool
  {
    {
      guard case .assetCountMismatch(let m, let p, let c, let e) = $0 else { return false }
      return m == model && p.label == parameter && c == count && e == expected
    }
  }

  static func nonStationary(_ model: String, _ condition: String)
    -> @Sendable (ProcessError) -> Bool
  {
    {
      guard case .nonStationary(let m, let a, _, let c) = $0 else { return false }
      return m == model && a == 0 && c == condition
    }
  }

  static let transitionError: @Sendable (ProcessError) -> Bool = {
    if case .invalidTransitionMatrix = $0 { return true }
    return false
  }

  static let unsupported: @Sendable (ProcessError) -> Bool = {
    if case .unsupported = $0 { return true }
    return false
  }

  static func gbm(
    prices: [Double] = [100, 100, 100], drift: [Double] = [0.05, 0.05, 0.05],
    volatility: [Double] = [0.2, 0.2, 0.2], correlation: CorrelationMatrix? = nil,
    measure: Measure = .realWorld
  ) throws {
    _ = try GeometricBrownianMotion(
      initialPrices: prices, drift: drift, volatility: volatility, correlation: correlation,
      measure: measure)
  }

  static func jumps(_ jumps: JumpSpecification) throws {
    _ = try JumpDiffusion(
      initialPrices: [100, 100], drift: [0.05, 0.05], volatility: [0.2, 0.2], jumps: jumps)
  }

  static func merton(
    intensity: [Double] = [1, 1], stdev: [Double] = [0.1, 0.1], systemic: Bool = false
  ) throws {
    try jumps(
      JumpSpecification(
        intensity: intensity, sizes: .normal(mean: [-0.1, -0.1], standardDeviation: stdev),
        systemic: systemic))
  }

  static func kou(p: Double = 0.3, up: Double = 0.05, down: Double = 0.08) throws {
    try jumps(
      JumpSpecification(
        intensity: [1, 1],
        sizes: .doubleExponential(
          upProbability: [0.3, p], upMean: [0.05, up], downMean: [0.08, down])))
  }

  static func garch(
    _ type: GARCHProcess.VolatilityModel = .garch, omega: Double = 2e-6, alpha: Double = 0.05,
    beta: Double = 0.9, gamma: [Double] = [], innovations: GARCHProcess.Innovations = .normal,
    initialVariance: GARCHProcess.InitialVariance = .unconditional,
    correlation: CorrelationMatrix? = nil, measure: Measure = .realWorld,
    allowNonstationary: Bool = false
  ) throws {
    _ = try GARCHProcess(
      type: type, initialPrices: [100], mean: [0], omega: [omega], alpha: [alpha], beta: [beta],
      gamma: gamma, innovations: innovations, initialVariance: initialVariance,
      correlation: correlation, measure: measure, allowNonstationary: allowNonstationary)
  }

  static func regimes(
    transition: [[Double]] = [[0.9, 0.1], [0.2, 0.8]], initial: [Double]? = nil,
    crisisVolatility: Double = 0.4, count: Int = 2
  ) throws {
    let all: [RegimeSwitchingProcess.Regime] = [
      .init(name: "calm", drift: [0.05], volatility: [0.1]),
      .init(name: "crisis", drift: [-0.2], volatility: [crisisVolatility]),
    ]
    _ = try RegimeSwitchingProcess(
      initialPrices: [100], regimes: Array(all.prefix(count)), transition: transition,
      initialDistribution: initial)
  }

  static let cases: [Case] = [
    // Diffusions.
    Case(
      "GBM negative volatility", mentions: ["gbm", "volatility", "asset 1", "-0.2"],
      expected: parameter("gbm", "volatility", asset: 1)
    ) { try gbm(volatility: [0.2, -0.2, 0.2]) },
    Case(
      "GBM NaN drift", mentions: ["gbm", "drift", "asset 2", "nan"],
      expected: parameter("gbm", "drift", asset: 2)
    ) { try gbm(drift: [0.05, 0.05, .nan]) },
    Case(
      "GBM zero initial price", mentions: ["initial price", "asset 0", "0.0"],
      expected: parameter("gbm", "initial price", asset: 0)
    ) { try gbm(prices: [0, 100, 100]) },
    Case(
      "GBM drift list too short", mentions: ["drift", "2 values", "expected 3"],
      expected: count("gbm", "drift", 2, 3)
    ) { try gbm(drift: [0.05, 0.05]) },
    Case(
      "GBM correlation of the wrong dimension",
      mentions: ["correlation", "2 values", "expected 3"],
      expected: count("gbm", "correlation", 2, 3)
    ) {
      try gbm(correlation: constantCorrelation(0.5, dimension: 2))
    },
    Case("GBM without assets", mentions: ["gbm", "at least one asset"], expected: unsupported) {
      try gbm(prices: [], drift: [], volatility: [])
    },
    Case(
      "Risk-neutral NaN rate", mentions: ["risk-neutral rate", "nan"],
      expected: parameter("gbm", "risk-neutral rate", asset: nil)
    ) {
      try gbm(measure: .riskNeutral(rate: .nan, dividendYield: [0, 0, 0]))
    },
    Case(
      "Risk-neutral dividend list too short",
      mentions: ["dividend yield", "1 values", "expected 3"],
      expected: count("gbm", "dividend yield", 1, 3)
    ) {
      try gbm(measure: .riskNeutral(rate: 0.05, dividendYield: [0]))
    },
    // Jumps.
    Case(
      "Merton negative intensity", mentions: ["merton", "jump intensity", "asset 1", "-1.0"],
      expected: parameter("merton", "jump intensity", asset: 1)
    ) { try merton(intensity: [1, -1]) },
    Case(
      "Merton negative jump stdev", mentions: ["merton", "jump stdev", "-0.1"],
      expected: parameter("merton", "jump stdev", asset: 0)
    ) { try merton(stdev: [-0.1, 0.1]) },
    Case(
      "Merton jump intensity list too long",
      mentions: ["jump intensity", "3 values", "expected 2"],
      expected: count("merton", "jump intensity", 3, 2)
    ) { try merton(intensity: [1, 1, 1]) },
    Case(
      "Systemic jumps with unequal intensities", mentions: ["systemic", "same for every asset"],
      expected: unsupported
    ) { try merton(intensity: [1, 2], systemic: true) },
    Case(
      "Kou up_mean ≥ 1", mentions: ["kou", "up_mean", "asset 1", "1.0", "(0, 1)"],
      expected: parameter("kou", "up_mean", asset: 1)
    ) { try kou(up: 1) },
    Case(
      "Kou up_probability above 1", mentions: ["kou", "up_probability", "1.5"],
      expected: parameter("kou", "up_probability", asset: 1)
    ) { try kou(p: 1.5) },
    Case(
      "Kou zero down_mean", mentions: ["kou", "down_mean", "0.0"],
      expected: parameter("kou", "down_mean", asset: 1)
    ) { try kou(down: 0) },
    // GARCH family.
    Case(
      "GARCH α + β = 1",
      mentions: ["garch", "not stationary", "alpha + beta", "allow_nonstationary"],
      expected: nonStationary("garch", "alpha + beta")
    ) { try garch(alpha: 0.1, beta: 0.9) },
    Case(
      "GJR α + β + γ/2 ≥ 1", mentions: ["gjr", "alpha + beta + gamma/2"],
      expected: nonStationary("gjr", "alpha + beta + gamma/2")
    ) {
      try garch(.gjr, alpha: 0.05, beta: 0.9, gamma: [0.12])
    },
    Case(
      "EGARCH |β| ≥ 1", mentions: ["egarch", "|beta|"], expected: nonStationary("egarch", "|beta|")
    ) {
      try garch(.egarch, omega: -0.1, beta: -1.0)
    },
    Case(
      "Non-stationary GARCH starting from the unconditional variance",
      mentions: ["no unconditional variance", "initial_variance"], expected: unsupported
    ) {
      try garch(alpha: 0.1, beta: 0.95, allowNonstationary: true)
    },
    Case(
      "GARCH zero omega", mentions: ["omega", "0.0"],
      expected: parameter("garch", "omega", asset: 0)
    ) {
      try garch(omega: 0)
    },
    Case(
      "GARCH negative alpha", mentions: ["alpha", "-0.05"],
      expected: parameter("garch", "alpha", asset: 0)
    ) {
      try garch(alpha: -0.05)
    },
    Case(
      "Plain GARCH with a gamma", mentions: ["gamma", "gjr or egarch"],
      expected: parameter("garch", "gamma", asset: 0)
    ) { try garch(gamma: [0.1]) },
    Case(
      "GJR α + γ < 0", mentions: ["alpha + gamma", "negative shocks"],
      expected: parameter("gjr", "alpha + gamma", asset: 0)
    ) { try garch(.gjr, gamma: [-0.1]) },
    Case(
      "Student-t with ν = 2", mentions: ["student_t degrees of freedom", "2.0", "> 2"],
      expected: parameter("garch", "student_t degrees of freedom", asset: nil)
    ) {
      try garch(innovations: .studentT(degreesOfFreedom: 2))
    },
    Case(
      "Risk-neutral GARCH with Student-t innovations",
      mentions: ["risk-neutral", "innovations: normal"],
      expected: unsupported
    ) {
      try garch(
        innovations: .studentT(degreesOfFreedom: 6),
        measure: .riskNeutral(rate: 0.05, dividendYield: [0]))
    },
    Case(
      "GARCH negative given variance", mentions: ["initial_variance", "-0.0001"],
      expected: parameter("garch", "initial_variance", asset: 0)
    ) {
      try garch(initialVariance: .given([-1e-4]))
    },
    Case(
      "GARCH correlation of the wrong dimension",
      mentions: ["correlation", "2 values", "expected 1"],
      expected: count("garch", "correlation", 2, 1)
    ) {
      try garch(correlation: constantCorrelation(0.3, dimension: 2))
    },
    // Regime switching.
    Case(
      "Transition row not summing to 1", mentions: ["regime switching", "row 1", "sums to 0.75"],
      expected: transitionError
    ) { try regimes(transition: [[0.9, 0.1], [0.25, 0.5]]) },
    Case(
      "Negative transition entry", mentions: ["entry [1][0]", "-0.1"], expected: transitionError
    ) {
      try regimes(transition: [[0.9, 0.1], [-0.1, 1.1]])
    },
    Case(
      "Transition matrix with too many rows", mentions: ["3 rows", "expected 2"],
      expected: transitionError
    ) { try regimes(transition: [[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]]) },
    Case(
      "Transition row of the wrong length", mentions: ["row 0", "3 entries", "expected 2"],
      expected: transitionError
    ) { try regimes(transition: [[0.8, 0.1, 0.1], [0.2, 0.8]]) },
    Case(
      "Initial distribution of the wrong length", mentions: ["initial distribution", "3 entries"],
      expected: transitionError
    ) { try regimes(initial: [0.5, 0.25, 0.25]) },
    Case(
      "Initial distribution not summing to 1", mentions: ["initial distribution sums to 0.75"],
      expected: transitionError
    ) { try regimes(initial: [0.5, 0.25]) },
    Case("No regimes", mentions: ["0 regimes"], expected: transitionError) {
      try regimes(transition: [], count: 0)
    },
    Case(
      "Regime with a negative volatility", mentions: ["regime crisis", "volatility", "-0.4"],
      expected: parameter("regime crisis", "volatility", asset: 0)
    ) { try regimes(crisisVolatility: -0.4) },
    // Time grid.
    Case(
      "Zero steps", mentions: ["time grid", "steps", "0.0"],
      expected: parameter("time grid", "steps", asset: nil)
    ) { _ = try TimeGrid(steps: 0, timeStep: 1) },
    Case(
      "Negative time step", mentions: ["time grid", "dt", "-1.0"],
      expected: parameter("time grid", "dt", asset: nil)
    ) { _ = try TimeGrid(steps: 10, timeStep: -1) },
  ]

  @Test("Each invalid parameter has its own clear error", arguments: cases)
  func invalid(_ c: Case) {
    let error = #expect(throws: ProcessError.self, "\(c.name): expected an error") { try c.build() }
    guard let error else { return }
    #expect(c.expected(error), "\(c.name): wrong error case: \(error)")
    for word in c.mentions {
      #expect(
        error.description.contains(word),
        "\(c.name): expected the message to mention \"\(word)\", observed \"\(error.description)\"")
    }
  }

  @Test("A non-stationary GARCH runs when allowed and given a starting variance")
  func nonstationaryAllowed() throws {
    let garch = try GARCHProcess(
      type: .garch, initialPrices: [100], mean: [0], omega: [1e-6], alpha: [0.1], beta: [0.95],
      initialVariance: .given([1e-4]), allowNonstationary: true)
    #expect(garch.initialVariance == [1e-4])
    let out = try simulate(garch, paths: 2000, grid: timeGrid(steps: 50, dt: 1.0 / 252), seed: 5)
    #expect(
      out.prices.allSatisfy { $0.isFinite },
      "explosive variance should still give finite prices over 50 steps")
    // E[σ²_{t+1}] = ω + (α + β) E[σ²_t] grows: the last step's mean variance exceeds the first.
    let first = (0..<out.paths).map { out.conditionalVariance($0, 0, 0) }.reduce(0, +)
    let last = (0..<out.paths).map { out.conditionalVariance($0, out.steps - 1, 0) }.reduce(0, +)
    #expect(last > first, "variance should grow: first step \(first / 2000), last \(last / 2000)")
  }

  static let grid = timeGrid(steps: 10, dt: 1.0 / 252)

  /// Expects `PathSimulator` to refuse `schedule` for `process` with a message naming `word`.
  static func refuse<P: PriceProcess>(
    _ process: P, _ schedule: StressSchedule, mentions word: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let error = #expect(throws: SimulationError.self, sourceLocation: sourceLocation) {
      _ = try PathSimulator(process: process, seed: 1, grid: grid, schedule: schedule)
    }
    #expect(
      error?.description.contains(word) == true,
      "expected a message mentioning \"\(word)\", observed \(String(describing: error))",
      sourceLocation: sourceLocation)
  }

  @Test("Stresses a model cannot honour, or a schedule of the wrong shape, are refused")
  func unsupportedStresses() throws {
    let gbm = Model.gbm3.process as! GeometricBrownianMotion
    var variance = StressSchedule(steps: 10, assets: 3)
    variance.set(\.variance, steps: 2...2, assets: [0], to: 1e-4, neutral: .nan)
    Self.refuse(gbm, variance, mentions: "GARCH")
    var forcedJump = StressSchedule(steps: 10, assets: 3)
    forcedJump.set(\.forcedJump, steps: 2...2, assets: [0], to: -0.1, neutral: .nan)
    Self.refuse(gbm, forcedJump, mentions: "jumps")
    var regime = StressSchedule(steps: 10, assets: 2)
    regime.forcedRegime = Array(repeating: 0, count: 10)
    Self.refuse(Model.merton.process as! JumpDiffusion, regime, mentions: "regime")
    Self.refuse(gbm, StressSchedule(steps: 11, assets: 3), mentions: "11 steps × 3 assets")
    Self.refuse(gbm, StressSchedule(steps: 10, assets: 2), mentions: "10 steps × 2 assets")
  }

  /// The kernels index the schedule's arrays directly, so a schedule built by hand with a
  /// wrong length or index must be refused up front rather than trap mid-run.
  @Test("A schedule whose arrays or indices do not fit the model is refused")
  func inconsistentSchedules() throws {
    let gbm = Model.gbm3.process as! GeometricBrownianMotion
    var short = StressSchedule(steps: 10, assets: 3)
    short.volatilityMultiplier = Array(repeating: 1, count: 10)
    Self.refuse(gbm, short, mentions: "volatilityMultiplier has 10 entries")
    var blend = StressSchedule(steps: 10, assets: 3)
    blend.blendCorrelation(
      steps: 2...3, toward: constantCorrelation(0.5, dimension: 3).matrix, weight: 0.5)
    blend.correlationBlend![5] = 2
    Self.refuse(gbm, blend, mentions: "blend 2")
    for (target, weight) in [
      (constantCorrelation(0.5, dimension: 4).matrix, 0.5), (.identity(3), 1.5),
    ] {
      var wrong = StressSchedule(steps: 10, assets: 3)
      wrong.blendCorrelation(steps: 2...3, toward: target, weight: weight)
      Self.refuse(gbm, wrong, mentions: "expected 3 × 3 and a weight in [0, 1]")
    }
    let regime = Model.regime.process as! RegimeSwitchingProcess
    var forced = StressSchedule(steps: 10, assets: 3)
    forced.forcedRegime = (0..<10).map { $0 == 4 ? 3 : -1 }
    Self.refuse(regime, forced, mentions: "regime 3")
    forced.forcedRegime = (0..<10).map { $0 == 4 ? 2 : -1 }
    #expect(throws: Never.self) {
      _ = try PathSimulator(process: regime, seed: 1, grid: Self.grid, schedule: forced)
    }
  }
}
