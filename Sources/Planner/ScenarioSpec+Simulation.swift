import Processes

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
        switch model {
        case .gbm(let m): try Self.setUp(m, schedule, self)
        case .jumpDiffusion(let m): try Self.setUp(m, schedule, self)
        case .garch(let m): try Self.setUp(m, schedule, self)
        case .regime(let m): try Self.setUp(m, schedule, self)
        }
      } catch {
        throw ScenarioError(
          file: file, field: "variants.\(variant.name)", message: error.description)
      }
    }
  }

  private static func setUp<P: PriceProcess>(
    _ process: P, _ schedule: StressSchedule, _ spec: Self
  )
    throws(SimulationError)
  {
    _ = try PathSimulator(
      process: process, seed: spec.seed, grid: spec.grid, schedule: schedule)
  }
}
