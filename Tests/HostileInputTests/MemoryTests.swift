import Foundation
import ScengineTestSupport
import Testing

/// Peak memory depends on block size, steps and assets, never on the number of paths or
/// variants or on an option's value (DESIGN invariant 6). Each case measures one child's peak
/// resident memory with `wait4(2)`.
@Suite("memory bounds")
struct MemoryTests {
  /// A one-asset GBM scenario with a portfolio, `steps` steps and `paths` paths.
  static func scenario(paths: Int, steps: Int) -> String {
    """
    name: memory
    seed: 1
    paths: \(paths)
    time: {steps: \(steps), dt: 1/252}
    assets: [A]
    initial: 100
    model: {gbm: {drift: 0.05, volatility: 0.2}}
    portfolio: {A: 1}
    """
  }

  /// `count` variants of `assets` assets over `steps` steps, each with stresses over every step.
  static func manyVariants(count: Int, assets: Int, steps: Int, paths: Int) -> String {
    let names = (0..<assets).map { "A\($0)" }
    var lines = [
      "name: many-variants", "seed: 1", "paths: \(paths)", "time: {steps: \(steps), dt: 1/252}",
      "assets: [\(names.joined(separator: ", "))]", "initial: 100",
      "model: {gbm: {drift: 0.05, volatility: 0.2}}", "variants:",
    ]
    for v in 0..<count {
      lines.append(
        "  v\(v): {stresses: [{volatility: {from: 1, to: \(steps), multiplier: 1.5}}, "
          + "{drift: {from: 1, to: \(steps), drift: -0.1}}]}")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  @Test("peak memory does not grow with the number of paths")
  func pathsDoNotCostMemory() throws {
    let folder = try TemporaryDirectory("memory-paths")
    defer { folder.remove() }
    var peaks: [Int] = []
    for paths in [50_000, 2_000_000] {
      let file = try folder.write(Self.scenario(paths: paths, steps: 2), to: "s\(paths).yaml")
      let run = try ScengineBinary.measurePeakMemory(
        ["run", file, "--out", folder.path("out\(paths)"), "--threads", "2"])
      #expect(run.status == 0, "\(paths) paths: exit status \(run.status)")
      peaks.append(run.peakKiB)
      try? FileManager.default.removeItem(atPath: folder.path("out\(paths)"))
    }
    // The per-path risk figures of 1,950,000 more paths would take 60 MB in memory.
    #expect(
      peaks[1] - peaks[0] < 8 * 1024,
      "peak RSS: \(peaks[0]) KiB for 50,000 paths, \(peaks[1]) KiB for 2,000,000 (expected < 8 MiB more)"
    )
  }

  @Test("Parquet output holds a few row groups, whatever the number of paths")
  func parquetPathsDoNotCostMemory() throws {
    let folder = try TemporaryDirectory("memory-parquet")
    defer { folder.remove() }
    var peaks: [Int] = []
    // 559,240 paths a row group (32 MiB of 20-byte rows, 3 rows a path): 1 and 4 row groups.
    for paths in [50_000, 2_000_000] {
      let file = try folder.write(Self.scenario(paths: paths, steps: 2), to: "s\(paths).yaml")
      let run = try ScengineBinary.measurePeakMemory(
        [
          "run", file, "--out", folder.path("out\(paths)"), "--threads", "2", "--format",
          "parquet",
        ])
      #expect(run.status == 0, "\(paths) paths: exit status \(run.status)")
      peaks.append(run.peakKiB)
      try? FileManager.default.removeItem(atPath: folder.path("out\(paths)"))
    }
    // Two row groups being filled and one being encoded: about 3 × 32 MiB of values.
    #expect(
      peaks[1] < 200 * 1024,
      "peak RSS: \(peaks[0]) KiB for 50,000 paths, \(peaks[1]) KiB for 2,000,000 (expected < 200 MiB)"
    )
  }

  @Test("a block size far above the path count allocates only what the paths need")
  func hugeBlockOnFewPaths() throws {
    let folder = try TemporaryDirectory("memory-block")
    defer { folder.remove() }
    let file = try folder.write(Self.scenario(paths: 10, steps: 252), to: "s.yaml")
    let run = try ScengineBinary.measurePeakMemory(
      ["run", file, "--out", folder.path("out"), "--block-size", "200000"])
    #expect(run.status == 0, "exit status \(run.status)")
    #expect(run.peakKiB < 100 * 1024, "peak RSS \(run.peakKiB) KiB, expected < 100 MiB")
  }

  @Test("check and run of 100 stressed variants hold one variant's schedule at a time")
  func manyStressedVariants() throws {
    let folder = try TemporaryDirectory("memory-variants")
    defer { folder.remove() }
    let file = try folder.write(
      Self.manyVariants(count: 100, assets: 10, steps: 100_000, paths: 1), to: "s.yaml")
    let check = try ScengineBinary.measurePeakMemory(["check", file])
    #expect(check.status == 0, "check: exit status \(check.status)")
    // One variant's schedule: two 10 × 100,000 arrays of doubles, 16 MB; all 100: 1.6 GB.
    #expect(check.peakKiB < 200 * 1024, "check: peak RSS \(check.peakKiB) KiB, expected < 200 MiB")
    // A run: 100 variants × 10 assets × 20,000 steps, one path each: all schedules 320 MB.
    let small = try folder.write(
      Self.manyVariants(count: 100, assets: 10, steps: 20_000, paths: 1), to: "small.yaml")
    let run = try ScengineBinary.measurePeakMemory(
      ["run", small, "--out", folder.path("out"), "--threads", "1"])
    #expect(run.status == 0, "run: exit status \(run.status)")
    #expect(run.peakKiB < 150 * 1024, "run: peak RSS \(run.peakKiB) KiB, expected < 150 MiB")
  }

  /// A file of 5,000 small variants: `check` and `run` take time linear in the number of
  /// variants (each variant's schedule is kept when small, so nothing is parsed twice).
  @Test("thousands of variants are checked and run without a time blow-up")
  func thousandsOfVariants() throws {
    let folder = try TemporaryDirectory("many-small-variants")
    defer { folder.remove() }
    var lines = ScenarioFixture.scenario(["variants": nil, "paths": "paths: 1"])
    lines += "variants:\n"
    for v in 0..<5000 {
      lines += "  v\(v): {stresses: [{shock: {at: 2, returns: {EQ: -0.1}}}]}\n"
    }
    let file = try folder.write(lines, to: "s.yaml")
    let check = try ScengineBinary.run(["check", file], timeout: 60)
    #expect(check.status == 0, "check: \(check.stderr)")
    let run = try ScengineBinary.run(
      ["run", file, "--out", folder.path("out"), "--progress", "none"], timeout: 120)
    #expect(run.status == 0, "run: \(run.stderr)")
  }
}
