import Processes
import Shocks
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What the stresses mean for the numbers and the latent outputs (issue 9, items 1, 3, 4, 5):
/// a volatility stress carries into the next variance in GARCH, GJR and EGARCH alike; every
/// forced jump is counted; a replayed step records no jump; a regime without a correlation of
/// its own uses the model's.
@Suite("Stress semantics in the kernels")
struct StressSemanticsTests {
  static let seed: UInt64 = 0x5E3A_2026_1202
  static let paths = 200

  // MARK: - Volatility stress and the variance recursion

  /// One asset of each GARCH type, started from a given variance.
  static func garch(_ type: GARCHProcess.VolatilityModel) throws -> GARCHProcess {
    switch type {
    case .garch:
      return try GARCHProcess(
        type: .garch, initialPrices: [100], mean: [2e-4], omega: [2e-6], alpha: [0.08],
        beta: [0.9], initialVariance: .given([1.5e-4]))
    case .gjr:
      return try GARCHProcess(
        type: .gjr, initialPrices: [100], mean: [2e-4], omega: [2e-6], alpha: [0.03],
        beta: [0.88], gamma: [0.12], initialVariance: .given([1.5e-4]))
    case .egarch:
      return try GARCHProcess(
        type: .egarch, initialPrices: [100], mean: [2e-4], omega: [-0.4], alpha: [0.12],
        beta: [0.95], gamma: [-0.08], initialVariance: .given([1.5e-4]))
    }
  }

  @Test(
    "A volatility stress m at step k scales the step's return, not the recursion: σ²_{k+1} is the unstressed one",
    arguments: GARCHProcess.VolatilityModel.allCases)
  func volatilityStressDoesNotCompound(type: GARCHProcess.VolatilityModel) throws {
    let g = try Self.garch(type)
    let grid = timeGrid(steps: 10, dt: 1.0 / 252)
    let (k, m) = (4, 3.0)
    var schedule = StressSchedule(steps: grid.steps, assets: 1)
    schedule.set(\.volatilityMultiplier, steps: k...k, assets: [0], to: m, neutral: 1)
    let base = try simulate(g, paths: Self.paths, grid: grid, seed: Self.seed)
    let stressed = try simulate(
      g, paths: Self.paths, grid: grid, seed: Self.seed, schedule: schedule)
    var worst = 0.0
    var changedAfter = 0
    for p in 0..<Self.paths {
      let h = base.conditionalVariance(p, k - 1, 0)
      // In force during step k: m² σ_k², and the return deviates m times as far from μ.
      worst = max(worst, abs(stressed.conditionalVariance(p, k - 1, 0) / (m * m * h) - 1))
      let deviation = base.logReturn(p, k - 1, 0) - g.mean[0]
      worst = max(
        worst, abs((stressed.logReturn(p, k - 1, 0) - g.mean[0]) - m * deviation) / abs(deviation))
      for t in k..<grid.steps
      where stressed.conditionalVariance(p, t, 0) != base.conditionalVariance(p, t, 0)
        || stressed.logReturn(p, t, 0) != base.logReturn(p, t, 0)
      {
        changedAfter += 1
      }
    }
    #expect(
      worst <= 1e-9,
      """
      \(type): variance and return of the stressed step: worst relative deviation \(worst) \
      from m² σ² and μ + m σ z, tolerance 1e-9
      """)
    #expect(
      changedAfter == 0,
      """
      \(type): \(changedAfter) (path, step) pairs after the stressed step differ from the \
      unstressed run; expected the same variances and returns, bit for bit
      """)
  }

  @Test("Without a stress, EGARCH's news is the shock z itself (multiplier 1 changes no bit)")
  func egarchNeutralMultiplier() throws {
    let g = try Self.garch(.egarch)
    let grid = timeGrid(steps: 30, dt: 1.0 / 252)
    var schedule = StressSchedule(steps: grid.steps, assets: 1)
    schedule.set(\.volatilityMultiplier, steps: 5...9, assets: [0], to: 1, neutral: 1)
    let base = try simulate(g, paths: 50, grid: grid, seed: Self.seed)
    let neutral = try simulate(g, paths: 50, grid: grid, seed: Self.seed, schedule: schedule)
    expectIdentical(base, neutral, "egarch with a multiplier of 1")
  }

  // MARK: - Jump counts

  @Test("Each forced jump counts: two at one step add two to the step's jump count")
  func forcedJumpsCountEach() throws {
    let model = Model.merton1
    let grid = model.grid
    var schedule = StressSchedule(steps: grid.steps, assets: 1)
    schedule.set(\.forcedJump, steps: 5...5, assets: [0], to: -0.2, neutral: .nan)
    schedule.forcedJumpCount = (1...grid.steps).map { $0 == 5 ? 2 : 0 }
    let base = try simulate(model.process, paths: Self.paths, grid: grid, seed: Self.seed)
    let stressed = try simulate(
      model.process, paths: Self.paths, grid: grid, seed: Self.seed, schedule: schedule)
    let wrong = (0..<Self.paths).filter {
      stressed.jumpCount($0, 4, 0) != base.jumpCount($0, 4, 0) + 2
    }
    #expect(
      wrong.isEmpty,
      """
      two forced jumps at step 5: expected the model's count + 2 on every path, wrong on paths \
      \(wrong.prefix(5)) (e.g. base \(wrong.first.map { base.jumpCount($0, 4, 0) } ?? 0), \
      stressed \(wrong.first.map { stressed.jumpCount($0, 4, 0) } ?? 0))
      """)
    let shift = (0..<Self.paths).map { stressed.logReturn($0, 4, 0) - base.logReturn($0, 4, 0) }
    #expect(
      shift.allSatisfy { abs($0 - -0.2) <= 1e-12 },
      "forced jumps of summed log size −0.2: expected a shift of −0.2, observed \(shift.prefix(3))")
  }

  @Test(
    "A replayed step records no jump: neither the model's nor a forced one",
    arguments: [Model.merton1, .kou1, .merton, .mertonSystemic, .regimeJumps, .regimeJumps1])
  func replayedStepsHaveNoJumps(model: Model) throws {
    let grid = model.grid
    let n = model.process.assetCount
    var schedule = StressSchedule(steps: grid.steps, assets: n)
    // Asset 0 is replayed over steps 3…8 and takes a forced jump at step 4 as well.
    schedule.set(\.historicalReturn, steps: 3...8, assets: [0], to: -0.04, neutral: .nan)
    schedule.set(\.forcedJump, steps: 4...4, assets: Array(0..<n), to: -0.1, neutral: .nan)
    // Regime models stay in their regime with jumps, in both runs.
    var unreplayed = StressSchedule(steps: grid.steps, assets: n)
    if model.hasRegimes {
      schedule.forcedRegime = Array(repeating: 1, count: grid.steps)
      unreplayed.forcedRegime = schedule.forcedRegime
    }
    let base = try simulate(
      model.process, paths: Self.paths, grid: grid, seed: Self.seed, schedule: unreplayed)
    let stressed = try simulate(
      model.process, paths: Self.paths, grid: grid, seed: Self.seed, schedule: schedule)
    var replayedJumps = 0
    var modelJumps = 0
    var otherAssetsWrong = 0
    for p in 0..<Self.paths {
      for t in 2..<8 {
        replayedJumps += stressed.jumpCount(p, t, 0)
        modelJumps += base.jumpCount(p, t, 0)
        for a in 1..<max(n, 1) {
          let expected = base.jumpCount(p, t, a) + (t == 3 ? 1 : 0)
          if stressed.jumpCount(p, t, a) != expected { otherAssetsWrong += 1 }
        }
      }
    }
    #expect(
      replayedJumps == 0,
      """
      \(model): expected no jump on replayed steps 3…8 of asset 0, observed \(replayedJumps) \
      (the model drew \(modelJumps) there unstressed)
      """)
    #expect(modelJumps > 0, "\(model): the test means something only if jumps were drawn there")
    #expect(
      otherAssetsWrong == 0,
      """
      \(model): assets not replayed keep their jumps (+1 forced at step 4); \
      \(otherAssetsWrong) step(s) differ
      """)
  }

  // MARK: - Regime correlation

  @Test("A regime without its own correlation uses the model's, in the shocks and in the record")
  func regimeInheritsCorrelation() throws {
    let shared = constantCorrelation(0.6, dimension: 2)
    let own = constantCorrelation(-0.5, dimension: 2)
    let process = try RegimeSwitchingProcess(
      initialPrices: [100, 100],
      regimes: [
        .init(name: "calm", drift: [0.05, 0.05], volatility: [0.2, 0.2]),
        .init(name: "crisis", drift: [0, 0], volatility: [0.3, 0.3], correlation: own),
      ],
      transition: [[0.95, 0.05], [0.05, 0.95]], correlation: shared)
    #expect(process.correlations == [shared, own])
    #expect(process.correlation == shared)
    let grid = timeGrid(steps: 100, dt: 1.0 / 252)
    let out = try simulate(process, paths: 400, grid: grid, seed: Self.seed)
    for (regime, expected) in [(0, 0.6), (1, -0.5)] {
      var x: [Double] = []
      var y: [Double] = []
      for p in 0..<out.paths {
        for t in 0..<grid.steps where out.regime(p, t) == regime {
          x.append(out.logReturn(p, t, 0))
          y.append(out.logReturn(p, t, 1))
        }
      }
      expectCorrelation(
        sampleCorrelation(x, y), expected, pairs: x.count,
        "log-return correlation in regime \(regime)")
    }
    // Without a model correlation, a regime without its own has independent assets.
    let plain = try RegimeSwitchingProcess(
      initialPrices: [100, 100],
      regimes: [.init(name: "calm", drift: [0.05, 0.05], volatility: [0.2, 0.2])],
      transition: [[1]])
    #expect(plain.correlations[0].isIdentity)
  }

  @Test("A model correlation of the wrong size is rejected")
  func regimeCorrelationSize() {
    #expect(throws: ProcessError.self) {
      try RegimeSwitchingProcess(
        initialPrices: [100, 100],
        regimes: [.init(name: "calm", drift: [0.05, 0.05], volatility: [0.2, 0.2])],
        transition: [[1]], correlation: constantCorrelation(0.2, dimension: 3))
    }
  }
}
