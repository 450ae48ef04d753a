import Foundation

#if canImport(Glibc)
  import Glibc
#endif

extension ScengineBinary {
  /// What a run measured for its memory did.
  public struct Measured: Sendable {
    /// The exit status, or 128 + the signal that ended the process.
    public let status: Int32
    /// The peak resident set size of the process, in KiB (`ru_maxrss` from `wait4(2)`).
    public let peakKiB: Int
  }

  /// Runs scengine with `arguments` (give absolute paths: it runs in the test's working folder),
  /// standard streams on /dev/null, and reads its peak resident memory from `wait4(2)`: the
  /// figure of this one child, whatever else the test process runs at the same time.
  public static func measurePeakMemory(_ arguments: [String]) throws -> Measured {
    guard let binary = url else { throw NotFound() }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for descriptor in Int32(0)...2 {
      posix_spawn_file_actions_addopen(
        &actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
    }
    let argv = ([binary.path] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, binary.path, &actions, nil, argv, environ)
    guard spawned == 0 else {
      throw CocoaError(
        .fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "posix_spawn \(spawned)"])
    }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let exited = status & 0x7f == 0
    return Measured(
      status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), peakKiB: usage.ru_maxrss)
  }
}
