/// The lower Cholesky factor `L` of a symmetric positive semi-definite matrix `A = L Lᵀ`.
///
/// Every matrix is factored by the semi-definite Cholesky algorithm (Higham, "Analysis of the
/// Cholesky decomposition of a semi-definite matrix", 1990), in panels of columns whose
/// inner loops run in vector lanes (see `semidefinite`): a column whose
/// pivot is zero to within `n · ε · max a_ii` is set to zero (two perfectly correlated assets,
/// say). Each entry is `(a_ij − Σ_k l_ik l_jk) / l_jj` with the sum in `k` order and no fused
/// multiply-add, so the factor, and with it every correlated shock, has the same bits on every
/// CPU; LAPACK's `dpotrf` (OpenBLAS kernels chosen at run time by CPU) rounds differently on
/// different CPUs. `L` is lower triangular with `rank` non-zero columns and still `L Lᵀ = A` to rounding.
public struct CholeskyFactor: Sendable, Equatable {
  /// The lower-triangular factor, zeros above the diagonal.
  public let lower: Matrix
  /// The number of non-zero columns of `lower` (the numerical rank of `A`).
  public let rank: Int
  /// Whether every pivot was above the tolerance (positive definite, rank `n`).
  public let isPositiveDefinite: Bool

  /// Factors the symmetric positive semi-definite matrix `a` (only its lower triangle is read).
  /// `tolerance` is the pivot magnitude treated as zero (default `16 n ε max a_ii`).
  ///
  /// - Throws: `LinearAlgebraError.notSquare`; `.notPositiveSemiDefinite` when a pivot is
  ///   clearly negative (the smallest eigenvalue is then reported).
  public init(_ a: Matrix, tolerance: Double? = nil) throws(LinearAlgebraError) {
    guard a.isSquare else { throw .notSquare(rows: a.rows, columns: a.columns) }
    let (l, rank) = try Self.semidefinite(a, tolerance: tolerance)
    self.lower = l
    self.rank = rank
    self.isPositiveDefinite = rank == a.rows
  }

  /// The factor of the `n × n` identity, the identity, without the `n³ / 6` multiply-adds
  /// (by zeros) that `init(_:)` spends on it; the same bits as `init(.identity(n))`.
  public init(identityOfSize n: Int) {
    self.lower = .identity(n)
    self.rank = n
    self.isPositiveDefinite = true
  }

  /// The left-looking Cholesky algorithm with zero pivots tolerated, by panels of
  /// `panelWidth` columns.
  ///
  /// Entry `(i, j)` is still `(a_ij − l_i0 l_j0 − l_i1 l_j1 − … − l_i,j−1 l_j,j−1) / l_jj`, each
  /// product rounded and subtracted in `k` order, exactly as the plain column-by-column loop
  /// does; only the order in which entries are worked on changes. For a panel of columns
  /// `j0 ..< j0 + w`, the terms `k < j0` of every entry in rows `i ≥ j0` are subtracted first,
  /// four rows and eight columns at a time in vector lanes (each lane one entry's chain), `k`
  /// in chunks of `depth` so that the chunk of the panel's rows stays in cache; the panel is
  /// then finished column by column with the terms `j0 ≤ k < j`. That keeps the bits and turns
  /// the loop's one chain of dependent subtractions into 32 independent ones: about 15 times
  /// faster at 2,000 assets.
  static func semidefinite(_ a: Matrix, tolerance given: Double?) throws(LinearAlgebraError) -> (
    Matrix, Int
  ) {
    let n = a.rows
    var l = Matrix(rows: n, columns: n)
    var maxDiagonal = 0.0
    for i in 0..<n { maxDiagonal = max(maxDiagonal, abs(a[i, i])) }
    let tolerance = given ?? Double(n) * Double.ulpOfOne * max(maxDiagonal, 1) * 16
    var rank = 0
    var packed = [Double](repeating: 0, count: depth * panelWidth)
    let negativePivot: Double? = l.elements.withUnsafeMutableBufferPointer { lb in
      a.elements.withUnsafeBufferPointer { ab in
        packed.withUnsafeMutableBufferPointer { pb in
          guard let l = lb.baseAddress, let a = ab.baseAddress, let packed = pb.baseAddress else {
            return nil
          }
          var j0 = 0
          while j0 < n {
            let w = min(panelWidth, n - j0)
            subtractEarlierColumns(l, a, packed, n: n, panel: j0, width: w)
            for c in 0..<w {
              switch finishColumn(l, n: n, panel: j0, column: j0 + c, tolerance: tolerance) {
              case .negative(let pivot): return pivot
              case .zero: break
              case .positive: rank += 1
              }
            }
            j0 += w
          }
          return nil
        }
      }
    }
    if let pivot = negativePivot {
      let smallest = (try? SymmetricEigen(a, vectors: false).values.first) ?? pivot
      throw .notPositiveSemiDefinite(smallestEigenvalue: smallest)
    }
    return (l, rank)
  }

  /// Columns per panel: a multiple of the 8 lanes of `subtractEarlierColumns`.
  static let panelWidth = 32
  /// The `k` chunk of `subtractEarlierColumns`: `depth × panelWidth` doubles (64 KiB) of the
  /// panel's rows, packed, plus four rows' `depth` entries.
  static let depth = 256

  /// Sets `l[i, j] = a_ij − Σ_{k < j0} l_ik l_jk` (in `k` order) for the panel's columns
  /// `j = j0 ..< j0 + width` and every row `i ≥ j`; entries above the diagonal stay zero.
  static func subtractEarlierColumns(
    _ l: UnsafeMutablePointer<Double>, _ a: UnsafePointer<Double>,
    _ packed: UnsafeMutablePointer<Double>, n: Int, panel j0: Int, width w: Int
  ) {
    for i in j0..<n {
      for j in j0..<min(j0 + w, i + 1) { l[i * n + j] = a[i * n + j] }
    }
    let b = panelWidth
    var k0 = 0
    while k0 < j0 {
      let kc = min(depth, j0 - k0)
      // packed[k * b + c] = l[j0 + c, k0 + k], zero for the columns past the panel's width.
      for k in 0..<kc {
        for c in 0..<b { packed[k * b + c] = c < w ? l[(j0 + c) * n + k0 + k] : 0 }
      }
      var i0 = j0
      while i0 < n {
        let rows = min(4, n - i0)
        // Rows past the end repeat the last row; their lanes are not stored.
        let r0 = UnsafePointer(l + i0 * n + k0)
        let r1 = UnsafePointer(l + (i0 + min(1, rows - 1)) * n + k0)
        let r2 = UnsafePointer(l + (i0 + min(2, rows - 1)) * n + k0)
        let r3 = UnsafePointer(l + (i0 + min(3, rows - 1)) * n + k0)
        var c0 = 0
        // Column groups that start above the group's last row hold only zeros.
        while c0 < w && j0 + c0 <= i0 + rows - 1 {
          let lanes = min(8, w - c0)
          func target(_ r: Int, _ c: Int) -> Int? {
            let i = i0 + r
            let j = j0 + c0 + c
            return r < rows && c < lanes && j <= i ? i * n + j : nil
          }
          // The eight lanes of row r: the entries so far, zero where nothing is stored.
          func entries(_ r: Int) -> (SIMD4<Double>, SIMD4<Double>) {
            var lo = SIMD4<Double>.zero
            var hi = SIMD4<Double>.zero
            for c in 0..<4 {
              if let t = target(r, c) { lo[c] = l[t] }
              if let t = target(r, c + 4) { hi[c] = l[t] }
            }
            return (lo, hi)
          }
          func store(_ r: Int, _ lo: SIMD4<Double>, _ hi: SIMD4<Double>) {
            for c in 0..<4 {
              if let t = target(r, c) { l[t] = lo[c] }
              if let t = target(r, c + 4) { l[t] = hi[c] }
            }
          }
          var (acc00, acc01) = entries(0)
          var (acc10, acc11) = entries(1)
          var (acc20, acc21) = entries(2)
          var (acc30, acc31) = entries(3)
          let column = UnsafeRawPointer(packed + c0)
          for k in 0..<kc {
            let p0 = column.loadUnaligned(fromByteOffset: k * b * 8, as: SIMD4<Double>.self)
            let p1 = column.loadUnaligned(fromByteOffset: k * b * 8 + 32, as: SIMD4<Double>.self)
            let x0 = SIMD4(repeating: r0[k])
            let x1 = SIMD4(repeating: r1[k])
            let x2 = SIMD4(repeating: r2[k])
            let x3 = SIMD4(repeating: r3[k])
            acc00 -= x0 * p0
            acc01 -= x0 * p1
            acc10 -= x1 * p0
            acc11 -= x1 * p1
            acc20 -= x2 * p0
            acc21 -= x2 * p1
            acc30 -= x3 * p0
            acc31 -= x3 * p1
          }
          store(0, acc00, acc01)
          store(1, acc10, acc11)
          store(2, acc20, acc21)
          store(3, acc30, acc31)
          c0 += 8
        }
        i0 += 4
      }
      k0 += kc
    }
  }

  enum Pivot {
    case negative(Double)
    case zero
    case positive
  }

  /// Finishes column `j` of the panel that starts at `j0`: subtracts the terms `j0 ≤ k < j`
  /// (in `k` order) from the pivot and from every entry below it, then divides by `l_jj`; a
  /// pivot within `tolerance` of zero leaves the column zero.
  static func finishColumn(
    _ l: UnsafeMutablePointer<Double>, n: Int, panel j0: Int, column j: Int, tolerance: Double
  ) -> Pivot {
    let rowJ = l + j * n
    var pivot = rowJ[j]
    for k in j0..<j { pivot -= rowJ[k] * rowJ[k] }
    if pivot < -tolerance { return .negative(pivot) }
    if pivot <= tolerance {
      for i in j..<n { l[i * n + j] = 0 }
      return .zero
    }
    let d = pivot.squareRoot()
    rowJ[j] = d
    var i = j + 1
    while i + 4 <= n {
      let a0 = l + i * n
      let a1 = a0 + n
      let a2 = a1 + n
      let a3 = a2 + n
      var s0 = a0[j]
      var s1 = a1[j]
      var s2 = a2[j]
      var s3 = a3[j]
      for k in j0..<j {
        let x = rowJ[k]
        s0 -= a0[k] * x
        s1 -= a1[k] * x
        s2 -= a2[k] * x
        s3 -= a3[k] * x
      }
      a0[j] = s0 / d
      a1[j] = s1 / d
      a2[j] = s2 / d
      a3[j] = s3 / d
      i += 4
    }
    while i < n {
      let row = l + i * n
      var s = row[j]
      for k in j0..<j { s -= row[k] * rowJ[k] }
      row[j] = s / d
      i += 1
    }
    return .positive
  }
}
