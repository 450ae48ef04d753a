// Price processes: PathSimulator.simulate(paths:into:workspace:) over all paths, one thread,
// in cache-sized blocks of float64 prices written into one reused buffer.
// Peer: peers/processes_numpy.py (numpy, vectorised over the paths of a block).

import Benchmark
import BenchmarkSupport
import Processes
import Shocks

let benchmarks: @Sendable () -> Void = {
  let workloads = [
    ProcessWorkload(.gbm(.single), paths: 100_000, assets: 1),
    ProcessWorkload(.gbm(.spread), paths: 10_000, assets: 50),
    ProcessWorkload(.merton, paths: 100_000, assets: 1),
    ProcessWorkload(.garchT, paths: 100_000, assets: 1),
    ProcessWorkload(.regimes, paths: 100_000, assets: 1),
  ]
  for workload in workloads {
    Benchmark(workload.name, configuration: .peerComparison(tags: workload.tags)) {
      benchmark, run in
      for _ in benchmark.scaledIterations { run.simulateAllPaths() }
    } setup: {
      try ProcessRun(workload)
    }
  }
}

/// The models of the suite, with their parameters (annualized and decimal unless noted).
enum ProcessModel {
  /// Geometric Brownian motion.
  case gbm(BenchmarkGBM)
  /// Merton jump-diffusion: μ 5%, σ 20%, 1 jump a year of log size N(−0.1, 0.15²).
  case merton
  /// GARCH(1,1) on per-step decimal log returns, Student-t(8) innovations, mean 0: ω 0.02e-4,
  /// α 0.09, β 0.89 (the percent-unit fit 0.02 / 0.09 / 0.89 with ω divided by 100²), starting
  /// at the unconditional variance ω / (1 − α − β) = 1e-4 (1% a day).
  case garchT
  /// Two-regime switching GBM: calm μ 8%, σ 12%; crisis μ −20%, σ 40%; stays 0.99 and 0.95
  /// per step; the first step's regime from the stationary distribution.
  case regimes

  static let jumpParameters = (mu: 0.05, sigma: 0.2, lambda: 1.0, jumpMean: -0.1, jumpSD: 0.15)
  static let garchParameters = (omega: 0.02e-4, alpha: 0.09, beta: 0.89, nu: 8.0, mean: 0.0)
  static let regimeParameters = (mu: [0.08, -0.2], sigma: [0.12, 0.4], stay: [0.99, 0.95])
  static let initialPrice = 100.0
  static let stepsPerYear = 252

  var name: String {
    switch self {
    case .gbm: return "gbm"
    case .merton: return "merton"
    case .garchT: return "garch-t"
    case .regimes: return "regimes"
    }
  }

  /// The parameters as tags, for the peer (`model` names the model).
  var tags: [String: String] {
    let common = ["s0": "\(Self.initialPrice)", "year": "\(Self.stepsPerYear)"]
    var tags: [String: String]
    switch self {
    case .gbm(let gbm):
      return gbm.tags.merging(["model": "gbm"]) { $1 }
    case .merton:
      let m = Self.jumpParameters
      tags = [
        "mu": "\(m.mu)", "sigma": "\(m.sigma)", "lambda": "\(m.lambda)",
        "jump_mean": "\(m.jumpMean)", "jump_sd": "\(m.jumpSD)",
      ]
    case .garchT:
      let g = Self.garchParameters
      tags = [
        "omega": "\(g.omega)", "alpha": "\(g.alpha)", "beta": "\(g.beta)", "nu": "\(g.nu)",
        "mean": "\(g.mean)",
      ]
    case .regimes:
      let r = Self.regimeParameters
      func list(_ values: [Double]) -> String { values.map { "\($0)" }.joined(separator: ",") }
      tags = ["mu": list(r.mu), "sigma": list(r.sigma), "stay": list(r.stay)]
    }
    return tags.merging(common) { $1 }.merging(["model": name]) { $1 }
  }

  var stepsPerYear: Int {
    if case .gbm(let gbm) = self { return gbm.stepsPerYear }
    return Self.stepsPerYear
  }

  /// The scengine process for `assets` assets (the correlation is used above one asset).
  func process(assets n: Int, correlation: CorrelationMatrix) throws -> any PriceProcess {
    let s0 = Array(repeating: Self.initialPrice, count: n)
    func each(_ value: Double) -> [Double] { Array(repeating: value, count: n) }
    switch self {
    case .gbm(let gbm):
      return try GeometricBrownianMotion(
        initialPrices: Array(repeating: gbm.initialPrice, count: n),
        drift: gbm.drift.values(assets: n), volatility: gbm.volatility.values(assets: n),
        correlation: correlation)
    case .merton:
      let m = Self.jumpParameters
      return try JumpDiffusion(
        initialPrices: s0, drift: each(m.mu), volatility: each(m.sigma),
        jumps: JumpSpecification(
          intensity: each(m.lambda),
          sizes: .normal(mean: each(m.jumpMean), standardDeviation: each(m.jumpSD))),
        correlation: correlation)
    case .garchT:
      let g = Self.garchParameters
      return try GARCHProcess(
        type: .garch, initialPrices: s0, mean: each(g.mean), omega: each(g.omega),
        alpha: each(g.alpha), beta: each(g.beta),
        innovations: .studentT(degreesOfFreedom: g.nu), initialVariance: .unconditional,
        correlation: correlation)
    case .regimes:
      let r = Self.regimeParameters
      let names = ["calm", "crisis"]
      return try RegimeSwitchingProcess(
        initialPrices: s0,
        regimes: (0..<2).map {
          .init(
            name: names[$0], drift: each(r.mu[$0]), volatility: each(r.sigma[$0]),
            correlation: correlation)
        },
        transition: [[r.stay[0], 1 - r.stay[0]], [1 - r.stay[1], r.stay[1]]])
    }
  }
}

/// One process workload: `paths × steps × assets` prices (time index 0 not counted).
struct ProcessWorkload {
  let model: ProcessModel
  let paths: Int
  let steps = 252
  let assets: Int
  let seed: UInt64 = 20_261_129

  init(_ model: ProcessModel, paths: Int, assets: Int) {
    self.model = model
    self.paths = paths
    self.assets = assets
  }

  var block: Int { BenchmarkBlocks.cacheSizedPaths(steps: steps, assets: assets) }
  var values: Int { paths * steps * assets }

  /// `MODEL PATHSxSTEPSxASSETS`, the row name in the comparison table.
  var name: String { "\(model.name) \(paths)x\(steps)x\(assets)" }

  /// Everything the peer needs to do the same work.
  var tags: [String: String] {
    model.tags.merging([
      "paths": "\(paths)", "steps": "\(steps)", "assets": "\(assets)", "seed": "\(seed)",
      "block": "\(block)", "values": "\(values)",
    ]) { $1 }
  }
}

/// The state of one benchmark run, built outside the measured region: the simulator (with its
/// Cholesky factors), a workspace and a block buffer of prices written once, so that no page
/// fault is timed.
final class ProcessRun {
  let workload: ProcessWorkload
  let buffer: UnsafeMutableBufferPointer<Double>
  private let simulateBlock: (Range<Int>) -> Void

  init(_ workload: ProcessWorkload) throws {
    self.workload = workload
    let correlation = try CorrelationMatrix(
      rows: BenchmarkCorrelation.oneFactor(assets: workload.assets))
    let process = try workload.model.process(assets: workload.assets, correlation: correlation)
    let grid = try TimeGrid(
      steps: workload.steps, timeStep: 1 / Double(workload.model.stepsPerYear))
    let buffer = UnsafeMutableBufferPointer<Double>.allocate(
      capacity: workload.block * (workload.steps + 1) * workload.assets)
    buffer.initialize(repeating: 0)
    self.buffer = buffer
    simulateBlock = try Self.blockSimulation(
      process, seed: workload.seed, grid: grid, output: BlockOutput(prices: buffer.baseAddress!))
  }

  /// A closure that simulates a block of paths into `output`, reusing one workspace.
  private static func blockSimulation<P: PriceProcess>(
    _ process: P, seed: UInt64, grid: TimeGrid, output: BlockOutput
  ) throws -> (Range<Int>) -> Void {
    let simulator = try PathSimulator(process: process, seed: seed, grid: grid)
    var workspace = process.makeWorkspace(context: simulator.context)
    return { paths in simulator.simulate(paths: paths, into: output, workspace: &workspace) }
  }

  deinit { buffer.deallocate() }

  /// Simulates every path, block after block, into the same buffer.
  func simulateAllPaths() {
    var start = 0
    while start < workload.paths {
      let end = min(start + workload.block, workload.paths)
      simulateBlock(start..<end)
      blackHole(buffer)
      start = end
    }
  }
}
