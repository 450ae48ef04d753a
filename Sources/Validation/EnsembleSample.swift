import Dispatch
import Foundation
import Risk

/// The ensemble of one variant: the first N paths' prices and per-path statistics, computed by
/// `threads` workers over blocks of paths, each path's figures at its own index.
final class EnsembleSample: @unchecked Sendable {
  let paths: Int
  let points: Int
  let assets: Int
  let n: Int
  /// Prices, [asset][path][point].
  let prices: UnsafeMutableBufferPointer<Double>
  /// Statistics, [asset][statistic][path] (`SeriesStatistics` layout).
  let statistics: UnsafeMutableBufferPointer<Double>
  /// Per-path correlations of the first n returns, [pair][path], pairs (i < j) row by row.
  let pairs: UnsafeMutableBufferPointer<Double>
  var pairCount: Int { assets * (assets - 1) / 2 }

  init(
    prices array: PriceArray, columns: [Int], paths: Int, n: Int, dt: Double, threads: Int
  ) throws(ValidationInputError) {
    self.paths = paths
    self.points = array.points
    self.assets = columns.count
    self.n = n
    prices = .allocate(capacity: assets * paths * points)
    statistics = .allocate(capacity: assets * SeriesStatistics.count * paths)
    pairs = .allocate(capacity: max(1, assets * (assets - 1) / 2 * paths))
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
            let series = UnsafeMutableBufferPointer(
              rebasing: self.prices[
                ((a * paths + path) * points)..<((a * paths + path + 1) * points)])
            for t in 0..<points { series[t] = buffer[base + t * array.assets + c] }
            SeriesStatistics.compute(
              prices: UnsafeBufferPointer(rebasing: series[0...n]), dt: dt, scratch: scratch,
              into: out)
            for s in 0..<SeriesStatistics.count {
              self.statistics[(a * SeriesStatistics.count + s) * paths + path] = out[s]
            }
          }
          if columns.count >= 2 { self.correlate(path: path, centred: centred) }
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
  }

  /// The path's prices of asset `a`.
  func series(asset a: Int, path: Int) -> UnsafeBufferPointer<Double> {
    UnsafeBufferPointer(
      rebasing: prices[((a * paths + path) * points)..<((a * paths + path + 1) * points)])
  }

  /// The path's statistic `s` of asset `a` across the ensemble.
  func statistic(asset a: Int, _ s: Int) -> UnsafeBufferPointer<Double> {
    let start = (a * SeriesStatistics.count + s) * paths
    return UnsafeBufferPointer(rebasing: statistics[start..<(start + paths)])
  }

  /// Stores the correlations of the path's first n returns.
  private func correlate(path: Int, centred: UnsafeMutableBufferPointer<Double>) {
    var norms = [Double](repeating: 0, count: assets)
    for a in 0..<assets {
      let p = series(asset: a, path: path)
      let x = UnsafeMutableBufferPointer(rebasing: centred[(a * n)..<((a + 1) * n)])
      for t in 0..<n { x[t] = log(p[t + 1] / p[t]) }
      let mean = SeriesStatistics.sum(UnsafeBufferPointer(x)) / Double(n)
      for t in 0..<n { x[t] -= mean }
      norms[a] = SeriesStatistics.dot(UnsafeBufferPointer(x), UnsafeBufferPointer(x), offset: 0)
    }
    var k = 0
    for i in 0..<assets {
      let x = UnsafeBufferPointer(rebasing: centred[(i * n)..<((i + 1) * n)])
      for j in (i + 1)..<assets {
        let y = UnsafeBufferPointer(rebasing: centred[(j * n)..<((j + 1) * n)])
        let v =
          norms[i] > 0 && norms[j] > 0
          ? min(
            1, max(-1, SeriesStatistics.dot(x, y, offset: 0) / (norms[i] * norms[j]).squareRoot()))
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
