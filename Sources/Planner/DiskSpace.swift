import PathFiles
import Risk

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a run writes in its output folder, file by file, and what it keeps there only while it
/// runs: the sizes `scengine check` prints and `scengine run` compares with the free space
/// before it starts.
///
/// Path files are counted from their writers' layouts (`NPYFileWriter.fileBytes`, exact;
/// `CSVPathWriter.fileBytes`, a range; `ParquetPathWriter.fileBytes`, an upper bound that is
/// exact but for all-NaN columns). `summary.json` and `manifest.json` are encoded with every
/// figure, timing and hash at its longest text, so they are upper bounds too. All sizes
/// saturate at `Int.max`, which stands for a size too large to count.
public struct OutputSize: Sendable, Equatable {
  /// One file the run leaves in its output folder.
  public struct File: Sendable, Equatable {
    /// The path relative to the output folder (`crash/prices.npy`).
    public var path: String
    /// The most bytes the file may take.
    public var bytes: Int
    /// The fewest bytes the file may take (less than `bytes` for CSV only).
    public var leastBytes: Int

    /// Creates a file's entry.
    public init(path: String, bytes: Int, leastBytes: Int) {
      self.path = path
      self.bytes = bytes
      self.leastBytes = leastBytes
    }
  }

  /// The files the run leaves, in the order the run writes them (`manifest.json` last).
  public var files: [File]
  /// The per-path risk figures of one variant, 16 bytes per path per series (each asset, and
  /// the portfolio), kept in an unlinked temporary file in the output folder while the variant
  /// runs (`RiskAccumulator`).
  public var riskFigureBytes: Int
  /// The journal the lock file `.scengine.lock` holds while the run writes.
  public var journalBytes: Int

  /// Creates a size from its parts.
  public init(files: [File], riskFigureBytes: Int, journalBytes: Int) {
    self.files = files
    self.riskFigureBytes = riskFigureBytes
    self.journalBytes = journalBytes
  }

  /// The most bytes the run takes in its output folder at once: every file, and the last
  /// variant's risk figures and the journal beside them.
  public var bytes: Int {
    files.reduce(scratchBytes) { $0.addingSaturated($1.bytes) }
  }

  /// The fewest bytes the run takes at once: `bytes` with every CSV price at its shortest.
  public var leastBytes: Int {
    files.reduce(scratchBytes) { $0.addingSaturated($1.leastBytes) }
  }

  /// The bytes of the files that remain once the run has ended.
  public var fileBytes: Int { files.reduce(0) { $0.addingSaturated($1.bytes) } }

  /// The bytes of the files in the subfolder `folder` (a variant's).
  public func fileBytes(in folder: String) -> Int {
    files.reduce(0) { $1.path.hasPrefix(folder + "/") ? $0.addingSaturated($1.bytes) : $0 }
  }

  /// The bytes kept only while the run runs: the risk figures and the journal.
  public var scratchBytes: Int { riskFigureBytes.addingSaturated(journalBytes) }
}

extension ScenarioSpec {
  /// The most bytes a run of `pathCount` paths of every variant takes in its output folder at
  /// once (`OutputSize.bytes`): exact for NPY files, an upper bound for Parquet and CSV files,
  /// `summary.json` and `manifest.json`, plus the per-path risk figures kept while a variant
  /// runs.
  ///
  /// The paths are taken to be the last `pathCount` of the scenario, whose indices are the
  /// longest in a CSV file: the size of the whole run for `pathCount == paths`, and at least
  /// that of any shard's path files for `pathCount` paths (`RunPlan.outputSize` counts a
  /// shard's own files).
  ///
  /// - Returns: bytes, or `Int.max` when the count overflows.
  public func outputBytes(pathCount: Int) -> Int { outputSize(pathCount: pathCount).bytes }

  /// `outputSize(paths:)` of the last `pathCount` paths (see `outputBytes(pathCount:)`).
  public func outputSize(pathCount: Int) -> OutputSize {
    precondition(pathCount >= 0)
    let end = max(paths, pathCount)
    return outputSize(paths: (end - pathCount)..<end)
  }

  /// What a run of the global paths `range` of every variant writes, file by file.
  ///
  /// - Parameters:
  ///   - range: the paths of the run (all of them, or a shard's).
  ///   - command: the command line the manifest records (default: this process's), counted at
  ///     1 KiB at least.
  public func outputSize(
    paths range: Range<Int>,
    command: String = CommandLine.arguments.joined(separator: " ")
  ) -> OutputSize {
    outputSize(paths: range, shard: nil, command: command)
  }

  /// What a run of the paths `range` writes; a shard (`shard` not nil) writes each variant's
  /// per-path risk figures (`risk_inputs.npy`) instead of its `summary.json`, and records
  /// itself in the manifest.
  func outputSize(paths range: Range<Int>, shard: Shard?, command: String) -> OutputSize {
    precondition(range.lowerBound >= 0)
    let series = assets.count + (portfolio == nil ? 0 : 1)
    var files: [OutputSize.File] = []
    var records: [FileRecord] = []
    let summary = longestSummaryBytes(paths: range.count)
    for variant in variants {
      for (bytes, record) in pathFiles(of: variant.name, paths: range) {
        files.append(
          .init(path: record.path, bytes: bytes.upperBound, leastBytes: bytes.lowerBound))
        records.append(record)
      }
      if shard != nil {
        // `Runner.writeRiskInputs`: per series, the terminal returns and the drawdowns.
        let shape = [series, 2, range.count]
        let bytes = NPYFileWriter.fileBytes(dtype: .float64, shape: shape)
        let path = "\(variant.name)/\(Runner.riskInputsFileName)"
        files.append(.init(path: path, bytes: bytes, leastBytes: bytes))
        records.append(
          FileRecord(
            path: path, sha256: longestHash, bytes: bytes, dtype: NPYDType.float64.rawValue,
            shape: shape))
      } else {
        let path = "\(variant.name)/summary.json"
        files.append(.init(path: path, bytes: summary, leastBytes: summary))
        records.append(FileRecord(path: path, sha256: longestHash, bytes: summary))
      }
    }
    let manifest = longestManifestBytes(
      files: records, shard: shard.map { Manifest.ShardRecord($0, paths: range) },
      command: command)
    files.append(
      .init(path: OutputFolder.manifestFileName, bytes: manifest, leastBytes: manifest))
    // The journal's progress lines (for --resume) list at most what the manifest does.
    return OutputSize(
      files: files, riskFigureBytes: (16 * series).multipliedSaturated(by: range.count),
      journalBytes: OutputFolder.journalBytes(files: files.map(\.path), progressBytes: manifest))
  }

  /// The path files of `variant`: their size ranges and manifest records (at their longest).
  private func pathFiles(of variant: String, paths range: Range<Int>)
    -> [(ClosedRange<Int>, FileRecord)]
  {
    let p = range.count
    switch output.format {
    case .csv:
      let bytes = CSVPathWriter.fileBytes(
        variant: variant, assets: assets, dates: dates, steps: grid.steps, paths: range)
      let path = "\(variant)/prices.csv"
      return [(bytes, FileRecord(path: path, sha256: longestHash, bytes: bytes.upperBound))]
    case .parquet:
      let layout = parquetLayout(paths: range)
      let bytes = ParquetPathWriter.fileBytes(
        layout: layout, createdBy: "scengine version \(EngineInfo.version)")
      let record = FileRecord(
        path: "\(variant)/paths.parquet", sha256: longestHash, bytes: bytes, rows: layout.rows,
        schema: layout.schema)
      // Compressed pages take at most their bound and at least nothing that can be known
      // before they are written.
      return [(layout.compression == .none ? bytes...bytes : 0...bytes, record)]
    case .npy:
      return output.emit.map { series in
        let (dtype, shape) = npyArray(of: series, pathCount: p)
        let bytes = NPYFileWriter.fileBytes(dtype: dtype, shape: shape)
        let record = FileRecord(
          path: "\(variant)/\(series.rawValue).npy", sha256: longestHash, bytes: bytes,
          dtype: dtype.rawValue, shape: shape)
        return (bytes...bytes, record)
      }
    }
  }

  /// The element type and shape of the NPY file of `series` for `pathCount` paths: prices
  /// `[paths, steps + 1, assets]`, the per-step series `[paths, steps, assets]` (regimes
  /// `[paths, steps]`), real values in the output precision.
  func npyArray(of series: OutputSpec.Series, pathCount p: Int) -> (NPYDType, [Int]) {
    let s = grid.steps
    let n = assets.count
    let real: NPYDType = output.precision == .float32 ? .float32 : .float64
    switch series {
    case .prices: return (real, [p, s + 1, n])
    case .returns, .variance: return (real, [p, s, n])
    case .jumps: return (.int32, [p, s, n])
    case .regimes: return (.uint8, [p, s])
    }
  }

  /// The layout of the Parquet file of the global paths `range`, with the emitted series.
  func parquetLayout(paths range: Range<Int>) -> ParquetPathLayout {
    let emit = Set(output.emit)
    return ParquetPathLayout(
      firstPath: range.lowerBound, paths: range.count, steps: grid.steps, assets: assets,
      dates: dates?.map { ParquetPathLayout.daysSinceEpoch(isoDate: $0) ?? 0 },
      float32: output.precision == .float32, returns: emit.contains(.returns),
      variance: emit.contains(.variance), jumps: emit.contains(.jumps),
      regimes: emit.contains(.regimes),
      compression: output.compression == .zstd ? .zstd : .none)
  }

  /// The size of a `summary.json` of `paths` paths whose every figure has the longest text.
  private func longestSummaryBytes(paths: Int) -> Int {
    var figures = AssetRisk(terminalReturns: [0], maxDrawdowns: [0])
    figures.terminalReturn = ReturnDistributionSummary(
      mean: longestDouble, standardDeviation: longestDouble,
      quantiles: figures.terminalReturn.quantiles.mapValues { _ in longestDouble },
      valueAtRisk95: longestDouble, valueAtRisk99: longestDouble,
      expectedShortfall95: longestDouble, expectedShortfall99: longestDouble)
    figures.maxDrawdown = DrawdownSummary(
      mean: longestDouble,
      quantiles: figures.maxDrawdown.quantiles.mapValues { _ in longestDouble },
      maximum: longestDouble)
    let summary = RiskSummary(
      paths: paths, assets: Dictionary(uniqueKeysWithValues: assets.map { ($0, figures) }),
      portfolio: portfolio == nil ? nil : figures)
    return (try? encodeJSON(summary).count) ?? .max
  }

  /// The size of the manifest listing `files`, its timings at their longest text and `command`
  /// padded to 1 KiB at least, so that `check` and `run`, whose command lines differ a little,
  /// give the same size (`Manifest.encodedBytes`, which sizes large correlation matrices
  /// without encoding them number by number).
  private func longestManifestBytes(
    files: [FileRecord], shard: Manifest.ShardRecord?, command: String
  ) -> Int {
    longestManifest(files: files, shard: shard, command: command).encodedBytes() ?? .max
  }

  /// The manifest that `longestManifestBytes` sizes.
  func longestManifest(files: [FileRecord], shard: Manifest.ShardRecord?, command: String)
    -> Manifest
  {
    let variantRecords = variants.map { Manifest.Variant($0, seconds: longestDouble) }
    var manifest = Manifest(
      version: EngineInfo.version,
      scenario: .init(file: file, name: name, description: description, sha256: longestHash),
      seed: seed, paths: paths, steps: grid.steps, dt: grid.timeStep, assets: assets,
      initial: initialPrices, dates: dates, measure: measureJSON, correlation: correlationRecord,
      model: modelParameters, portfolio: portfolio,
      output: .init(
        format: output.format.rawValue, precision: output.precision.rawValue,
        emit: output.emit.map(\.rawValue),
        compression: output.format == .parquet ? output.compression.rawValue : nil),
      variants: variantRecords, files: files, threads: Int.max, blockSize: Int.max,
      seconds: longestDouble,
      command: command + String(repeating: " ", count: max(0, 1024 - command.utf8.count)))
    manifest.resolvedSHA256 = longestHash
    manifest.shard = shard
    return manifest
  }
}

extension RunPlan {
  /// What this run writes in its output folder: `ScenarioSpec.outputSize(paths:)` of its
  /// paths, and for a shard each variant's `risk_inputs.npy` in place of its `summary.json`.
  public func outputSize(command: String = CommandLine.arguments.joined(separator: " "))
    -> OutputSize
  {
    spec.outputSize(paths: paths, shard: shard, command: command)
  }
}

/// The double whose JSON text is longest (24 characters), for size bounds.
private let longestDouble = -2.2250738585072014e-308
/// A SHA-256 in hex, 64 characters.
private let longestHash = String(repeating: "f", count: 64)

/// The space a run may use on the file system of its output folder.
public struct FreeSpace: Sendable, Equatable {
  /// The folder measured: the output folder, or its nearest existing parent.
  public var folder: String
  /// The bytes available to the user on that file system (`statvfs(3)`: `f_bavail × f_frsize`,
  /// what `df` calls available).
  public var availableBytes: Int
  /// The bytes of an earlier run's files in the output folder, listed by its `manifest.json`
  /// or by the journal a killed run left, that the run removes before it writes or keeps with
  /// `--resume` (regular files with one link only).
  public var reclaimableBytes: Int

  /// Creates a measurement from its parts.
  public init(folder: String, availableBytes: Int, reclaimableBytes: Int) {
    self.folder = folder
    self.availableBytes = availableBytes
    self.reclaimableBytes = reclaimableBytes
  }

  /// The free space for a run into `outputFolder`, or `nil` when no existing folder on the way
  /// to it can be measured (a part of the path is a file, or cannot be searched).
  public init?(outputFolder: String) {
    var folder = outputFolder.isEmpty ? "." : outputFolder
    var info = statvfs()
    while statvfs(folder, &info) != 0 {
      guard errno == ENOENT, folder != "/", folder != "." else { return nil }
      let parent = parentFolder(of: folder)
      folder = parent.isEmpty ? "." : parent
    }
    self.folder = folder
    availableBytes = Int(clamping: info.f_bavail).multipliedSaturated(
      by: Int(clamping: info.f_frsize))
    reclaimableBytes = folder == outputFolder ? Self.earlierRunBytes(in: outputFolder) : 0
  }

  /// The blocks held by the files that the folder's `manifest.json` lists, or the journal that
  /// a killed run left in its lock file, and by the manifest: the run removes them before it
  /// writes, or keeps them with `--resume` instead of writing them again.
  static func earlierRunBytes(in folder: String) -> Int {
    struct Listed: Decodable { var path: String }
    struct Files: Decodable {
      var engine: String
      var files: [Listed]
    }
    struct Journal: Decodable { var files: [String] }
    func read(_ name: String) -> [UInt8]? {
      try? BoundedFile(path: "\(folder)/\(name)", limit: 256 << 20, regularOnly: true).bytes
    }
    var names = [OutputFolder.manifestFileName]
    if let bytes = read(OutputFolder.manifestFileName),
      let manifest = try? decodeJSON(Files.self, from: bytes), manifest.engine == "scengine"
    {
      names += manifest.files.map(\.path)
    }
    // The journal's first line lists the files; progress lines follow it.
    if let bytes = read(OutputFolder.lockFileName),
      let journal = try? decodeJSON(
        Journal.self, from: Array(bytes.prefix { $0 != UInt8(ascii: "\n") }))
    {
      names += journal.files
    }
    return Set(names).reduce(0) { total, name in
      guard let path = try? joinedFolderPath(folder, name) else { return total }
      var info = stat()
      guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_nlink == 1
      else { return total }
      return total.addingSaturated(Int(info.st_blocks).multipliedSaturated(by: 512))
    }
  }

  /// What the run may use: the available bytes and the earlier run's files.
  public var usableBytes: Int { availableBytes.addingSaturated(reclaimableBytes) }
}

/// A run's disk space: what it writes into its output folder against what the folder's file
/// system has free when it starts.
public struct DiskBudget: Sendable {
  /// The output folder, as given.
  public let folder: String
  /// What the run writes.
  public let size: OutputSize
  /// The free space, or `nil` when it cannot be measured.
  public let space: FreeSpace?
  /// What messages call the writer: `run`, or `merge`.
  public let activity: String

  /// Creates a budget from its parts; `activity` names the writer in messages.
  public init(folder: String, size: OutputSize, space: FreeSpace?, activity: String = "run") {
    self.folder = folder
    self.size = size
    self.space = space
    self.activity = activity
  }

  /// The budget of the run `plan` into `folder`, with the free space measured now.
  public init(plan: RunPlan, folder: String) {
    self.init(folder: folder, size: plan.outputSize(), space: FreeSpace(outputFolder: folder))
  }

  /// The budget of a run of `spec`'s paths `range` (default: all) into `folder`, with the
  /// free space measured now.
  public init(spec: ScenarioSpec, folder: String, paths range: Range<Int>? = nil) {
    self.folder = folder
    size = spec.outputSize(paths: range ?? 0..<spec.paths)
    space = FreeSpace(outputFolder: folder)
    activity = "run"
  }

  /// Why the run should not start: the file system has less free space than the run surely
  /// writes (`OutputSize.leastBytes`, the earlier run's files it replaces counted as free);
  /// `nil` when it may fit or the space is unknown.
  public var refusal: String? {
    guard let space, space.usableBytes < size.leastBytes else { return nil }
    let earlier =
      space.reclaimableBytes > 0
      ? " (\(ByteCount.long(space.reclaimableBytes)) of them held by an earlier run's files "
        + "that the \(activity) would replace)" : ""
    let needed = size.leastBytes == size.bytes ? "" : "at least "
    let elsewhere = activity == "run" ? "another --out" : "another output folder"
    return
      "the \(activity) needs \(needed)\(ByteCount.long(size.leastBytes)) in \(shownFolder), but the "
      + "file system of \(space.folder.escapingControlCharacters) has \(ByteCount.long(space.usableBytes)) free\(earlier); free "
      + "some space or choose \(elsewhere), or pass --force to try anyway"
  }

  /// The folder as messages show it, control characters escaped.
  private var shownFolder: String { folder.escapingControlCharacters }

  /// A run's error `message` with what the run needed, and what was free when it started,
  /// appended when it reports a full disk (`ENOSPC`) or quota (`EDQUOT`); otherwise `message`.
  ///
  /// The run's errors reach the command line as text (`RunError`), so the failure is recognised
  /// by the C library's text for those errors, which every message of a failed write or sync
  /// ends with (`PathFilesError`, `RiskError`).
  public func explaining(_ message: String) -> String {
    // CSV prices and compressed pages take a range of bytes: the count is its top.
    let most = size.leastBytes == size.bytes ? "" : "at most "
    let needs = "the \(activity) needs \(most)\(ByteCount.long(size.bytes)) in \(shownFolder)"
    if message.contains(String(cString: strerror(ENOSPC))) {
      guard let space else { return "\(message); \(needs)" }
      return "\(message); \(needs), \(ByteCount.long(space.usableBytes)) were free when it started"
    }
    if message.contains(String(cString: strerror(EDQUOT))) { return "\(message); \(needs)" }
    return message
  }
}

/// Byte counts for people, in decimal units (1 kB = 1000 bytes, as `df -H` and disk vendors
/// count); `Int.max` stands for a count too large to give.
public enum ByteCount {
  /// `201.6 MB`, `512 B`, or `more than 9.2 EB` for `Int.max`.
  public static func short(_ bytes: Int) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    let text =
      unit == 0 ? "\(bytes) B" : "\((value * 10).rounded(.down) / 10) \(units[unit])"
    return bytes == .max ? "more than \(text)" : text
  }

  /// `201.6 MB (201,600,128 bytes)`; `512 bytes` below 1 kB; `more than 9.2 EB` for `Int.max`.
  public static func long(_ bytes: Int) -> String {
    if bytes == .max { return short(bytes) }
    if bytes < 1000 { return bytes == 1 ? "1 byte" : "\(bytes) bytes" }
    var digits = String(bytes)
    var grouped = ""
    while digits.count > 3 {
      grouped = "," + digits.suffix(3) + grouped
      digits.removeLast(3)
    }
    return "\(short(bytes)) (\(digits)\(grouped) bytes)"
  }
}

extension Int {
  /// `self × other`, or `Int.max` where that overflows (both non-negative).
  func multipliedSaturated(by other: Int) -> Int { multipliedChecked(by: other) ?? .max }
}
