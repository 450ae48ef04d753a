#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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
/// once and in any order: they write disjoint places and need no lock. `summary()` reads them in
/// path order and takes exact order statistics, so its result is identical whatever the block
/// order, thread count or block size. It must be called after every `add` has returned.
///
/// Memory (DESIGN invariant 6): the per-path figures (2 doubles per path per series: 16 MB per
/// million paths per asset) live in a temporary file, not in memory. The file is created in the
/// given folder (the run's output folder, on the disk that holds the results) and unlinked at
/// once, so it takes no name and disappears with the accumulator whatever happens to the
/// process. `summary()` reads it a few times in chunks; memory stays at a few MB for any number
/// of paths.
public final class RiskAccumulator: @unchecked Sendable {
  /// Asset names, in the order of the price array's last axis.
  public let assets: [String]
  /// Buy-and-hold weights per asset, or `nil` for no portfolio.
  public let portfolioWeights: [Double]?
  /// The global indices of the paths this accumulator covers.
  public let paths: Range<Int>

  /// The number of series: one per asset, plus one for the portfolio (last).
  public let seriesCount: Int
  /// The unlinked temporary file of per-path figures, laid out
  /// [series][terminal return | maximum drawdown][path − paths.lowerBound] as doubles.
  private let descriptor: Int32
  /// The blocks added so far, disjoint, sorted and merged where they touch; guarded by `lock`.
  private var added: [Range<Int>] = []
  private let lock = Lock()

  /// Creates an accumulator for paths `0 ..< totalPaths`, keeping its figures in the system's
  /// temporary folder.
  ///
  /// - Parameters:
  ///   - assets: asset names, distinct, in the order of the price array's last axis.
  ///   - portfolioWeights: one weight per asset (fractions of the initial value, summing to 1),
  ///     or `nil` for no portfolio.
  ///   - totalPaths: the number of paths.
  public convenience init(
    assets: [String], portfolioWeights: [Double]?, totalPaths: Int
  ) throws(RiskError) {
    try self.init(assets: assets, portfolioWeights: portfolioWeights, paths: 0..<totalPaths)
  }

  /// Creates an accumulator for the global path indices `paths` (a shard's range).
  ///
  /// - Parameters:
  ///   - assets: asset names, distinct, in the order of the price array's last axis.
  ///   - portfolioWeights: one weight per asset (fractions of the initial value, summing to 1),
  ///     or `nil` for no portfolio.
  ///   - paths: the global indices of the paths that will be added.
  ///   - directory: the folder of the temporary file of per-path figures (default: `TMPDIR`,
  ///     else `/tmp`).
  public init(
    assets: [String], portfolioWeights: [Double]?, paths: Range<Int>, directory: String? = nil
  ) throws(RiskError) {
    precondition(Set(assets).count == assets.count, "asset names \(assets) are not distinct")
    precondition(
      portfolioWeights.map { $0.count == assets.count } ?? true,
      "\(portfolioWeights?.count ?? 0) portfolio weights for \(assets.count) assets")
    precondition(paths.lowerBound >= 0)
    self.assets = assets
    self.portfolioWeights = portfolioWeights
    self.paths = paths
    self.seriesCount = assets.count + (portfolioWeights == nil ? 0 : 1)
    let folder = directory ?? getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    descriptor = try createUnlinkedFile(in: folder.isEmpty ? "/tmp" : folder)
  }

  deinit { close(descriptor) }

  /// Records the figures of paths `firstPath ..< firstPath + pathCount`.
  ///
  /// - Parameters:
  ///   - prices: `pathCount × (steps + 1) × assets` prices, laid out `[path][step][asset]`, step 0
  ///     holding the initial prices S(0).
  ///   - firstPath: the global index of the block's first path.
  ///   - pathCount: the number of paths in the block.
  ///   - steps: the number of steps after the initial price.
  /// - Precondition: the block lies within `paths` and overlaps no block added before.
  /// - Throws: when the figures cannot be written to the temporary file (a full disk).
  /// - Complexity: O(pathCount × steps × assets).
  public func add(
    prices: UnsafeBufferPointer<Double>, firstPath: Int, pathCount: Int, steps: Int
  ) throws(RiskError) {
    precondition(steps >= 0, "risk block: \(steps) steps")
    let assetCount = assets.count
    let pathStride = (steps + 1) * assetCount
    precondition(
      prices.count == pathCount * pathStride,
      "risk block: \(prices.count) prices, expected \(pathCount) × \(steps + 1) × \(assetCount)")
    precondition(
      firstPath >= paths.lowerBound && firstPath + pathCount <= paths.upperBound,
      "risk block \(firstPath)..<\(firstPath + pathCount) lies outside paths \(paths)")
    // The block's figures, laid out [series][return | drawdown][path in block], written to the
    // file one run of paths per series and kind.
    let figures = UnsafeMutableBufferPointer<Double>.allocate(
      capacity: max(1, seriesCount * 2 * pathCount))
    defer { figures.deallocate() }
    let base = prices.baseAddress!
    /// Writes the terminal return and maximum drawdown of `asset` on path `path` of the block,
    /// whose prices start at `start`, from the state of one lane.
    func record(asset: Int, path: Int, start: UnsafePointer<Double>, tracker: DrawdownTracker) {
      figures[(asset * 2) * pathCount + path] = start[steps * assetCount + asset] / start[asset] - 1
      figures[(asset * 2 + 1) * pathCount + path] = tracker.maximum
    }
    if assetCount >= 4 {
      // Four consecutive assets of one path in the lanes, read as one contiguous vector per
      // step; the last group of a path overlaps the one before when 4 does not divide the
      // assets, and its shared lanes compute the same figures again.
      for path in 0..<pathCount {
        let start = base + path * pathStride
        var asset = 0
        while asset < assetCount {
          let first = min(asset, assetCount - 4)
          let lanes = DrawdownLanes(steps: steps) { step in
            UnsafeRawPointer(start + step * assetCount + first).loadUnaligned(
              as: SIMD4<Double>.self)
          }
          for lane in 0..<4 {
            record(asset: first + lane, path: path, start: start, tracker: lanes.tracker(lane))
          }
          asset = first + 4
        }
      }
    } else {
      // Each asset's figures, four paths at a time in the lanes: the values of one step lie
      // a path apart.
      var first = 0
      while first < pathCount {
        let lanes = min(4, pathCount - first)
        // A short last group repeats its last path in the unused lanes.
        let offsets = SIMD4<Int>(0, 1, 2, 3).replacing(
          with: lanes - 1, where: SIMD4<Int>(0, 1, 2, 3) .>= SIMD4(repeating: lanes))
        let starts = (SIMD4(repeating: first) &+ offsets) &* pathStride
        for asset in 0..<assetCount {
          let state = DrawdownLanes(steps: steps) { step in
            let at = step * assetCount + asset
            return SIMD4(
              base[starts[0] + at], base[starts[1] + at], base[starts[2] + at],
              base[starts[3] + at])
          }
          for lane in 0..<lanes {
            record(
              asset: asset, path: first + lane, start: base + starts[lane],
              tracker: state.tracker(lane))
          }
        }
        first += lanes
      }
    }
    if let portfolioWeights {
      for block in 0..<pathCount {
        let start = block * pathStride
        var portfolio = DrawdownTracker()
        var portfolioValue = 0.0
        var initialPortfolioValue = 0.0
        for step in 0...steps {
          let row = base + start + step * assetCount
          portfolioValue = 0
          for asset in 0..<assetCount {
            portfolioValue += portfolioWeights[asset] * (row[asset] / prices[start + asset])
          }
          if step == 0 { initialPortfolioValue = portfolioValue }
          portfolio.observe(portfolioValue)
        }
        figures[(assetCount * 2) * pathCount + block] = portfolioValue / initialPortfolioValue - 1
        figures[(assetCount * 2 + 1) * pathCount + block] = portfolio.maximum
      }
    }
    let slot = firstPath - paths.lowerBound
    for row in 0..<(seriesCount * 2) where pathCount > 0 {
      let bytes = UnsafeRawBufferPointer(
        UnsafeMutableBufferPointer(rebasing: figures[(row * pathCount)..<((row + 1) * pathCount)]))
      try writeAll(bytes, at: (row * paths.count + slot) * 8)
    }
    lock.withLock { insert(firstPath..<(firstPath + pathCount)) }
  }

  /// Writes figures computed elsewhere (a shard's `risk_inputs.npy`): `values` are the figures
  /// of kind `kind` (0 terminal return, 1 maximum drawdown) of series `series` for the paths
  /// `firstPath ..< firstPath + values.count`. Call `markAdded` once every series and kind of
  /// those paths is written.
  ///
  /// - Throws: when the temporary file cannot be written (a full disk).
  public func addFigures(
    _ values: UnsafeBufferPointer<Double>, series: Int, kind: Int, firstPath: Int
  ) throws(RiskError) {
    precondition(series >= 0 && series < seriesCount && (kind == 0 || kind == 1))
    precondition(firstPath >= paths.lowerBound && firstPath + values.count <= paths.upperBound)
    guard !values.isEmpty else { return }
    let row = series * 2 + kind
    try writeAll(
      UnsafeRawBufferPointer(values), at: (row * paths.count + firstPath - paths.lowerBound) * 8)
  }

  /// Records that the figures of `block` have all been written by `addFigures`.
  /// - Precondition: `block` lies within `paths` and overlaps no block added before.
  public func markAdded(_ block: Range<Int>) {
    precondition(block.lowerBound >= paths.lowerBound && block.upperBound <= paths.upperBound)
    lock.withLock { insert(block) }
  }

  /// Calls `body` with every figure, laid out `[series][terminal return | maximum
  /// drawdown][path]` (series: the assets in order, then the portfolio), in consecutive
  /// chunks of at most 512 KB; `body` returns false to stop. Call it once every path of `paths`
  /// has been added.
  ///
  /// - Throws: when the temporary file cannot be read back.
  public func forEachFigureChunk(_ body: (UnsafeBufferPointer<Double>) -> Bool)
    throws(RiskError)
  {
    let blocks = lock.withLock { added }
    precondition(
      blocks == (paths.isEmpty ? [] : [paths]),
      "risk figures exported before every path of \(paths) was added")
    for row in 0..<(seriesCount * 2) {
      let column = SpilledColumn(
        descriptor: descriptor, offset: row * paths.count * 8, firstPath: paths.lowerBound,
        blocks: blocks, count: paths.count)
      var going = true
      try column.forEachChunk { chunk in
        if going { going = body(chunk) }
      }
      if !going { return }
    }
  }

  /// Records a block as added, keeping `added` sorted and merged. Caller holds `lock`.
  private func insert(_ block: Range<Int>) {
    guard !block.isEmpty else { return }
    let i = added.firstIndex { $0.lowerBound >= block.upperBound } ?? added.endIndex
    precondition(
      i == 0 || added[i - 1].upperBound <= block.lowerBound,
      "risk figures of paths \(block) were added twice")
    var merged = block
    var lower = i
    if i > 0, added[i - 1].upperBound == block.lowerBound {
      lower = i - 1
      merged = added[i - 1].lowerBound..<merged.upperBound
    }
    var upper = i
    if i < added.count, added[i].lowerBound == block.upperBound {
      merged = merged.lowerBound..<added[i].upperBound
      upper = i + 1
    }
    added.replaceSubrange(lower..<upper, with: [merged])
  }

  /// Writes all of `bytes` at byte `offset` of the file, retrying short writes and `EINTR`.
  private func writeAll(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(RiskError) {
    var done = 0
    while done < bytes.count {
      let written = pwrite(
        descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
      if written > 0 {
        done += written
      } else if written < 0 && errno == EINTR {
        continue
      } else {
        throw .spillFileFailed(operation: "write", errno: written < 0 ? errno : ENOSPC)
      }
    }
  }

  /// The figures of every path added so far (`paths` counts them), per asset and for the
  /// portfolio.
  ///
  /// - Throws: when the temporary file cannot be read back.
  /// - Complexity: O(N) per series, N the number of paths added, in a few passes over the file.
  public func summary() throws(RiskError) -> RiskSummary {
    let blocks = lock.withLock { added }
    let count = blocks.reduce(0) { $0 + $1.count }
    func column(series: Int, kind: Int) -> SpilledColumn {
      SpilledColumn(
        descriptor: descriptor, offset: (series * 2 + kind) * paths.count * 8,
        firstPath: paths.lowerBound, blocks: blocks, count: count)
    }
    func risk(series: Int) throws(RiskError) -> AssetRisk {
      AssetRisk(
        terminalReturn: try ReturnDistributionSummary(column: column(series: series, kind: 0)),
        maxDrawdown: try DrawdownSummary(column: column(series: series, kind: 1)))
    }
    var byAsset: [String: AssetRisk] = [:]
    for (series, name) in assets.enumerated() { byAsset[name] = try risk(series: series) }
    return RiskSummary(
      paths: count, assets: byAsset,
      portfolio: portfolioWeights == nil ? nil : try risk(series: assets.count))
  }
}

/// One series' figures in the temporary file: the paths of `blocks`, in path order.
struct SpilledColumn: ValueColumn {
  let descriptor: Int32
  /// The byte offset of the figure of path `firstPath`.
  let offset: Int
  let firstPath: Int
  let blocks: [Range<Int>]
  let count: Int

  /// Values read per chunk: 512 KB.
  static let chunkLength = 1 << 16

  func forEachChunk(_ body: (UnsafeBufferPointer<Double>) -> Void) throws(RiskError) {
    let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: Self.chunkLength)
    defer { buffer.deallocate() }
    for block in blocks {
      var path = block.lowerBound
      while path < block.upperBound {
        let length = min(Self.chunkLength, block.upperBound - path)
        let bytes = UnsafeMutableRawBufferPointer(
          UnsafeMutableBufferPointer(rebasing: buffer[..<length]))
        var done = 0
        while done < bytes.count {
          let read = pread(
            descriptor, bytes.baseAddress! + done, bytes.count - done,
            off_t(offset + (path - firstPath) * 8 + done))
          if read > 0 {
            done += read
          } else if read < 0 && errno == EINTR {
            continue
          } else {
            throw .spillFileFailed(operation: "read", errno: read < 0 ? errno : EIO)
          }
        }
        body(UnsafeBufferPointer(rebasing: buffer[..<length]))
        path += length
      }
    }
  }
}

/// Creates a file for reading and writing in `directory` under a name no one else uses, and
/// unlinks it at once: its space is the process's until the descriptor is closed.
private func createUnlinkedFile(in directory: String) throws(RiskError) -> Int32 {
  var generator = SystemRandomNumberGenerator()
  for _ in 0..<16 {
    let name = "\(directory)/.scengine-risk-\(getpid())-\(generator.next() as UInt64).tmp"
    let descriptor = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    if descriptor >= 0 {
      unlink(name)
      return descriptor
    }
    guard errno == EEXIST else {
      throw .cannotCreateSpillFile(directory: directory, errno: errno)
    }
  }
  throw .cannotCreateSpillFile(directory: directory, errno: EEXIST)
}

/// A mutual-exclusion lock over `pthread_mutex_t`.
private final class Lock: @unchecked Sendable {
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  init() { pthread_mutex_init(mutex, nil) }
  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }
  func withLock<T>(_ body: () -> T) -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return body()
  }
}

/// Four `DrawdownTracker`s side by side in vector lanes, run over steps `0...steps`: the step
/// loop's peaks and largest drawdowns stay in registers and four divisions go at once. Each lane
/// computes exactly what `DrawdownTracker.observe` does for its series alone.
struct DrawdownLanes {
  private var peak = SIMD4<Double>(repeating: -.infinity)
  private var largest = SIMD4<Double>(repeating: 0)
  private var sawNaN = SIMDMask<SIMD4<Int64>>(repeating: false)

  /// Observes `values(step)` for every step in `0...steps`.
  @inline(__always)
  init(steps: Int, _ values: (Int) -> SIMD4<Double>) {
    for step in 0...steps {
      let value = values(step)
      // Swift.max(a, b) is `b >= a ? b : a`: the same choice, lane by lane.
      peak.replace(with: value, where: value .>= peak)
      let drawdown = 1 - value / peak
      largest.replace(with: drawdown, where: drawdown .>= largest)
      sawNaN .|= value .!= value
    }
  }

  /// The tracker of one lane.
  func tracker(_ lane: Int) -> DrawdownTracker {
    DrawdownTracker(peak: peak[lane], largest: largest[lane], sawNaN: sawNaN[lane])
  }
}
