import Foundation
import Testing

@testable import Risk

/// The radix selection behind the summaries, which never holds a whole column in memory.
@Suite("Order statistics by radix selection")
struct OrderStatisticsTests {
  /// A column that hands its values out in small chunks, as the temporary file does.
  struct ChunkedColumn: ValueColumn {
    let values: [Double]
    let chunk: Int
    var count: Int { values.count }
    func forEachChunk(_ body: (UnsafeBufferPointer<Double>) -> Void) {
      values.withUnsafeBufferPointer { all in
        for start in stride(from: 0, to: all.count, by: chunk) {
          body(UnsafeBufferPointer(rebasing: all[start..<min(start + chunk, all.count)]))
        }
      }
    }
  }

  /// Samples that stress the keys: ties, signed zeros, infinities, subnormals, one value.
  static let samples: [(String, [Double])] = {
    var state: UInt64 = 12345
    func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) * 0x1p-53
    }
    let smooth = (0..<5000).map { _ in next() - 0.5 }
    let ties = (0..<3000).map { _ in Double(Int(next() * 7)) - 3 }
    let extremes =
      [
        -.infinity, .infinity, -0.0, 0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1, -1,
      ] + smooth.prefix(200)
    return [
      ("smooth", smooth), ("ties", ties), ("extremes", extremes), ("one value", [0.25]),
      ("all equal", Array(repeating: -0.125, count: 999)),
    ]
  }()

  @Test(arguments: 0..<5, [1 << 20, 1, 0])
  func everyRankEqualsTheSortedSample(sample: Int, gatherLimit: Int) throws {
    let (name, values) = Self.samples[sample]
    let sorted = values.sorted()
    let column = ChunkedColumn(values: values, chunk: 97)
    let found = try orderStatistics(
      of: column, ranks: Set(0..<values.count), gatherLimit: gatherLimit)
    for rank in 0..<values.count {
      let observed = try #require(found[rank])
      // Equal as numbers (−0 and +0 may trade places, as in any sort).
      #expect(
        observed == sorted[rank],
        "\(name), gather limit \(gatherLimit): rank \(rank) expected \(sorted[rank]), got \(observed)"
      )
    }
  }

  /// Ranges above the sort limit are counted before they are gathered: the same values.
  @Test(arguments: 0..<5, [64, 1])
  func countingBeforeSortingFindsTheSameRanks(sample: Int, sortLimit: Int) throws {
    let (name, values) = Self.samples[sample]
    let sorted = values.sorted()
    let column = ChunkedColumn(values: values, chunk: 97)
    let ranks = Set(stride(from: 0, to: values.count, by: 7)).union([values.count - 1])
    let found = try orderStatistics(of: column, ranks: ranks, sortLimit: sortLimit)
    for rank in ranks.sorted() {
      let observed = try #require(found[rank])
      #expect(
        observed == sorted[rank],
        "\(name), sort limit \(sortLimit): rank \(rank) expected \(sorted[rank]), got \(observed)")
    }
  }

  @Test func orderKeysSortLikeTheDoubles() {
    for (_, values) in Self.samples {
      let byKey = values.map(orderKey).sorted().map(valueOfOrderKey)
      #expect(byKey == values.sorted())
      for value in values {
        #expect(valueOfOrderKey(orderKey(value)).bitPattern == value.bitPattern)
      }
    }
  }

  /// The summary of a column read in chunks equals the summary of the same values in memory, to
  /// the bit, and its expected shortfall equals the mean of the k smallest (sorted) to rounding.
  @Test(arguments: 0..<5)
  func summariesDoNotDependOnChunking(sample: Int) throws {
    let (name, values) = Self.samples[sample]
    let finite = values.filter(\.isFinite)
    let inMemory = ReturnDistributionSummary(returns: finite)
    let chunked = try ReturnDistributionSummary(column: ChunkedColumn(values: finite, chunk: 13))
    // NaN ≠ NaN: the standard deviation of one value is NaN on both sides.
    var (a, b) = (inMemory, chunked)
    if a.standardDeviation.isNaN && b.standardDeviation.isNaN {
      (a.standardDeviation, b.standardDeviation) = (0, 0)
    }
    #expect(a == b, "\(name)")
    let sorted = finite.sorted()
    for (percent, observed) in [
      (5, inMemory.expectedShortfall95), (1, inMemory.expectedShortfall99),
    ] {
      let k = max(1, finite.count * percent / 100)
      let expected = -sorted[..<k].reduce(0, +) / Double(k)
      let tolerance = 1e-12 * max(1, abs(expected))
      #expect(
        abs(observed - expected) <= tolerance,
        "\(name) ES\(100 - percent): expected \(expected), observed \(observed), tolerance \(tolerance)"
      )
    }
    let drawdowns = finite.map(abs)
    #expect(
      DrawdownSummary(drawdowns: drawdowns)
        == (try DrawdownSummary(column: ChunkedColumn(values: drawdowns, chunk: 7))))
  }

  /// The accumulator keeps no per-path figures in memory and leaves no file behind.
  @Test func accumulatorSpillsToAnUnlinkedFile() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("scengine-risk-spill-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let (paths, steps) = (5000, 3)
    let prices = RiskAccumulatorTests.randomWalks(paths: paths, steps: steps, assets: 2, seed: 21)
    let accumulator = try RiskAccumulator(
      assets: ["A", "B"], portfolioWeights: [0.5, 0.5], paths: 0..<paths,
      directory: folder.path)
    try RiskAccumulatorTests.add(
      prices, to: accumulator, blocks: RiskAccumulatorTests.blocks(paths: paths, size: 333),
      steps: steps, assets: 2)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    let summary = try accumulator.summary()
    #expect(summary.paths == paths)
    let inMemory = try RiskAccumulator(
      assets: ["A", "B"], portfolioWeights: [0.5, 0.5], totalPaths: paths)
    try RiskAccumulatorTests.add(
      prices, to: inMemory, blocks: [0..<paths], steps: steps, assets: 2)
    #expect(try inMemory.summary() == summary)
  }

  @Test func unwritableFolderIsAClearError() {
    #expect {
      _ = try RiskAccumulator(
        assets: ["A"], portfolioWeights: nil, paths: 0..<10, directory: "/nonexistent/folder")
    } throws: { error in
      "\(error)".contains(
        "cannot create the temporary file of per-path risk figures in "
          + "/nonexistent/folder: No such file or directory")
    }
  }
}
