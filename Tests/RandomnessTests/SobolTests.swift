import Testing

@testable import Randomness

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("Sobol sequence")
struct SobolTests {
  /// Points 1, 2, 3, 7, 8, 1000, 123456789 and 2³² − 1 in natural order, as 32-bit digits,
  /// from SciPy 1.17's `qmc.Sobol(21201, scramble=False, bits=32)`: its direction integers
  /// (`_sv`), checked against its own output for the first 16 points (SciPy's `j`-th point is
  /// natural point `j ⊕ (j >> 1)`).
  static let indices = [1, 2, 3, 7, 8, 1000, 123_456_789, 4_294_967_295]
  static let published: [(dimension: Int, digits: [UInt32])] = [
    (
      1,
      [
        0x8000_0000, 0x4000_0000, 0xC000_0000, 0xE000_0000, 0x1000_0000, 0x17C0_0000, 0xA8B3_DAE0,
        0xFFFF_FFFF,
      ]
    ),
    (
      2,
      [
        0x8000_0000, 0xC000_0000, 0x4000_0000, 0xE000_0000, 0xF000_0000, 0x2940_0000, 0x5F65_72E0,
        0x0000_0001,
      ]
    ),
    (
      3,
      [
        0x8000_0000, 0xC000_0000, 0x4000_0000, 0x2000_0000, 0x9000_0000, 0x7340_0000, 0xFC9D_8C20,
        0x4F00_FFFF,
      ]
    ),
    (
      4,
      [
        0x8000_0000, 0xC000_0000, 0x4000_0000, 0x6000_0000, 0x5000_0000, 0xE8C0_0000, 0xC5E4_E660,
        0x300C_FF8D,
      ]
    ),
    (
      5,
      [
        0x8000_0000, 0x4000_0000, 0xC000_0000, 0xE000_0000, 0xB000_0000, 0xFE40_0000, 0x7653_EEE0,
        0x5005_0093,
      ]
    ),
    (
      6,
      [
        0x8000_0000, 0x4000_0000, 0xC000_0000, 0xA000_0000, 0x3000_0000, 0x29C0_0000, 0xB7C7_56A0,
        0xC011_1111,
      ]
    ),
    (
      100,
      [
        0x8000_0000, 0x4000_0000, 0xC000_0000, 0x6000_0000, 0x5000_0000, 0x8040_0000, 0x6069_3360,
        0x9D42_6C3F,
      ]
    ),
    (
      21201,
      [
        0x8000_0000, 0x4000_0000, 0xC000_0000, 0x2000_0000, 0xB000_0000, 0x9CC0_0000, 0x812D_C720,
        0x8E06_E5A7,
      ]
    ),
  ]

  static func sequence(_ dimensions: Int, _ scrambling: SobolScrambling = .none, seed: UInt64 = 0)
    -> SobolSequence
  {
    try! SobolSequence(dimensions: dimensions, scrambling: scrambling, seed: seed)
  }

  @Test("Unscrambled points of dimensions 1–6, 100 and 21201 equal SciPy's")
  func publishedPoints() {
    let sobol = Self.sequence(SobolSequence.maximumDimensions)
    #expect(sobol.integers(point: 0).allSatisfy { $0 == 0 }, "point 0 is the origin")
    for (column, index) in Self.indices.enumerated() {
      let point = sobol.integers(point: index)
      for (dimension, digits) in Self.published {
        #expect(
          point[dimension - 1] == digits[column],
          "dimension \(dimension), point \(index): expected \(digits[column]), observed \(point[dimension - 1])"
        )
      }
    }
  }

  @Test("The table: 21201 dimensions, Joe–Kuo's lines for dimensions 2, 100 and 21201")
  func table() {
    let table = SobolDirectionNumbers.table
    #expect(table.degrees.count == 21_201)
    #expect(table.offsets.count == 21_202)
    // Lines of new-joe-kuo-6.21201 (d s a m_1 … m_s).
    let lines: [(Int, Int, UInt32, [UInt32])] = [
      (2, 1, 0, [1]), (3, 2, 1, [1, 3]), (7, 4, 4, [1, 3, 5, 13]),
      (100, 9, 244, [1, 1, 5, 5, 11, 5, 45, 117, 217]),
      (
        21201, 18, 131059,
        [
          1, 1, 7, 11, 15, 7, 37, 239, 337, 245, 1557, 3681, 7357, 9639, 27367, 26869, 114603,
          86317,
        ]
      ),
    ]
    for (d, s, a, m) in lines {
      let start = Int(table.offsets[d - 1])
      let end = Int(table.offsets[d])
      #expect(Int(table.degrees[d - 1]) == s, "dimension \(d): degree")
      #expect(table.coefficients[d - 1] == a, "dimension \(d): coefficients")
      #expect(Array(table.initialNumbers[start..<end]) == m, "dimension \(d): m")
    }
  }

  @Test("Every direction integer v_k has its lowest set bit at 2^(32−k) (m_k odd)")
  func directionIntegersAreOdd() {
    let table = SobolDirectionNumbers.table
    for d in 1...SobolSequence.maximumDimensions {
      let v = table.directionIntegers(dimension: d)
      for k in 1...32 where v[k - 1].trailingZeroBitCount != 32 - k {
        Issue.record("dimension \(d): v_\(k) = \(v[k - 1]) has its lowest set bit elsewhere")
        return
      }
    }
  }

  /// Checks that the top `m` digits of coordinate `d` of points `first..<first + 2^m` take
  /// every value once, and (when `exact`) that the lower digits are zero.
  static func expectStratified(
    _ sobol: SobolSequence, first: Int, m: Int, exact: Bool,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let n = 1 << m
    let d = sobol.dimensions
    var digits = [UInt32](repeating: 0, count: n * d)
    digits.withUnsafeMutableBufferPointer { buffer in
      for i in 0..<n { sobol.fillIntegers(point: first + i, into: buffer.baseAddress! + i * d) }
    }
    var seen = [Bool](repeating: false, count: n)
    for j in 0..<d {
      seen.withUnsafeMutableBufferPointer { $0.update(repeating: false) }
      for i in 0..<n {
        let x = digits[i * d + j]
        let cell = Int(x >> (32 - m))
        if seen[cell] || (exact && x << m != 0) {
          Issue.record(
            "\(sobol.scrambling) dimension \(j + 1), points \(first)..<\(first + n): point \(first + i) = \(x) repeats interval \(cell) of \(n) or is not k/2^\(m)",
            sourceLocation: sourceLocation)
          return
        }
        seen[cell] = true
      }
    }
  }

  @Test("Each coordinate of the first 2⁸ points is exactly {k/2⁸} (all 21201 dimensions)")
  func unscrambledNet() {
    let sobol = Self.sequence(SobolSequence.maximumDimensions)
    Self.expectStratified(sobol, first: 0, m: 8, exact: true)
    // Points 768..<1024 as well (natural order: a block of 2^m shares its high index bits).
    Self.expectStratified(sobol, first: 768, m: 8, exact: false)
  }

  @Test(
    "Scrambled: each coordinate's first 2^m points hit each [k/2^m, (k+1)/2^m) once",
    arguments: [SobolScrambling.owen, .shift], [UInt64(1), 20_261_203])
  func scrambledNet(scrambling: SobolScrambling, seed: UInt64) {
    let sobol = Self.sequence(SobolSequence.maximumDimensions, scrambling, seed: seed)
    Self.expectStratified(sobol, first: 0, m: 8, exact: false)
    let small = Self.sequence(50, scrambling, seed: seed)
    for m in [1, 4, 10, 12] { Self.expectStratified(small, first: 0, m: m, exact: false) }
    Self.expectStratified(small, first: 3 << 12, m: 12, exact: false)
  }

  @Test(
    "Dimensions 1 and 2 form a (0, m, 2)-net: every 2^a × 2^b box (a + b = m) holds one point",
    arguments: SobolScrambling.allCases)
  func twoDimensionalNet(scrambling: SobolScrambling) {
    let m = 10
    let sobol = Self.sequence(2, scrambling, seed: 77)
    let points = (0..<(1 << m)).map { sobol.integers(point: $0) }
    for a in 0...m {
      var seen = Set<UInt64>()
      for p in points {
        let box = UInt64(p[0] >> (32 - a)) << 32 | UInt64(a == m ? 0 : p[1] >> (32 - (m - a)))
        seen.insert(box)
      }
      #expect(seen.count == 1 << m, "\(scrambling), a = \(a): \(seen.count) boxes of \(1 << m)")
    }
  }

  @Test("Owen: same seed same points, other seeds other points, point i independent of order")
  func owenSeeds() {
    let a = Self.sequence(300, .owen, seed: 42)
    let b = Self.sequence(300, .owen, seed: 42)
    let c = Self.sequence(300, .owen, seed: 43)
    let indices = [0, 1, 2, 5, 1023, 4096, 999_999, 4_294_967_295]
    for i in indices {
      let x = a.integers(point: i)
      #expect(x == b.integers(point: i), "point \(i) differs under one seed")
      let y = c.integers(point: i)
      let equal = zip(x, y).filter { $0 == $1 }.count
      #expect(equal <= 3, "point \(i): \(equal) of 300 coordinates equal under seeds 42 and 43")
    }
    // Backwards, interleaved, and through the other fill functions: the same digits.
    let forward = (0..<64).map { a.integers(point: $0) }
    for i in (0..<64).reversed() {
      _ = c.integers(point: i)
      #expect(b.integers(point: i) == forward[i], "point \(i) depends on the order of calls")
      let uniforms = b.uniforms(point: i)
      #expect(uniforms == forward[i].map { (Double($0) + 0.5) / 4_294_967_296 })
    }
  }

  @Test("Owen scrambling is nested: two digit strings keep exactly their common prefix")
  func owenIsNested() {
    var stream = PathStream(seed: 9, path: 0)
    for _ in 0..<200_000 {
      let x = UInt32(truncatingIfNeeded: stream.next())
      let prefix = Int(stream.next() % 32)
      // y shares the top `prefix` digits of x and differs at the next one.
      let flip: UInt32 = 1 << (31 - prefix)
      let low = UInt32(truncatingIfNeeded: stream.next()) & (flip &- 1)
      let y = (x ^ flip) & ~(flip &- 1) | low
      let seed = UInt32(truncatingIfNeeded: stream.next())
      let (sx, sy) = (
        SobolSequence.owenScrambled(x, seed: seed), SobolSequence.owenScrambled(y, seed: seed)
      )
      let common = (sx ^ sy).leadingZeroBitCount
      if common != prefix {
        Issue.record("x \(x), y \(y), seed \(seed): common prefix \(prefix) became \(common)")
        return
      }
    }
  }

  @Test(
    "Scrambled coordinates are uniform: Kolmogorov–Smirnov over 21201 dimensions of a point",
    arguments: [SobolScrambling.owen, .shift], [0, 1, 12_345])
  func scrambledUniform(scrambling: SobolScrambling, point: Int) {
    let sobol = Self.sequence(SobolSequence.maximumDimensions, scrambling, seed: 3)
    let u = sobol.uniforms(point: point)
    let n = Double(u.count)
    let statistic = kolmogorovSmirnovStatistic(u, cdf: { $0 }) * n.squareRoot()
    #expect(
      statistic < kolmogorovSmirnovCritical001,
      "\(scrambling) point \(point): D·√n observed \(statistic), critical value \(kolmogorovSmirnovCritical001)"
    )
  }

  @Test("Uniforms are (digits + 1/2)/2³² and normals are their quantiles, across chunks")
  func fills() {
    for scrambling in SobolScrambling.allCases {
      let sobol = Self.sequence(1000, scrambling, seed: 5)
      for i in [0, 1, 77, 65_535] {
        let digits = sobol.integers(point: i)
        let uniforms = sobol.uniforms(point: i)
        var normals = [Double](repeating: .nan, count: 1000)
        normals.withUnsafeMutableBufferPointer {
          sobol.fillStandardNormals(point: i, into: $0.baseAddress!)
        }
        for d in 0..<1000 {
          let u = (Double(digits[d]) + 0.5) * 0x1p-32
          #expect(uniforms[d] == u && u > 0 && u < 1)
          #expect(normals[d] == InverseNormal.quantile(u))
        }
      }
    }
    #expect(SobolSequence.uniform(0) == 0x1p-33)
    #expect(SobolSequence.uniform(.max) == 1 - 0x1p-33)
  }

  @Test("Dimensions outside 1...21201 are an error naming the count and the maximum")
  func tooManyDimensions() {
    for dimensions in [0, -3, 21_202, 1_000_000] {
      #expect(throws: RandomnessError.sobolDimensions(requested: dimensions, maximum: 21_201)) {
        try SobolSequence(dimensions: dimensions, scrambling: .owen, seed: 1)
      }
    }
    let message = RandomnessError.sobolDimensions(requested: 30_000, maximum: 21_201).description
    #expect(message.contains("30000") && message.contains("21201"), "\(message)")
  }
}
