import Randomness
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("PathStream")
struct PathStreamTests {
  static func firstDraws(_ stream: PathStream, count: Int = 8) -> [UInt64] {
    var s = stream
    return (0..<count).map { _ in s.next() }
  }

  @Test("Streams of different seeds, paths and substreams differ")
  func streamsDiffer() {
    let streams = [
      PathStream(seed: 42, path: 0),
      PathStream(seed: 42, path: 1),
      PathStream(seed: 42, path: 0, substream: 1),
      PathStream(seed: 42, path: 1, substream: 1),
      PathStream(seed: 43, path: 0),
      PathStream(seed: 42 | 1 << 32, path: 0),
      PathStream(seed: 42, path: PathStream.maximumPathIndex),
    ]
    let draws = streams.map { Self.firstDraws($0) }
    #expect(Set(draws.flatMap { $0 }).count == draws.count * 8)
  }

  @Test("A stream is a pure function of (seed, path, substream)")
  func deterministic() {
    let a = Self.firstDraws(PathStream(seed: 2026, path: 17, substream: .jumps), count: 1000)
    let b = Self.firstDraws(PathStream(seed: 2026, path: 17, substream: 2), count: 1000)
    #expect(a == b)
  }

  @Test("Substream numbers are a file-format contract")
  func substreamValues() {
    #expect(PathStream.Substream.allCases.map(\.rawValue) == [0, 1, 2, 3, 4])
    #expect(PathStream.Substream.diffusion.rawValue == 0)
    #expect(PathStream.Substream.mixing.rawValue == 1)
    #expect(PathStream.Substream.jumps.rawValue == 2)
    #expect(PathStream.Substream.regimes.rawValue == 3)
    #expect(PathStream.Substream.innovations.rawValue == 4)
  }

  @Test(
    "Block b of path p, substream s is Philox at counter (b low, b high, p, s)",
    arguments: [UInt64(0), 0xffff_fffe, 0x1_2345_6789])
  func counterLayout(startBlock: UInt64) {
    let seed: UInt64 = 0x0123_4567_89ab_cdef
    let path = 123_456
    let substream: UInt32 = 3
    var stream = PathStream(seed: seed, path: path, substream: substream, startBlock: startBlock)
    for offset in UInt64(0)..<4 {
      let b = startBlock + offset
      let counter = (
        UInt32(truncatingIfNeeded: b), UInt32(truncatingIfNeeded: b >> 32), UInt32(path), substream
      )
      #expect(words(stream.counter(ofBlock: b)) == words(counter))
      let expected = words(Philox4x32.block(counter: counter, key: (0x89ab_cdef, 0x0123_4567)))
      #expect(words(stream.nextBlock()) == expected, "block \(b)")
    }
  }

  @Test("next() takes words 0|1 then 2|3 of each block, as Philox4x32 does")
  func nextMatchesPhilox() {
    let seed: UInt64 = 99
    var stream = PathStream(seed: seed, path: 5, substream: 4)
    var philox = Philox4x32(seed: seed, counter: (0, 0, 5, 4))
    for _ in 0..<64 { #expect(stream.next() == philox.next()) }
  }

  @Test("nextOpenUnit() is strictly inside (0, 1): raw 0 is redrawn, UInt64.max gives 1 − 2⁻⁵³")
  func openUnitExtremes() {
    var zeroThenOne = SequenceGenerator(values: [0, 0, 1 << 11])
    var ones = SequenceGenerator(values: [.max])
    let low = zeroThenOne.nextOpenUnit()
    let high = ones.nextOpenUnit()
    #expect(low == 0x1p-53, "raw 0, 0, then 2¹¹ gave \(low), expected 2⁻⁵³")
    #expect(high == 1 - 0x1p-53, "raw UInt64.max gave \(high), expected 1 − 2⁻⁵³")
    #expect(log(low).isFinite && log(1 - high).isFinite)
  }

  @Test("nextOpenUnit() keeps all 53 bits: u · 2⁵³ is the top 53 bits of the draw")
  func openUnitResolution() {
    var stream = PathStream(seed: 7, path: 0)
    for _ in 0..<10_000 {
      let word = stream.next()
      var one = SequenceGenerator(values: [word])
      let u = one.nextOpenUnit()
      #expect(u * 0x1p53 == Double(word >> 11), "word \(word) gave \(u)")
    }
  }

  @Test("nextOpenUnit() has mean 1/2 and variance 1/12")
  func openUnitMoments() {
    var stream = PathStream(seed: 11, path: 0)
    let u = sample(1_000_000, using: &stream) { $0.nextOpenUnit() }
    // A uniform has excess kurtosis −6/5.
    expectMeanAndVariance("uniform", of: u, mean: 0.5, variance: 1.0 / 12, excessKurtosis: -1.2)
  }
}

/// Returns the given words in turn, then repeats the last.
struct SequenceGenerator: RandomNumberGenerator {
  var values: [UInt64]
  var index = 0
  mutating func next() -> UInt64 {
    let v = values[min(index, values.count - 1)]
    index += 1
    return v
  }
}
