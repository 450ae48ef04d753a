/// Collects the per-path risk figures of one variant block by block, and summarizes them.
///
/// For each path and asset a it records the terminal simple return S_a(T)/S_a(0) − 1 and the
/// maximum drawdown of S_a(0…T) (see `maximumDrawdown`). With portfolio weights w (fractions of
/// the initial value, Σ w_a = 1, validated by the caller) it does the same for the value of a
/// buy-and-hold portfolio,
///
///     V_t = Σ_a w_a · S_a(t) / S_a(0),   V_0 = Σ_a w_a = 1,
///
/// whose terminal return is V_T / V_0 − 1.
///
/// Figures are stored at each path's index, so blocks may be added from any number of threads at
/// once and in any order: they write disjoint memory and need no lock. `summary()` sorts before
/// taking quantiles and sums in path order, so its result is identical whatever the block order,
/// thread count or block size. It must be called after every `add` has returned.
///
/// Memory: 2 doubles per path per series (assets, plus the portfolio), allocated up front —
/// 16 MB per million paths per asset. This is O(paths), the one exception to the bounded-memory
/// rule, because exact quantiles need every value.
public final class RiskAccumulator: @unchecked Sendable {
  /// Asset names, in the order of the price array's last axis.
  public let assets: [String]
  /// Buy-and-hold weights per asset, or `nil` for no portfolio.
  public let portfolioWeights: [Double]?
  /// The global indices of the paths this accumulator covers.
  public let paths: Range<Int>

  /// The number of series: one per asset, plus one for the portfolio.
  private let seriesCount: Int
  /// Terminal returns, laid out [series][path − paths.lowerBound].
  private let terminalReturns: UnsafeMutableBufferPointer<Double>
  /// Maximum drawdowns, laid out [series][path − paths.lowerBound].
  private let maxDrawdowns: UnsafeMutableBufferPointer<Double>
  /// Whether a path's figures have been added, per path − paths.lowerBound.
  private let added: UnsafeMutableBufferPointer<Bool>

  /// Creates an accumulator for paths `0 ..< totalPaths`.
  ///
  /// - Parameters:
  ///   - assets: asset names, distinct, in the order of the price array's last axis.
  ///   - portfolioWeights: one weight per asset (fractions of the initial value, summing to 1),
  ///     or `nil` for no portfolio.
  ///   - totalPaths: the number of paths.
  public convenience init(assets: [String], portfolioWeights: [Double]?, totalPaths: Int) {
    self.init(assets: assets, portfolioWeights: portfolioWeights, paths: 0..<totalPaths)
  }

  /// Creates an accumulator for the global path indices `paths` (a shard's range).
  ///
  /// - Parameters:
  ///   - assets: asset names, distinct, in the order of the price array's last axis.
  ///   - portfolioWeights: one weight per asset (fractions of the initial value, summing to 1),
  ///     or `nil` for no portfolio.
  ///   - paths: the global indices of the paths that will be added.
  public init(assets: [String], portfolioWeights: [Double]?, paths: Range<Int>) {
    precondition(Set(assets).count == assets.count, "asset names \(assets) are not distinct")
    precondition(
      portfolioWeights.map { $0.count == assets.count } ?? true,
      "\(portfolioWeights?.count ?? 0) portfolio weights for \(assets.count) assets")
    precondition(paths.lowerBound >= 0)
    self.assets = assets
    self.portfolioWeights = portfolioWeights
    self.paths = paths
    self.seriesCount = assets.count + (portfolioWeights == nil ? 0 : 1)
    terminalReturns = .allocate(capacity: seriesCount * paths.count)
    terminalReturns.initialize(repeating: .nan)
    maxDrawdowns = .allocate(capacity: seriesCount * paths.count)
    maxDrawdowns.initialize(repeating: .nan)
    added = .allocate(capacity: paths.count)
    added.initialize(repeating: false)
  }

  deinit {
    terminalReturns.deallocate()
    maxDrawdowns.deallocate()
    added.deallocate()
  }

  /// Records the figures of paths `firstPath ..< firstPath + pathCount`.
  ///
  /// - Parameters:
  ///   - prices: `pathCount × (steps + 1) × assets` prices, laid out `[path][step][asset]`, step 0
  ///     holding the initial prices S(0).
  ///   - firstPath: the global index of the block's first path.
  ///   - pathCount: the number of paths in the block.
  ///   - steps: the number of steps after the initial price.
  /// - Precondition: the block lies within `paths` and overlaps no block added before.
  /// - Complexity: O(pathCount × steps × assets).
  public func add(
    prices: UnsafeBufferPointer<Double>, firstPath: Int, pathCount: Int, steps: Int
  ) {
    precondition(steps >= 0, "risk block: \(steps) steps")
    let assetCount = assets.count
    let pathStride = (steps + 1) * assetCount
    precondition(
      prices.count == pathCount * pathStride,
      "risk block: \(prices.count) prices, expected \(pathCount) × \(steps + 1) × \(assetCount)")
    precondition(
      firstPath >= paths.lowerBound && firstPath + pathCount <= paths.upperBound,
      "risk block \(firstPath)..<\(firstPath + pathCount) lies outside paths \(paths)")
    let pathCapacity = paths.count
    // The drawdown trackers of the assets as parallel arrays (peaks, largest drawdowns, NaN
    // flags) in plain buffers, so that the step loop runs across the assets in vector lanes.
    let peak = UnsafeMutablePointer<Double>.allocate(capacity: max(1, assetCount))
    let largest = UnsafeMutablePointer<Double>.allocate(capacity: max(1, assetCount))
    let sawNaN = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, assetCount))
    defer {
      peak.deallocate()
      largest.deallocate()
      sawNaN.deallocate()
    }
    for block in 0..<pathCount {
      let slot = firstPath - paths.lowerBound + block
      precondition(!added[slot], "risk figures of path \(firstPath + block) were added twice")
      let base = block * pathStride
      peak.update(repeating: -.infinity, count: assetCount)
      largest.update(repeating: 0, count: assetCount)
      sawNaN.update(repeating: 0, count: assetCount)
      var portfolio = DrawdownTracker()
      var portfolioValue = 0.0
      var initialPortfolioValue = 0.0
      for step in 0...steps {
        let row = prices.baseAddress! + base + step * assetCount
        for asset in 0..<assetCount {
          let price = row[asset]
          DrawdownTracker.observe(price, peak: &peak[asset], largest: &largest[asset])
          sawNaN[asset] |= price.isNaN ? 1 : 0
        }
        if let portfolioWeights {
          portfolioValue = 0
          for asset in 0..<assetCount {
            portfolioValue += portfolioWeights[asset] * (row[asset] / prices[base + asset])
          }
          if step == 0 { initialPortfolioValue = portfolioValue }
          portfolio.observe(portfolioValue)
        }
      }
      let last = base + steps * assetCount
      for asset in 0..<assetCount {
        let index = asset * pathCapacity + slot
        terminalReturns[index] = prices[last + asset] / prices[base + asset] - 1
        maxDrawdowns[index] =
          DrawdownTracker(peak: peak[asset], largest: largest[asset], sawNaN: sawNaN[asset] != 0)
          .maximum
      }
      if portfolioWeights != nil {
        let index = assetCount * pathCapacity + slot
        terminalReturns[index] = portfolioValue / initialPortfolioValue - 1
        maxDrawdowns[index] = portfolio.maximum
      }
      added[slot] = true
    }
  }

  /// The figures of every path added so far (`paths` counts them), per asset and for the
  /// portfolio.
  ///
  /// - Complexity: O(N log N) per asset, N the number of paths added.
  public func summary() -> RiskSummary {
    let slots = (0..<paths.count).filter { added[$0] }
    func risk(series: Int) -> AssetRisk {
      let start = series * paths.count
      return AssetRisk(
        terminalReturns: slots.map { terminalReturns[start + $0] },
        maxDrawdowns: slots.map { maxDrawdowns[start + $0] })
    }
    var byAsset: [String: AssetRisk] = [:]
    for (series, name) in assets.enumerated() { byAsset[name] = risk(series: series) }
    return RiskSummary(
      paths: slots.count, assets: byAsset,
      portfolio: portfolioWeights == nil ? nil : risk(series: assets.count))
  }
}
