import Benchmark

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Benchmark.Configuration {
  /// The configuration of a benchmark that has a numpy peer.
  ///
  /// `tags` describe the workload completely: `compare.py` forwards them verbatim to the peer
  /// script, so the Swift suite is the one place where a workload is defined. Every suite sets
  /// `values`, the number of values one iteration produces; the comparison table reports
  /// `values / wall-clock seconds`.
  ///
  /// Run by `swift package benchmark`, a benchmark makes one warm-up iteration and then five
  /// measured ones. `compare.py` sets `SCENGINE_BENCH_WARMUP=0` and
  /// `SCENGINE_BENCH_ITERATIONS=1` so that each of its requests is exactly one measured
  /// iteration, which it alternates with one run of the peer.
  public static func peerComparison(tags: [String: String]) -> Self {
    precondition(
      tags["values"].flatMap(Int.init) != nil, "a compared workload needs a `values` tag")
    return .init(
      metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, .peakMemoryResident],
      tags: tags,
      timeUnits: .milliseconds,
      warmupIterations: environmentInteger("SCENGINE_BENCH_WARMUP") ?? 1,
      maxDuration: .seconds(3600),
      maxIterations: environmentInteger("SCENGINE_BENCH_ITERATIONS") ?? 5
    )
  }
}

/// The non-negative integer value of an environment variable, if it is set and valid.
func environmentInteger(_ name: String) -> Int? {
  guard let raw = getenv(name), let value = Int(String(cString: raw)), value >= 0 else {
    return nil
  }
  return value
}
