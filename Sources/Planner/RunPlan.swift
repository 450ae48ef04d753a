import Processes

/// How a run is split: block size and worker count, and what it will write.
public struct RunPlan: Sendable {
  public let spec: ScenarioSpec
  /// Paths per block.
  public let blockSize: Int
  /// Worker threads.
  public let threads: Int
  /// Whether every file is flushed to disk (`fsync`) before the manifest is written, so that
  /// a finished run survives an operating-system crash; otherwise files may sit in the page
  /// cache for a while after the run (the manifest's SHA-256 lets a reader check them).
  public let sync: Bool
  /// The shard this run simulates, or `nil` for the whole run.
  public let shard: Shard?
  /// Whether to keep the variants an interrupted run into the same folder finished.
  public let resume: Bool

  /// The memory each worker's block buffers may use, by default.
  public static let blockBudgetBytes = 4 << 20

  public init(
    spec: ScenarioSpec, threads: Int, blockSize: Int? = nil, sync: Bool = false,
    shard: Shard? = nil, resume: Bool = false
  ) {
    self.spec = spec
    self.threads = max(1, threads)
    self.sync = sync
    self.shard = shard
    self.resume = resume
    let count = shard?.paths(of: spec.paths).count ?? spec.paths
    // A block never holds more paths than the run has: its buffers are allocated in full.
    let chosen =
      blockSize ?? min(1024, Self.blockBudgetBytes / max(1, spec.bytesPerPathInMemory))
    self.blockSize = max(1, min(chosen, count))
  }

  /// The global indices of the paths this run simulates: all of them, or the shard's.
  public var paths: Range<Int> { shard?.paths(of: spec.paths) ?? 0..<spec.paths }

  /// The blocks of `paths`, in order. Block boundaries do not change a single output bit:
  /// every path's random numbers are addressed by its global index.
  public var blocks: [Range<Int>] {
    let all = paths
    return stride(from: all.lowerBound, to: all.upperBound, by: blockSize).map {
      $0..<min($0 + blockSize, all.upperBound)
    }
  }
}

/// Shard `index` of `count` (`--shard K/N`): the paths [⌊K·P/N⌋, ⌊(K+1)·P/N⌋) of every variant.
/// The shards of one `count` cover the paths 0 ..< P exactly once, in order, and differ in size
/// by at most one path; `scengine merge` joins them into the files of a one-machine run.
public struct Shard: Sendable, Equatable, Codable, CustomStringConvertible {
  /// K, 0-based.
  public let index: Int
  /// N, at least 1.
  public let count: Int

  /// A shard, checked: `0 ≤ index < count`.
  public init(index: Int, count: Int) throws(RunError) {
    guard count >= 1 else {
      throw RunError("--shard \(index)/\(count): the shard count must be at least 1", exitCode: 2)
    }
    guard index >= 0 && index < count else {
      throw RunError(
        "--shard \(index)/\(count): the shard index must be in 0...\(count - 1)", exitCode: 2)
    }
    self.index = index
    self.count = count
  }

  /// `K/N` as given on the command line.
  public init(parsing text: String) throws(RunError) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
      throw RunError(
        "--shard \(text.debugDescription): expected K/N with 0 ≤ K < N (e.g. 0/4), or auto",
        exitCode: 2)
    }
    try self.init(index: k, count: n)
  }

  /// The shard of a Slurm array task: K = `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN`,
  /// N = `SLURM_ARRAY_TASK_COUNT` (an array `--array=0-3` or `1-4` gives shards 0/4 … 3/4).
  public init(slurmEnvironment environment: [String: String]) throws(RunError) {
    func value(_ name: String) throws(RunError) -> Int {
      guard let text = environment[name] else {
        throw RunError(
          "--shard auto: \(name) is not set; run it as a task of a Slurm job array "
            + "(sbatch --array=0-N), or give --shard K/N", exitCode: 2)
      }
      guard let number = Int(text) else {
        throw RunError(
          "--shard auto: \(name)=\(text.debugDescription) is not an integer", exitCode: 2)
      }
      return number
    }
    let id = try value("SLURM_ARRAY_TASK_ID")
    let first = try value("SLURM_ARRAY_TASK_MIN")
    let count = try value("SLURM_ARRAY_TASK_COUNT")
    if let maximum = environment["SLURM_ARRAY_TASK_MAX"].flatMap({ Int($0) }),
      maximum - first + 1 != count
    {
      throw RunError(
        "--shard auto: the array's task ids \(first)...\(maximum) are not contiguous "
          + "(SLURM_ARRAY_TASK_COUNT=\(count)); use --array=\(first)-\(first + count - 1) "
          + "without a step, or give --shard K/N", exitCode: 2)
    }
    do {
      try self.init(index: id - first, count: count)
    } catch {
      throw RunError(
        "--shard auto: SLURM_ARRAY_TASK_ID=\(id), SLURM_ARRAY_TASK_MIN=\(first) and "
          + "SLURM_ARRAY_TASK_COUNT=\(count) give no shard: \(error.message)", exitCode: 2)
    }
  }

  /// The global path indices of this shard among `total` paths (computed without overflow).
  public func paths(of total: Int) -> Range<Int> {
    func bound(_ k: Int) -> Int {
      Int((Int128(k) * Int128(total)) / Int128(count))
    }
    return bound(index)..<bound(index + 1)
  }

  /// `K-of-N`, the name of the shard's default folder.
  public var folderName: String { "\(index)-of-\(count)" }

  public var description: String { "\(index)/\(count)" }
}

extension ScenarioSpec {
  /// Bytes of the in-memory buffers of one path (float64 prices and every emitted series).
  var bytesPerPathInMemory: Int {
    let s = grid.steps
    let n = assets.count
    var bytes = (s + 1) * n * 8
    for series in output.emit {
      switch series {
      case .prices: break
      case .returns, .variance: bytes += s * n * 8
      case .jumps: bytes += s * n * 4
      case .regimes: bytes += s
      }
    }
    return bytes
  }
}

extension RunPlan {
  /// The most bytes of block buffers one worker may hold (2 GiB): `--block-size` may ask for
  /// at most as many paths as fit, and at least one path.
  public static let maximumBlockBytes = 2 << 30

  /// The largest block size `--block-size` may give for `spec`.
  public static func maximumBlockSize(for spec: ScenarioSpec) -> Int {
    max(1, maximumBlockBytes / max(1, spec.bytesPerPathInMemory))
  }

  /// Checks a block size asked for on the command line: at least 1 and at most
  /// `maximumBlockSize(for:)` (the product of block size and bytes per path is computed with
  /// an overflow check).
  public static func validate(blockSize: Int, spec: ScenarioSpec) throws(RunError) {
    let most = maximumBlockSize(for: spec)
    guard blockSize >= 1 else {
      throw RunError("--block-size must be at least 1, got \(blockSize)", exitCode: 2)
    }
    guard blockSize > most else { return }
    let perPath = spec.bytesPerPathInMemory
    let (bytes, overflow) = blockSize.multipliedReportingOverflow(by: perPath)
    let needed = overflow ? "more than 2^63 bytes" : "\(bytes) bytes"
    throw RunError(
      "--block-size \(blockSize) needs \(needed) of buffers per worker (\(perPath) bytes per "
        + "path), more than the limit of \(maximumBlockBytes >> 30) GiB; use at most \(most)",
      exitCode: 2)
  }
}
