import CKernels

/// Consecutive Philox4x32-10 blocks of one path stream, computed many at a time.
///
/// Yields exactly the words `PathStream.next()` would, in the same order (block `b`'s words
/// 0–1, then 2–3, then block `b + 1`…), but computes `blocksPerRefill` blocks per refill in one
/// loop that the compiler vectorises. Obtained from `PathStream.withBatches(_:)`, which owns
/// the scratch the words live in.
@frozen
public struct PhiloxBatch: RandomNumberGenerator {
  @usableFromInline static let blocksPerRefill = 32
  @usableFromInline static let wordsPerRefill = 2 * blocksPerRefill
  /// Room for words kept in front of `words` by `refillCarrying()`.
  @usableFromInline static let carriedWordsCapacity = 8

  @usableFromInline let key: (UInt32, UInt32)
  @usableFromInline let path: UInt32
  @usableFromInline let substream: UInt32
  /// The first block of the next refill.
  @usableFromInline var block: UInt64
  /// `wordsPerRefill` words; those from `index` on are still to be returned. `index` is
  /// negative after `refillCarrying()`: the words carried over are in front of `words`.
  @usableFromInline let words: UnsafeMutablePointer<UInt64>
  @usableFromInline var index: Int

  /// A batch that continues `stream`, with `words` as scratch: `wordsPerRefill` words, and
  /// `carriedWordsCapacity` words of room in front of them for `refillCarrying()`.
  @inlinable
  init(continuing stream: PathStream, words: UnsafeMutablePointer<UInt64>) {
    key = stream.key
    path = stream.path
    substream = stream.substream
    block = stream.blockIndex
    self.words = words
    index = Self.wordsPerRefill
    if stream.hasPending {
      // The second word of the block before `blockIndex` comes first.
      index -= 1
      words[index] = stream.pending
    }
  }

  @inlinable @inline(__always)
  public mutating func next() -> UInt64 {
    if index == Self.wordsPerRefill { refill() }
    let w = words[index]
    index &+= 1
    return w
  }

  /// Where the stream stands after the words taken so far: its next block, and the second
  /// word of the block before it when only the first was taken.
  @inlinable
  var position: (blockIndex: UInt64, pending: UInt64?) {
    let remaining = Self.wordsPerRefill - index
    if remaining % 2 == 0 { return (block &- UInt64(remaining / 2), nil) }
    return (block &- UInt64(remaining / 2), words[index])
  }

  @inlinable
  mutating func refill() {
    Self.blocks(
      key: key, path: path, substream: substream, first: block, stride: 1,
      count: Self.blocksPerRefill, into: words)
    block &+= UInt64(Self.blocksPerRefill)
    index = 0
  }

  /// A full refill that keeps the words not yet taken (fewer than `carriedWordsCapacity`) in
  /// front of the new ones, so that a caller reading several words at a time finds them in
  /// one run: the same words, in the same order.
  ///
  /// - Precondition: `wordsPerRefill − index < carriedWordsCapacity`.
  @inlinable
  mutating func refillCarrying() {
    let left = Self.wordsPerRefill - index
    (words - left).update(from: words + index, count: left)
    refill()
    index = -left
  }

  /// A refill of only as many blocks as `expected` words need (at least one, at most a full
  /// refill), placed at the end of `words`, for a caller that knows it is near the end of
  /// its draws: the last refill of a path no longer computes up to 31 blocks it never reads.
  /// The words are the same; a caller that needs more gets them from the next refill.
  ///
  /// - Precondition: the batch is exhausted (`index == wordsPerRefill`).
  @inlinable
  mutating func refill(expecting expected: Int) {
    let count = min(Self.blocksPerRefill, max(1, (expected + 1) / 2))
    let start = Self.wordsPerRefill - 2 * count
    Self.blocks(
      key: key, path: path, substream: substream, first: block, stride: 1, count: count,
      into: words + start)
    block &+= UInt64(count)
    index = start
  }

  /// Philox4x32-10 of the blocks `first + j · stride` (`j < count`) of one stream: block `j`'s
  /// words 0–1 go to `out[2j]` and words 2–3 to `out[2j + 1]`.
  ///
  /// Computed by `scengine_philox_blocks` (the C target `CKernels`): on processors with
  /// AVX-512 (and VBMI), 32 blocks at a time as four independent groups of eight in vector
  /// lanes; with AVX2, eight at a time as two groups of four. The groups' multiply chains
  /// overlap; the compiler's vectorisation of the one-block loop left a single group's
  /// ten-round latency chain exposed. The bits are `Philox4x32.block`'s on every machine.
  @inlinable
  static func blocks(
    key: (UInt32, UInt32), path: UInt32, substream: UInt32, first: UInt64, stride: UInt64,
    count: Int, into out: UnsafeMutablePointer<UInt64>
  ) {
    scengine_philox_blocks(key.0, key.1, path, substream, first, stride, count, out)
  }
}

extension PathStream {
  /// Calls `body` with a generator that yields exactly the words this stream would (the same
  /// numbers in the same order as `next()`), computing the Philox blocks in vectorised batches,
  /// then advances this stream past the words `body` took.
  ///
  /// For draws made in bulk over a path: normal shocks, mixing and regime uniforms.
  @inlinable
  public mutating func withBatches<Result>(_ body: (inout PhiloxBatch) throws -> Result) rethrows
    -> Result
  {
    try withUnsafeTemporaryAllocation(
      of: UInt64.self, capacity: PhiloxBatch.carriedWordsCapacity + PhiloxBatch.wordsPerRefill
    ) { scratch in
      var batch = PhiloxBatch(
        continuing: self, words: scratch.baseAddress! + PhiloxBatch.carriedWordsCapacity)
      defer {
        let position = batch.position
        blockIndex = position.blockIndex
        hasPending = position.pending != nil
        pending = position.pending ?? 0
      }
      return try body(&batch)
    }
  }

  /// The words of `count` blocks of this stream spaced `stride` apart, starting at block
  /// `first`: block `first + j · stride` gives `out[2j]` (words 0–1) and `out[2j + 1]` (words
  /// 2–3). Does not move the stream. For streams read a few words at a time at many offsets,
  /// such as the per-step jump draws.
  @inlinable
  public func words(
    ofBlocksFrom first: UInt64, stride: UInt64, count: Int, into out: UnsafeMutablePointer<UInt64>
  ) {
    PhiloxBatch.blocks(
      key: key, path: path, substream: substream, first: first, stride: stride, count: count,
      into: out)
  }

  /// Fills `buffer` with standard normal draws: the same numbers, in the same order, as
  /// calling `nextStandardNormal()` repeatedly, with the Philox blocks computed in batches.
  @inlinable
  public mutating func fillStandardNormal(_ buffer: UnsafeMutableBufferPointer<Double>) {
    let tables = ZigguratNormalTables.shared
    guard let out = buffer.baseAddress else { return }
    let count = buffer.count
    let width = tables.signedWidth
    let accept = tables.signedAccept
    withBatches { batch in
      var i = 0
      while i < count {
        if batch.index == PhiloxBatch.wordsPerRefill {
          // The draws left, and a few words for the wedge and tail tests among them.
          let left = count &- i
          batch.refill(expecting: left &+ 2 &+ left / 32)
        }
        // Four words at a time while the batch holds them: when all four land inside their
        // layers (about 95% of the time) they are the next four draws. Otherwise one draw,
        // with the full method, and the group starts again one word later: the same
        // numbers, in the same order, as drawing one at a time.
        let words = batch.words
        var j = batch.index
        while i &+ 4 <= count && j &+ 4 <= PhiloxBatch.wordsPerRefill {
          let (x0, in0) = Self.fastCandidate(words[j], width: width, accept: accept)
          let (x1, in1) = Self.fastCandidate(words[j &+ 1], width: width, accept: accept)
          let (x2, in2) = Self.fastCandidate(words[j &+ 2], width: width, accept: accept)
          let (x3, in3) = Self.fastCandidate(words[j &+ 3], width: width, accept: accept)
          guard in0 && in1 && in2 && in3 else { break }
          out[i] = x0
          out[i &+ 1] = x1
          out[i &+ 2] = x2
          out[i &+ 3] = x3
          j &+= 4
          i &+= 4
        }
        batch.index = j
        guard i < count else { break }
        out[i] = batch.nextStandardNormal(tables: tables)
        i &+= 1
      }
    }
  }

  /// `ZigguratNormalTables.fastCandidate` with the tables' pointers held by the caller.
  @inlinable @inline(__always)
  static func fastCandidate(
    _ bits: UInt64, width: UnsafeMutablePointer<Double>, accept: UnsafeMutablePointer<UInt64>
  ) -> (Double, Bool) {
    let layerAndSign = Int(truncatingIfNeeded: bits & 0x1FF)
    let magnitude = bits &>> 12
    return (
      Double(Int64(bitPattern: magnitude)) * width[layerAndSign], magnitude < accept[layerAndSign]
    )
  }
}
