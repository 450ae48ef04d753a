extension Matrix {
  /// Whether all entries of the matrix are finite.
  public var isFinite: Bool { elements.allSatisfy(\.isFinite) }
}

/// `Lᵀ` of an `n × n` lower-triangular factor `L`, cut into panels of `width` columns for
/// `multiplyRowsByTransposedLower(_:rowCount:factor:)`.
///
/// Panel `p` covers the columns `j = p · width ..< (p + 1) · width` of `Lᵀ` and holds its rows
/// `k = 0 ..< min(n, (p + 1) · width)` one after the other, `width` values each: entry
/// `(k, j)` is `L[j, k]`, zero for `k > j` and for the padding columns `j ≥ n`. Rows of `Lᵀ`
/// below a panel's last column are zero and are not stored, so the panels take about `n² / 2`
/// doubles.
public struct TransposedLowerPanels: Sendable {
  /// The columns of a panel: two vectors of four doubles.
  public static let width = 8
  /// The dimension of `L`.
  public let n: Int
  /// The panels, one after the other.
  @usableFromInline let elements: [Double]
  /// Where each panel starts in `elements`.
  @usableFromInline let panelStart: [Int]

  /// The number of panels: `⌈n / width⌉`.
  public var panelCount: Int { panelStart.count }

  /// Packs the lower triangle of the row-major `n × n` matrix at `lower` (entries above the
  /// diagonal are not read).
  public init(lower: UnsafePointer<Double>, n: Int) {
    precondition(n >= 0, "dimension must be non-negative")
    let w = Self.width
    let panels = (n + w - 1) / w
    var starts = [Int]()
    starts.reserveCapacity(panels)
    var total = 0
    for p in 0..<panels {
      starts.append(total)
      total += min(n, (p + 1) * w) * w
    }
    var packed = [Double](repeating: 0, count: total)
    for p in 0..<panels {
      for k in 0..<min(n, (p + 1) * w) {
        for c in 0..<w {
          let j = p * w + c
          if j < n && k <= j { packed[starts[p] + k * w + c] = lower[j * n + k] }
        }
      }
    }
    self.n = n
    self.elements = packed
    self.panelStart = starts
  }

  /// No panels: the stand-in for a factor whose product is never taken (the identity's).
  public init() {
    self.n = 0
    self.elements = []
    self.panelStart = []
  }

  /// Packs the lower triangle of a row-major `n × n` matrix given as its `n²` elements.
  public init(lower: [Double], n: Int) {
    precondition(lower.count == n * n, "\(lower.count) elements do not fill \(n) × \(n)")
    self = lower.withUnsafeBufferPointer { Self(lower: $0.baseAddress!, n: n) }
  }
}

/// Multiplies, in place, each row `z` of a row-major `rowCount × n` block by `lowerᵀ`, so
/// that the row becomes `(lower · zᵀ)ᵀ`: `Z ← Z Lᵀ`.
///
/// This correlates `rowCount` independent standard normal vectors at once: if the rows of `Z`
/// are i.i.d. N(0, I), the rows of `Z Lᵀ` are i.i.d. N(0, L Lᵀ).
///
/// Packs `lower` first; to multiply many blocks by the same factor, pack it once with
/// `TransposedLowerPanels` and call `multiplyRowsByTransposedLower(_:rowCount:factor:)`, which
/// gives the same bits.
///
/// - Parameters:
///   - rows: pointer to `rowCount · n` doubles, row-major.
///   - lower: an `n × n` lower-triangular matrix.
public func multiplyRowsByTransposedLower(
  _ rows: UnsafeMutablePointer<Double>, rowCount: Int, lower: UnsafePointer<Double>, n: Int
) {
  guard rowCount > 0, n > 0 else { return }
  multiplyRowsByTransposedLower(
    rows, rowCount: rowCount, factor: TransposedLowerPanels(lower: lower, n: n))
}

/// `Z ← Z Lᵀ` for a row-major `rowCount × factor.n` block `Z`, in place, with every output
/// bit independent of the CPU, the instruction set, the block's row count and where a row
/// sits in it.
///
/// Each entry is the sum, in a fixed order, of separately rounded products (no fused
/// multiply-add, no reassociation):
///
///     (Z Lᵀ)[r, i] = (…((0 + Z[r, 0] L[i, 0]) + Z[r, 1] L[i, 1]) + …) + Z[r, i] L[i, i],
///
/// the order of the plain loop `sum = 0; for k in 0...i { sum += L[i, k] · z[k] }`. Vector
/// instructions only compute several such entries side by side (four columns to a vector),
/// never split one sum, so a baseline x86-64 build (two doubles to an SSE2 register) and an
/// AVX2 build (four to a register) give the same bits. Terms with `k > i` that the panels
/// carry as zeros add `±0` to a sum that started at `+0` and so change nothing.
///
/// Blocking follows the usual GEMM scheme (Goto and van de Geijn, "Anatomy of
/// High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008): `blockRows` rows of `Z`
/// at a time; within them, slices of `depth` terms (`k`) so that a slice of `Z` stays in L2
/// and a slice of a panel in L1; a micro-kernel keeps a 4 × 8 tile of the product in eight
/// vector registers over a slice. A tile's partial sums wait in a scratch block between
/// slices, which keeps each entry's order of additions.
///
/// - Complexity: `rowCount · n² / 2` multiplications and as many additions.
public func multiplyRowsByTransposedLower(
  _ rows: UnsafeMutablePointer<Double>, rowCount: Int, factor: TransposedLowerPanels
) {
  let n = factor.n
  guard rowCount > 0, n > 0 else { return }
  let w = TransposedLowerPanels.width
  let stride = factor.panelCount * w
  let blockRows = min(rowCount, TriangularProductBlocking.rows)
  let depth = TriangularProductBlocking.depth
  let scratch = UnsafeMutablePointer<Double>.allocate(capacity: blockRows * stride)
  defer { scratch.deallocate() }
  factor.elements.withUnsafeBufferPointer { packed in
    let panels = packed.baseAddress!
    var firstRow = 0
    while firstRow < rowCount {
      let m = min(blockRows, rowCount - firstRow)
      let a = rows + firstRow * n
      var k0 = 0
      while k0 < n {
        let k1 = min(n, k0 + depth)
        // Panel p needs the terms k < (p + 1) · w: those of this slice when p ≥ k0 / w.
        for p in (k0 / w)..<factor.panelCount {
          let b = panels + factor.panelStart[p]
          let end = min(k1, (p + 1) * w)
          let c = scratch + p * w
          var r = 0
          while r + 4 <= m {
            TriangularProductBlocking.tile4(
              a + r * n, n, b, k0, end, c + r * stride, stride, first: k0 == 0)
            r += 4
          }
          while r < m {
            TriangularProductBlocking.tile1(
              a + r * n, b, k0, end, c + r * stride, first: k0 == 0)
            r += 1
          }
        }
        k0 = k1
      }
      for r in 0..<m { (a + r * n).update(from: scratch + r * stride, count: n) }
      firstRow += m
    }
  }
}

/// The block sizes and micro-kernels of `multiplyRowsByTransposedLower(_:rowCount:factor:)`.
@usableFromInline
enum TriangularProductBlocking {
  /// Rows of `Z` per block: with `depth` terms, 64 · 256 doubles (128 KiB) of `Z` in L2.
  static let rows = 64
  /// Terms per slice: a slice of a panel is 256 · 8 doubles (16 KiB), in L1.
  static let depth = 256

  typealias Vector = SIMD4<Double>

  /// `C[0..<4, 0..<8] (+)= A[0..<4, k0..<k1] · B[k0..<k1, 0..<8]`, with `A` rows `lda` apart,
  /// `B` a panel (rows of 8) and `C` rows `ldc` apart; `first` starts the sums at `+0`
  /// instead of reading `C`.
  @inline(__always)
  static func tile4(
    _ a: UnsafePointer<Double>, _ lda: Int, _ b: UnsafePointer<Double>, _ k0: Int, _ k1: Int,
    _ c: UnsafeMutablePointer<Double>, _ ldc: Int, first: Bool
  ) {
    let c0 = UnsafeMutableRawPointer(c)
    let c1 = UnsafeMutableRawPointer(c + ldc)
    let c2 = UnsafeMutableRawPointer(c + 2 * ldc)
    let c3 = UnsafeMutableRawPointer(c + 3 * ldc)
    var s00 = Vector()
    var s01 = Vector()
    var s10 = Vector()
    var s11 = Vector()
    var s20 = Vector()
    var s21 = Vector()
    var s30 = Vector()
    var s31 = Vector()
    if !first {
      s00 = c0.loadUnaligned(as: Vector.self)
      s01 = c0.loadUnaligned(fromByteOffset: 32, as: Vector.self)
      s10 = c1.loadUnaligned(as: Vector.self)
      s11 = c1.loadUnaligned(fromByteOffset: 32, as: Vector.self)
      s20 = c2.loadUnaligned(as: Vector.self)
      s21 = c2.loadUnaligned(fromByteOffset: 32, as: Vector.self)
      s30 = c3.loadUnaligned(as: Vector.self)
      s31 = c3.loadUnaligned(fromByteOffset: 32, as: Vector.self)
    }
    let a1 = a + lda
    let a2 = a + 2 * lda
    let a3 = a + 3 * lda
    for k in k0..<k1 {
      let row = UnsafeRawPointer(b + 8 * k)
      let b0 = row.loadUnaligned(as: Vector.self)
      let b1 = row.loadUnaligned(fromByteOffset: 32, as: Vector.self)
      let x0 = Vector(repeating: a[k])
      s00 += x0 * b0
      s01 += x0 * b1
      let x1 = Vector(repeating: a1[k])
      s10 += x1 * b0
      s11 += x1 * b1
      let x2 = Vector(repeating: a2[k])
      s20 += x2 * b0
      s21 += x2 * b1
      let x3 = Vector(repeating: a3[k])
      s30 += x3 * b0
      s31 += x3 * b1
    }
    c0.storeBytes(of: s00, as: Vector.self)
    c0.storeBytes(of: s01, toByteOffset: 32, as: Vector.self)
    c1.storeBytes(of: s10, as: Vector.self)
    c1.storeBytes(of: s11, toByteOffset: 32, as: Vector.self)
    c2.storeBytes(of: s20, as: Vector.self)
    c2.storeBytes(of: s21, toByteOffset: 32, as: Vector.self)
    c3.storeBytes(of: s30, as: Vector.self)
    c3.storeBytes(of: s31, toByteOffset: 32, as: Vector.self)
  }

  /// `tile4` for one row.
  @inline(__always)
  static func tile1(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ k0: Int, _ k1: Int,
    _ c: UnsafeMutablePointer<Double>, first: Bool
  ) {
    let c0 = UnsafeMutableRawPointer(c)
    var s0 = Vector()
    var s1 = Vector()
    if !first {
      s0 = c0.loadUnaligned(as: Vector.self)
      s1 = c0.loadUnaligned(fromByteOffset: 32, as: Vector.self)
    }
    for k in k0..<k1 {
      let row = UnsafeRawPointer(b + 8 * k)
      let x = Vector(repeating: a[k])
      s0 += x * row.loadUnaligned(as: Vector.self)
      s1 += x * row.loadUnaligned(fromByteOffset: 32, as: Vector.self)
    }
    c0.storeBytes(of: s0, as: Vector.self)
    c0.storeBytes(of: s1, toByteOffset: 32, as: Vector.self)
  }
}
