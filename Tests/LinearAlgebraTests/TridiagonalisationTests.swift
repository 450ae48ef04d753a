import Testing

@testable import LinearAlgebra

@Suite("Householder tridiagonalisation")
struct TridiagonalisationTests {
  /// Symmetric matrices of sizes around the four-column groups (16 rows), among them ones
  /// with zero rows (the `scale == 0` branch) and repeated eigenvalues.
  static let cases: [(label: String, matrix: Matrix)] = {
    var rng = SplitMix64(seed: 77)
    var out: [(String, Matrix)] = []
    for n in [1, 2, 5, 16, 17, 18, 19, 20, 21, 33, 64, 101, 250] {
      out.append(("random symmetric \(n)", .randomSymmetric(n, using: &rng)))
    }
    var c = Matrix(rows: 120, columns: 120, repeating: 0.3)
    for i in 0..<120 { c[i, i] = 1 }
    out.append(("constant 0.3, 120", c))
    var sparse = Matrix.randomSymmetric(90, using: &rng)
    for i in stride(from: 3, to: 90, by: 7) {
      for j in 0..<90 where j != i {
        sparse[i, j] = 0
        sparse[j, i] = 0
      }
    }
    out.append(("random 90 with zero rows", sparse))
    return out
  }()

  @Test("The four-column step has the bits of the column-by-column one", arguments: 0..<15)
  func sameBits(index: Int) {
    let (label, a) = Self.cases[index]
    let n = a.rows
    for accumulate in [false, true] {
      var results: [[Double]] = []
      for reference in [false, true] {
        var v = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
          for i in 0..<n { v[j * n + i] = a[max(i, j), min(i, j)] }
        }
        var d = [Double](repeating: 0, count: n)
        var e = [Double](repeating: 0, count: n)
        v.withUnsafeMutableBufferPointer { vb in
          d.withUnsafeMutableBufferPointer { db in
            e.withUnsafeMutableBufferPointer { eb in
              SymmetricTridiagonalQL.tridiagonalize(
                vb.baseAddress!, db.baseAddress!, eb.baseAddress!, n: n, accumulate: accumulate,
                fused: !reference)
            }
          }
        }
        results.append(d + e + (accumulate ? v : []))
      }
      let differing = zip(results[0], results[1]).filter { $0.bitPattern != $1.bitPattern }.count
      #expect(
        differing == 0,
        "\(label), accumulate \(accumulate): \(differing) of \(results[0].count) numbers differ")
    }
  }
}
