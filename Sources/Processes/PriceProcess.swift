import Shocks

/// A multi-asset price process: the dynamics of one path, step by step, driven by the shocks
/// of the shared `CorrelatedShockGenerator`.
///
/// A process knows only its dynamics (parameters already resolved for the measure); the
/// `PathSimulator` owns the time grid, the seed, the stress schedule and the loop over paths
/// (the split of QuantLib's `StochasticProcess` and `PathGenerator`). Every random number a
/// process uses comes from the path's own streams, so the output of a path depends only on
/// (process, seed, grid, schedule, path index).
public protocol PriceProcess: Sendable {
  /// Per-worker scratch memory, allocated once and reused for every path.
  associatedtype Workspace

  /// The number of assets.
  var assetCount: Int { get }
  /// Prices at time index 0.
  var initialPrices: [Double] { get }
  /// The correlation matrices of the shocks: one, or one per regime, each of
  /// `shocksPerStep` rows and columns.
  var correlations: [CorrelationMatrix] { get }
  /// The number of correlated shocks the process draws per step from the shared generator:
  /// one per asset by default. A process with shocks of its own beyond the assets' (a
  /// stochastic-variance model's variance shock) declares them here and correlates them
  /// through `correlations`, instead of drawing them from a substream of its own.
  var shocksPerStep: Int { get }
  /// The law of the shocks.
  var shockDistribution: CorrelatedShockGenerator.Distribution { get }
  /// The latent states the process can emit.
  var latentStates: LatentStates { get }

  /// Per asset, the largest annual jump intensity of the model (any regime); empty for a
  /// model without jumps. Lets the simulator bound the expected jumps of a step.
  var largestJumpIntensities: [Double] { get }

  /// Whether the model's jumps (in any regime) are systemic: one Poisson count per step for
  /// every asset, so a jump-intensity stress must multiply every asset's intensity alike.
  var hasSystemicJumps: Bool { get }

  /// Why the process cannot honour `schedule` (a stress its dynamics give no meaning), or
  /// `nil`. By default, the stresses of latent states the process does not have
  /// (`unsupportedLatentStress(in:)`); a process that refuses more says so here, and both the
  /// simulator and the scenario planner refuse the stress with its message.
  func unsupportedStress(in schedule: StressSchedule) -> String?

  /// Scratch memory for paths of `context.grid.steps` steps.
  func makeWorkspace(context: SimulationContext) -> Workspace

  /// Simulates path `path` into `output`.
  func simulate(
    path: Int, context: SimulationContext, workspace: inout Workspace, output: PathOutput)

  /// Simulates the consecutive paths `paths` (at most `pathGroupWidth` of them) into `output`,
  /// whose first path is `paths.lowerBound`: for each path, exactly the numbers
  /// `simulate(path:context:workspace:output:)` gives it. The simulator calls this; by default
  /// it simulates one path after the other. Processes whose paths end in the running sum of
  /// their log returns (`simulatePathGroup`) interleave that sum over the group, whose paths'
  /// sums are independent chains of additions that one path alone leaves waiting on each other.
  func simulate(
    group paths: Range<Int>, context: SimulationContext, workspace: inout Workspace,
    output: BlockOutput)
}

/// The most paths `PriceProcess.simulate(group:context:workspace:output:)` is given at once.
public let pathGroupWidth = 4

extension PriceProcess {
  public func simulate(
    group paths: Range<Int>, context: SimulationContext, workspace: inout Workspace,
    output: BlockOutput
  ) {
    let steps = context.grid.steps
    for (offset, path) in paths.enumerated() {
      simulate(
        path: path, context: context, workspace: &workspace,
        output: output.path(offset, steps: steps, assets: assetCount))
    }
  }

  /// One shock per asset, by default.
  public var shocksPerStep: Int { assetCount }

  /// No jumps, by default.
  public var largestJumpIntensities: [Double] { [] }

  /// No jumps, by default.
  public var hasSystemicJumps: Bool { false }

  /// The stresses of latent states the process does not have, by default.
  public func unsupportedStress(in schedule: StressSchedule) -> String? {
    unsupportedLatentStress(in: schedule)
  }

  /// Why `schedule` stresses a latent state (variance, regime, jumps) this process does not
  /// have, or `nil`.
  public func unsupportedLatentStress(in schedule: StressSchedule) -> String? {
    if schedule.variance != nil && !latentStates.contains(.variance) {
      return "a variance stress needs a GARCH model"
    }
    if schedule.forcedRegime != nil && !latentStates.contains(.regimes) {
      return "a regime stress needs a regime-switching model"
    }
    if (schedule.jumpIntensityMultiplier != nil || schedule.forcedJump != nil)
      && !latentStates.contains(.jumps)
    {
      return "a jump stress needs a model with jumps (merton, kou, or regimes with jumps)"
    }
    return nil
  }
}

/// What every path of a run shares: seed, grid, stresses and the shock generator.
public struct SimulationContext: Sendable {
  /// The 64-bit seed.
  public let seed: UInt64
  /// The time grid.
  public let grid: TimeGrid
  /// The compiled stresses.
  public let schedule: StressSchedule
  /// The shared shock generator; its factor `b · K + s` is blend `b` of correlation `s`.
  public let shocks: CorrelatedShockGenerator
  /// The number of model correlations `K` (regimes), for factor indexing.
  public let modelCorrelationCount: Int

  /// `√dt`.
  public var rootTimeStep: Double { grid.timeStep.squareRoot() }
}
