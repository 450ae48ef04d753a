import Randomness
import Testing

/// A `PathStream` seen only through `RandomNumberGenerator`, so that the generic (one word at a
/// time) samplers run on it.
private struct OneWordAtATime: RandomNumberGenerator {
  var stream: PathStream
  mutating func next() -> UInt64 { stream.next() }
}

@Suite("Batched Philox fills")
struct BatchedFillTests {
  /// The SIMD fill must draw exactly the numbers of the scalar definition and leave the stream
  /// where the scalar loop would, including half-used blocks and the Ziggurat's slow paths.
  @Test(
    "PathStream.fillStandardNormal equals the word-at-a-time sampler",
    arguments: [1, 2, 7, 16, 17, 1000, 100_003])
  func fillMatchesScalar(count: Int) {
    for path in [0, 1, 4_294_967_295] {
      var fast = PathStream(seed: 0xDEAD_BEEF_1234_5678, path: path, substream: 3)
      var slow = OneWordAtATime(
        stream: PathStream(seed: 0xDEAD_BEEF_1234_5678, path: path, substream: 3))
      var a = [Double](repeating: 0, count: count)
      var b = [Double](repeating: 0, count: count)
      a.withUnsafeMutableBufferPointer { fast.fillStandardNormal($0) }
      b.withUnsafeMutableBufferPointer { slow.fillStandardNormal($0) }
      let firstDifference = a.indices.first { a[$0].bitPattern != b[$0].bitPattern }
      #expect(
        firstDifference == nil,
        "count \(count), path \(path): first difference at \(firstDifference ?? -1)")
      // The stream continues where the scalar one does, twice over (a second fill, then words).
      a.withUnsafeMutableBufferPointer {
        fast.fillStandardNormal(UnsafeMutableBufferPointer(rebasing: $0[..<min(5, count)]))
      }
      b.withUnsafeMutableBufferPointer {
        slow.fillStandardNormal(UnsafeMutableBufferPointer(rebasing: $0[..<min(5, count)]))
      }
      #expect(
        a.prefix(5).map(\.bitPattern) == b.prefix(5).map(\.bitPattern), "second fill after \(count)"
      )
      for i in 0..<5 {
        let (x, y) = (fast.next(), slow.next())
        #expect(x == y, "word \(i) after the fills of \(count): \(x) vs \(y)")
      }
    }
  }
}
