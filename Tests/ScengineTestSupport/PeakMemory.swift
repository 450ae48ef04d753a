import Foundation

extension ScengineBinary {
  /// What a run measured for its memory did.
  public struct Measured: Sendable {
    /// The exit status, or 128 + the signal that ended the process.
    public let status: Int32
    /// The peak resident set size of the process, in KiB (`ru_maxrss` from `wait4(2)`).
    public let peakKiB: Int
  }

  /// Runs scengine with `arguments` (give absolute paths) through `peak-rss`, a small program
  /// built beside it that spawns scengine and reads its peak resident memory from `wait4(2)`:
  /// the figure of scengine alone (a child spawned by the test process itself would start from
  /// the test process's own high-water mark).
  public static func measurePeakMemory(_ arguments: [String]) throws -> Measured {
    guard let binary = url else { throw NotFound() }
    let wrapper = binary.deletingLastPathComponent().appendingPathComponent("peak-rss")
    let result = try run([binary.path] + arguments, executable: wrapper)
    let fields = result.stdout.split(separator: " ").map {
      Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    guard result.status == 0, fields.count == 2, let status = fields[0], let peak = fields[1]
    else {
      throw CocoaError(
        .executableLoad,
        userInfo: [NSLocalizedDescriptionKey: "peak-rss failed: \(result.stdout) \(result.stderr)"])
    }
    return Measured(status: Int32(status), peakKiB: peak)
  }
}
