/// Sorting of doubles in linear time. Each value becomes an order-preserving integer key (the
/// IEEE 754 bits with the sign bit flipped for a positive value, every bit flipped for a
/// negative one); a least-significant-digit radix sort orders the keys by their upper 48 bits
/// in three passes of sixteen bits (a pass whose digit is the same for every key is skipped),
/// and a comparison sort finishes the order within each run of keys that agree on those bits
/// (values within a relative 2⁻³⁶ of each other: rare, and adjacent). The order is numeric with −0 before +0;
/// NaN sorts last or first by its sign bit, so callers filter NaN out first.
///
/// - Parameters:
///   - values: the values, sorted in place.
///   - keys, spare: scratch of at least `values.count` each.
/// - Complexity: O(n) for values that do not crowd within 2⁻³⁶ of each other, O(n log n)
///   at worst.
func radixSort(
  _ values: UnsafeMutableBufferPointer<Double>, keys: UnsafeMutableBufferPointer<UInt64>,
  spare: UnsafeMutableBufferPointer<UInt64>
) {
  let n = values.count
  guard n > 1 else { return }
  if n < 512 {
    var v = values
    v.sort()
    return
  }
  for i in 0..<n {
    let b = values[i].bitPattern
    keys[i] = b & (1 << 63) != 0 ? ~b : b | (1 << 63)
  }
  sortKeys(UnsafeMutableBufferPointer(rebasing: keys[0..<n]), spare: spare)
  for i in 0..<n {
    let key = keys[i]
    values[i] = Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
  }
}

/// Sorts `values` (see `radixSort(_:keys:spare:)`) using their own memory for the keys: the
/// only scratch is `spare`, one 64-bit word per value.
func radixSortInPlace(
  _ values: UnsafeMutableBufferPointer<Double>, spare: UnsafeMutableBufferPointer<UInt64>
) {
  guard let base = values.baseAddress, values.count >= 512 else {
    var v = values
    v.sort()
    return
  }
  // Each key is computed from the value in the same place and read back after the sort: the
  // memory holds keys in between (UInt64 and Double have the same size and alignment).
  base.withMemoryRebound(to: UInt64.self, capacity: values.count) { keys in
    let k = UnsafeMutableBufferPointer(start: keys, count: values.count)
    for i in 0..<k.count {
      let b = k[i]
      k[i] = b & (1 << 63) != 0 ? ~b : b | (1 << 63)
    }
    sortKeys(k, spare: spare)
    for i in 0..<k.count {
      let key = k[i]
      k[i] = key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key
    }
  }
}

/// Sorts an array of doubles (see the buffer form).
func radixSort(_ values: inout [Double]) {
  let n = values.count
  guard n > 1 else { return }
  let keys = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 2 * n)
  defer { keys.deallocate() }
  values.withUnsafeMutableBufferPointer {
    radixSort(
      $0, keys: UnsafeMutableBufferPointer(rebasing: keys[0..<n]),
      spare: UnsafeMutableBufferPointer(rebasing: keys[n..<(2 * n)]))
  }
}

/// The values sorted (see `radixSort`).
func radixSorted(_ values: [Double]) -> [Double] {
  var v = values
  radixSort(&v)
  return v
}

/// Rearranges `v` so that each of `ranks` (ascending, distinct, within `v`) holds the value it
/// would hold in sorted order, with no larger value before it and no smaller one after it
/// (Hoare's selection, successively on the part above the previous rank).
///
/// - Complexity: O(n) expected per rank; a part that fails to shrink fast enough is sorted.
func select(_ v: UnsafeMutableBufferPointer<Double>, ranks: [Int]) {
  var low = 0
  for k in ranks {
    precondition(k >= low && k < v.count)
    var lo = low
    var hi = v.count - 1
    var budget = 2 * (Int.bitWidth - (hi - lo + 1).leadingZeroBitCount) + 8
    while hi > lo {
      if budget == 0 {
        var part = UnsafeMutableBufferPointer(rebasing: v[lo...hi])
        part.sort()
        break
      }
      budget -= 1
      // Median of three as the pivot.
      let mid = lo + (hi - lo) / 2
      if v[mid] < v[lo] { v.swapAt(mid, lo) }
      if v[hi] < v[lo] { v.swapAt(hi, lo) }
      if v[hi] < v[mid] { v.swapAt(hi, mid) }
      let pivot = v[mid]
      var i = lo
      var j = hi
      while i <= j {
        while v[i] < pivot { i += 1 }
        while pivot < v[j] { j -= 1 }
        if i <= j {
          v.swapAt(i, j)
          i += 1
          j -= 1
        }
      }
      if k <= j {
        hi = j
      } else if k >= i {
        lo = i
      } else {
        break
      }
    }
    low = k + 1
  }
}

/// The linear (type 7) quantiles at `probabilities` of finite values, rearranging them.
///
/// Each quantile needs the order statistics of ranks lo = ⌊(n − 1)p⌋ and lo + 1. The lo ranks
/// are selected in ascending order; then the value of rank lo + 1 is the least value above
/// rank lo up to the next selected rank (selection leaves nothing smaller there).
func linearQuantiles(_ v: UnsafeMutableBufferPointer<Double>, _ probabilities: [Double]) -> [Double]
{
  let n = v.count
  let lows = Set(probabilities.map { Int((Double(n - 1) * $0).rounded(.down)) }).sorted()
  select(v, ranks: lows)
  var next: [Int: Double] = [:]
  for (i, lo) in lows.enumerated() where lo + 1 < n {
    let end = i + 1 < lows.count ? lows[i + 1] : n - 1
    var least = v[lo + 1]
    if end > lo + 1 {
      for j in (lo + 2)...end where v[j] < least { least = v[j] }
    }
    next[lo] = least
  }
  return probabilities.map { p in
    let h = Double(n - 1) * p
    let lo = Int(h.rounded(.down))
    let g = h - Double(lo)
    let a = v[lo]
    let b = next[lo] ?? a
    return g >= 0.5 ? b - (b - a) * (1 - g) : a + (b - a) * g
  }
}

/// Sorts order-preserving keys (see `radixSort(_:keys:spare:)`): three passes of sixteen bits
/// over the upper 48 bits, then each run that agrees on them; the result is in `keys`.
func sortKeys(_ keys: UnsafeMutableBufferPointer<UInt64>, spare: UnsafeMutableBufferPointer<UInt64>)
{
  let n = keys.count
  guard n > 1 else { return }
  let radix = 1 << 16
  let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: radix)
  defer { counts.deallocate() }
  var source = keys
  var target = UnsafeMutableBufferPointer(rebasing: spare[0..<n])
  for shift: UInt64 in [16, 32, 48] {
    for i in 0..<radix { counts[i] = 0 }
    for key in source { counts[Int(truncatingIfNeeded: key >> shift) & 0xFFFF] &+= 1 }
    if counts[Int(truncatingIfNeeded: source[0] >> shift) & 0xFFFF] == n { continue }
    var total = 0
    for i in 0..<radix {
      let count = counts[i]
      counts[i] = total
      total &+= count
    }
    for key in source {
      let d = Int(truncatingIfNeeded: key >> shift) & 0xFFFF
      target[counts[d]] = key
      counts[d] &+= 1
    }
    swap(&source, &target)
  }
  // Keys agreeing on their upper 48 bits are adjacent, in any order: each such run is sorted
  // (runs are short for real data; one long run costs O(m log m), never O(m²)).
  var start = 0
  while start < n {
    var end = start + 1
    while end < n && source[end] >> 16 == source[start] >> 16 { end += 1 }
    if end - start > 1 {
      var run = UnsafeMutableBufferPointer(rebasing: source[start..<end])
      run.sort()
    }
    start = end
  }
  if source.baseAddress != keys.baseAddress {
    for i in 0..<n { keys[i] = source[i] }
  }
}
