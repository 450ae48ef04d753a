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
  static func tridiagonalize(
    _ v: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>,
    _ e: UnsafeMutablePointer<Double>, n: Int, accumulate: Bool
  ) {
    // Entry (row i, column j) of the working matrix is v[j * n + i].
    for j in 0..<n { d[j] = v[j * n + n - 1] }
    var i = n - 1
    while i > 0 {
      var scale = 0.0
      var h = 0.0
      for k in 0..<i { scale += abs(d[k]) }
      if scale == 0 {
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
        // The similarity transformation of the remaining columns.
        for j in 0..<i {
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
        f = 0
        for j in 0..<i {
          e[j] /= h
          f += e[j] * d[j]
        }
        let hh = f / (h + h)
        for j in 0..<i { e[j] -= hh * d[j] }
        for j in 0..<i {
          f = d[j]
          g = e[j]
          let column = v + j * n
          for k in j..<i { column[k] -= (f * e[k] + g * d[k]) }
          d[j] = column[i - 1]
          column[i] = 0
        }
      }
      d[i] = h
      i -= 1
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
