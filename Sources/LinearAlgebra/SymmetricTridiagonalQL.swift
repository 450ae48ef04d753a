/// The eigen-decomposition of a symmetric matrix by Householder tridiagonalisation and the
/// implicit QL method, in plain loops with a fixed order of operations: the same bits on every
/// CPU (no BLAS kernel chosen at run time, no fused multiply-add).
///
/// Method: EISPACK's `tred2` and `tql2` (Smith et al., "Matrix Eigensystem Routines —
/// EISPACK Guide", Springer 1976, from the Algol procedures of Martin, Reinsch and Wilkinson,
/// Numerische Mathematik 11 (1968) and 12 (1968); in the loop order of JAMA's
/// `EigenvalueDecomposition`). `tred2` reduces `A` to a tridiagonal `T = Qᵀ A Q` by `n − 2`
/// Householder reflections (scaled to avoid under- and overflow) and accumulates `Q`; `tql2`
/// diagonalises `T` by QL sweeps with Wilkinson's implicit shift, each a chain of plane
/// rotations applied to `Q`, deflating where a subdiagonal entry falls below `ε ‖T‖`. Both are
/// backward stable: the computed `V`, `Λ` satisfy `‖A V − V Λ‖ ≈ ε ‖A‖` and `‖Vᵀ V − I‖ ≈ ε`
/// times a small multiple of `n`. About `9 n³` operations with vectors, `4 n³/3` without. The
/// dot products are summed in four interleaved partial sums (a fixed order, chosen for
/// speed, not EISPACK's sequential one).
///
/// The eigenvector matrix is kept by columns (`vectors[k · n + i]` is entry `i` of the
/// eigenvector `k`), so that every inner loop runs over contiguous memory.
enum SymmetricTridiagonalQL {
  /// `√(a² + b²)` without overflow or underflow, in separate IEEE operations.
  @inline(__always)
  static func hypotenuse(_ a: Double, _ b: Double) -> Double {
    let x = abs(a)
    let y = abs(b)
    let big = max(x, y)
    let small = min(x, y)
    if big == 0 { return 0 }
    let r = small / big
    return big * (1 + r * r).squareRoot()
  }

  /// `Σ a[k] b[k]` for `k` in `0..<count`, in four interleaved partial sums added as
  /// `(s0 + s1) + (s2 + s3)`, then the remainder in order: a fixed order of operations whose
  /// four independent chains the compiler can keep in one vector register.
  @inline(__always)
  static func dot(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int
  ) -> Double {
    var s0 = 0.0
    var s1 = 0.0
    var s2 = 0.0
    var s3 = 0.0
    var k = 0
    while k + 4 <= count {
      s0 += a[k] * b[k]
      s1 += a[k + 1] * b[k + 1]
      s2 += a[k + 2] * b[k + 2]
      s3 += a[k + 3] * b[k + 3]
      k += 4
    }
    var sum = (s0 + s1) + (s2 + s3)
    while k < count {
      sum += a[k] * b[k]
      k += 1
    }
    return sum
  }

  /// Eigenvalues in ascending order and, when asked, the eigenvectors by columns, of the
  /// symmetric `n × n` matrix `lower` (row-major; only the lower triangle is read).
  ///
  /// - Returns: `nil` if the QL iteration does not converge in 30 sweeps per eigenvalue
  ///   (not seen for finite input).
  static func decompose(_ lower: [Double], n: Int, vectors wantVectors: Bool)
    -> (values: [Double], vectors: [Double])?
  {
    var v = [Double](repeating: 0, count: n * n)
    var d = [Double](repeating: 0, count: n)
    var e = [Double](repeating: 0, count: n)
    if n == 0 { return ([], []) }
    for j in 0..<n {
      for i in 0..<n { v[j * n + i] = lower[max(i, j) * n + min(i, j)] }
    }
    let converged = v.withUnsafeMutableBufferPointer { vb in
      d.withUnsafeMutableBufferPointer { db in
        e.withUnsafeMutableBufferPointer { eb in
          let v = vb.baseAddress!
          let d = db.baseAddress!
          let e = eb.baseAddress!
          tridiagonalize(v, d, e, n: n, accumulate: wantVectors)
          return diagonalize(v, d, e, n: n, accumulate: wantVectors)
        }
      }
    }
    guard converged else { return nil }
    return (d, wantVectors ? v : [])
  }

  /// EISPACK `tred2`: on return `d` holds the diagonal of the tridiagonal matrix, `e[1..<n]`
  /// its subdiagonal, and `v` (by columns) the orthogonal `Q` when `accumulate`.
  ///
  /// Each step's rank-two update `A ← A − u pᵀ − p uᵀ` is applied to a column just before the
  /// next step's matrix-vector product reads it, four columns at a time (see
  /// `transformFourColumns`), so that each step reads and writes the remaining triangle once
  /// instead of reading it three times; the next step's row, which it needs first, is
  /// computed ahead by the same expression. Every entry gets the same operations in the same
  /// order as in EISPACK's loops, so the same bits. `fused: false` runs those loops one
  /// column at a time, each in its own pass (the tests' reference).
  static func tridiagonalize(
    _ v: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>,
    _ e: UnsafeMutablePointer<Double>, n: Int, accumulate: Bool, fused: Bool = true
  ) {
    // Entry (row i, column j) of the working matrix is v[j * n + i].
    for j in 0..<n { d[j] = v[j * n + n - 1] }
    // The update of step `pending` (its u and p) not yet applied to columns 0 ... pending − 1.
    var pending: Int? = nil
    var pu = [Double](repeating: 0, count: n)
    var pp = [Double](repeating: 0, count: n)
    pu.withUnsafeMutableBufferPointer { ub in
      pp.withUnsafeMutableBufferPointer { pb in
        let pu = ub.baseAddress!
        let pp = pb.baseAddress!
        /// Column j's part of step s's update: entries j ..< s, and entry s set to zero.
        func update(_ j: Int, step s: Int) {
          let f = pu[j]
          let g = pp[j]
          let column = v + j * n
          for k in j..<s { column[k] -= (f * pp[k] + g * pu[k]) }
          column[s] = 0
        }
        var i = n - 1
        while i > 0 {
          var scale = 0.0
          var h = 0.0
          for k in 0..<i { scale += abs(d[k]) }
          if scale == 0 {
            if let s = pending {
              for j in 0..<s { update(j, step: s) }
              pending = nil
            }
            e[i] = d[i - 1]
            for j in 0..<i {
              d[j] = v[j * n + i - 1]
              v[j * n + i] = 0
              v[i * n + j] = 0
            }
          } else {
            // The Householder vector.
            for k in 0..<i {
              d[k] /= scale
              h += d[k] * d[k]
            }
            var f = d[i - 1]
            var g = h.squareRoot()
            if f > 0 { g = -g }
            e[i] = scale * g
            h -= f * g
            d[i - 1] = f - g
            for j in 0..<i { e[j] = 0 }
            // The similarity transformation of the remaining columns, after the previous
            // step's update of each.
            if let s = pending { update(i, step: s) }
            var first = 0
            while fused && first + 4 <= i && i - first >= 16 {
              if let s = pending {
                for j in first..<(first + 4) { update(j, step: s) }
              }
              transformFourColumns(v, d, e, n: n, step: i, first: first)
              first += 4
            }
            for j in first..<i {
              if let s = pending { update(j, step: s) }
              f = d[j]
              v[i * n + j] = f
              let column = v + j * n
              let tail = max(i - j - 1, 0)
              g = (e[j] + column[j] * f) + dot(column + j + 1, d + j + 1, count: tail)
              var k = j + 1
              while k < i {
                e[k] += column[k] * f
                k += 1
              }
              e[j] = g
            }
            pending = nil
            f = 0
            for j in 0..<i {
              e[j] /= h
              f += e[j] * d[j]
            }
            let hh = f / (h + h)
            for j in 0..<i { e[j] -= hh * d[j] }
            for j in 0..<i {
              pu[j] = d[j]
              pp[j] = e[j]
            }
            pending = i
            if fused {
              // The next step's row: entry i − 1 of each column after this update.
              for j in 0..<i {
                d[j] = v[j * n + i - 1] - (pu[j] * pp[i - 1] + pp[j] * pu[i - 1])
              }
            } else {
              for j in 0..<i { update(j, step: i) }
              pending = nil
              for j in 0..<i { d[j] = v[j * n + i - 1] }
            }
          }
          d[i] = h
          i -= 1
        }
        if let s = pending {
          for j in 0..<s { update(j, step: s) }
        }
      }
    }
    // The accumulated transformations (the diagonal is saved in the last row as it goes).
    for i in 0..<(n - 1) {
      v[i * n + n - 1] = v[i * n + i]
      v[i * n + i] = 1
      let h = d[i + 1]
      let next = v + (i + 1) * n
      if accumulate && h != 0 {
        for k in 0...i { d[k] = next[k] / h }
        for j in 0...i {
          let column = v + j * n
          let g = dot(next, column, count: i + 1)
          for k in 0...i { column[k] -= g * d[k] }
        }
      }
      for k in 0...i { next[k] = 0 }
    }
    for j in 0..<n {
      d[j] = v[j * n + n - 1]
      v[j * n + n - 1] = 0
    }
    v[(n - 1) * n + n - 1] = 1
    e[0] = 0
  }

  /// The matrix-vector step of `tridiagonalize` for the four columns `first ..< first + 4`
  /// (at least 16 rows above `step`): for each column `j` in turn, `g = (e_j + a_jj f_j) +
  /// dot(a[j+1..<step, j], d[j+1..<step])` and `e_k += a_kj f_j` for `j < k < step`, then
  /// `e_j = g`. The same operations in the same order per result as one column at a time
  /// (each `e_k` still receives the columns in increasing `j`; each dot keeps its four
  /// partial sums, lane `(m + c) mod 4` of column `c`'s vector holding sum `m`), but the four
  /// columns' chains run side by side and each column is read once, not twice.
  static func transformFourColumns(
    _ v: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>,
    _ e: UnsafeMutablePointer<Double>, n: Int, step i: Int, first j: Int
  ) {
    @inline(__always) func column(_ c: Int) -> UnsafeMutablePointer<Double> { v + (j + c) * n }
    @inline(__always) func load(_ p: UnsafeMutablePointer<Double>, _ k: Int) -> SIMD4<Double> {
      UnsafeRawPointer(p + k).loadUnaligned(as: SIMD4<Double>.self)
    }
    let f = load(d, j)
    for c in 0..<4 { v[i * n + j + c] = f[c] }
    // Column c's dot runs over k = j + 1 + c ..< i, its full quads over the offsets below
    // quadEnd(c); the rest is added after the partial sums are combined.
    @inline(__always) func quadEnd(_ c: Int) -> Int { 4 * ((i - j - 1 - c) / 4) }
    var partial = (SIMD4<Double>.zero, SIMD4<Double>.zero, SIMD4<Double>.zero, SIMD4<Double>.zero)
    @inline(__always) func add(_ c: Int, offset t: Int, _ x: Double) {
      let lane = (t + c) & 3
      switch c {
      case 0: partial.0[lane] += x
      case 1: partial.1[lane] += x
      case 2: partial.2[lane] += x
      default: partial.3[lane] += x
      }
    }
    // Rows j + 1 ... j + 4, where the columns start one after the other.
    for k in (j + 1)...(j + 4) {
      for c in 0..<4 where k > j + c {
        add(c, offset: k - (j + 1 + c), column(c)[k] * d[k])
        e[k] += column(c)[k] * f[c]
      }
    }
    // Rows from j + 5 while every column is within its full quads.
    let kEnd = min(j + 1 + quadEnd(0), j + 2 + quadEnd(1), j + 3 + quadEnd(2), j + 4 + quadEnd(3))
    let (c0, c1, c2, c3) = (column(0), column(1), column(2), column(3))
    let (f0, f1, f2, f3) = (f[0], f[1], f[2], f[3])
    var k = j + 5
    while k + 4 <= kEnd {
      let dk = load(d, k)
      let x0 = load(c0, k)
      let x1 = load(c1, k)
      let x2 = load(c2, k)
      let x3 = load(c3, k)
      partial.0 += x0 * dk
      partial.1 += x1 * dk
      partial.2 += x2 * dk
      partial.3 += x3 * dk
      var ek = load(e, k)
      ek += x0 * f0
      ek += x1 * f1
      ek += x2 * f2
      ek += x3 * f3
      UnsafeMutableRawPointer(e + k).storeBytes(of: ek, as: SIMD4<Double>.self)
      k += 4
    }
    // The rest of each column, in column order (so each e_k still gets column j first).
    var g = SIMD4<Double>.zero
    for c in 0..<4 {
      let x = column(c)
      var rest = k
      while rest < i && rest - (j + 1 + c) < quadEnd(c) {
        add(c, offset: rest - (j + 1 + c), x[rest] * d[rest])
        e[rest] += x[rest] * f[c]
        rest += 1
      }
      let s: SIMD4<Double>
      switch c {
      case 0: s = partial.0
      case 1: s = partial.1
      case 2: s = partial.2
      default: s = partial.3
      }
      var sum = (s[c & 3] + s[(1 + c) & 3]) + (s[(2 + c) & 3] + s[(3 + c) & 3])
      while rest < i {
        sum += x[rest] * d[rest]
        e[rest] += x[rest] * f[c]
        rest += 1
      }
      g[c] = sum
    }
    for c in 0..<4 {
      e[j + c] = (e[j + c] + column(c)[j + c] * f[c]) + g[c]
    }
  }

  /// EISPACK `tql2`: the eigenvalues of the tridiagonal (`d`, `e`) into `d`, ascending, with
  /// the rotations applied to the columns of `v` when `accumulate`. `false` if a QL sweep
  /// count exceeds 30 for one eigenvalue.
  static func diagonalize(
    _ v: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>,
    _ e: UnsafeMutablePointer<Double>, n: Int, accumulate: Bool
  ) -> Bool {
    for i in 1..<max(n, 1) { e[i - 1] = e[i] }
    e[n - 1] = 0
    var f = 0.0
    var norm = 0.0
    let eps = 0x1p-52
    for l in 0..<n {
      // The first small subdiagonal entry at or after l.
      norm = max(norm, abs(d[l]) + abs(e[l]))
      var m = l
      while m < n - 1 && abs(e[m]) > eps * norm { m += 1 }
      if m > l {
        var sweeps = 0
        repeat {
          sweeps += 1
          if sweeps > 30 { return false }
          // Wilkinson's shift.
          var g = d[l]
          var p = (d[l + 1] - g) / (2 * e[l])
          var r = hypotenuse(p, 1)
          if p < 0 { r = -r }
          d[l] = e[l] / (p + r)
          d[l + 1] = e[l] * (p + r)
          let dl1 = d[l + 1]
          var h = g - d[l]
          var i = l + 2
          while i < n {
            d[i] -= h
            i += 1
          }
          f += h
          // The implicit QL sweep from m − 1 down to l.
          p = d[m]
          var c = 1.0
          var c2 = c
          var c3 = c
          let el1 = e[l + 1]
          var s = 0.0
          var s2 = 0.0
          i = m - 1
          while i >= l {
            c3 = c2
            c2 = c
            s2 = s
            g = c * e[i]
            h = c * p
            r = hypotenuse(p, e[i])
            e[i + 1] = s * r
            s = e[i] / r
            c = p / r
            p = c * d[i] - s * g
            d[i + 1] = h + s * (c * g + s * d[i])
            if accumulate {
              let left = v + i * n
              let right = v + (i + 1) * n
              for k in 0..<n {
                let t = right[k]
                right[k] = s * left[k] + c * t
                left[k] = c * left[k] - s * t
              }
            }
            i -= 1
          }
          p = -s * s2 * c3 * el1 * e[l] / dl1
          e[l] = s * p
          d[l] = c * p
        } while abs(e[l]) > eps * norm
      }
      d[l] += f
      e[l] = 0
    }
    // Ascending order, the vectors with their values (selection sort: at most n − 1 swaps).
    for i in 0..<max(n - 1, 0) {
      var k = i
      var p = d[i]
      for j in (i + 1)..<n where d[j] < p {
        k = j
        p = d[j]
      }
      if k != i {
        d[k] = d[i]
        d[i] = p
        if accumulate {
          let a = v + i * n
          let b = v + k * n
          for r in 0..<n {
            let t = a[r]
            a[r] = b[r]
            b[r] = t
          }
        }
      }
    }
    return true
  }
}
