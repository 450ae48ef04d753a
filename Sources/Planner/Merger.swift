import Dispatch
import PathFiles
import Risk

#if canImport(Glibc)
  import Glibc
#endif

/// Joins the shards of a run (`scengine run --shard K/N`) into the files of a one-machine run:
/// the same `prices.npy` (and the other arrays, or `prices.csv`), the same `summary.json`, and
/// a manifest whose files and hashes are equal (`scengine merge`).
///
/// Before it writes anything it checks that the shards are of one engine version, one seed and
/// one resolved scenario, that their path ranges cover 0 ..< P exactly once, and that every
/// shard file has the size its manifest records; while it copies, that every file has its
/// SHA-256. The copy is streamed (4 MiB at a time) and hashed on the way, so memory stays at a
/// few MB whatever the run's size. The output folder is taken as a run takes it (lock, earlier
/// runs' files removed, foreign files refused unless `force`); on any failure every file of the
/// merge is removed and no manifest is written.
public struct Merger: Sendable {
  public let outputDirectory: String
  public let shardDirectories: [String]
  public let command: String
  public let force: Bool
  public let sync: Bool

  public init(
    outputDirectory: String, shardDirectories: [String], command: String, force: Bool = false,
    sync: Bool = false
  ) {
    self.outputDirectory = outputDirectory
    self.shardDirectories = shardDirectories
    self.command = command
    self.force = force
    self.sync = sync
  }

  /// A shard folder and its manifest.
  struct LoadedShard {
    let directory: String
    let manifest: Manifest
    let paths: Range<Int>

    var label: String {
      "shard \(manifest.shard.map { "\($0.index)/\($0.count)" } ?? "?") (\(directory))"
    }

    func path(_ relative: String) -> String { joinedPath(directory, relative) }

    func record(_ relative: String) -> FileRecord? {
      manifest.files.first { $0.path == relative }
    }
  }

  public func merge(cancel: CancellationFlag) throws(RunError) -> RunResult {
    var budget: DiskBudget?
    do {
      return try merge(cancel: cancel, budget: &budget)
    } catch {
      // A full disk: say what the merge needed and what was free when it started.
      guard let budget else { throw error }
      throw RunError(budget.explaining(error.message), exitCode: error.exitCode)
    }
  }

  private func merge(cancel: CancellationFlag, budget: inout DiskBudget?) throws(RunError)
    -> RunResult
  {
    let start = DispatchTime.now()
    guard !shardDirectories.isEmpty else {
      throw RunError("merge: no shard folders given", exitCode: 2)
    }
    let shards = try shardDirectories.map { directory throws(RunError) in try load(directory) }
      .sorted {
        ($0.paths.lowerBound, $0.paths.upperBound) < ($1.paths.lowerBound, $1.paths.upperBound)
      }
    try checkBelongTogether(shards)
    try checkCoverage(shards)
    let first = shards[0].manifest
    try checkFileLists(shards)
    try refuseShardsInside(shards)

    let variants = first.variants.map(\.name)
    let seriesFiles = Self.seriesFiles(of: first)
    var planned: [String] = []
    for v in variants {
      planned += seriesFiles.map { "\(v)/\($0)" } + ["\(v)/summary.json"]
    }
    planned.append(OutputFolder.manifestFileName)
    let size = Self.outputSize(of: shards, seriesFiles: seriesFiles)
    let measured = DiskBudget(
      folder: outputDirectory, size: size, space: FreeSpace(outputFolder: outputDirectory),
      activity: "merge")
    budget = measured
    if !force, let refusal = measured.refusal { throw RunError(refusal) }
    let folder: OutputFolder
    do throws(PathFilesError) {
      folder = try OutputFolder(path: outputDirectory)
      do throws(PathFilesError) {
        try folder.claim(
          .init(
            subfolders: variants, files: planned, fileNames: Runner.variantFileNames,
            companionFolders: [
              OutputFolder.validationFolderName: OutputFolder.validationFileNames
            ],
            ignoredFolders: [Runner.shardsFolderName]),
          force: force)
        for v in variants { try folder.makeSubfolder(v) }
      } catch {
        folder.discard()
        throw error
      }
    } catch {
      throw RunError(folderError: error)
    }
    defer { folder.discard() }

    var files: [FileRecord] = []
    var summaries: [(String, RiskSummary)] = []
    for variant in variants {
      for series in seriesFiles {
        try stopIfCancelled(cancel)
        files.append(
          try afterClaim {
            () throws(RunError) in
            try joinFile("\(variant)/\(series)", of: shards, in: folder, cancel: cancel)
          })
      }
      let summary = try afterClaim {
        () throws(RunError) in try joinRisk(variant, of: shards, cancel: cancel)
      }
      do {
        files.append(
          try writeFileAtomically(
            try encodeJSON(summary), in: folder, relativePath: "\(variant)/summary.json",
            sync: sync))
      } catch {
        throw RunError(folderError: error)
      }
      summaries.append((variant, summary))
    }
    var manifest = first
    manifest.shard = nil
    manifest.files = files
    manifest.build = Manifest.Build(isa: EngineInfo.instructionSet)
    manifest.command = command
    manifest.variants = first.variants.map { record in
      var v = record
      v.seconds = shards.reduce(0) { total, shard in
        total + (shard.manifest.variants.first { $0.name == record.name }?.seconds ?? 0)
      }
      return v
    }
    manifest.seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    try stopIfCancelled(cancel)
    do {
      _ = try writeFileAtomically(
        try manifest.encodedJSON(), in: folder, relativePath: OutputFolder.manifestFileName,
        sync: sync)
    } catch {
      throw RunError(folderError: error)
    }
    folder.finish()
    return RunResult(manifest: manifest, summaries: summaries, outputDirectory: outputDirectory)
  }

  /// Runs a step that reads the shards' files once the output folder is claimed (the earlier
  /// run's files removed): a shard file found bad there (a damaged header, a changed SHA-256,
  /// an unreadable file) fails the merge like a failed run, with exit 1 and a message saying
  /// that nothing is left, not as bad input found before anything was touched.
  private func afterClaim<T>(_ step: () throws(RunError) -> T) throws(RunError) -> T {
    do {
      return try step()
    } catch let error where error.exitCode == 2 {
      throw RunError(error.message + Self.failedMergeNote, exitCode: 1)
    }
  }

  static let failedMergeNote =
    " (the merge failed: like a failed run, it leaves no files in the output folder)"

  private func stopIfCancelled(_ cancel: CancellationFlag) throws(RunError) {
    if let reason = cancel.cancellationReason {
      throw RunError(reason, exitCode: Runner.exitCode(signal: reason))
    }
  }

  /// The series files of each variant, in the manifest's order: `prices.csv`, or the NPY
  /// arrays of `output.emit`.
  static func seriesFiles(of manifest: Manifest) -> [String] {
    manifest.output.format == "csv" ? ["prices.csv"] : manifest.output.emit.map { "\($0).npy" }
  }

  /// What the merge writes: each variant's series files (the shards' rows under one header: at
  /// most the shards' files together, at least that less a header per shard), its summary (at
  /// most 64 kB) and the manifest, and the per-path risk figures it keeps meanwhile.
  static func outputSize(of shards: [LoadedShard], seriesFiles: [String]) -> OutputSize {
    let first = shards[0].manifest
    var files: [OutputSize.File] = []
    for v in first.variants {
      for series in seriesFiles {
        let path = "\(v.name)/\(series)"
        let records = shards.compactMap { $0.record(path) }
        let bytes = records.reduce(0) { $0.addingSaturated($1.bytes) }
        // An NPY file's size is exact: the array of every path under one header. A CSV file
        // repeats its header line (at most 64 KiB) in every shard.
        if let code = records.first?.dtype, let type = NPYDType(rawValue: code),
          let shape = records.first?.shape, !shape.isEmpty
        {
          let exact = NPYFileWriter.fileBytes(dtype: type, shape: [first.paths] + shape.dropFirst())
          files.append(.init(path: path, bytes: exact, leastBytes: exact))
        } else {
          let headers = (shards.count - 1).multipliedSaturated(by: 64 << 10)
          files.append(.init(path: path, bytes: bytes, leastBytes: max(0, bytes - headers)))
        }
      }
      let summary = "\(v.name)/summary.json"
      files.append(.init(path: summary, bytes: 64 << 10, leastBytes: 0))
    }
    let manifest = first.encodedBytes() ?? 0
    files.append(
      .init(path: OutputFolder.manifestFileName, bytes: manifest * 2, leastBytes: manifest))
    let series = first.assets.count + (first.portfolio == nil ? 0 : 1)
    let risk = first.paths.multipliedSaturated(by: 16 * series)
    return OutputSize(files: files, riskFigureBytes: risk, journalBytes: 4096)
  }

  // MARK: - Checks

  private func load(_ directory: String) throws(RunError) -> LoadedShard {
    guard !directory.isEmpty else {
      throw RunError("merge: a shard folder is given as an empty string", exitCode: 2)
    }
    let path = joinedPath(directory, OutputFolder.manifestFileName)
    let bytes: [UInt8]
    do {
      bytes = try BoundedFile(path: path, limit: 256 << 20, regularOnly: true).bytes
    } catch {
      throw RunError(
        "cannot read \(path): \(error.reason)\(error.reason.contains("No such file") ? " (is \(directory) a finished shard of `scengine run --shard K/N`?)" : "")"
          .escapingControlCharacters, exitCode: 2)
    }
    let manifest: Manifest
    do {
      manifest = try decodeJSON(Manifest.self, from: bytes)
    } catch {
      throw RunError(
        "\(path) is not a scengine manifest: \(error.description)".escapingControlCharacters,
        exitCode: 2)
    }
    guard manifest.engine == "scengine" else {
      throw RunError("\(path) is not a scengine manifest".escapingControlCharacters, exitCode: 2)
    }
    guard let shard = manifest.shard else {
      throw RunError(
        "\(directory) is not a shard: its manifest has no shard record (a run without --shard "
          + "needs no merge)".escapingControlCharacters, exitCode: 2)
    }
    guard shard.count >= 1, shard.index >= 0, shard.index < shard.count,
      let range = shard.range, range.upperBound <= manifest.paths
    else {
      throw RunError(
        "\(path): shard.paths \(shard.paths) is not a range within the run's \(manifest.paths) "
          + "paths".escapingControlCharacters, exitCode: 2)
    }
    return LoadedShard(directory: directory, manifest: manifest, paths: range)
  }

  private func checkBelongTogether(_ shards: [LoadedShard]) throws(RunError) {
    for shard in shards where shard.manifest.version != EngineInfo.version {
      throw RunError(
        "\(shard.label) was written by scengine \(shard.manifest.version), this is scengine "
          + "\(EngineInfo.version): merge only shards of this engine version (rerun them with it)"
          .escapingControlCharacters, exitCode: 2)
    }
    let first = shards[0]
    for shard in shards.dropFirst() {
      let (a, b) = (first.manifest, shard.manifest)
      if a.seed != b.seed {
        throw RunError(
          "\(shard.label) has seed \(b.seed), \(first.label) seed \(a.seed): they are shards of "
            + "different runs".escapingControlCharacters, exitCode: 2)
      }
      if a.resolvedSHA256 != b.resolvedSHA256 {
        throw RunError(
          "\(shard.label) is a shard of another resolved scenario than \(first.label) "
            + "(resolved_sha256 \(b.resolvedSHA256.prefix(12))… against "
            + "\(a.resolvedSHA256.prefix(12))…: the scenario file, its overrides, price files or "
            + "output options differ)".escapingControlCharacters, exitCode: 2)
      }
    }
  }

  /// The shards, sorted by their first path, must cover 0 ..< P exactly once.
  private func checkCoverage(_ shards: [LoadedShard]) throws(RunError) {
    let total = shards[0].manifest.paths
    var covered = 0
    var previous: LoadedShard?
    for shard in shards {
      let r = shard.paths
      if r.lowerBound < covered, let previous {
        throw RunError(
          "\(shard.label) and \(previous.label) overlap on paths "
            + "\(r.lowerBound)..<\(min(covered, r.upperBound)): give each shard once"
            .escapingControlCharacters, exitCode: 2)
      }
      if r.lowerBound > covered {
        throw RunError(
          "paths \(covered)..<\(r.lowerBound) are in no shard given: a shard is missing"
            .escapingControlCharacters + Self.hint(shards), exitCode: 2)
      }
      covered = max(covered, r.upperBound)
      previous = shard
    }
    if covered < total {
      throw RunError(
        "paths \(covered)..<\(total) are in no shard given: a shard is missing"
          + Self.hint(shards), exitCode: 2)
    }
  }

  /// Which `K-of-N` shards are missing, when the shards given share one N.
  private static func hint(_ shards: [LoadedShard]) -> String {
    let counts = Set(shards.compactMap { $0.manifest.shard?.count })
    guard counts.count == 1, let n = counts.first else { return "" }
    let present = Set(shards.compactMap { $0.manifest.shard?.index })
    let missing = (0..<n).filter { !present.contains($0) }.prefix(8).map { "\($0)-of-\(n)" }
    return missing.isEmpty ? "" : " (\(missing.joined(separator: ", ")))"
  }

  /// Every shard must list exactly the files its output options produce, each of the size its
  /// manifest records (the SHA-256 is checked while copying).
  private func checkFileLists(_ shards: [LoadedShard]) throws(RunError) {
    let first = shards[0].manifest
    let series = Self.seriesFiles(of: first)
    var expected: [String] = []
    for v in first.variants {
      expected += (series + [Runner.riskInputsFileName]).map { "\(v.name)/\($0)" }
    }
    for shard in shards {
      let listed = shard.manifest.files.map(\.path)
      guard listed == expected, shard.manifest.variants.map(\.name) == first.variants.map(\.name)
      else {
        throw RunError(
          "\(shard.label): its manifest lists \(listed), expected \(expected)"
            .escapingControlCharacters, exitCode: 2)
      }
      for record in shard.manifest.files {
        let path = shard.path(record.path)
        var info = stat()
        guard lstat(path, &info) == 0 else {
          throw RunError(
            "\(shard.label): \(path) is missing: \(String(cString: strerror(errno)))"
              .escapingControlCharacters, exitCode: 2)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
          throw RunError(
            "\(shard.label): \(path) is not a regular file".escapingControlCharacters,
            exitCode: 2)
        }
        guard Int(info.st_size) == record.bytes else {
          throw RunError(
            "\(shard.label): \(path) has \(info.st_size) bytes, its manifest records "
              + "\(record.bytes): the file is damaged or changed since the shard was written"
              .escapingControlCharacters, exitCode: 2)
        }
        if record.path.hasSuffix(".npy") {
          guard let shape = record.shape,
            shape.first == shard.paths.count || record.path.hasSuffix(Runner.riskInputsFileName),
            record.dtype != nil
          else {
            throw RunError(
              "\(shard.label): \(record.path) has shape \(record.shape ?? []) for "
                + "\(shard.paths.count) paths".escapingControlCharacters, exitCode: 2)
          }
        }
      }
    }
  }

  /// A shard folder inside the output folder must lie under its `shards/` subfolder, which
  /// the merge leaves alone; the output folder must not be a shard folder.
  private func refuseShardsInside(_ shards: [LoadedShard]) throws(RunError) {
    // The output folder inside a shard's folder: a later run of that shard (`--resume`, a
    // retried Slurm task) would refuse the entry it did not write. The folder may not exist
    // yet: its parent is resolved.
    if let target = resolvedLocation(of: outputDirectory) {
      for shard in shards {
        guard let dir = resolvedPath(shard.directory), target.hasPrefix(dir + "/") else {
          continue
        }
        throw RunError(
          "the output folder \(outputDirectory) lies inside the folder of \(shard.label), whose "
            + "next run (--resume) would refuse it: merge into another folder"
            .escapingControlCharacters, exitCode: 2)
      }
    }
    guard let out = resolvedPath(outputDirectory) else { return }
    for shard in shards {
      guard let dir = resolvedPath(shard.directory) else { continue }
      if dir == out {
        throw RunError(
          "the output folder \(outputDirectory) is the folder of \(shard.label): merge into "
            + "another folder".escapingControlCharacters, exitCode: 2)
      }
      let prefix = out == "/" ? "/" : out + "/"
      if dir.hasPrefix(prefix),
        dir.dropFirst(prefix.count).split(separator: "/").first.map(String.init)
          != Runner.shardsFolderName
      {
        throw RunError(
          "\(shard.label) lies inside the output folder \(outputDirectory) but not under its "
            + "\(Runner.shardsFolderName)/ folder, where the merge would take its files for an "
            + "earlier run's: move it".escapingControlCharacters, exitCode: 2)
      }
    }
  }

  // MARK: - Joining

  /// Writes `relative` (`<variant>/prices.npy`, …) as the concatenation of the shards' rows
  /// under one header, checking each shard file's header and SHA-256 on the way.
  private func joinFile(
    _ relative: String, of shards: [LoadedShard], in folder: OutputFolder,
    cancel: CancellationFlag
  ) throws(RunError) -> FileRecord {
    let records = shards.map { $0.record(relative)! }
    let isNPY = relative.hasSuffix(".npy")
    var headers: [[UInt8]] = []
    var outputHeader: [UInt8] = []
    var shape: [Int]?
    var dtype: String?
    if isNPY {
      let first = records[0]
      guard let code = first.dtype, let type = NPYDType(rawValue: code), let s = first.shape
      else {
        throw RunError("\(shards[0].label): \(relative) has no NPY dtype and shape", exitCode: 2)
      }
      for (shard, record) in zip(shards, records) {
        guard record.dtype == code, let own = record.shape, own.count == s.count,
          Array(own.dropFirst()) == Array(s.dropFirst())
        else {
          throw RunError(
            "\(shard.label): \(relative) is \(record.dtype ?? "?") \(record.shape ?? []), "
              + "\(shards[0].label) has \(code) \(s)".escapingControlCharacters, exitCode: 2)
        }
        headers.append(NPYHeader.encode(dtype: type, shape: own))
      }
      shape = [shards[0].manifest.paths] + s.dropFirst()
      dtype = code
      outputHeader = NPYHeader.encode(dtype: type, shape: shape!)
    } else {
      for shard in shards {
        headers.append(try csvHeader(shard.path(relative), label: shard.label))
      }
      outputHeader = headers[0]
    }
    for (shard, header) in zip(shards, headers) {
      try checkPrefix(header, of: shard.path(relative), label: shard.label, isNPY: isNPY)
    }
    let file: StreamedFile
    do {
      file = try StreamedFile(in: folder, relativePath: relative, writeBehind: sync)
      try file.append(outputHeader)
      for (index, shard) in shards.enumerated() {
        let source = shard.path(relative)
        let (sha, bytes) = try file.append(
          contentsOfFileAt: source, from: headers[index].count,
          shouldStop: { cancel.isCancelled })
        guard sha == records[index].sha256 && bytes == records[index].bytes else {
          file.abandon()
          throw RunError(
            "\(shard.label): \(source) does not match the SHA-256 its manifest records: the "
              + "file is damaged or changed since the shard was written; run the shard again"
              .escapingControlCharacters, exitCode: 2)
        }
      }
      return try file.finish(sync: sync, dtype: dtype, shape: shape)
    } catch let error as RunError {
      throw error
    } catch let error as PathFilesError {
      if case .interrupted = error, let reason = cancel.cancellationReason {
        throw RunError(reason, exitCode: Runner.exitCode(signal: reason))
      }
      throw RunError(folderError: error)
    } catch {
      throw RunError("\(error)")
    }
  }

  /// The first line of a CSV shard file, with its newline.
  private func csvHeader(_ path: String, label: String) throws(RunError) -> [UInt8] {
    let bytes = try readPrefix(path, count: 1 << 16, label: label)
    guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else {
      throw RunError("\(label): \(path) has no header line".escapingControlCharacters, exitCode: 2)
    }
    return Array(bytes[...newline])
  }

  private func checkPrefix(_ expected: [UInt8], of path: String, label: String, isNPY: Bool)
    throws(RunError)
  {
    let bytes = try readPrefix(path, count: expected.count, label: label)
    guard bytes == expected else {
      throw RunError(
        "\(label): \(path) does not start with the \(isNPY ? "NPY header its manifest describes" : "CSV header of the other shards")"
          .escapingControlCharacters, exitCode: 2)
    }
  }

  private func readPrefix(_ path: String, count: Int, label: String) throws(RunError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw RunError(
        "\(label): cannot open \(path): \(String(cString: strerror(errno)))"
          .escapingControlCharacters, exitCode: 2)
    }
    defer { close(descriptor) }
    var bytes = [UInt8](repeating: 0, count: count)
    let read = bytes.withUnsafeMutableBytes { raw in
      Result { () throws(PathFilesError) in try readFully(descriptor, into: raw, at: 0, path: path)
      }
    }
    guard case .success(let done) = read else {
      throw RunError("\(label): cannot read \(path)".escapingControlCharacters, exitCode: 2)
    }
    return Array(bytes[..<done])
  }

  /// The exact risk summary of `variant` over every path, from the shards' per-path figures.
  private func joinRisk(_ variant: String, of shards: [LoadedShard], cancel: CancellationFlag)
    throws(RunError) -> RiskSummary
  {
    let first = shards[0].manifest
    let relative = "\(variant)/\(Runner.riskInputsFileName)"
    do {
      let risk = try RiskAccumulator(
        assets: first.assets, portfolioWeights: first.portfolio, paths: 0..<first.paths,
        directory: outputDirectory)
      for shard in shards {
        try stopIfCancelled(cancel)
        let path = shard.path(relative)
        guard let record = shard.record(relative),
          record.shape == [risk.seriesCount, 2, shard.paths.count]
        else {
          throw RunError(
            "\(shard.label): \(relative) is not the risk figures of \(shard.paths.count) paths"
              .escapingControlCharacters, exitCode: 2)
        }
        guard try sha256Hex(ofFileAt: path) == record.sha256 else {
          throw RunError(
            "\(shard.label): \(path) does not match the SHA-256 its manifest records: the file "
              + "is damaged or changed since the shard was written; run the shard again"
              .escapingControlCharacters, exitCode: 2)
        }
        try loadRiskInputs(
          fileAt: path, into: risk, firstPath: shard.paths.lowerBound, count: shard.paths.count)
      }
      return try risk.summary()
    } catch let error as RunError {
      throw error
    } catch {
      throw RunError("\(error)")
    }
  }
}

/// `directory/name` without doubling a trailing slash.
func joinedPath(_ directory: String, _ name: String) -> String {
  directory.hasSuffix("/") ? directory + name : directory + "/" + name
}
