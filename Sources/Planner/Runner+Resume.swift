import PathFiles
import Risk

#if canImport(Glibc)
  import Glibc
#endif

/// A variant a run has finished: its manifest record and files.
struct FinishedVariant: Codable, Sendable {
  var variant: Manifest.Variant
  var files: [FileRecord]
}

/// What a run appends to its output folder's journal (one line of JSON) after each finished
/// variant, so that `run --resume` after a crash or SIGKILL keeps it (see `OutputFolder`).
struct RunProgress: Codable, Sendable {
  /// The resolved scenario (`Manifest.resolvedSHA256`) and shard the files belong to.
  var resolvedSHA256: String
  var shard: Manifest.ShardRecord?
  var finished: FinishedVariant

  enum CodingKeys: String, CodingKey {
    case shard, finished
    case resolvedSHA256 = "resolved_sha256"
  }
}

/// What `--resume` found in the output folder.
public struct ResumeOutcome: Sendable {
  /// The variants kept: their files were complete and matched their SHA-256.
  public var kept: [String]
  /// Why nothing (or not everything) was kept, for the user; `nil` when all was as expected.
  public var notes: [String]
}

extension Runner {
  /// The name of a shard's per-path risk figures in each variant folder: float64 of shape
  /// `(series, 2, paths)`, series being the assets in order and then the portfolio, and the
  /// middle axis the terminal simple return and the maximum drawdown of each path. `merge`
  /// computes the exact summaries of the whole run from them.
  public static let riskInputsFileName = "risk_inputs.npy"

  /// Writes the per-path figures of `risk` as `relativePath` (see `riskInputsFileName`),
  /// streamed in chunks.
  func writeRiskInputs(
    _ risk: RiskAccumulator, in folder: OutputFolder, relativePath: String, sync: Bool
  ) throws -> FileRecord {
    let writer = try NPYFileWriter(
      in: folder, relativePath: relativePath, dtype: .float64,
      shape: [risk.seriesCount, 2, risk.paths.count])
    var offset = 0
    var failure: PathFilesError?
    do {
      try risk.forEachFigureChunk { chunk in
        do throws(PathFilesError) {
          try writer.write(chunk, atElement: offset)
        } catch {
          failure = error
          return false
        }
        offset += chunk.count
        return true
      }
    } catch {
      writer.abandon()
      throw error
    }
    if let failure {
      writer.abandon()
      throw failure
    }
    return try writer.finish(sync: sync)
  }

  /// Records a finished variant in the folder's journal (for `--resume`).
  func recordProgress(
    _ finished: FinishedVariant, identity: Manifest, in folder: OutputFolder
  ) throws(RunError) {
    let progress = RunProgress(
      resolvedSHA256: identity.resolvedSHA256, shard: identity.shard, finished: finished)
    do {
      let text = String(decoding: try encodeJSON(progress, pretty: false), as: UTF8.self)
      try folder.recordProgress(text)
    } catch {
      throw RunError(folderError: error)
    }
  }

  /// With `--resume`: the variants of an earlier run into `folder` that this run keeps, from the
  /// journal a killed run left or from the manifest of a finished one. A variant is kept when
  /// the earlier run had the same resolved scenario and shard, and every one of its files is
  /// in place, complete, and matches its SHA-256.
  func resumableVariants(
    in folder: OutputFolder, identity: Manifest, cancel: CancellationFlag
  ) throws(RunError) -> ([String: FinishedVariant], ResumeOutcome) {
    var notes: [String] = []
    var candidates: [FinishedVariant] = []
    let progress = folder.previousProgress.compactMap {
      try? decodeJSON(RunProgress.self, from: Array($0.utf8))
    }
    let finished = folder.manifestBytes().flatMap { try? decodeJSON(Manifest.self, from: $0) }
    let identityNote =
      "it was a run of another resolved scenario (scenario file, overrides, seed, output "
      + "options or shard differ)"
    if !progress.isEmpty {
      candidates = progress.filter {
        $0.resolvedSHA256 == identity.resolvedSHA256 && $0.shard == identity.shard
      }.map(\.finished)
      if candidates.isEmpty {
        notes.append("the interrupted run in \(outputDirectory) is not resumed: \(identityNote)")
      }
    } else if let finished {
      if finished.resolvedSHA256 == identity.resolvedSHA256 && finished.shard == identity.shard
        && finished.version == identity.version
      {
        var byVariant: [String: [FileRecord]] = [:]
        for file in finished.files {
          if let slash = file.path.firstIndex(of: "/") {
            byVariant[String(file.path[..<slash]), default: []].append(file)
          }
        }
        candidates = finished.variants.map { v in
          FinishedVariant(variant: v, files: byVariant[v.name] ?? [])
        }
      } else {
        notes.append("the run in \(outputDirectory) is not resumed: \(identityNote)")
      }
    } else {
      notes.append("\(outputDirectory) holds no interrupted or finished run to resume")
    }
    var planned: [String: Set<String>] = [:]
    for file in plannedFiles {
      if let slash = file.firstIndex(of: "/") {
        planned[String(file[..<slash]), default: []].insert(file)
      }
    }
    var kept: [String: FinishedVariant] = [:]
    for candidate in candidates {
      let name = candidate.variant.name
      guard let expected = planned[name], kept[name] == nil else { continue }
      guard Set(candidate.files.map(\.path)) == expected else {
        notes.append("variant \(name) is run again: its files are not those this run writes")
        continue
      }
      var intact = true
      for record in candidate.files {
        let holds: Bool
        do {
          holds = try folder.holds(record, shouldStop: { cancel.isCancelled })
        } catch {
          if let reason = cancel.cancellationReason {
            throw RunError(reason, exitCode: Self.exitCode(signal: reason))
          }
          holds = false
        }
        if !holds {
          notes.append(
            "variant \(name) is run again: \(record.path) is missing, incomplete or changed")
          intact = false
          break
        }
      }
      if intact { kept[name] = candidate }
    }
    let order = plan.spec.variants.map(\.name).filter { kept[$0] != nil }
    return (kept, ResumeOutcome(kept: order, notes: notes))
  }

  /// The risk summary of a kept variant, read back from its files: `summary.json`, or a shard's
  /// `risk_inputs.npy`.
  func keptSummary(_ done: FinishedVariant, folder: OutputFolder) throws(RunError) -> RiskSummary {
    let name = done.variant.name
    let spec = plan.spec
    if plan.shard == nil {
      let path = "\(outputDirectory)/\(name)/summary.json"
      do {
        let bytes = try BoundedFile(path: path, limit: 64 << 20, regularOnly: true).bytes
        return try decodeJSON(RiskSummary.self, from: bytes)
      } catch {
        throw RunError("--resume: cannot read \(path) again: \(error)")
      }
    }
    do {
      let risk = try RiskAccumulator(
        assets: spec.assets, portfolioWeights: spec.portfolio, paths: plan.paths,
        directory: outputDirectory)
      try loadRiskInputs(
        fileAt: "\(outputDirectory)/\(name)/\(Self.riskInputsFileName)", into: risk,
        firstPath: plan.paths.lowerBound, count: plan.paths.count)
      return try risk.summary()
    } catch {
      throw RunError("--resume: \(error)")
    }
  }
}

/// Why a `risk_inputs.npy` could not be read.
public struct RiskInputsError: Error, Sendable, CustomStringConvertible {
  public let description: String
}

/// Adds the figures of a `risk_inputs.npy` (see `Runner.riskInputsFileName`) for the paths
/// `firstPath ..< firstPath + count` to `risk`, read in chunks.
///
/// - Throws: when the file cannot be opened or read, or its header is not that of float64
///   figures of `risk.seriesCount` series of `count` paths.
public func loadRiskInputs(
  fileAt path: String, into risk: RiskAccumulator, firstPath: Int, count: Int
) throws(RiskInputsError) {
  let header = NPYHeader.encode(dtype: .float64, shape: [risk.seriesCount, 2, count])
  let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
  guard descriptor >= 0 else {
    throw RiskInputsError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
  }
  defer { close(descriptor) }
  let chunk = 1 << 16
  let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(chunk, header.count / 8))
  defer { buffer.deallocate() }
  func read(_ bytes: Int, at offset: Int) throws(RiskInputsError) {
    let target = UnsafeMutableRawBufferPointer(
      rebasing: UnsafeMutableRawBufferPointer(buffer)[..<bytes])
    let done: Int
    do {
      done = try readFully(descriptor, into: target, at: offset, path: path)
    } catch {
      throw RiskInputsError(description: error.description)
    }
    guard done == bytes else {
      throw RiskInputsError(description: "cannot read \(path): the file ends early")
    }
  }
  try read(header.count, at: 0)
  guard UnsafeRawBufferPointer(buffer).prefix(header.count).elementsEqual(header) else {
    throw RiskInputsError(
      description: "\(path) is not float64 risk figures of shape (\(risk.seriesCount), 2, "
        + "\(count))")
  }
  for series in 0..<risk.seriesCount {
    for kind in 0..<2 {
      var done = 0
      while done < count {
        let length = min(chunk, count - done)
        let row = series * 2 + kind
        try read(length * 8, at: header.count + (row * count + done) * 8)
        do {
          try risk.addFigures(
            UnsafeBufferPointer(rebasing: buffer[..<length]), series: series, kind: kind,
            firstPath: firstPath + done)
        } catch {
          throw RiskInputsError(description: error.description)
        }
        done += length
      }
    }
  }
  if count > 0 { risk.markAdded(firstPath..<(firstPath + count)) }
}

extension ScenarioSpec {
  /// The files the scenario reads besides itself (historical stresses' price files), in
  /// order, each once.
  public var inputFiles: [String] {
    var seen = Set<String>()
    var files: [String] = []
    for variant in variants {
      for stress in variant.stresses {
        if let file = stress.inputFile, seen.insert(file).inserted { files.append(file) }
      }
    }
    return files
  }
}
