import Processes
import Randomness
import Shocks
import Testing

/// The library's own guards behind the scenario parser's limits: what would trap or hang in
/// the kernels is refused when a simulator is set up (issue 9, items 15 and 16).
@Suite("Simulator limits")
struct SimulatorLimitTests {
  static func merton(intensity: Double) throws -> JumpDiffusion {
    try JumpDiffusion(
      initialPrices: [100], drift: [0.05], volatility: [0.2],
      jumps: JumpSpecification(
        intensity: [intensity], sizes: .normal(mean: [-0.05], standardDeviation: [0.1])))
  }

  /// Expected jumps per step `intensity × dt × multiplier` above 1000 are refused; at 1000 the
  /// simulator is set up.
  @Test(
    arguments: [
      (1e9, 1.0, nil, true), (252_000, 1.0 / 252, nil, false), (252_000, 1.0 / 252, 2.0, true),
      (1, 1.0 / 252, 1e300, true),
    ] as [(Double, Double, Double?, Bool)])
  func jumpsPerStep(_ intensity: Double, _ dt: Double, _ multiplier: Double?, _ refused: Bool)
    throws
  {
    let grid = try TimeGrid(steps: 10, timeStep: dt)
    var schedule = StressSchedule(steps: 10, assets: 1)
    if let multiplier { schedule.jumpIntensityMultiplier = Array(repeating: multiplier, count: 10) }
    let process = try Self.merton(intensity: intensity)
    do {
      _ = try PathSimulator(process: process, seed: 1, grid: grid, schedule: schedule)
      #expect(!refused, "λ = \(intensity), dt = \(dt), m = \(multiplier ?? 1): expected refusal")
    } catch {
      guard case .outOfRange(let why) = error else {
        Issue.record("expected outOfRange, got \(error)")
        return
      }
      #expect(refused, "λ = \(intensity), dt = \(dt): refused unexpectedly: \(why)")
      #expect(why.contains("expected at most 1000"), "message: \(why)")
    }
  }

  /// Intensities beyond `ParameterLimits.maximumJumpIntensity` and non-finite ones are
  /// refused by the model.
  @Test(arguments: [1e10, 1e300, Double.infinity, -1])
  func intensityRange(_ intensity: Double) {
    #expect(throws: ProcessError.self, "intensity \(intensity)") {
      try Self.merton(intensity: intensity)
    }
  }

  /// A Poisson mean above `maximumMean` is refused instead of overflowing `Int`.
  @Test(arguments: [1e16, 1e300, Double.infinity])
  func poissonMean(_ mean: Double) {
    #expect(throws: RandomnessError.self, "mean \(mean)") {
      try PoissonDistribution(mean: mean)
    }
  }

  /// Cancellation between path groups: `stopIf` is asked before each group of
  /// `pathGroupWidth` paths and the paths after it are not simulated.
  @Test func stopsBetweenPathGroups() throws {
    let grid = try TimeGrid(steps: 5, timeStep: 1.0 / 252)
    let process = try Self.merton(intensity: 1)
    let simulator = try PathSimulator(process: process, seed: 1, grid: grid)
    var prices = Array(repeating: -1.0, count: 10 * 6)
    var workspace = process.makeWorkspace(context: simulator.context)
    var asked = 0
    let done = prices.withUnsafeMutableBufferPointer { p in
      simulator.simulate(
        paths: 0..<10, into: BlockOutput(prices: p.baseAddress!), workspace: &workspace,
        stopIf: {
          asked += 1
          return asked > 2
        })
    }
    let expected = 2 * pathGroupWidth
    #expect(done == expected, "paths simulated: \(done), expected \(expected)")
    #expect(asked == 3, "stopIf asked \(asked) times, expected 3 (before each group)")
    #expect(prices[expected * 6] == -1, "path \(expected) was written: \(prices[expected * 6])")
    #expect(
      prices[(expected - 1) * 6] == 100,
      "path \(expected - 1) was not written: \(prices[(expected - 1) * 6])")
  }
}
