// Correlated shock generation: CorrelatedShockGenerator.fill(paths:steps:into:), one thread.
// Peer: peers/shocks_numpy.py (numpy Philox standard normals, then `@ L.T`).

import Benchmark
import BenchmarkSupport
import Shocks

let benchmarks: @Sendable () -> Void = {
  for assets in [1, 50, 500] {
    let workload = ShockWorkload(paths: 10_000, steps: 252, assets: assets)
    Benchmark(workload.name, configuration: .peerComparison(tags: workload.tags)) {
      benchmark, run in
      for _ in benchmark.scaledIterations { run.generateAllPaths() }
    } setup: {
      try ShockRun(workload)
    }
  }
}

/// One shock-generation workload: `paths × steps × assets` standard normals, correlated by
/// `BenchmarkCorrelation.oneFactor(assets:)` (the identity for one asset).
struct ShockWorkload {
  let paths: Int
  let steps: Int
  let assets: Int
  let seed: UInt64 = 20_261_129
  var block: Int { BenchmarkCorrelation.pathsPerBlock(steps: steps, assets: assets) }
  var values: Int { paths * steps * assets }

  /// `shocks PATHSxSTEPSxASSETS`, the row name in the comparison table.
  var name: String { "shocks \(paths)x\(steps)x\(assets)" }

  /// Everything the peer needs to do the same work.
  var tags: [String: String] {
    [
      "paths": "\(paths)", "steps": "\(steps)", "assets": "\(assets)", "seed": "\(seed)",
      "block": "\(block)", "values": "\(values)",
    ]
  }
}

/// The state of one benchmark run, built outside the measured region: the generator (with its
/// Cholesky factor) and a block buffer that is written once so that no page fault is timed.
final class ShockRun {
  let workload: ShockWorkload
  let generator: CorrelatedShockGenerator
  let buffer: UnsafeMutableBufferPointer<Double>

  init(_ workload: ShockWorkload) throws {
    self.workload = workload
    let correlation = try CorrelationMatrix(
      rows: BenchmarkCorrelation.oneFactor(assets: workload.assets))
    generator = try CorrelatedShockGenerator(correlation: correlation, seed: workload.seed)
    buffer = .allocate(capacity: workload.block * workload.steps * workload.assets)
    buffer.initialize(repeating: 0)
  }

  deinit { buffer.deallocate() }

  /// Generates the shocks of every path, block after block, into the same buffer.
  func generateAllPaths() {
    var start = 0
    while start < workload.paths {
      let end = min(start + workload.block, workload.paths)
      generator.fill(paths: start..<end, steps: workload.steps, into: buffer)
      blackHole(buffer)
      start = end
    }
  }
}
