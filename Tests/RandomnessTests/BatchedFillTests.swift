import CKernels
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
  /// where the scalar loop would, including half-used blocks, the Ziggurat's slow paths and
  /// the short last refill of a fill (`refill(expecting:)`).
  @Test(
    "PathStream.fillStandardNormal equals the word-at-a-time sampler",
    arguments: [1, 2, 7, 16, 17, 63, 64, 65, 252, 257, 1000, 100_003])
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

@Suite("Philox blocks many at a time")
struct PhiloxBlocksTests {
  /// `PathStream.words(ofBlocksFrom:stride:count:)` (32 blocks at a time in vector lanes
  /// where the processor has AVX-512F, eight where it has AVX2, then the fewest groups for
  /// the rest) must give every block's words exactly as the one-block definition does,
  /// wherever the run of blocks starts and whatever its spacing: across the 2³² carry into the
  /// counter's second word and the 2⁶⁴ wrap of the block index, for runs shorter and longer
  /// than every group, and with every code this processor can run
  /// (`scengine_philox_blocks_at_level`), each leaving the word after its blocks alone.
  @Test(
    "Blocks computed in groups equal Philox4x32.block one at a time",
    arguments: [
      (UInt64(0), UInt64(1)), (UInt64(0xFFFF_FFFC), UInt64(1)), (UInt64(12_345), UInt64(3)),
      (UInt64.max - 9, UInt64(1)), (UInt64(0x7FFF_FFFF_FFFF_FFF0), UInt64(0x1_0000_0001)),
      (UInt64(5), UInt64(0)), (UInt64(0xFFFF_FFF0), UInt64(7)),
    ])
  func groupsEqualOneBlock(first: UInt64, stride: UInt64) {
    let stream = PathStream(seed: 0x0123_4567_89AB_CDEF, path: 4_294_967_295, substream: 7)
    let key: (UInt32, UInt32) = (0x89AB_CDEF, 0x0123_4567)
    let counts = [0, 1, 2, 7, 8, 9, 15, 16, 17, 24, 25, 31, 32, 33, 40, 63, 64, 65, 70, 97]
    for count in counts {
      var words = [UInt64](repeating: 0, count: 2 * count + 1)
      words[2 * count] = 0xA5A5  // a guard the call must not touch
      words.withUnsafeMutableBufferPointer {
        stream.words(ofBlocksFrom: first, stride: stride, count: count, into: $0.baseAddress!)
      }
      #expect(words[2 * count] == 0xA5A5, "count \(count): wrote past its blocks")
      // The code of every level this processor has, down to the one-block-at-a-time loop of
      // processors without AVX2, gives the same words.
      for level in 0...scengine_simd_level() {
        var other = [UInt64](repeating: 0, count: 2 * count + 1)
        other[2 * count] = 0xA5A5
        other.withUnsafeMutableBufferPointer {
          scengine_philox_blocks_at_level(
            level, key.0, key.1, 4_294_967_295, 7, first, stride, count, $0.baseAddress!)
        }
        #expect(other == words, "count \(count): level \(level) differs or wrote past its blocks")
      }
      for j in 0..<count {
        let index = first &+ UInt64(j) &* stride
        let b = Philox4x32.block(
          counter: (
            UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32),
            4_294_967_295, 7
          ), key: key)
        let expected = (UInt64(b.0) | UInt64(b.1) << 32, UInt64(b.2) | UInt64(b.3) << 32)
        #expect(
          words[2 * j] == expected.0 && words[2 * j + 1] == expected.1,
          """
          first \(first), stride \(stride), count \(count), block \(j): \
          expected \(expected), observed \((words[2 * j], words[2 * j + 1]))
          """)
      }
    }
  }
}
