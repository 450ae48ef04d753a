import Dispatch
import Foundation
import LinearAlgebra
import PathFiles
import Processes
import Risk

/// Why a run failed.
public struct RunError: Error, Sendable, CustomStringConvertible {
  public let message: String
  /// The process exit status the CLI should use.
  public let exitCode: Int32
  public init(_ message: String, exitCode: Int32 = 1) {
    self.message = message
    self.exitCode = exitCode
  }
  public var description: String { message }
}

/// What a finished run wrote.
public struct RunResult: Sendable {
  public let manifest: Manifest
  /// Each variant's risk summary, over the run's paths (a shard's only, for a shard).
  public let summaries: [(variant: String, summary: RiskSummary)]
  public let outputDirectory: String
  /// With `--resume`: the variants kept from the interrupted run, and why others were not.
  public var resumed: ResumeOutcome? = nil
}

/// Runs every variant of a scenario: blocks of paths on all workers, each block streamed into
/// the path files at its offset, risk figures accumulated, then `summary.json` per variant and
/// `manifest.json` last. The run owns its output folder (`OutputFolder`): it locks it, removes
/// earlier runs' files before writing, and refuses files it did not write unless `force`.
/// Files are written as `NAME.<run>.partial` and renamed when complete; on cancellation or
/// error every file of the run, finished or not, is removed and no manifest is written.
public struct Runner: Sendable {
  public let plan: RunPlan
  public let outputDirectory: String
  public let scenarioSHA256: String
  public let command: String
  /// Whether to write into an output folder that holds files scengine did not write (they are
  /// left alone, and the manifest does not list them).
  public let force: Bool

  public init(
    plan: RunPlan, outputDirectory: String, scenarioSHA256: String, command: String,
    force: Bool = false
  ) {
    self.plan = plan
    self.outputDirectory = outputDirectory
    self.scenarioSHA256 = scenarioSHA256
    self.command = command
    self.force = force
  }

  public func run(cancel: CancellationFlag, progress: ProgressCounter) throws(RunError) -> RunResult
  {
    let spec = plan.spec
    if plan.shard != nil && spec.output.format == .parquet {
      throw RunError(
        "--shard: a sharded run writes NPY or CSV (merge joins their rows byte for byte); "
          + "run it with --format npy, or run the whole scenario on one machine for Parquet",
        exitCode: 2)
    }
    let start = DispatchTime.now()
    var manifest = makeManifest(files: [], variants: [], seconds: 0)
    do {
      manifest.resolvedSHA256 = try manifest.resolvedHash(inputFiles: spec.inputFiles)
    } catch {
      throw RunError("\(spec.file): \(error.description)", exitCode: 2)
    }
    let (folder, kept, outcome) = try takeOutputFolder(cancel: cancel, identity: manifest)
    // Every failure below removes every file of the run; after `finish()` this does nothing.
    defer { folder.discard() }
    var files: [FileRecord] = []
    var variants: [Manifest.Variant] = []
    var summaries: [(String, RiskSummary)] = []
    // Kept variants are recorded at once: a run killed again keeps them again.
    for variant in spec.variants {
      if let done = kept[variant.name] {
        try recordProgress(done, identity: manifest, in: folder)
      }
    }
    for variant in spec.variants {
      let t0 = DispatchTime.now()
      let records: [FileRecord]
      let summary: RiskSummary
      let record: Manifest.Variant
      if let done = kept[variant.name] {
        summary = try keptSummary(done, folder: folder)
        (records, record) = (done.files, done.variant)
        progress.add(plan.paths.count)
      } else {
        (records, summary) = try runVariant(
          variant, folder: folder, cancel: cancel, progress: progress)
        record = .init(variant, seconds: seconds(since: t0))
        try recordProgress(
          FinishedVariant(variant: record, files: records), identity: manifest, in: folder)
      }
      files += records
      summaries.append((variant.name, summary))
      variants.append(record)
    }
    manifest.files = files
    manifest.variants = variants
    manifest.seconds = seconds(since: start)
    try finish(manifest, folder: folder, cancel: cancel)
    return RunResult(
      manifest: manifest, summaries: summaries, outputDirectory: outputDirectory,
      resumed: outcome)
  }

  /// The run's manifest with the given files, variants and duration.
  func makeManifest(files: [FileRecord], variants: [Manifest.Variant], seconds: Double)
    -> Manifest
  {
    let spec = plan.spec
    var manifest = Manifest(
      version: EngineInfo.version,
      scenario: .init(
        file: spec.file, name: spec.name, description: spec.description, sha256: scenarioSHA256),
      seed: spec.seed, paths: spec.paths, steps: spec.grid.steps, dt: spec.grid.timeStep,
      assets: spec.assets, initial: spec.initialPrices, dates: spec.dates,
      measure: spec.measureJSON,
      correlation: spec.correlationRecord, model: spec.modelParameters, portfolio: spec.portfolio,
      output: .init(
        format: spec.output.format.rawValue, precision: spec.output.precision.rawValue,
        emit: spec.output.emit.map(\.rawValue),
        compression: spec.output.format == .parquet ? spec.output.compression.rawValue : nil),
      variants: variants, files: files, threads: plan.threads, blockSize: plan.blockSize,
      seconds: seconds, command: command)
    manifest.shard = plan.shard.map { Manifest.ShardRecord($0, paths: plan.paths) }
    manifest.sampling = spec.samplingRecord
    return manifest
  }

  /// Finishes a run whose variants are all written: the manifest last.
  private func finish(
    _ manifest: Manifest, folder: OutputFolder, cancel: CancellationFlag
  ) throws(RunError) {
    // A signal after the last block still ends the run: no manifest, no files. Encoding a
    // many-asset manifest takes seconds (the correlation matrices), so the signal is looked
    // for again before the manifest is written.
    func stopIfSignalled() throws(RunError) {
      if let reason = cancel.cancellationReason {
        throw RunError(reason, exitCode: Self.exitCode(signal: reason))
      }
    }
    try stopIfSignalled()
    let bytes: [UInt8]
    do { bytes = try manifest.encodedJSON() } catch { throw RunError(folderError: error) }
    try stopIfSignalled()
    do {
      _ = try writeFileAtomically(
        bytes, in: folder, relativePath: OutputFolder.manifestFileName, sync: plan.sync)
    } catch {
      throw RunError(folderError: error)
    }
    folder.finish()
  }

  /// The shell's convention for a run stopped by a signal: 128 + its number.
  public static func exitCode(signal name: String) -> Int32 {
    switch name {
    case "SIGHUP": 128 + 1
    case "SIGTERM": 128 + 15
    default: 128 + 2
    }
  }

  private func seconds(since t: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - t.uptimeNanoseconds) / 1e9
  }

  private func runVariant(
    _ variant: VariantSpec, folder: OutputFolder, cancel: CancellationFlag,
    progress: ProgressCounter
  )
    throws(RunError) -> ([FileRecord], RiskSummary)
  {
    try plan.spec.model.process.runVariant(
      variant, on: self, folder: folder, cancel: cancel, progress: progress)
  }

  fileprivate func runVariant<P: PriceProcess>(
    _ variant: VariantSpec, process: P, folder: OutputFolder, cancel: CancellationFlag,
    progress: ProgressCounter
  ) throws(RunError) -> ([FileRecord], RiskSummary) {
    let spec = plan.spec
    let simulator: PathSimulator<P>
    let schedule: StressSchedule
    do {
      schedule = try spec.schedule(of: variant)
    } catch {
      throw RunError(error.description, exitCode: 2)
    }
    do {
      simulator = try PathSimulator(
        process: process, seed: spec.seed, grid: spec.grid, schedule: schedule,
        sampling: spec.sampling)
    } catch {
      throw RunError("\(spec.file): variants.\(variant.name): \(error.description)")
    }
    let sinks: VariantSinks
    do {
      sinks = try VariantSinks(
        spec: spec, variant: variant.name, paths: plan.paths, folder: folder,
        writesBehind: plan.threads < Processors.available,
        shouldStop: { cancel.isCancelled })
    } catch {
      throw RunError(error.description)
    }
    let risk: RiskAccumulator
    do {
      risk = try RiskAccumulator(
        assets: spec.assets, portfolioWeights: spec.portfolio, paths: plan.paths,
        directory: outputDirectory)
    } catch {
      sinks.abandon()
      throw RunError(error.description)
    }
    let blocks = plan.blocks
    let next = BlockQueue(count: blocks.count)
    let failure = CancellationFlag()
    // A value out of range is reported at its first path (then step), whatever the thread
    // count and block size: blocks below the first problem found still run to the end.
    let rangeProblems = RangeProblems()
    let steps = spec.grid.steps
    let n = spec.assets.count
    let emit = Set(spec.output.emit)
    // NPY files write and hash each block behind the workers: a worker fills one buffer while
    // the other is written and hashed. CSV and Parquet writers are done with a block when
    // `write` returns.
    let buffersPerWorker = sinks.npy.isEmpty ? 1 : 2
    // An NPY file's blocks are written on its own queue, behind the workers: a failed write
    // (a full disk) stops the run at the next check, with the error the write would have thrown.
    let stopped: @Sendable () -> Bool = {
      if cancel.isCancelled || failure.isCancelled { return true }
      guard let error = sinks.writeFailure else { return false }
      failure.cancel(reason: "\(error)")
      return true
    }
    DispatchQueue.concurrentPerform(iterations: min(plan.threads, max(1, blocks.count))) { _ in
      var latent: LatentStates = []
      // A GARCH variance is always kept, emitted or not, so that a collapsed or exploded
      // recursion fails the run instead of freezing or flooding the prices silently.
      let scansVariance = spec.model.latentStates.contains(.variance)
      if emit.contains(.variance) || scansVariance { latent.insert(.variance) }
      if emit.contains(.jumps) { latent.insert(.jumps) }
      if emit.contains(.regimes) { latent.insert(.regimes) }
      var buffers: [BlockBuffer] = []
      var turn = 0
      var workspace = process.makeWorkspace(context: simulator.context)
      while !stopped() {
        let slot = turn % buffersPerWorker
        turn += 1
        // Waited for before the next block is taken (see `BlockBuffer`). Once a value out of
        // range is found no block is taken any more, and the buffer may never be released: its
        // block may lie behind the failed one, which is never written.
        if slot < buffers.count
          && !buffers[slot].waitUntilReleased(stopIf: { stopped() || rangeProblems.any })
        {
          return
        }
        // A block above a problem already found is not simulated. (A block taken just before
        // a problem above it was recorded is: it may hold an earlier one.)
        guard let b = next.take(), !rangeProblems.found(before: blocks[b].lowerBound) else {
          return
        }
        if slot == buffers.count {
          buffers.append(
            BlockBuffer(
              arrays: BlockArrays(
                paths: plan.blockSize, steps: steps, assets: n, returns: emit.contains(.returns),
                latent: latent),
              files: sinks.npy.count))
        }
        let buffer = buffers[slot]
        let block = blocks[b]
        // Asked before each path; the flags' locks are taken at most every 10 ms.
        var nextCheck: UInt64 = 0
        let done = buffer.arrays.withOutput { out in
          simulator.simulate(
            paths: block, into: out, workspace: &workspace,
            stopIf: {
              let now = DispatchTime.now().uptimeNanoseconds
              guard now >= nextCheck else { return false }
              nextCheck = now + 10_000_000
              return stopped() || rangeProblems.found(before: block.lowerBound)
            })
        }
        if done < block.count { return }
        let range = PriceRange(spec.output.precision)
        let priceProblem = range.problem(
          in: buffer.arrays.prices, block: block, steps: steps, assets: spec.assets)
        let varianceProblem =
          scansVariance
          ? range.varianceProblem(
            in: buffer.arrays.variance, block: block, steps: steps, assets: spec.assets,
            multipliers: schedule.volatilityMultiplier) : nil
        if let problem = [priceProblem, varianceProblem].compactMap({ $0 }).min() {
          rangeProblems.record(problem)
          return
        }
        do {
          try sinks.write(buffer, block: block)
        } catch {
          failure.cancel(reason: "\(error)")
          return
        }
        let added = buffer.arrays.prices.withUnsafeBufferPointer { p in
          Result { () throws(RiskError) in
            try risk.add(
              prices: UnsafeBufferPointer(rebasing: p[..<(block.count * (steps + 1) * n)]),
              firstPath: block.lowerBound, pathCount: block.count, steps: steps)
          }
        }
        if case .failure(let error) = added {
          failure.cancel(reason: error.description)
          return
        }
        progress.add(block.count)
      }
    }
    let rangeReason = rangeProblems.earliest.map {
      "\(spec.file): variant \(variant.name): \($0.message)".escapingControlCharacters
    }
    // Each flag read once, so that the exit status is the one of the reason given (a signal
    // raised between two reads would have given a failure's message a signal's status).
    let failed = failure.cancellationReason
    let signal = cancel.cancellationReason
    if let reason = failed ?? signal ?? rangeReason {
      sinks.abandon()
      let status = failed == nil ? signal.map { Self.exitCode(signal: $0) } ?? 1 : 1
      throw RunError(reason, exitCode: status)
    }
    let summary: RiskSummary
    var records: [FileRecord]
    do {
      summary = try risk.summary()
      records = try sinks.finish(sync: plan.sync)
      if plan.shard != nil {
        records.append(
          try writeRiskInputs(
            risk, in: folder, relativePath: "\(variant.name)/\(Self.riskInputsFileName)",
            sync: plan.sync))
      } else {
        let bytes = try encodeJSON(summary)
        records.append(
          try writeFileAtomically(
            bytes, in: folder, relativePath: "\(variant.name)/summary.json", sync: plan.sync))
      }
    } catch {
      sinks.abandon()
      throw RunError("\(error)")
    }
    return (records, summary)
  }
}

/// The files of one variant.
final class VariantSinks: @unchecked Sendable {
  let steps: Int
  let assets: Int
  var npy: [(OutputSpec.Series, NPYFileWriter)] = []
  var csv: CSVPathWriter?
  var parquet: ParquetPathWriter?
  /// Asked while the finished files are hashed: true stops the run (a signal).
  let shouldStop: @Sendable () -> Bool

  /// The global index of the files' first path (a shard's first path, else 0).
  let firstPath: Int

  /// - Parameter writesBehind: whether the NPY files' queues write the blocks (a core is free
  ///   beside the workers) or the workers do (see `NPYFileWriter`).
  init(
    spec: ScenarioSpec, variant: String, paths: Range<Int>, folder: OutputFolder,
    writesBehind: Bool, shouldStop: @escaping @Sendable () -> Bool
  ) throws(PathFilesError) {
    self.shouldStop = shouldStop
    steps = spec.grid.steps
    assets = spec.assets.count
    firstPath = paths.lowerBound
    let p = paths.count
    let s = steps
    do {
      if spec.output.format == .csv {
        csv = try CSVPathWriter(
          in: folder, relativePath: "\(variant)/prices.csv", variant: variant,
          assets: spec.assets, dates: spec.dates, steps: s, firstPath: firstPath,
          float32: spec.output.precision == .float32)
        return
      }
      if spec.output.format == .parquet {
        parquet = try ParquetPathWriter(
          in: folder, relativePath: "\(variant)/paths.parquet",
          layout: spec.parquetLayout(paths: paths),
          createdBy: "scengine version \(EngineInfo.version)")
        return
      }
      for series in spec.output.emit {
        let (dtype, shape) = spec.npyArray(of: series, pathCount: p)
        let name = "\(variant)/\(series.rawValue).npy"
        npy.append(
          (
            series,
            try NPYFileWriter(
              in: folder, relativePath: name, dtype: dtype, shape: shape,
              writesBehind: writesBehind)
          ))
      }
    } catch {
      abandon()
      throw error
    }
  }

  /// Writes the block held by `buffer` to every file. NPY files keep the buffer until their
  /// queues have written and hashed it (`buffer.waitUntilReleased`); the others are done with
  /// it on return.
  func write(_ buffer: BlockBuffer, block: Range<Int>) throws(PathFilesError) {
    let a = buffer.arrays
    let s = steps
    let n = assets
    let c = block.count
    // The block's first path within the files.
    let first = block.lowerBound - firstPath
    if let csv {
      try a.prices.withUnsafeBufferPointer { p throws(PathFilesError) in
        try csv.write(
          prices: UnsafeBufferPointer(rebasing: p[..<(c * (s + 1) * n)]),
          firstPath: block.lowerBound, pathCount: c)
      }
      return
    }
    if let parquet {
      try a.prices.withUnsafeBufferPointer { p throws(PathFilesError) in
        try a.logReturns.withUnsafeBufferPointer { r throws(PathFilesError) in
          try a.variance.withUnsafeBufferPointer { v throws(PathFilesError) in
            try a.jumps.withUnsafeBufferPointer { j throws(PathFilesError) in
              try a.regimes.withUnsafeBufferPointer { g throws(PathFilesError) in
                try parquet.write(
                  firstPath: block.lowerBound, pathCount: c, prices: p, returns: r, variance: v,
                  jumps: j, regimes: g)
              }
            }
          }
        }
      }
      return
    }
    buffer.lend(to: npy.count)
    let hashed = { @Sendable in buffer.release() }
    for (index, (series, writer)) in npy.enumerated() {
      switch series {
      case .prices:
        try writer.write(
          a.prices, count: c * (s + 1) * n, atElement: first * (s + 1) * n,
          scratch: &buffer.scratch[index], then: hashed)
      case .returns:
        try writer.write(
          a.logReturns, count: c * s * n, atElement: first * s * n,
          scratch: &buffer.scratch[index], then: hashed)
      case .variance:
        try writer.write(
          a.variance, count: c * s * n, atElement: first * s * n,
          scratch: &buffer.scratch[index], then: hashed)
      case .jumps:
        try writer.write(a.jumps, count: c * s * n, atElement: first * s * n, then: hashed)
      case .regimes:
        try writer.write(a.regimes, count: c * s, atElement: first * s, then: hashed)
      }
    }
  }

  /// The first failed write on an NPY file's queue (`NPYFileWriter.failure`), or `nil`.
  var writeFailure: PathFilesError? {
    for (_, writer) in npy { if let failure = writer.failure { return failure } }
    return nil
  }

  /// Finishes every file; `shouldStop` can interrupt the wait for the hashes (see
  /// `NPYFileWriter.finish`).
  func finish(sync: Bool) throws(PathFilesError) -> [FileRecord] {
    if let csv { return [try csv.finish(sync: sync, shouldStop: shouldStop)] }
    if let parquet { return [try parquet.finish(sync: sync, shouldStop: shouldStop)] }
    var out: [FileRecord] = []
    for (_, w) in npy { out.append(try w.finish(sync: sync, shouldStop: shouldStop)) }
    return out
  }

  func abandon() {
    csv?.abandon()
    parquet?.abandon()
    for (_, w) in npy { w.abandon() }
  }
}

/// The engine's name and version, recorded in every manifest.
public enum EngineInfo {
  public static let version = "0.1.0"
  /// The instruction set this build was compiled for (see `BuildTarget.instructionSet`).
  public static let instructionSet = BuildTarget.instructionSet
}

extension PriceProcess {
  /// `Runner.runVariant` with this process as its concrete type (the model's process is held
  /// as `any PriceProcess`; the kernels are generic over the concrete one).
  fileprivate func runVariant(
    _ variant: VariantSpec, on runner: Runner, folder: OutputFolder, cancel: CancellationFlag,
    progress: ProgressCounter
  ) throws(RunError) -> ([FileRecord], RiskSummary) {
    try runner.runVariant(
      variant, process: self, folder: folder, cancel: cancel, progress: progress)
  }
}
