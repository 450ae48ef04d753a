import Processes
import Shocks

extension ScenarioSpec {
  /// Sets up the simulation of every variant as `run` does (the stressed correlation factors,
  /// the shock generator, the limits of the kernels) and reports the first variant that cannot
  /// be set up, so that `check` accepts nothing that `run` then refuses. One variant's
  /// simulator is held at a time.
  public func checkSimulations() throws(ScenarioError) {
    for variant in variants {
      // One variant's schedule at a time (compiled again when the parse did not keep it).
      let schedule = try self.schedule(of: variant)
      try checkMedianLogPrices(of: variant, schedule: schedule)
      do {
        try model.process.checkSetUp(
          seed: seed, grid: grid, schedule: schedule, sampling: sampling)
      } catch {
        throw ScenarioError(
          file: file, field: "variants.\(variant.name)", message: error.description)
      }
    }
  }
}

extension PriceProcess {
  /// Sets up a simulator of this process, for the errors only.
  fileprivate func checkSetUp(
    seed: UInt64, grid: TimeGrid, schedule: StressSchedule, sampling: Sampling
  ) throws(SimulationError) {
    _ = try PathSimulator(
      process: self, seed: seed, grid: grid, schedule: schedule, sampling: sampling)
  }
}
