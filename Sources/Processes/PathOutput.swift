import Randomness

/// Latent states a process can emit beside prices.
public struct LatentStates: OptionSet, Sendable, Hashable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  /// The conditional variance in force during each step (per step, decimal).
  public static let variance = LatentStates(rawValue: 1)
  /// The number of jumps in each step, per asset, that reached the price (each forced jump
  /// counts; 0 on a step whose return a historical replay replaced).
  public static let jumps = LatentStates(rawValue: 2)
  /// The regime in force during each step.
  public static let regimes = LatentStates(rawValue: 4)
}

/// Caller-owned output buffers for one block of consecutive paths, each laid out in C order.
///
/// - `prices`: `[paths][steps + 1][assets]`, time index 0 holding the initial prices.
/// - `logReturns`: `[paths][steps][assets]`, `log(S_k / S_{k−1})`.
/// - `variance`: `[paths][steps][assets]`, conditional variance per step (GARCH).
/// - `jumps`: `[paths][steps][assets]`, jump counts.
/// - `regimes`: `[paths][steps]`, regime indices.
///
/// Optional buffers that are `nil` are not written.
public struct BlockOutput: @unchecked Sendable {
  public var prices: UnsafeMutablePointer<Double>
  public var logReturns: UnsafeMutablePointer<Double>?
  public var variance: UnsafeMutablePointer<Double>?
  public var jumps: UnsafeMutablePointer<Int32>?
  public var regimes: UnsafeMutablePointer<UInt8>?

  public init(
    prices: UnsafeMutablePointer<Double>, logReturns: UnsafeMutablePointer<Double>? = nil,
    variance: UnsafeMutablePointer<Double>? = nil, jumps: UnsafeMutablePointer<Int32>? = nil,
    regimes: UnsafeMutablePointer<UInt8>? = nil
  ) {
    self.prices = prices
    self.logReturns = logReturns
    self.variance = variance
    self.jumps = jumps
    self.regimes = regimes
  }

  /// The views of the path at position `offset` in the block.
  public func path(_ offset: Int, steps: Int, assets: Int) -> PathOutput {
    let view = advanced(byPaths: offset, steps: steps, assets: assets)
    return PathOutput(
      prices: view.prices, logReturns: view.logReturns, variance: view.variance,
      jumps: view.jumps, regimes: view.regimes)
  }

  /// The block's buffers from the path at position `offset` on.
  public func advanced(byPaths offset: Int, steps: Int, assets: Int) -> BlockOutput {
    let perStep = steps * assets
    return BlockOutput(
      prices: prices + offset * (steps + 1) * assets,
      logReturns: logReturns.map { $0 + offset * perStep },
      variance: variance.map { $0 + offset * perStep },
      jumps: jumps.map { $0 + offset * perStep },
      regimes: regimes.map { $0 + offset * steps })
  }
}

/// The output buffers of one path (see `BlockOutput` for the layouts).
public struct PathOutput {
  public var prices: UnsafeMutablePointer<Double>
  public var logReturns: UnsafeMutablePointer<Double>?
  public var variance: UnsafeMutablePointer<Double>?
  public var jumps: UnsafeMutablePointer<Int32>?
  public var regimes: UnsafeMutablePointer<UInt8>?
}

/// Arrays that own the buffers of a block; convenient for tests and small runs.
public struct BlockArrays: Sendable {
  public let paths: Int
  public let steps: Int
  public let assets: Int
  public var prices: [Double]
  public var logReturns: [Double]
  public var variance: [Double]
  public var jumps: [Int32]
  public var regimes: [UInt8]

  /// Allocates prices and, as asked, log-returns and latent states.
  public init(paths: Int, steps: Int, assets: Int, returns: Bool = false, latent: LatentStates = [])
  {
    self.paths = paths
    self.steps = steps
    self.assets = assets
    prices = Array(repeating: 0, count: paths * (steps + 1) * assets)
    logReturns = returns ? Array(repeating: 0, count: paths * steps * assets) : []
    variance = latent.contains(.variance) ? Array(repeating: 0, count: paths * steps * assets) : []
    jumps = latent.contains(.jumps) ? Array(repeating: 0, count: paths * steps * assets) : []
    regimes = latent.contains(.regimes) ? Array(repeating: 0, count: paths * steps) : []
  }

  /// Calls `body` with a `BlockOutput` over these arrays.
  public mutating func withOutput<R>(_ body: (BlockOutput) throws -> R) rethrows -> R {
    try prices.withUnsafeMutableBufferPointer { p in
      try logReturns.withUnsafeMutableBufferPointer { r in
        try variance.withUnsafeMutableBufferPointer { v in
          try jumps.withUnsafeMutableBufferPointer { j in
            try regimes.withUnsafeMutableBufferPointer { g in
              try body(
                BlockOutput(
                  prices: p.baseAddress!, logReturns: r.isEmpty ? nil : r.baseAddress,
                  variance: v.isEmpty ? nil : v.baseAddress, jumps: j.isEmpty ? nil : j.baseAddress,
                  regimes: g.isEmpty ? nil : g.baseAddress))
            }
          }
        }
      }
    }
  }
}

/// Turns rows 1…steps of `prices`, holding log returns, into prices: a running sum from the
/// log initial prices (the same additions, in the same order, as stepping a log price), then
/// one vectorised exponential; row 0 receives the initial prices themselves.
@inline(__always)
func pricesFromLogReturns(
  _ prices: UnsafeMutablePointer<Double>, initialPrices: [Double], steps: Int, assets n: Int
) {
  pricesOfPath(prices, initialPrices: initialPrices, steps: steps, assets: n) { $1 }
}

/// `pricesFromLogReturns` of one path of the plain diffusion step whose rows 1…steps hold its
/// standard normal shocks `z`: each log return `drift[a] + volatility[a] · z` is made in the
/// running sum's pass, not in a pass of its own (the same operations in the same order: the
/// same bits).
@inline(__always)
func pricesFromShocks(
  _ prices: UnsafeMutablePointer<Double>, initialPrices: [Double], steps: Int,
  drift: UnsafePointer<Double>, volatility: UnsafePointer<Double>
) {
  pricesOfPath(prices, initialPrices: initialPrices, steps: steps, assets: initialPrices.count) {
    drift[$0] + volatility[$0] * $1
  }
}

/// The running sums of one path, adding `logReturn(asset, row value)` at each step, then one
/// vectorised exponential; row 0 receives the initial prices.
@inline(__always)
func pricesOfPath(
  _ prices: UnsafeMutablePointer<Double>, initialPrices: [Double], steps: Int, assets n: Int,
  logReturn: (_ asset: Int, _ value: Double) -> Double
) {
  // The largest magnitude of the log prices, found on the way: whether all are in the fast
  // range of the exponential.
  var largest: UInt64 = 0
  if n == 1 {
    // One asset: the running log price stays in a register.
    var level = PortableMath.log(initialPrices[0])
    for t in 1..<(steps + 1) {
      level += logReturn(0, prices[t])
      prices[t] = level
      largest = max(largest, Exponential.magnitudeBits(level))
    }
  } else {
    for a in 0..<n { prices[a] = PortableMath.log(initialPrices[a]) }
    for t in 0..<steps {
      let previous = prices + t * n
      let row = previous + n
      for a in 0..<n {
        row[a] = logReturn(a, row[a]) + previous[a]
        largest = max(largest, Exponential.magnitudeBits(row[a]))
      }
    }
  }
  Exponential.exponentiate(prices + n, count: steps * n, largestMagnitudeBits: largest)
  for a in 0..<n { prices[a] = initialPrices[a] }
}

/// Simulates the consecutive paths of a group (see `PriceProcess.simulate(group:…)`) whose
/// prices come from log returns: `body` simulates each path, leaving rows 1…steps of its
/// prices holding its log returns (as `pricesFromLogReturns` expects), then every path's rows
/// become prices.
///
/// For one asset and a full group the running sums of the paths go side by side in one loop:
/// each path's sum is a chain of dependent additions whose latency, not the work, bounds a path
/// alone; interleaved, the chains of four paths overlap. Each path sees the same additions in
/// the same order and the same exponential as `pricesFromLogReturns` alone, so the bits are
/// those of simulating the paths one by one.
@inline(__always)
func simulatePathGroup(
  _ paths: Range<Int>, output: BlockOutput, initialPrices: [Double], steps: Int,
  _ body: (_ path: Int, _ output: PathOutput) -> Void
) {
  let n = initialPrices.count
  for (offset, path) in paths.enumerated() {
    body(path, output.path(offset, steps: steps, assets: n))
  }
  pricesFromLogReturns(
    group: output.prices, paths: paths.count, initialPrices: initialPrices, steps: steps)
}

/// `pricesFromLogReturns` for each of `paths` consecutive paths at `prices`, the running sums
/// of four one-asset paths side by side (see `simulatePathGroup`).
@inline(__always)
func pricesFromLogReturns(
  group prices: UnsafeMutablePointer<Double>, paths: Int, initialPrices: [Double], steps: Int
) {
  let n = initialPrices.count
  let stride = (steps + 1) * n
  guard n == 1 && paths == 4 else {
    for offset in 0..<paths {
      pricesFromLogReturns(
        prices + offset * stride, initialPrices: initialPrices, steps: steps, assets: n)
    }
    return
  }
  pricesOfFourPaths(prices, initialPrice: initialPrices[0], steps: steps) { $0 }
}

/// Four one-asset paths of the plain diffusion step at `prices` (`steps + 1` values each) whose
/// rows 1…steps hold their standard normal shocks `z`: each step's log return
/// `drift + volatility · z`, the running sums and the exponential in one pass over the rows,
/// where `simulate(path:…)` and `pricesFromLogReturns` make two (the same operations in the
/// same order: the same bits).
@inline(__always)
func pricesFromShocks(
  group prices: UnsafeMutablePointer<Double>, initialPrice: Double, steps: Int, drift: Double,
  volatility: Double
) {
  pricesOfFourPaths(prices, initialPrice: initialPrice, steps: steps) {
    drift + volatility * $0
  }
}

/// The running sums of four one-asset paths side by side (see `simulatePathGroup`), adding
/// `logReturn(row value)` at each step, then each path's exponential; row 0 receives
/// `initialPrice`.
@inline(__always)
func pricesOfFourPaths(
  _ prices: UnsafeMutablePointer<Double>, initialPrice: Double, steps: Int,
  logReturn: (Double) -> Double
) {
  let p0 = prices
  let p1 = p0 + (steps + 1)
  let p2 = p1 + (steps + 1)
  let p3 = p2 + (steps + 1)
  let start = PortableMath.log(initialPrice)
  var (l0, l1, l2, l3) = (start, start, start, start)
  // Where `exponentiate` checks the range eight lanes at a time (AVX-512), the sums alone;
  // otherwise the largest magnitude of each path too, which saves it a pass.
  let track = !Exponential.checksRangeInLanes
  var (m0, m1, m2, m3): (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
  for t in 1..<(steps + 1) {
    l0 += logReturn(p0[t])
    l1 += logReturn(p1[t])
    l2 += logReturn(p2[t])
    l3 += logReturn(p3[t])
    p0[t] = l0
    p1[t] = l1
    p2[t] = l2
    p3[t] = l3
    if track {
      m0 = max(m0, Exponential.magnitudeBits(l0))
      m1 = max(m1, Exponential.magnitudeBits(l1))
      m2 = max(m2, Exponential.magnitudeBits(l2))
      m3 = max(m3, Exponential.magnitudeBits(l3))
    }
  }
  func finish(_ p: UnsafeMutablePointer<Double>, _ largest: UInt64) {
    Exponential.exponentiate(p + 1, count: steps, largestMagnitudeBits: track ? largest : nil)
    p[0] = initialPrice
  }
  finish(p0, m0)
  finish(p1, m1)
  finish(p2, m2)
  finish(p3, m3)
}
