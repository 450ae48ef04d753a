#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why the risk figures could not be kept or read.
public enum RiskError: Error, Sendable, CustomStringConvertible {
  /// The temporary file that holds the per-path figures could not be created in `directory`.
  case cannotCreateSpillFile(directory: String, errno: Int32)
  /// Writing or reading the per-path figures failed (`ENOSPC`, `EIO`, …).
  case spillFileFailed(operation: String, errno: Int32)

  public var description: String {
    switch self {
    case .cannotCreateSpillFile(let directory, let code):
      "cannot create the temporary file of per-path risk figures in \(directory): "
        + errorText(code)
    case .spillFileFailed(let operation, let code):
      "cannot \(operation) the temporary file of per-path risk figures: \(errorText(code))"
    }
  }
}

/// A column of doubles read in path order, one chunk after another, as often as a summary needs
/// it: the per-path figures of a run, which may be far larger than memory.
protocol ValueColumn {
  /// The number of values.
  var count: Int { get }
  /// Calls `body` with consecutive chunks that together hold every value once, in order.
  func forEachChunk(_ body: (UnsafeBufferPointer<Double>) -> Void) throws(RiskError)
}

/// Values in memory, as one chunk.
struct ArrayColumn: ValueColumn {
  let values: [Double]
  var count: Int { values.count }
  func forEachChunk(_ body: (UnsafeBufferPointer<Double>) -> Void) {
    values.withUnsafeBufferPointer(body)
  }
}

extension ValueColumn {
  /// Calls `body` with every value, in order.
  func forEachValue(_ body: (Double) -> Void) throws(RiskError) {
    try forEachChunk { chunk in
      for value in chunk { body(value) }
    }
  }
}

/// The system's text for an `errno` value.
func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }
