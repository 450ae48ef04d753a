import LinearAlgebra
import Testing

/// SplitMix64 (Steele, Lea and Flood 2014): a small seeded generator for test matrices, so
/// that this target needs no other module.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}

extension Matrix {
  /// A `rows × columns` matrix of independent uniforms on [-1, 1].
  static func random(rows: Int, columns: Int, using rng: inout SplitMix64) -> Matrix {
    var m = Matrix(rows: rows, columns: columns)
    for i in m.elements.indices { m.elements[i] = Double.random(in: -1...1, using: &rng) }
    return m
  }

  /// A random symmetric `n × n` matrix with entries in [-1, 1].
  static func randomSymmetric(_ n: Int, using rng: inout SplitMix64) -> Matrix {
    NearestCorrelation.symmetrised(random(rows: n, columns: n, using: &rng))
  }

  /// A random symmetric positive definite matrix with entries of order 1: `B Bᵀ / n + I / 2`.
  static func randomPositiveDefinite(_ n: Int, using rng: inout SplitMix64) -> Matrix {
    let b = random(rows: n, columns: n, using: &rng)
    var a = naiveProduct(b, b.transposed)
    for i in a.elements.indices { a.elements[i] /= Double(n) }
    for i in 0..<n { a[i, i] += 0.5 }
    return a
  }

  /// The largest absolute entry.
  var maximumMagnitude: Double { elements.reduce(0) { max($0, abs($1)) } }

  /// Whether every entry above the diagonal is exactly zero.
  var isLowerTriangular: Bool {
    (0..<rows).allSatisfy { i in ((i + 1)..<max(columns, i + 1)).allSatisfy { self[i, $0] == 0 } }
  }
}

/// `a · b` by the textbook triple loop: the reference for the BLAS products.
func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
  precondition(a.columns == b.rows)
  var c = Matrix(rows: a.rows, columns: b.columns)
  for i in 0..<a.rows {
    for j in 0..<b.columns {
      var s = 0.0
      for k in 0..<a.columns { s += a[i, k] * b[k, j] }
      c[i, j] = s
    }
  }
  return c
}

/// Checks that `observed` and `expected` agree entrywise within `tolerance`, printing the
/// largest difference on failure.
func expectClose(
  _ what: String, _ observed: Matrix, _ expected: Matrix, tolerance: Double,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  guard observed.rows == expected.rows && observed.columns == expected.columns else {
    Issue.record(
      "\(what): shape \(observed.rows) × \(observed.columns), expected \(expected.rows) × \(expected.columns)",
      sourceLocation: sourceLocation)
    return
  }
  let difference = observed.maximumDifference(from: expected)
  #expect(
    difference <= tolerance,
    "\(what): largest entry difference \(difference), tolerance \(tolerance)",
    sourceLocation: sourceLocation)
}
