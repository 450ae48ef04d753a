import Randomness
import Shocks
import Testing

@testable import Processes

/// The simulator hands processes up to `pathGroupWidth` paths at once; the grouped kernels
/// (interleaved running sums, the tabulated regime chain) must give every path exactly the
/// numbers it gets alone.
@Suite("Path groups give each path its own numbers")
struct PathGroupTests {
  static let seed: UInt64 = 0x6_0A7E

  /// One-asset GARCH-t and GJR (risk-neutral), whose groups take the variance recursions in
  /// vector lanes and the interleaved running sums; a many-regime chain at the table's limit
  /// and one beyond it; a forced regime.
  enum Extra: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case garchT1, gjr1RiskNeutral, regimes8, regimes9, forcedRegimes

    var testDescription: String { rawValue }

    func process() throws -> any PriceProcess {
      switch self {
      case .garchT1:
        return try GARCHProcess(
          type: .garch, initialPrices: [100], mean: [2e-4], omega: [2e-6], alpha: [0.09],
          beta: [0.89], innovations: .studentT(degreesOfFreedom: 8))
      case .gjr1RiskNeutral:
        return try GARCHProcess(
          type: .gjr, initialPrices: [100], mean: [2e-4], omega: [2e-6], alpha: [0.03],
          beta: [0.9], gamma: [0.1], measure: .riskNeutral(rate: 0.04, dividendYield: [0.01]))
      case .regimes8, .regimes9, .forcedRegimes:
        let k = self == .regimes9 ? 9 : self == .regimes8 ? 8 : 3
        return try Self.regimeModel(regimes: k)
      }
    }

    /// `k` regimes, each staying with probability 0.6 and moving to every other regime with
    /// equal probability: the chain visits every state, so every 4-bit entry of the table is
    /// read.
    static func regimeModel(regimes k: Int) throws -> RegimeSwitchingProcess {
      let stay = 0.6
      let move = (1 - stay) / Double(k - 1)
      return try RegimeSwitchingProcess(
        initialPrices: [100],
        regimes: (0..<k).map {
          .init(
            name: "r\($0)", drift: [0.01 * Double($0)], volatility: [0.1 + 0.05 * Double($0)])
        },
        transition: (0..<k).map { i in (0..<k).map { $0 == i ? stay : move } })
    }

    var schedule: StressSchedule? {
      guard self == .forcedRegimes else { return nil }
      var schedule = StressSchedule(steps: 50, assets: 1)
      schedule.forcedRegime = (0..<50).map { (10..<20).contains($0) ? 2 : -1 }
      return schedule
    }
  }

  /// Every path of a grouped run (groups of four, and a short last group) equals the same path
  /// simulated alone through `simulate(path:)`.
  func expectGroupsMatchSinglePaths(
    _ process: any PriceProcess, schedule: StressSchedule?, _ what: String
  ) throws {
    let grid = timeGrid(steps: 50, dt: 1.0 / 252)
    let paths = 11
    let grouped = try simulate(
      process, paths: paths, grid: grid, seed: Self.seed, schedule: schedule, threads: nil)
    let single = try Self.singlePaths(process, paths: paths, grid: grid, schedule: schedule)
    expectIdentical(grouped, single, what)
  }

  static func singlePaths<P: PriceProcess>(
    _ process: P, paths: Int, grid: TimeGrid, schedule: StressSchedule?,
    sampling: Sampling = .monteCarlo
  ) throws -> BlockArrays {
    let simulator = try PathSimulator(
      process: process, seed: seed, grid: grid, schedule: schedule, sampling: sampling)
    var out = BlockArrays(
      paths: paths, steps: grid.steps, assets: process.assetCount, returns: true,
      latent: process.latentStates)
    out.withOutput { output in
      var workspace = process.makeWorkspace(context: simulator.context)
      for path in 0..<paths {
        process.simulate(
          path: path, context: simulator.context, workspace: &workspace,
          output: output.path(path, steps: grid.steps, assets: process.assetCount))
      }
    }
    return out
  }

  @Test("Grouped paths equal single paths", arguments: Model.allCases)
  func models(model: Model) throws {
    try expectGroupsMatchSinglePaths(model.process, schedule: nil, "\(model)")
  }

  @Test("Grouped paths equal single paths", arguments: Extra.allCases)
  func extras(extra: Extra) throws {
    try expectGroupsMatchSinglePaths(try extra.process(), schedule: extra.schedule, "\(extra)")
  }

  /// Runs that write prices alone (no log returns, no latent states): groups of four
  /// one-asset GBM paths then go from shocks to prices in one pass (`pricesFromShocks`), with
  /// every sampling; each path must still equal the path simulated alone.
  @Test(
    "Grouped paths equal single paths when only prices are written",
    arguments: Model.allCases, [Sampling.monteCarlo, .antithetic, .sobol(.owen)])
  func pricesOnly(model: Model, sampling: Sampling) throws {
    let process = model.process
    let grid = timeGrid(steps: 50, dt: 1.0 / 252)
    let grouped = try Self.pricesAlone(process, paths: 11, grid: grid, sampling: sampling)
    let single = try Self.singlePaths(
      process, paths: 11, grid: grid, schedule: nil, sampling: sampling)
    let differing = differingIndices(
      grouped.prices.map(\.bitPattern), single.prices.map(\.bitPattern))
    let identical = differing.isEmpty
    #expect(
      identical,
      "\(model), \(sampling): prices differ at \(differing.count) of \(single.prices.count), first at \(differing.first ?? -1)"
    )
  }

  /// Paths `0..<paths` in groups, into arrays of prices alone.
  static func pricesAlone<P: PriceProcess>(
    _ process: P, paths: Int, grid: TimeGrid, sampling: Sampling
  ) throws -> BlockArrays {
    let simulator = try PathSimulator(
      process: process, seed: seed, grid: grid, sampling: sampling)
    var out = BlockArrays(
      paths: paths, steps: grid.steps, assets: process.assetCount, returns: false, latent: [])
    out.withOutput { simulator.simulate(paths: 0..<paths, into: $0) }
    return out
  }

  /// The tabulated chain against the one-by-one loop it replaces, for 2 to 9 regimes (9 is
  /// past the table and takes the loop itself), over many paths so that rare transitions occur.
  @Test("The tabulated regime chain draws what the one-by-one loop draws", arguments: 2...9)
  func tabulatedChain(regimes k: Int) throws {
    let process = try Extra.regimeModel(regimes: k)
    let grid = timeGrid(steps: 37, dt: 1.0 / 252)
    let simulator = try PathSimulator(process: process, seed: Self.seed, grid: grid)
    let workspace = process.makeWorkspace(context: simulator.context)
    let expected = UnsafeMutablePointer<Int>.allocate(capacity: grid.steps)
    defer { expected.deallocate() }
    var visited = Set<Int>()
    for path in 0..<500 {
      process.drawRegimes(path: path, context: simulator.context, workspace: workspace)
      process.drawRegimesOneByOne(path: path, context: simulator.context, into: expected)
      let drawn = (0..<grid.steps).map { workspace.regime[$0] }
      let reference = (0..<grid.steps).map { expected[$0] }
      #expect(drawn == reference, "\(k) regimes, path \(path): \(drawn) against \(reference)")
      visited.formUnion(drawn)
    }
    #expect(visited == Set(0..<k), "\(k) regimes: the chain visited only \(visited.sorted())")
  }
}
