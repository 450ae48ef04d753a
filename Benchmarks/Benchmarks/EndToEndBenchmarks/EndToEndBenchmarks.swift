// End to end: one `scengine run` of a scenario file (release binary, --threads
// SCENGINE_BENCH_THREADS, default 1, --progress none) per iteration, a child process timed from
// launch to exit, writing prices.npy to a directory under $TMPDIR: scenarios/e2e-gbm50.yaml,
// the W2 shape, and scenarios/e2e-gbm1.yaml, the W1 shape, to float64, and
// scenarios/e2e-gbm1-float32.yaml, the W1 shape to float32 (half the bytes).
// Peers: peers/e2e_numpy.py and peers/e2e_numba.py (a numpy or numba script, also a child
// process, that simulates the same GBM and np.save-s the prices to a directory beside it), and
// peers/write_floor.py (the same number of bytes written from memory to a new file there).

import Benchmark
import BenchmarkSupport
import Foundation

let benchmarks: @Sendable () -> Void = {
  // The last run's files go when the suite process ends, not in `teardown`: ordo-one's runner
  // calls `teardown` after every run request, so removing them there would free the pages
  // seconds before the next run writes again, while every peer frees its previous file just
  // before its run. On VMs that hand memory freed for about two seconds back to the host
  // (virtio-balloon free page reporting), that alone made the scengine side's runs 0.18 s →
  // 0.6 s (see README.md).
  atexit { CLIRun.removeOutputs() }
  let workloads = [
    RunWorkload(paths: 10_000, steps: 252, assets: 50, gbm: .spread),
    RunWorkload(paths: 100_000, steps: 252, assets: 1, gbm: .single),
    RunWorkload(paths: 100_000, steps: 252, assets: 1, gbm: .single, precision: .float32),
  ]
  for workload in workloads {
    Benchmark(workload.name, configuration: .peerComparison(tags: workload.tags)) {
      benchmark, run in
      for _ in benchmark.scaledIterations {
        try run.removeOutput()  // the previous iteration's files, outside the measurement
        benchmark.startMeasurement()
        try run.launch()
        benchmark.stopMeasurement()
      }
    } setup: {
      try CLIRun(workload)
    }
  }
}

/// The element type of the prices file, the scenario's `output.precision`.
enum RunPrecision: String {
  case float64
  case float32

  /// Bytes per value in the file.
  var bytes: Int { self == .float64 ? 8 : 4 }
}

/// One end-to-end workload: a scenario file of `paths × steps × assets` GBM, written out as
/// `paths × (steps + 1) × assets` prices of `precision` (time index 0 included, as in the file).
struct RunWorkload {
  let paths: Int
  let steps: Int
  let assets: Int
  let gbm: BenchmarkGBM
  var precision = RunPrecision.float64
  let threads = BenchmarkThreads.count
  let seed: UInt64 = 20_261_129

  /// The directory of this package (`Benchmarks/`), from this file's path.
  static let packageDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

  /// Where both sides write: `$TMPDIR/scengine-bench-e2e` (`/tmp` without TMPDIR), the same
  /// rule as the peer's, so both write to the same disk. Removed after the benchmark.
  static var outputRoot: String {
    let tmp = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 }
    return "\(tmp ?? "/tmp")/scengine-bench-e2e"
  }

  /// The scenario file, relative to `Benchmarks/`; `peers/e2e_numpy.py --write-scenario`
  /// writes it from the tags and the peers check that it matches them.
  var scenario: String {
    "scenarios/e2e-gbm\(assets)\(precision == .float64 ? "" : "-\(precision.rawValue)").yaml"
  }
  /// The numpy peer's block: cache-sized, as in the process suite.
  var block: Int { BenchmarkBlocks.cacheSizedPaths(steps: steps, assets: assets) }
  var values: Int { paths * (steps + 1) * assets }

  /// The size of the prices file's data (its header aside), what the write floor writes.
  var bytes: Int { values * precision.bytes }

  /// `E2E gbm PATHSxSTEPSxASSETS npy`, with ` float32` for float32 prices: the row name in the
  /// comparison table.
  var name: String {
    "E2E gbm \(paths)x\(steps)x\(assets) npy\(precision == .float64 ? "" : " \(precision.rawValue)")"
  }

  var tags: [String: String] {
    gbm.tags.merging([
      "paths": "\(paths)", "steps": "\(steps)", "assets": "\(assets)", "seed": "\(seed)",
      "block": "\(block)", "values": "\(values)", "scenario": scenario,
      "threads": "\(threads)", "precision": precision.rawValue, "bytes": "\(bytes)",
    ]) { $1 }
  }
}

struct RunFailure: Error, CustomStringConvertible {
  let description: String
}

/// Launches the release `scengine` that `swift build -c release --product scengine` put beside
/// this executable.
final class CLIRun {
  let workload: RunWorkload
  let executable: URL
  let outputDirectory: String
  let environment: [String: String]

  init(_ workload: RunWorkload) throws {
    self.workload = workload
    let binDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
      .deletingLastPathComponent()
    executable = binDirectory.appendingPathComponent("scengine")
    guard FileManager.default.isExecutableFile(atPath: executable.path) else {
      throw RunFailure(
        description: "\(executable.path) not found: build it with "
          + "`swift build -c release --product scengine` in Benchmarks/ (make build does)")
    }
    let scenario = "\(RunWorkload.packageDirectory)/\(workload.scenario)"
    guard FileManager.default.fileExists(atPath: scenario) else {
      throw RunFailure(
        description: "\(scenario) not found: write it with "
          + "`.venv/bin/python peers/e2e_numpy.py --write-scenario TAGS` (see README.md)")
    }
    outputDirectory = Self.outputDirectory
    // The suite runs with ordo-one's malloc interposer preloaded: the CLI must not inherit it.
    var environment = ProcessInfo.processInfo.environment
    if let preload = environment["LD_PRELOAD"] {
      let kept = preload.split(separator: ":").filter { !$0.contains("MallocInterposer") }
      environment["LD_PRELOAD"] = kept.isEmpty ? nil : kept.joined(separator: ":")
    }
    self.environment = environment
    try FileManager.default.createDirectory(
      atPath: RunWorkload.outputRoot, withIntermediateDirectories: true)
  }

  var arguments: [String] {
    [
      "run", "\(RunWorkload.packageDirectory)/\(workload.scenario)", "--out", outputDirectory,
      "--threads", "\(workload.threads)", "--progress", "none",
    ]
  }

  /// Where the runs write: `scengine` under `RunWorkload.outputRoot`, beside the peers'
  /// directories.
  static var outputDirectory: String { "\(RunWorkload.outputRoot)/scengine" }

  /// Removes the last run's files, and the output root when the peers' files are gone too.
  static func removeOutputs() {
    try? FileManager.default.removeItem(atPath: outputDirectory)
    rmdir(RunWorkload.outputRoot)
  }

  func removeOutput() throws {
    if FileManager.default.fileExists(atPath: outputDirectory) {
      try FileManager.default.removeItem(atPath: outputDirectory)
    }
  }

  /// Runs the CLI to completion; its summary table goes to /dev/null, errors to stderr.
  ///
  /// By `posix_spawn` and `waitpid`, not Foundation's `Process`: on Linux its
  /// `waitUntilExit()` polls the run loop every 50 ms, which added up to 50 ms to every run
  /// (`/bin/true` took 0.051 s through it).
  func launch() throws {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv + envp { free(pointer) }
    }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, envp)
    guard spawned == 0 else {
      throw RunFailure(
        description: "cannot start \(executable.path): \(String(cString: strerror(spawned)))")
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      guard errno == EINTR else {
        throw RunFailure(description: "waitpid: \(String(cString: strerror(errno)))")
      }
    }
    // Exited (the low seven bits zero) with status 0.
    guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else {
      throw RunFailure(
        description: "scengine \(arguments.joined(separator: " ")) failed with wait status "
          + "\(status)")
    }
  }
}
