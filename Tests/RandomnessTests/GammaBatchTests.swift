import Testing

@testable import Randomness

/// A `PathStream` seen only through `RandomNumberGenerator`: the generic samplers, one word at
/// a time.
private struct OneWord: RandomNumberGenerator {
  var stream: PathStream
  mutating func next() -> UInt64 { stream.next() }
}

/// Words handed out from a fixed list, one at a time.
private struct ListedWords: RandomNumberGenerator {
  let words: [UInt64]
  var index = 0
  mutating func next() -> UInt64 {
    defer { index += 1 }
    return words[index]
  }
}

/// Expects `got` to equal `expected` (naming the first difference), and the two streams to go
/// on with the same words.
private func expectSame<G: RandomNumberGenerator>(
  _ got: [UInt64], _ expected: [UInt64], then fast: inout PathStream, _ slow: inout G,
  _ context: String, sourceLocation: SourceLocation = #_sourceLocation
) {
  let firstDifference = got.indices.first { got[$0] != expected[$0] }
  #expect(
    got.count == expected.count && firstDifference == nil,
    "\(context): first difference at \(firstDifference ?? -1)", sourceLocation: sourceLocation)
  for i in 0..<3 {
    let (x, y) = (fast.next(), slow.next())
    #expect(x == y, "\(context): word \(i) after, \(x) vs \(y)", sourceLocation: sourceLocation)
  }
}

@Suite("Gamma draws four attempts at a time")
struct GammaBatchTests {
  /// `fill` must give exactly `sample`'s numbers and leave the stream where `sample` would:
  /// over shapes whose attempts often fail on the fast route (shape 1: `v ≤ 0` for `x < −2.45`;
  /// every shape: the squeeze fails about 10% of the time), the boost of shapes below 1, and
  /// counts around the group of four and the batch's refill.
  @Test(
    "GammaDistribution.fill equals sample(using:) one draw at a time",
    arguments: [0.3, 1, 1.5, 4, 50])
  func fillEqualsSample(shape: Double) throws {
    let law = try GammaDistribution(shape: shape, scale: 2)
    for count in [0, 1, 3, 4, 5, 31, 32, 33, 252, 100_003] {
      var fast = PathStream(seed: 0x5EED_0000_2027_0104, path: 77, substream: 1)
      var slow = OneWord(stream: PathStream(seed: 0x5EED_0000_2027_0104, path: 77, substream: 1))
      var a = [Double](repeating: 0, count: count)
      a.withUnsafeMutableBufferPointer { out in fast.withBatches { law.fill(out, using: &$0) } }
      let b = (0..<count).map { _ in law.sample(using: &slow) }
      expectSame(
        a.map(\.bitPattern), b.map(\.bitPattern), then: &fast, &slow,
        "shape \(shape), count \(count)")
    }
  }

  /// Words placed among random ones to fail the fast route: uniform words whose top 53 bits
  /// are 0 (drawn again by `nextOpenUnit`), a normal word outside layer 0's rectangle (the
  /// tail) and a normal word far out in layer 1 on the negative side (`v ≤ 0` for shape 1),
  /// at positions that fall in different lanes and groups, for counts that end on and off a
  /// group.
  @Test("Lanes that leave the fast route are drawn again from their first word")
  func craftedFailures() throws {
    let law = try GammaDistribution(shape: 1)
    var source = PathStream(seed: 3, path: 0)
    var words = (0..<PhiloxBatch.wordsPerRefill).map { _ in source.next() }
    let tables = ZigguratNormalTables.shared
    words[3] = 0x7FF  // a uniform of k = 0
    words[12] = UInt64.max & ~0x0FF | 0x100  // layer 0, outside its rectangle: the tail
    // Layer 1, negative, just inside its rectangle: x ≈ −3.2, so v = 1 + c·x ≤ 0.
    words[18] = (tables.accept[1] - 1) << 12 | 0x100 | 1
    words[25] = 0x3FF  // a uniform of k = 0
    for count in [1, 4, 5, 8, 12, 16] {
      var listed = ListedWords(words: words)
      let expected = (0..<count).map { _ in law.sample(using: &listed) }
      let got = try words.withUnsafeBufferPointer { list in
        var stream = PathStream(seed: 3, path: 0)
        return try stream.withBatches { batch -> [Double] in
          batch.words.update(from: list.baseAddress!, count: list.count)
          batch.index = 0
          var out = [Double](repeating: 0, count: count)
          out.withUnsafeMutableBufferPointer { law.fill($0, using: &batch) }
          try #require(batch.index == listed.index, "count \(count): words taken")
          return out
        }
      }
      #expect(
        got.map(\.bitPattern) == expected.map(\.bitPattern),
        "count \(count): \(got) vs \(expected)")
    }
  }

  /// `PhiloxBatch.refillCarrying()` keeps the words not yet taken, in order, in front of the
  /// new ones, and the stream goes on where the word-at-a-time one does: for every number of
  /// words left, from a batch that started on a whole or a half-used block.
  @Test("refillCarrying keeps the words left in front of the new ones")
  func carriedWords() {
    for left in 0..<PhiloxBatch.carriedWordsCapacity {
      for halfUsed in [false, true] {
        var fast = PathStream(seed: 9, path: 4, substream: 2)
        var slow = PathStream(seed: 9, path: 4, substream: 2)
        if halfUsed { (_, _) = (fast.next(), slow.next()) }
        let taken = fast.withBatches { batch -> [UInt64] in
          var taken: [UInt64] = []
          repeat {
            taken.append(batch.next())
          } while taken.count < 2 || batch.index != PhiloxBatch.wordsPerRefill - left
          batch.refillCarrying()
          #expect(batch.index == -left, "\(left) left: index \(batch.index)")
          for _ in 0..<(PhiloxBatch.wordsPerRefill + 5) { taken.append(batch.next()) }
          return taken
        }
        let expected = taken.indices.map { _ in slow.next() }
        expectSame(taken, expected, then: &fast, &slow, "\(left) left, half-used \(halfUsed)")
      }
    }
  }

  /// The vector scales (four lanes, and eight by the C kernel where the processor has
  /// AVX-512) equal the scalar `mixingScale` bit for bit, for counts around both groups.
  @Test("StudentTDistribution.replaceByMixingScales equals mixingScale")
  func scalesEqualScalar() throws {
    let law = try StudentTDistribution(degreesOfFreedom: 5, unitVariance: true)
    var stream = PathStream(seed: 11, path: 2)
    for count in [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 252] {
      var draws = (0..<count).map { _ in law.chiSquared.sample(using: &stream) }
      // Extremes of the mixing draw: a scale near 10¹⁵⁰ and one near 10⁻¹⁵⁰.
      for i in 0..<min(2, count) { draws[i] = [1e-300, 1e300][i] }
      let expected = draws.map(law.mixingScale)
      for level: Int32 in [1, 2] {
        var scales = draws
        scales.withUnsafeMutableBufferPointer { law.replaceByMixingScales($0, level: level) }
        #expect(
          scales.map(\.bitPattern) == expected.map(\.bitPattern), "count \(count), level \(level)")
      }
    }
  }

  /// The vector conversion equals `Double(k)` below 2⁵³: random values of every width, and
  /// the edges of its two halves.
  @Test("exactDoubles equals the scalar conversion below 2⁵³")
  func exactConversion() {
    var stream = PathStream(seed: 5, path: 1)
    var values: [UInt64] = [0, 1, (1 << 32) - 1, 1 << 32, (1 << 32) + 1, (1 << 53) - 1, 1 << 52]
    for _ in 0..<20_000 {
      let word = stream.next()
      values.append(word >> (11 + word % 53))
    }
    while values.count % 4 != 0 { values.append(12_345) }
    for start in stride(from: 0, to: values.count, by: 4) {
      let k = SIMD4(values[start], values[start + 1], values[start + 2], values[start + 3])
      let got = exactDoubles(below53Bits: k)
      for lane in 0..<4 {
        #expect(
          got[lane].bitPattern == Double(k[lane]).bitPattern,
          "k = \(k[lane]): \(got[lane]), expected \(Double(k[lane]))")
      }
    }
  }
}
