/// Exact order statistics of a column too large for memory, by radix selection.
///
/// Each double maps to an unsigned 64-bit key with the same order (`orderKey`). A pass over the
/// column either counts the values of a key range in 2¹⁶ bins of the next 16 key bits (and so
/// narrows the range that holds a wanted rank to one bin), or, once the range holds few enough
/// values (`sortLimit`), gathers them and sorts them. At most four counting passes settle any rank; in
/// practice one counting pass and one gathering pass do. Memory: 512 KB per key range being
/// counted (at most one per wanted rank) and at most `gatherLimit` gathered keys, whatever the
/// column's length.
///
/// Reference: the most-significant-digit radix select; D. E. Knuth, The Art of Computer
/// Programming, vol. 3, §5.2.5 (radix sorting), applied to selection.
///
/// - Parameters:
///   - column: the values, none of them NaN.
///   - ranks: 0-based ranks in ascending order, each below `column.count`.
///   - gatherLimit: the largest number of keys gathered in one pass.
///   - sortLimit: the largest key range gathered and sorted whole; a larger one is counted
///     first, so that a column of a million values costs two passes and the sort of the few
///     thousand keys of the wanted ranks' bins rather than the sort of the whole column.
/// - Returns: the value of each rank.
func orderStatistics(
  of column: some ValueColumn, ranks: Set<Int>, gatherLimit: Int = 1 << 20,
  sortLimit: Int = 1 << 14
) throws(RiskError) -> [Int: Double] {
  let digitBits = 16
  let binCount = 1 << digitBits
  var found: [Int: Double] = [:]
  var targets = ranks.sorted().map { RadixTarget(rank: $0, remaining: $0, prefix: 0, bits: 0) }
  var counts: [KeyPrefix: Int] = [KeyPrefix(prefix: 0, bits: 0): column.count]
  while !targets.isEmpty {
    // The distinct ranges of the targets, counted or gathered in this pass.
    var ranges: [KeyRange] = []
    var budget = gatherLimit
    for target in targets
    where !ranges.contains(where: {
      $0.prefix == target.prefix && $0.bits == target.bits
    }) {
      let count = counts[KeyPrefix(prefix: target.prefix, bits: target.bits)] ?? 0
      let gathers = (count <= budget && count <= sortLimit) || target.bits + digitBits > 64
      if gathers { budget -= count }
      var range = KeyRange(prefix: target.prefix, bits: target.bits, count: count, gathers: gathers)
      if gathers {
        range.keys.reserveCapacity(count)
      } else {
        range.histogram = Array(repeating: 0, count: binCount)
      }
      ranges.append(range)
    }
    try column.forEachValue { value in
      let key = orderKey(value)
      for r in ranges.indices where ranges[r].holds(key) {
        if ranges[r].gathers {
          ranges[r].keys.append(key)
        } else {
          let shift = UInt64(64 - ranges[r].bits - digitBits)
          ranges[r].histogram[Int((key >> shift) & UInt64(binCount - 1))] += 1
        }
      }
    }
    for r in ranges.indices where ranges[r].gathers { ranges[r].keys.sort() }
    var next: [RadixTarget] = []
    for var target in targets {
      guard
        let r = ranges.firstIndex(where: { $0.prefix == target.prefix && $0.bits == target.bits })
      else { continue }
      if ranges[r].gathers {
        found[target.rank] = valueOfOrderKey(ranges[r].keys[target.remaining])
        continue
      }
      var below = 0
      for digit in 0..<binCount {
        let inBin = ranges[r].histogram[digit]
        if target.remaining < below + inBin {
          target.remaining -= below
          target.prefix = target.prefix << UInt64(digitBits) | UInt64(digit)
          target.bits += digitBits
          counts[KeyPrefix(prefix: target.prefix, bits: target.bits)] = inBin
          break
        }
        below += inBin
      }
      if target.bits == 64 {
        found[target.rank] = valueOfOrderKey(target.prefix)
      } else {
        next.append(target)
      }
    }
    targets = next
  }
  return found
}

/// A key whose unsigned order is the order of the doubles (−∞ < … < −0 < +0 < … < +∞): the
/// sign bit flipped for positive numbers, every bit for negative ones.
@inline(__always)
func orderKey(_ value: Double) -> UInt64 {
  let bits = value.bitPattern
  return bits >> 63 == 1 ? ~bits : bits | (1 << 63)
}

/// The double of an `orderKey`.
@inline(__always)
func valueOfOrderKey(_ key: UInt64) -> Double {
  Double(bitPattern: key >> 63 == 1 ? key & ~(1 << 63) : ~key)
}

/// A rank still looked for: within the values whose key's top `bits` bits equal `prefix`,
/// the one of rank `remaining`.
private struct RadixTarget {
  let rank: Int
  var remaining: Int
  var prefix: UInt64
  var bits: Int
}
/// A key range searched in this pass, with the number of values it holds.
private struct KeyRange {
  let prefix: UInt64
  let bits: Int
  let count: Int
  var gathers: Bool
  var histogram: [Int] = []
  var keys: [UInt64] = []

  @inline(__always)
  func holds(_ key: UInt64) -> Bool { bits == 0 || key >> UInt64(64 - bits) == prefix }
}

/// The keys whose top `bits` bits are `prefix`.
private struct KeyPrefix: Hashable {
  let prefix: UInt64
  let bits: Int
}
