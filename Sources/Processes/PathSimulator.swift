import Dispatch
import Randomness
import Shocks

/// Simulates blocks of paths of one process on one grid, with one seed and one schedule.
///
/// Paths are independent: a block can be split at any point and the pieces run in any order
/// or on any thread with identical results (invariant 1 of the design).
public struct PathSimulator<Process: PriceProcess>: Sendable {
  public let process: Process
  public let context: SimulationContext

  /// - Throws: `SimulationError` if the schedule does not fit the process or grid, or a
  ///   blended correlation cannot be factored.
  ///
  /// - Parameter sampling: how the shocks' normals are drawn (`Sampling`); every model accepts
  ///   every mode.
  public init(
    process: Process, seed: UInt64, grid: TimeGrid, schedule: StressSchedule? = nil,
    sampling: Sampling = .monteCarlo
  ) throws(SimulationError) {
    let schedule = schedule ?? StressSchedule(steps: grid.steps, assets: process.assetCount)
    guard schedule.steps == grid.steps, schedule.assets == process.assetCount else {
      throw .scheduleMismatch(
        "schedule is for \(schedule.steps) steps × \(schedule.assets) assets, the run has "
          + "\(grid.steps) × \(process.assetCount)")
    }
    if let problem = process.unsupportedStress(in: schedule) { throw .unsupportedStress(problem) }
    if let matrix = process.correlations.first(where: { $0.dimension != process.shocksPerStep }) {
      throw .scheduleMismatch(
        "the process draws \(process.shocksPerStep) shocks per step, its correlation has "
          + "\(matrix.dimension) rows")
    }
    if let problem = schedule.inconsistency(
      regimes: process.correlations.count, shocks: process.shocksPerStep)
    {
      throw .scheduleMismatch(problem)
    }
    if let problem = Self.limitProblem(process: process, grid: grid, schedule: schedule) {
      throw .outOfRange(problem)
    }
    if case .sobol = sampling,
      let problem = Sampling.sobolProblem(steps: grid.steps, shocks: process.shocksPerStep)
    {
      throw .outOfRange("sampling: \(problem)")
    }
    let factors: CorrelationFactors
    do { factors = try schedule.correlationFactors(model: process.correlations) } catch {
      throw .correlation(error)
    }
    let generator: CorrelatedShockGenerator
    do {
      generator = try CorrelatedShockGenerator(
        factors: factors, seed: seed, distribution: process.shockDistribution,
        sampling: sampling, steps: grid.steps)
    } catch {
      throw .shocks(error)
    }
    self.process = process
    self.context = SimulationContext(
      seed: seed, grid: grid, schedule: schedule, shocks: generator,
      modelCorrelationCount: process.correlations.count)
  }

  /// Simulates paths `paths` into `output`, whose first path is `paths.lowerBound`.
  public func simulate(paths: Range<Int>, into output: BlockOutput) {
    var workspace = process.makeWorkspace(context: context)
    simulate(paths: paths, into: output, workspace: &workspace)
  }

  /// Simulates paths `paths` into `output`, reusing `workspace`.
  public func simulate(
    paths: Range<Int>, into output: BlockOutput, workspace: inout Process.Workspace
  ) {
    simulate(paths: paths, into: output, workspace: &workspace, stopIf: { false })
  }

  /// Simulates paths `paths` into `output`, reusing `workspace`, in groups of up to
  /// `pathGroupWidth` consecutive paths, asking `shouldStop` before each group, so that a
  /// cancelled run ends within a few paths rather than one block.
  ///
  /// - Returns: the number of paths simulated, from the first: `paths.count`, or fewer when
  ///   `shouldStop` returned `true` (the later paths' output is then unwritten).
  @discardableResult
  public func simulate(
    paths: Range<Int>, into output: BlockOutput, workspace: inout Process.Workspace,
    stopIf shouldStop: () -> Bool
  ) -> Int {
    let steps = context.grid.steps
    let n = process.assetCount
    var offset = 0
    while offset < paths.count {
      if shouldStop() { return offset }
      let first = paths.lowerBound + offset
      let count = min(pathGroupWidth, paths.count - offset)
      process.simulate(
        group: first..<(first + count), context: context, workspace: &workspace,
        output: output.advanced(byPaths: offset, steps: steps, assets: n))
      offset += count
    }
    return paths.count
  }

  /// Why `schedule` would drive `process` outside the ranges the kernels rely on, or `nil`:
  /// more than `ParameterLimits.maximumJumpsPerStep` expected jumps in a step (the scenario
  /// parser reports the same with the field; this guards every other caller), or more
  /// correlation matrices than a step's factor index (`UInt16`) can address.
  static func limitProblem(process: Process, grid: TimeGrid, schedule: StressSchedule)
    -> String?
  {
    let factors = (schedule.correlationBlends.count + 1).multipliedReportingOverflow(
      by: max(1, process.correlations.count))
    if factors.overflow || factors.partialValue > Int(UInt16.max) {
      return "\(schedule.correlationBlends.count) correlation stresses × "
        + "\(process.correlations.count) regimes need more than \(UInt16.max) correlation "
        + "matrices"
    }
    let rates = process.largestJumpIntensities
    guard !rates.isEmpty else { return nil }
    let n = process.assetCount
    let most = ParameterLimits.maximumJumpsPerStep
    let dt = grid.timeStep
    for t in 0..<grid.steps {
      for a in 0..<min(n, rates.count) {
        let expected = rates[a] * dt * (schedule.jumpIntensityMultiplier?[t * n + a] ?? 1)
        if !(expected <= most) {
          return "step \(t + 1): asset \(a) expects \(expected) jumps (intensity × dt × "
            + "multiplier), expected at most \(Int(most))"
        }
      }
      if schedule.jumpIntensityMultiplier == nil { break }
    }
    return nil
  }

  /// Simulates paths `paths` on `threads` threads, in sub-blocks of `blockSize` paths.
  public func simulate(
    paths: Range<Int>, into output: BlockOutput, threads: Int, blockSize: Int = 256
  ) {
    let blocks = stride(from: paths.lowerBound, to: paths.upperBound, by: max(1, blockSize)).map {
      $0..<min($0 + max(1, blockSize), paths.upperBound)
    }
    let steps = context.grid.steps
    let n = process.assetCount
    let next = BlockQueue(count: blocks.count)
    DispatchQueue.concurrentPerform(iterations: max(1, min(threads, blocks.count))) { _ in
      var workspace = process.makeWorkspace(context: context)
      while let b = next.take() {
        let block = blocks[b]
        let offset = block.lowerBound - paths.lowerBound
        simulate(
          paths: block, into: output.advanced(byPaths: offset, steps: steps, assets: n),
          workspace: &workspace)
      }
    }
  }
}

/// Hands out the block numbers `0..<count`, each once and in increasing order, to worker
/// threads that each take the next one when they finish the last: the work loop of
/// `simulate(paths:into:threads:blockSize:)`, of the runner and of the benchmarks.
public final class BlockQueue: @unchecked Sendable {
  public let count: Int
  private var next = 0
  private let lock = DispatchSemaphore(value: 1)

  public init(count: Int) { self.count = count }

  /// The next block number, or `nil` once all `count` have been handed out.
  public func take() -> Int? {
    lock.wait()
    defer { lock.signal() }
    guard next < count else { return nil }
    next += 1
    return next - 1
  }
}

/// Why a simulation could not be set up.
public enum SimulationError: Error, Equatable, Sendable, CustomStringConvertible {
  case scheduleMismatch(String)
  case unsupportedStress(String)
  case correlation(CorrelationError)
  case shocks(RandomnessError)
  /// A schedule that would take the model outside the ranges the kernels rely on.
  case outOfRange(String)

  public var description: String {
    switch self {
    case .scheduleMismatch(let s): return s
    case .unsupportedStress(let s): return s
    case .correlation(let e): return "stressed \(e.description)"
    case .shocks(let e): return "shock distribution: \(e.description)"
    case .outOfRange(let s): return s
    }
  }
}
