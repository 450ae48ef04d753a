// Price processes W1-W6: PathSimulator.simulate(paths:into:workspace:) over all paths, in
// cache-sized blocks of float64 prices, on SCENGINE_BENCH_THREADS threads (default 1), each
// with its own workspace and block buffer.
// Peers: peers/processes_numpy.py (numpy, vectorised over the paths of a block) and
// peers/processes_numba.py (numba, one fused loop over paths and steps).

import Benchmark
import BenchmarkSupport
import Dispatch
import Foundation
import LinearAlgebra
import Processes
import Shocks

let benchmarks: @Sendable () -> Void = {
  let workloads = [
    ProcessWorkload("W1", .gbm(.single), paths: 100_000, assets: 1),
    ProcessWorkload("W2", .gbm(.spread), paths: 10_000, assets: 50),
    ProcessWorkload("W3", .gbm(.spread), paths: 2_000, assets: 500),
    ProcessWorkload("W4", .garchT, paths: 100_000, assets: 1),
    ProcessWorkload("W5", .merton, paths: 100_000, assets: 1),
    ProcessWorkload("W6", .regimes, paths: 100_000, assets: 1),
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

/// One process workload: `paths × steps × assets` prices (time index 0 not counted), on
/// `threads` threads.
struct ProcessWorkload {
  /// `W1` … `W6`, the workload's number in the issue.
  let id: String
  let model: ProcessModel
  let paths: Int
  let steps = 252
  let assets: Int
  let threads = BenchmarkThreads.count
  let seed: UInt64 = 20_261_129

  init(_ id: String, _ model: ProcessModel, paths: Int, assets: Int) {
    self.id = id
    self.model = model
    self.paths = paths
    self.assets = assets
  }

  var block: Int { BenchmarkBlocks.cacheSizedPaths(steps: steps, assets: assets) }
  var values: Int { paths * steps * assets }

  /// `ID MODEL PATHSxSTEPSxASSETS`, the row name in the comparison table.
  var name: String { "\(id) \(model.name) \(paths)x\(steps)x\(assets)" }

  /// Everything the peers need to do the same work.
  var tags: [String: String] {
    model.tags.merging([
      "paths": "\(paths)", "steps": "\(steps)", "assets": "\(assets)", "seed": "\(seed)",
      "block": "\(block)", "values": "\(values)", "threads": "\(threads)",
    ]) { $1 }
  }

  /// The blocks of paths, in order: `block` paths each, the last one possibly shorter.
  var blocks: [Range<Int>] {
    stride(from: 0, to: paths, by: block).map { $0..<min($0 + block, paths) }
  }
}

/// The state of one benchmark run, built outside the measured region: the simulator (with its
/// Cholesky factors) and, per thread, a workspace and a block buffer of prices written once,
/// so that no page fault is timed.
final class ProcessRun {
  private let simulate: () -> Void

  init(_ workload: ProcessWorkload) throws {
    let correlation = try CorrelationMatrix(
      rows: BenchmarkCorrelation.oneFactor(assets: workload.assets))
    let process = try workload.model.process(assets: workload.assets, correlation: correlation)
    let grid = try TimeGrid(
      steps: workload.steps, timeStep: 1 / Double(workload.model.stepsPerYear))
    simulate = try Self.simulation(process, workload: workload, grid: grid)
  }

  /// A closure that simulates every path of the workload: `workload.threads` workers take
  /// blocks from a shared counter, each simulating into its own buffer with its own workspace.
  private static func simulation<P: PriceProcess>(
    _ process: P, workload: ProcessWorkload, grid: TimeGrid
  ) throws -> () -> Void {
    let simulator = try PathSimulator(process: process, seed: workload.seed, grid: grid)
    let blockValues = workload.block * (workload.steps + 1) * workload.assets
    let workers = (0..<workload.threads).map { _ in
      BlockWorker(simulator: simulator, values: blockValues)
    }
    let blocks = workload.blocks
    return {
      let next = BlockQueue(count: blocks.count)
      if workers.count == 1 {
        workers[0].simulate(blocks, next: next)
      } else {
        DispatchQueue.concurrentPerform(iterations: workers.count) {
          workers[$0].simulate(blocks, next: next)
        }
      }
    }
  }

  /// Simulates every path, block after block, into the workers' buffers.
  func simulateAllPaths() { simulate() }
}

/// One worker thread's state: a workspace and a block buffer, used by one thread at a time.
final class BlockWorker<P: PriceProcess>: @unchecked Sendable {
  let simulator: PathSimulator<P>
  private var workspace: P.Workspace
  private let buffer: UnsafeMutableBufferPointer<Double>

  init(simulator: PathSimulator<P>, values: Int) {
    self.simulator = simulator
    workspace = simulator.process.makeWorkspace(context: simulator.context)
    buffer = .allocate(capacity: values)
    buffer.initialize(repeating: 0)
  }

  deinit { buffer.deallocate() }

  /// Simulates the blocks that `next` hands out until there are none left.
  func simulate(_ blocks: [Range<Int>], next: BlockQueue) {
    let output = BlockOutput(prices: buffer.baseAddress!)
    while let index = next.take() {
      simulator.simulate(paths: blocks[index], into: output, workspace: &workspace)
      blackHole(buffer)
    }
  }
}
