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

  /// The memory each worker's block buffers may use, by default.
  public static let blockBudgetBytes = 4 << 20

  public init(spec: ScenarioSpec, threads: Int, blockSize: Int? = nil, sync: Bool = false) {
    self.spec = spec
    self.threads = max(1, threads)
    self.sync = sync
    // A block never holds more paths than the run has: its buffers are allocated in full.
    let chosen =
      blockSize ?? min(1024, Self.blockBudgetBytes / max(1, spec.bytesPerPathInMemory))
    self.blockSize = max(1, min(chosen, spec.paths))
  }

  /// The blocks of `paths` paths, in order.
  public var blocks: [Range<Int>] {
    stride(from: 0, to: spec.paths, by: blockSize).map { $0..<min($0 + blockSize, spec.paths) }
  }
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

  /// Bytes written per variant (NPY data, without headers), for estimates; `Int.max` when the
  /// estimate overflows (every product and sum is computed with a saturating check).
  public var outputBytesPerVariant: Int {
    let s = grid.steps
    let n = assets.count
    let item = output.precision == .float32 ? 4 : 8
    func product(_ factors: Int...) -> Int {
      factors.reduce(1) { $0.multipliedChecked(by: $1) ?? .max }
    }
    var bytes = 0
    for series in output.emit {
      switch series {
      case .prices: bytes = bytes.addingSaturated(product(paths, s + 1, n, item))
      case .returns, .variance: bytes = bytes.addingSaturated(product(paths, s, n, item))
      case .jumps: bytes = bytes.addingSaturated(product(paths, s, n, 4))
      case .regimes: bytes = bytes.addingSaturated(product(paths, s))
      }
    }
    if output.format == .csv { bytes = product(paths, s + 1, n, 48) }
    // Parquet adds `path`, `step` and `date` to every row (at most 16 bytes).
    if output.format == .parquet { bytes = bytes.addingSaturated(product(paths, s + 1, 16)) }
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
