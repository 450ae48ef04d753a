/// Eight consecutive Philox4x32-10 blocks of one path stream computed at once, in SIMD lanes.
///
/// Yields exactly the words `PathStream.next()` would, in the same order (block `b`'s words
/// 0–1, then 2–3, then block `b + 1`…), but computes eight counters per refill so that the
/// multiplications vectorise. Used by the bulk fills of `PathStream`.
@usableFromInline
struct PhiloxBatch: RandomNumberGenerator {
  @usableFromInline let key0: UInt32
  @usableFromInline let key1: UInt32
  @usableFromInline let path: UInt32
  @usableFromInline let substream: UInt32
  /// The first block of the next refill.
  @usableFromInline var block: UInt64
  @usableFromInline var words = SIMD16<UInt64>()
  @usableFromInline var index = 16

  @inlinable
  init(key: (UInt32, UInt32), path: UInt32, substream: UInt32, block: UInt64) {
    key0 = key.0
    key1 = key.1
    self.path = path
    self.substream = substream
    self.block = block
  }

  @inlinable @inline(__always)
  mutating func next() -> UInt64 {
    if index == 16 { refill() }
    let w = words[index]
    index &+= 1
    return w
  }

  /// The number of words taken since the batch started at `start`.
  @inlinable
  func wordsConsumed(since start: UInt64) -> UInt64 {
    (block &- start) &* 2 &- UInt64(16 - index)
  }

  @inlinable
  mutating func refill() {
    let lanes = SIMD8<UInt64>(0, 1, 2, 3, 4, 5, 6, 7) &+ block
    var c0 = SIMD8<UInt32>(truncatingIfNeeded: lanes)
    var c1 = SIMD8<UInt32>(truncatingIfNeeded: lanes &>> 32)
    var c2 = SIMD8<UInt32>(repeating: path)
    var c3 = SIMD8<UInt32>(repeating: substream)
    var k0 = key0
    var k1 = key1
    let m0 = UInt64(Philox4x32.multiplier0)
    let m1 = UInt64(Philox4x32.multiplier1)
    for round in 0..<10 {
      if round > 0 {
        k0 &+= Philox4x32.weyl0
        k1 &+= Philox4x32.weyl1
      }
      let p0 = SIMD8<UInt64>(truncatingIfNeeded: c0) &* m0
      let p1 = SIMD8<UInt64>(truncatingIfNeeded: c2) &* m1
      let n0 = SIMD8<UInt32>(truncatingIfNeeded: p1 &>> 32) ^ c1 ^ k0
      let n2 = SIMD8<UInt32>(truncatingIfNeeded: p0 &>> 32) ^ c3 ^ k1
      c1 = SIMD8<UInt32>(truncatingIfNeeded: p1)
      c3 = SIMD8<UInt32>(truncatingIfNeeded: p0)
      c0 = n0
      c2 = n2
    }
    words.evenHalf = SIMD8<UInt64>(truncatingIfNeeded: c0) | (SIMD8<UInt64>(truncatingIfNeeded: c1) &<< 32)
    words.oddHalf = SIMD8<UInt64>(truncatingIfNeeded: c2) | (SIMD8<UInt64>(truncatingIfNeeded: c3) &<< 32)
    block &+= 8
    index = 0
  }
}

extension PathStream {
  /// Fills `buffer` with standard normal draws: the same numbers, in the same order, as
  /// calling `nextStandardNormal()` repeatedly, with the Philox blocks computed eight at a time.
  @inlinable
  public mutating func fillStandardNormal(_ buffer: UnsafeMutableBufferPointer<Double>) {
    if hasPending {
      // A half-used block: take the generic path (rare; fills start on fresh streams).
      let tables = ZigguratNormalTables.shared
      for i in buffer.indices { buffer[i] = nextStandardNormal(tables: tables) }
      return
    }
    let tables = ZigguratNormalTables.shared
    let start = blockIndex
    var batch = PhiloxBatch(key: key, path: path, substream: substream, block: start)
    for i in buffer.indices { buffer[i] = batch.nextStandardNormal(tables: tables) }
    let consumed = batch.wordsConsumed(since: start)
    blockIndex = start &+ consumed / 2
    if consumed % 2 == 1 {
      pending = batch.words[batch.index]
      hasPending = true
      blockIndex &+= 1
    }
  }
}
