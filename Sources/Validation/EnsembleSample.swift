import Dispatch
import Foundation
import Risk

/// The ensemble of one variant: the first N paths' prices, per-path statistics and pooled
/// returns, computed by `threads` workers over blocks of paths, each path's figures at its own
/// index.
final class EnsembleSample: @unchecked Sendable {
  let paths: Int
  let points: Int
  let assets: Int
  let n: Int
  /// Worker threads.
  let threads: Int
  /// Prices, [asset][point][path] (a fan chart column is contiguous).
  let prices: UnsafeMutableBufferPointer<Double>
  /// Statistics, [asset][statistic][path] (`SeriesStatistics` layout).
  let statistics: UnsafeMutableBufferPointer<Double>
  /// Per-path correlations of the first n returns, [pair][path], pairs (i < j) row by row.
  let pairs: UnsafeMutableBufferPointer<Double>
  /// Pooled returns per asset and horizon (`Validator.distanceHorizons`): every path's
  /// non-overlapping sums of h returns over all its steps, [path][sum], in path order until
  /// `report` sorts them.
  let pooled: [[UnsafeMutableBufferPointer<Double>]]
  var pairCount: Int { assets * (assets - 1) / 2 }
  var steps: Int { points - 1 }

  init(
    prices array: PriceArray, columns: [Int], paths: Int, n: Int, dt: Double, threads: Int
  ) throws(ValidationInputError) {
    self.paths = paths
    self.points = array.points
    self.assets = columns.count
    self.n = n
    self.threads = threads
    let steps = array.points - 1
    prices = .allocate(capacity: assets * paths * points)
    statistics = .allocate(capacity: assets * SeriesStatistics.count * paths)
    pairs = .allocate(capacity: max(1, assets * (assets - 1) / 2 * paths))
    pooled = columns.map { _ in
      Validator.distanceHorizons.map { h in .allocate(capacity: max(1, paths * (steps / h))) }
    }
    let blocks = (paths + Validator.blockPaths - 1) / Validator.blockPaths
    let workers = max(1, min(threads, blocks))
    let failure = FirstError()
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      let row = array.points * array.assets
      let buffer = UnsafeMutableBufferPointer<Double>.allocate(
        capacity: Validator.blockPaths * row)
      defer { buffer.deallocate() }
      let scratch = SeriesStatistics.Scratch(capacity: n)
      let out = UnsafeMutableBufferPointer<Double>.allocate(capacity: SeriesStatistics.count)
      defer { out.deallocate() }
      let series = UnsafeMutableBufferPointer<Double>.allocate(capacity: points)
      defer { series.deallocate() }
      // Every validated asset's returns over all steps, [asset][step].
      let returns = UnsafeMutableBufferPointer<Double>.allocate(capacity: columns.count * steps)
      defer { returns.deallocate() }
      let centred = UnsafeMutableBufferPointer<Double>.allocate(capacity: columns.count * n)
      defer { centred.deallocate() }
      var block = w
      while block < blocks, !failure.isSet {
        let range =
          (block * Validator.blockPaths)..<min(paths, (block + 1) * Validator.blockPaths)
        do throws(ValidationInputError) {
          try array.read(range, into: buffer)
        } catch {
          failure.set(error)
          return
        }
        for path in range {
          let base = (path - range.lowerBound) * row
          for (a, c) in columns.enumerated() {
            for t in 0..<points {
              let v = buffer[base + t * array.assets + c]
              series[t] = v
              self.prices[(a * points + t) * paths + path] = v
            }
            let r = UnsafeMutableBufferPointer(rebasing: returns[(a * steps)..<((a + 1) * steps)])
            for t in 0..<steps { r[t] = log(series[t + 1] / series[t]) }
            SeriesStatistics.compute(
              prices: UnsafeBufferPointer(rebasing: series[0...n]),
              returns: UnsafeBufferPointer(rebasing: r[0..<n]), dt: dt, scratch: scratch,
              into: out)
            for s in 0..<SeriesStatistics.count {
              self.statistics[(a * SeriesStatistics.count + s) * paths + path] = out[s]
            }
            for (j, h) in Validator.distanceHorizons.enumerated() {
              let m = steps / h
              let target = self.pooled[a][j].baseAddress! + path * m
              for i in 0..<m {
                var sum = 0.0
                for t in (i * h)..<(i * h + h) { sum += r[t] }
                target[i] = sum
              }
            }
          }
          if columns.count >= 2 {
            self.correlate(path: path, returns: returns, steps: steps, centred: centred)
          }
        }
        block += workers
      }
    }
    if let error = failure.error { throw error }
  }

  deinit {
    prices.deallocate()
    statistics.deallocate()
    pairs.deallocate()
    for buffers in pooled { for b in buffers { b.deallocate() } }
  }

  /// The path's statistic `s` of asset `a` across the ensemble.
  func statistic(asset a: Int, _ s: Int) -> UnsafeBufferPointer<Double> {
    let start = (a * SeriesStatistics.count + s) * paths
    return UnsafeBufferPointer(rebasing: statistics[start..<(start + paths)])
  }

  /// The prices of asset `a` at `point` across the ensemble.
  func column(asset a: Int, point t: Int) -> UnsafeBufferPointer<Double> {
    let start = (a * points + t) * paths
    return UnsafeBufferPointer(rebasing: prices[start..<(start + paths)])
  }

  /// Stores the correlations of the path's first n returns.
  private func correlate(
    path: Int, returns: UnsafeMutableBufferPointer<Double>, steps: Int,
    centred: UnsafeMutableBufferPointer<Double>
  ) {
    var norms = [Double](repeating: 0, count: assets)
    for a in 0..<assets {
      let x = UnsafeMutableBufferPointer(rebasing: centred[(a * n)..<((a + 1) * n)])
      for t in 0..<n { x[t] = returns[a * steps + t] }
      let raw = UnsafeBufferPointer(
        UnsafeMutableBufferPointer(rebasing: returns[(a * steps)..<(a * steps + n)]))
      let mean = SeriesStatistics.sum(UnsafeBufferPointer(x)) / Double(n)
      for t in 0..<n { x[t] -= mean }
      norms[a] = SeriesStatistics.dot(UnsafeBufferPointer(x), UnsafeBufferPointer(x), offset: 0)
      // A series that varies by rounding only has no correlation (NaN), like a constant one.
      if SeriesStatistics.spreadIsRounding(raw, sumOfSquares: norms[a]) { norms[a] = 0 }
    }
    var k = 0
    for i in 0..<assets {
      let x = UnsafeBufferPointer(rebasing: centred[(i * n)..<((i + 1) * n)])
      for j in (i + 1)..<assets {
        let y = UnsafeBufferPointer(rebasing: centred[(j * n)..<((j + 1) * n)])
        let v =
          norms[i] > 0 && norms[j] > 0
          ? min(
            1,
            max(-1, SeriesStatistics.dot(x, y, offset: 0) / (norms[i] * norms[j]).squareRoot()))
          : .nan
        pairs[k * paths + path] = v
        k += 1
      }
    }
  }
}

/// The first error thrown by any worker.
final class FirstError: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: ValidationInputError?
  var isSet: Bool { lock.withLock { stored != nil } }
  var error: ValidationInputError? { lock.withLock { stored } }
  func set(_ e: ValidationInputError) { lock.withLock { if stored == nil { stored = e } } }
}

/// `body(0) … body(count − 1)` computed by up to `threads` workers, each result in its place.
func parallelMap<T>(_ count: Int, threads: Int, _ body: (Int) -> T) -> [T] {
  let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
  results.initialize(repeating: nil)
  defer { results.deallocate() }
  let workers = max(1, min(threads, count))
  withoutActuallyEscaping(body) { body in
    let shared = UnsafeSendable(results: results, body: body)
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      var i = w
      while i < count {
        shared.results[i] = shared.body(i)
        i += workers
      }
    }
  }
  return results.map { $0! }
}

/// What `parallelMap`'s workers share: disjoint result slots and a body that only reads.
private struct UnsafeSendable<T>: @unchecked Sendable {
  let results: UnsafeMutableBufferPointer<T?>
  let body: (Int) -> T
}
