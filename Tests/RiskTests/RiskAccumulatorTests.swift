import Foundation
import Testing

@testable import Risk

@Suite("Risk accumulator")
struct RiskAccumulatorTests {
  /// Geometric random walks, laid out [paths][steps + 1][assets], from a seeded LCG.
  static func randomWalks(paths: Int, steps: Int, assets: Int, seed: UInt64) -> [Double] {
    var state = seed
    var prices: [Double] = []
    prices.reserveCapacity(paths * (steps + 1) * assets)
    for _ in 0..<paths {
      var current = (0..<assets).map { 50 + 50 * Double($0) }
      prices += current
      for _ in 0..<steps {
        for asset in 0..<assets {
          state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
          let uniform = Double(state >> 11) * 0x1p-53
          current[asset] *= exp(0.06 * (uniform - 0.5))
        }
        prices += current
      }
    }
    return prices
  }

  static func add(
    _ prices: [Double], to accumulator: RiskAccumulator, blocks: [Range<Int>], steps: Int,
    assets: Int
  ) throws {
    let perPath = (steps + 1) * assets
    for block in blocks {
      try prices[(block.lowerBound * perPath)..<(block.upperBound * perPath)]
        .withUnsafeBufferPointer {
          try accumulator.add(
            prices: $0, firstPath: block.lowerBound, pathCount: block.count, steps: steps)
        }
    }
  }

  static func blocks(paths: Int, size: Int) -> [Range<Int>] {
    stride(from: 0, to: paths, by: size).map { $0..<min($0 + size, paths) }
  }

  @Test func handMadePathsGiveHandFigures() throws {
    // Two assets, three paths, four steps; laid out [path][step][asset].
    let a: [[Double]] = [
      [100, 120, 90, 130, 65], [100, 110, 121, 133.1, 146.41], [10, 9, 8, 9, 10],
    ]
    let b: [[Double]] = [[50, 50, 50, 50, 50], [20, 10, 20, 10, 20], [1, 2, 4, 2, 1]]
    var prices: [Double] = []
    for path in 0..<3 { for step in 0...4 { prices += [a[path][step], b[path][step]] } }
    let accumulator = try RiskAccumulator(
      assets: ["A", "B"], portfolioWeights: [0.5, 0.5], totalPaths: 3)
    try prices.withUnsafeBufferPointer {
      try accumulator.add(prices: $0, firstPath: 0, pathCount: 3, steps: 4)
    }
    let summary = try accumulator.summary()
    #expect(summary.paths == 3)
    let assetA = try #require(summary.assets["A"])
    // Terminal returns of A: −0.35, 0.4641, 0; drawdowns 0.5, 0, 0.2.
    expectClose(assetA.terminalReturn.mean, (-0.35 + 0.4641 + 0) / 3, "A mean return")
    expectClose(assetA.terminalReturn.quantiles["0.5"] ?? .nan, 0, "A median return")
    expectClose(assetA.maxDrawdown.maximum, 0.5, "A worst drawdown")
    expectClose(assetA.maxDrawdown.mean, 0.7 / 3, "A mean drawdown")
    let assetB = try #require(summary.assets["B"])
    // B: terminal returns 0, 0, 0; drawdowns 0, 0.5, 0.75.
    #expect(assetB.terminalReturn.mean == 0 && assetB.terminalReturn.standardDeviation == 0)
    expectClose(assetB.maxDrawdown.maximum, 0.75, "B worst drawdown")
    // Portfolio V = ½ A/A₀ + ½ B/B₀, per path:
    // 1: ½(A/A₀ + 1) = 1, 1.1, 0.95, 1.15, 0.825: drawdown 1 − 0.825/1.15; terminal −0.175.
    // 2: ½(1 + 1), ½(1.1 + 0.5), ½(1.21 + 1), ½(1.331 + 0.5), ½(1.4641 + 1) = 1, 0.8, 1.105,
    //    0.9155, 1.23205: drawdown 0.2 (1 → 0.8 beats 1.105 → 0.9155); terminal 0.23205.
    // 3: ½(1 + 1), ½(0.9 + 2), ½(0.8 + 4), ½(0.9 + 2), ½(1 + 1) = 1, 1.45, 2.4, 1.45, 1:
    //    drawdown 1 − 1/2.4; terminal 0.
    let portfolio = try #require(summary.portfolio)
    expectClose(portfolio.maxDrawdown.maximum, 1 - 1 / 2.4, "portfolio worst drawdown")
    expectClose(
      portfolio.maxDrawdown.mean,
      ((1 - 0.825 / 1.15) + 0.2 + (1 - 1 / 2.4)) / 3, "portfolio mean drawdown")
    expectClose(
      portfolio.terminalReturn.mean, (-0.175 + 0.23205 + 0) / 3, "portfolio mean return")
  }

  @Test func resultIsTheSameForAnyBlockOrderOrThreadCount() throws {
    let (paths, steps, assets) = (997, 20, 3)
    let prices = Self.randomWalks(paths: paths, steps: steps, assets: assets, seed: 11)
    let weights = [0.5, 0.3, 0.2]
    func accumulator() throws -> RiskAccumulator {
      try RiskAccumulator(assets: ["X", "Y", "Z"], portfolioWeights: weights, totalPaths: paths)
    }

    let whole = try accumulator()
    try Self.add(prices, to: whole, blocks: [0..<paths], steps: steps, assets: assets)
    let reference = try whole.summary()
    #expect(reference.paths == paths)

    let reversed = try accumulator()
    try Self.add(
      prices, to: reversed, blocks: Self.blocks(paths: paths, size: 64).reversed(), steps: steps,
      assets: assets)
    #expect(try reversed.summary() == reference)

    let concurrent = try accumulator()
    let blocks = Self.blocks(paths: paths, size: 13)
    DispatchQueue.concurrentPerform(iterations: 2) { worker in
      let mine = blocks.enumerated().filter { $0.offset % 2 == worker }.map(\.element)
      // Each worker's error, if any, fails the test through the summary comparison below.
      try? Self.add(prices, to: concurrent, blocks: mine.reversed(), steps: steps, assets: assets)
    }
    #expect(try concurrent.summary() == reference)
  }

  @Test func figuresEqualTheStandaloneFunctions() throws {
    let (paths, steps) = (50, 30)
    let prices = Self.randomWalks(paths: paths, steps: steps, assets: 1, seed: 3)
    let accumulator = try RiskAccumulator(assets: ["X"], portfolioWeights: nil, totalPaths: paths)
    try Self.add(
      prices, to: accumulator, blocks: Self.blocks(paths: paths, size: 8), steps: steps, assets: 1)
    let path = { (index: Int) in prices[(index * (steps + 1))..<((index + 1) * (steps + 1))] }
    let expected = AssetRisk(
      terminalReturns: (0..<paths).map { path($0).last! / path($0).first! - 1 },
      maxDrawdowns: (0..<paths).map { maximumDrawdown(path($0)) })
    let summary = try accumulator.summary()
    #expect(summary.assets["X"] == expected)
    #expect(summary.portfolio == nil)
  }

  /// Every path's figures, as `forEachFigureChunk` gives them: `[series][kind][path]`.
  static func figures(_ accumulator: RiskAccumulator) throws -> [Double] {
    var all: [Double] = []
    try accumulator.forEachFigureChunk { chunk in
      all += chunk
      return true
    }
    return all
  }

  /// Each path's figures equal the standalone functions for any block size and asset count:
  /// below four assets the lanes hold four paths (with a short last group), from four on they
  /// hold four assets of one path (with an overlapping last group), with NaN and infinite
  /// prices.
  @Test(arguments: [1, 2, 3, 4, 5, 7, 9], [1, 3, 4, 6, 9])
  func laneFiguresEqualOnePathAtATime(block: Int, assets: Int) throws {
    let (paths, steps) = (11, 12)
    var prices = Self.randomWalks(paths: paths, steps: steps, assets: assets, seed: 21)
    let perPath = (steps + 1) * assets
    prices[2 * perPath + 5 * assets + min(1, assets - 1)] = .nan  // path 2, step 5, asset 1
    prices[6 * perPath + 3 * assets] = .infinity  // path 6, step 3, asset 0
    prices[9 * perPath + steps * assets + assets - 1] = .nan  // path 9, last step, last asset
    let accumulator = try RiskAccumulator(
      assets: (0..<assets).map { "A\($0)" }, portfolioWeights: nil, totalPaths: paths)
    try Self.add(
      prices, to: accumulator, blocks: Self.blocks(paths: paths, size: block), steps: steps,
      assets: assets)
    let got = try Self.figures(accumulator)
    for asset in 0..<assets {
      for path in 0..<paths {
        let series = (0...steps).map { prices[path * perPath + $0 * assets + asset] }
        let expected = [series.last! / series.first! - 1, maximumDrawdown(series)]
        for kind in 0..<2 {
          let observed = got[(asset * 2 + kind) * paths + path]
          #expect(
            observed.bitPattern == expected[kind].bitPattern,
            "block \(block) of \(assets) assets, asset \(asset), path \(path), kind \(kind): expected \(expected[kind]), observed \(observed)"
          )
        }
      }
    }
  }

  @Test func singleAssetPortfolioEqualsTheAsset() throws {
    let (paths, steps) = (300, 25)
    let prices = Self.randomWalks(paths: paths, steps: steps, assets: 1, seed: 5)
    let accumulator = try RiskAccumulator(assets: ["X"], portfolioWeights: [1], totalPaths: paths)
    try Self.add(prices, to: accumulator, blocks: [0..<paths], steps: steps, assets: 1)
    let summary = try accumulator.summary()
    let asset = try #require(summary.assets["X"])
    let portfolio = try #require(summary.portfolio)
    // V_T / V_0 − 1 = (S_T / S_0) / 1 − 1 exactly.
    #expect(portfolio.terminalReturn == asset.terminalReturn)
    // Drawdowns of S_t / S_0 and of S_t agree up to the rounding of the division.
    expectClose(portfolio.maxDrawdown.mean, asset.maxDrawdown.mean, "mean", tolerance: 1e-14)
    expectClose(
      portfolio.maxDrawdown.maximum, asset.maxDrawdown.maximum, "maximum", tolerance: 1e-14)
    for (key, value) in asset.maxDrawdown.quantiles {
      expectClose(
        portfolio.maxDrawdown.quantiles[key] ?? .nan, value, "Q(\(key))", tolerance: 1e-14)
    }
  }

  @Test func partialRunSummarizesOnlyTheAddedPathsOfAShard() throws {
    let (steps, assets) = (5, 2)
    let prices = Self.randomWalks(paths: 10, steps: steps, assets: assets, seed: 9)
    let shard = try RiskAccumulator(assets: ["A", "B"], portfolioWeights: nil, paths: 1000..<1010)
    let perPath = (steps + 1) * assets
    try prices[(3 * perPath)..<(7 * perPath)].withUnsafeBufferPointer {
      try shard.add(prices: $0, firstPath: 1003, pathCount: 4, steps: steps)
    }
    let onlyThose = try RiskAccumulator(assets: ["A", "B"], portfolioWeights: nil, totalPaths: 4)
    try prices[(3 * perPath)..<(7 * perPath)].withUnsafeBufferPointer {
      try onlyThose.add(prices: $0, firstPath: 0, pathCount: 4, steps: steps)
    }
    #expect(try shard.summary().paths == 4)
    #expect(try shard.summary() == onlyThose.summary())
  }

  @Test func emptyAccumulatorHasNoPathsAndNaNFigures() throws {
    let summary = try RiskAccumulator(assets: ["A"], portfolioWeights: [1], totalPaths: 10)
      .summary()
    #expect(summary.paths == 0)
    #expect(summary.assets["A"]?.terminalReturn.mean.isNaN == true)
    #expect(summary.portfolio?.maxDrawdown.maximum.isNaN == true)
  }

  @Test func summaryEncodesPortfolioAsNullWhenAbsent() throws {
    let summary = try RiskAccumulator(assets: [], portfolioWeights: nil, totalPaths: 0).summary()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let text = String(decoding: try encoder.encode(summary), as: UTF8.self)
    #expect(text == #"{"assets":{},"paths":0,"portfolio":null}"#)
  }
}
