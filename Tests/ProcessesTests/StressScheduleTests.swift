import Processes
import Shocks
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The kernels read the compiled stress schedule: each stress changes what it says, where it
/// says, and nothing else (common random numbers, invariant 2).
@Suite("Stress schedules in the kernels")
struct StressScheduleTests {
  static let seed: UInt64 = 0x5EED_0009
  static let paths = 200

  /// The unstressed and the stressed run of `model` on the same paths.
  static func pair(_ model: Model, _ schedule: StressSchedule) throws -> (BlockArrays, BlockArrays)
  {
    let base = try simulate(model.process, paths: paths, grid: model.grid, seed: seed)
    let stressed = try simulate(
      model.process, paths: paths, grid: model.grid, seed: seed, schedule: schedule)
    return (base, stressed)
  }

  static func neutral(_ model: Model) -> StressSchedule {
    StressSchedule(steps: model.grid.steps, assets: model.process.assetCount)
  }

  /// The time indices (0…steps) or step indices (0…steps−1) at which two runs differ, over
  /// all paths and assets.
  static func differingTimes(_ a: BlockArrays, _ b: BlockArrays) -> (
    prices: Set<Int>, returns: Set<Int>
  ) {
    let n = a.assets
    let prices = differingIndices(a.prices.map(\.bitPattern), b.prices.map(\.bitPattern))
    let returns = differingIndices(a.logReturns.map(\.bitPattern), b.logReturns.map(\.bitPattern))
    return (
      Set(prices.map { ($0 / n) % (a.steps + 1) }), Set(returns.map { ($0 / n) % a.steps })
    )
  }

  /// Expects the runs to differ exactly at the step indices `changed` (or, when the change
  /// carries on through a GARCH variance, from its start to the end), and their prices from
  /// time `changed.lowerBound + 1` on.
  static func expectChangesOnly(
    _ base: BlockArrays, _ stressed: BlockArrays, steps changed: Range<Int>, carriesOn: Bool,
    _ what: String
  ) {
    let (prices, returns) = differingTimes(base, stressed)
    let expectedReturns = Set(carriesOn ? changed.lowerBound..<base.steps : changed)
    let expectedPrices = Set((changed.lowerBound + 1)...base.steps)
    #expect(
      returns == expectedReturns,
      """
      \(what): expected log-returns to differ at step indices \(expectedReturns.sorted()), \
      observed \(returns.sorted())
      """
    )
    #expect(
      prices == expectedPrices,
      """
      \(what): expected prices to differ at times \(expectedPrices.sorted()), \
      observed \(prices.sorted())
      """
    )
  }

  /// The largest `deviation(baseline return, stressed return, asset)` over all paths and
  /// assets in the step indices `steps`.
  static func worstDeviation(
    _ base: BlockArrays, _ stressed: BlockArrays, steps: Range<Int>,
    _ deviation: (Double, Double, Int) -> Double
  ) -> Double {
    var worst = 0.0
    for p in 0..<base.paths {
      for t in steps {
        for a in 0..<base.assets {
          worst = max(worst, deviation(base.logReturn(p, t, a), stressed.logReturn(p, t, a), a))
        }
      }
    }
    return worst
  }

  @Test(
    "A shock of −20% at step k makes the step-k price exactly 0.8 of the baseline",
    arguments: Model.allCases)
  func instantShock(model: Model) throws {
    let k = 7
    var schedule = Self.neutral(model)
    let n = model.process.assetCount
    schedule.set(\.shockReturn, steps: k...k, assets: Array(0..<n), to: -0.2, neutral: 0)
    let (base, stressed) = try Self.pair(model, schedule)
    var worst = 0.0
    var worstLater = 0.0
    for p in 0..<base.paths {
      for a in 0..<n {
        worst = max(worst, abs(stressed.price(p, k, a) / base.price(p, k, a) - 0.8))
        for t in (k + 1)...base.steps {
          worstLater = max(worstLater, abs(stressed.price(p, t, a) / base.price(p, t, a) - 0.8))
        }
      }
    }
    #expect(
      worst <= 1e-12,
      """
      \(model): stressed/baseline price at step \(k): expected 0.8, worst deviation \(worst), \
      tolerance 1e-12
      """
    )
    // Diffusions carry the shock unchanged; a GARCH variance reacts to it.
    if !model.isGARCH {
      #expect(
        worstLater <= 1e-12,
        """
        \(model): ratio after step \(k): expected 0.8, worst deviation \(worstLater), \
        tolerance 1e-12
        """
      )
    }
    let (prices, _) = Self.differingTimes(base, stressed)
    #expect(
      prices.min() == k,
      """
      \(model): expected prices identical before time \(k), \
      first difference at \(prices.min() ?? -1)
      """
    )
  }

  @Test(
    "A volatility window changes only that window's returns",
    arguments: [Model.gbm3, .gbm12, .merton, .kou, .regime, .regimeJumps])
  func volatilityWindow(model: Model) throws {
    var schedule = Self.neutral(model)
    schedule.set(\.volatilityMultiplier, steps: 5...9, assets: [0], to: 2, neutral: 1)
    let (base, stressed) = try Self.pair(model, schedule)
    Self.expectChangesOnly(base, stressed, steps: 4..<9, carriesOn: false, "\(model)")
    // Only asset 0 is stressed.
    for a in 1..<base.assets {
      let changed = (0..<base.paths).contains { p in
        (0..<base.steps).contains { base.logReturn(p, $0, a) != stressed.logReturn(p, $0, a) }
      }
      #expect(!changed, "\(model): asset \(a) has no volatility stress but its returns changed")
    }
  }

  /// Under GBM the stressed step is `(μ − m²σ²/2)dt + mσ√dt e`: the diffusion part of the
  /// baseline return, scaled by `m`.
  @Test("A volatility multiplier scales the step's diffusion part by m")
  func volatilityScale() throws {
    let model = Model.gbm3
    let gbm = model.process as! GeometricBrownianMotion
    let (m, dt) = (2.5, model.grid.timeStep)
    var schedule = Self.neutral(model)
    schedule.set(\.volatilityMultiplier, steps: 5...9, assets: [0, 1, 2], to: m, neutral: 1)
    let (base, stressed) = try Self.pair(model, schedule)
    let worst = Self.worstDeviation(base, stressed, steps: 4..<9) { before, after, a in
      let (mu, sigma) = (gbm.drift[a], gbm.volatility[a])
      let baseDiffusion = before - (mu - 0.5 * sigma * sigma) * dt
      let stressedDiffusion = after - (mu - 0.5 * m * m * sigma * sigma) * dt
      return abs(stressedDiffusion - m * baseDiffusion) / (sigma * dt.squareRoot())
    }
    #expect(
      worst <= 1e-12,
      """
      stressed diffusion part: expected m × baseline, worst deviation \(worst) σ√dt, \
      tolerance 1e-12
      """
    )
  }

  /// GARCH: inside the window the variance in force is m² times the baseline's and each return
  /// deviates from the mean m times as far; the multiplier does not enter the recursion, so
  /// the returns after the window are the baseline's, bit for bit (as for every other model).
  @Test(
    "A GARCH volatility window scales the returns in it by m and leaves the variance path alone",
    arguments: [Model.garch, .gjr, .egarchT])
  func garchVolatilityWindow(model: Model) throws {
    let m = 2.0
    var schedule = Self.neutral(model)
    schedule.set(\.volatilityMultiplier, steps: 5...9, assets: [0], to: m, neutral: 1)
    let (base, stressed) = try Self.pair(model, schedule)
    Self.expectChangesOnly(base, stressed, steps: 4..<9, carriesOn: false, "\(model)")
    let garch = try #require(model.process as? GARCHProcess)
    // The step's mean: the model's, or under a risk-neutral measure (r − q) dt − v/2 for the
    // variance v in force.
    func mean(_ v: Double) -> Double {
      guard case .riskNeutral(let r, let q) = garch.measure else { return garch.mean[0] }
      return (r - q[0]) * model.grid.timeStep - 0.5 * v
    }
    for p in 0..<base.paths {
      for t in 4..<9 {
        let variance = stressed.conditionalVariance(p, t, 0)
        let baseVariance = base.conditionalVariance(p, t, 0)
        expectWithin(
          variance, m * m * baseVariance, tolerance: 1e-12 * variance,
          "\(model) path \(p) step index \(t): variance in force")
        let deviation = base.logReturn(p, t, 0) - mean(baseVariance)
        expectWithin(
          stressed.logReturn(p, t, 0) - mean(variance), m * deviation,
          tolerance: 1e-12 * max(abs(deviation), 1e-3),
          "\(model) path \(p) step index \(t): deviation of the return from the mean")
      }
    }
  }

  @Test("A forced regime holds over its window, and the chain is unchanged before it")
  func forcedRegime() throws {
    let model = Model.regime
    var schedule = Self.neutral(model)
    schedule.forcedRegime = (1...model.grid.steps).map { (18...24).contains($0) ? 2 : -1 }
    let (base, stressed) = try Self.pair(model, schedule)
    for p in 0..<base.paths {
      let forced = (17..<24).map { stressed.regime(p, $0) }
      #expect(
        forced.allSatisfy { $0 == 2 },
        "path \(p): expected regime 2 in steps 18…24, observed \(forced)")
      let before = (0..<17).map { stressed.regime(p, $0) }
      #expect(
        before == (0..<17).map { base.regime(p, $0) },
        "path \(p): regimes before the window changed")
    }
    let (prices, _) = Self.differingTimes(base, stressed)
    #expect(
      (prices.min() ?? 18) >= 18,
      "expected prices identical before time 18, first difference at \(prices.min() ?? -1)")
    #expect(!prices.isEmpty, "forcing the crisis regime changed no price")
  }

  /// Steps 9…15 blend the correlation toward a constant 0.9. The shocks of the other steps keep
  /// the baseline's bits whether the product is hand-written (3 assets) or BLAS dtrmm (12),
  /// whose rounding must not depend on how many rows it is given at once.
  @Test(
    "A correlation blend changes the shocks only in its window",
    arguments: [Model.gbm3, .gbm12, .garch, .regime, .regime12])
  func correlationWindow(model: Model) throws {
    var schedule = Self.neutral(model)
    let n = model.process.assetCount
    schedule.blendCorrelation(
      steps: 9...15, toward: constantCorrelation(0.9, dimension: n).matrix, weight: 0.7)
    let (base, stressed) = try Self.pair(model, schedule)
    // The first asset's shock is z₀ whatever the correlation; every other asset's changes.
    Self.expectChangesOnly(base, stressed, steps: 8..<15, carriesOn: model.isGARCH, "\(model)")
  }

  @Test("A drift override shifts the step's log-return by (d − μ)dt")
  func driftOverride() throws {
    let model = Model.gbm3
    let gbm = model.process as! GeometricBrownianMotion
    let (d, dt) = (-0.5, model.grid.timeStep)
    var schedule = Self.neutral(model)
    schedule.set(\.driftOverride, steps: 3...6, assets: [0, 1, 2], to: d, neutral: .nan)
    let (base, stressed) = try Self.pair(model, schedule)
    Self.expectChangesOnly(base, stressed, steps: 2..<6, carriesOn: false, "drift override")
    let worst = Self.worstDeviation(base, stressed, steps: 2..<6) { before, after, a in
      let shift = (d - gbm.drift[a]) * dt
      return abs(after - before - shift) / abs(shift)
    }
    #expect(
      worst <= 1e-12,
      "drift override shift: expected (d − μ)dt, worst relative deviation \(worst), tolerance 1e-12"
    )
  }

  @Test(
    "A historical return replaces the step's return on every path",
    arguments: [Model.gbm3, .merton, .garchT])
  func historicalReturn(model: Model) throws {
    var schedule = Self.neutral(model)
    schedule.set(\.historicalReturn, steps: 4...5, assets: [0], to: -0.07, neutral: .nan)
    let (_, stressed) = try Self.pair(model, schedule)
    let replaced = (0..<stressed.paths).flatMap { p in [3, 4].map { stressed.logReturn(p, $0, 0) } }
    #expect(
      replaced.allSatisfy { $0 == -0.07 }, "\(model): expected −0.07 in steps 4 and 5 of every path"
    )
  }

  @Test("A jump-intensity multiplier multiplies the jump rate over its window")
  func jumpIntensityWindow() throws {
    let (lambda, dt, multiplier) = (2.0, 1.0 / 12, 5.0)
    let merton = try JumpDiffusion(
      initialPrices: [100], drift: [0.05], volatility: [0.2],
      jumps: JumpSpecification(
        intensity: [lambda], sizes: .normal(mean: [-0.1], standardDeviation: [0.1])))
    let grid = timeGrid(steps: 12, dt: dt)
    var schedule = StressSchedule(steps: 12, assets: 1)
    schedule.set(\.jumpIntensityMultiplier, steps: 3...6, assets: [0], to: multiplier, neutral: 1)
    let out = try simulate(merton, paths: 20_000, grid: grid, seed: 77, schedule: schedule)
    for (steps, rate) in [(2..<6, multiplier * lambda * dt), (6..<12, lambda * dt)] {
      let counts = (0..<out.paths).flatMap { p in steps.map { Double(out.jumpCount(p, $0, 0)) } }
      let m = SampleMoments(counts)
      expectWithinSE(
        m.mean, rate, standardError: (rate / Double(m.count)).squareRoot(),
        "jumps per step at step indices \(steps)")
    }
  }

  @Test("firstStressedStep finds the earliest non-neutral entry (1-based)")
  func firstStressedStep() {
    var schedule = StressSchedule(steps: 20, assets: 2)
    #expect(schedule.isEmpty && schedule.firstStressedStep == nil)
    schedule.set(\.volatilityMultiplier, steps: 12...14, assets: [1], to: 2, neutral: 1)
    #expect(schedule.firstStressedStep == 12)
    schedule.forcedRegime = (1...20).map { $0 == 9 ? 1 : -1 }
    #expect(schedule.firstStressedStep == 9)
    schedule.set(\.shockReturn, steps: 3...3, assets: [0], to: -0.1, neutral: 0)
    #expect(schedule.firstStressedStep == 3)
    #expect(!schedule.isEmpty)
  }
}
