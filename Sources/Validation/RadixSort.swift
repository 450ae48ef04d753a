/// Sorting of doubles in linear time: a least-significant-digit radix sort over the
/// order-preserving integer key of each value (the IEEE 754 bits with the sign bit flipped for
/// a positive value, every bit flipped for a negative one), eight passes of eight bits, skipping
/// a pass whose digit is the same for every value. The order is numeric with −0 before +0;
/// NaN sorts last or first by its sign bit, so callers filter NaN out first.
///
/// - Parameters:
///   - values: the values, sorted in place.
///   - keys, spare: scratch of at least `values.count` each.
/// - Complexity: O(n).
func radixSort(
  _ values: UnsafeMutableBufferPointer<Double>, keys: UnsafeMutableBufferPointer<UInt64>,
  spare: UnsafeMutableBufferPointer<UInt64>
) {
  let n = values.count
  guard n > 1 else { return }
  for i in 0..<n {
    let b = values[i].bitPattern
    keys[i] = b & (1 << 63) != 0 ? ~b : b | (1 << 63)
  }
  withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { c in
    var source = UnsafeMutableBufferPointer(rebasing: keys[0..<n])
    var target = UnsafeMutableBufferPointer(rebasing: spare[0..<n])
    for pass in 0..<8 {
      let shift = UInt64(pass * 8)
      for i in 0..<256 { c[i] = 0 }
      for key in source { c[Int((key >> shift) & 0xFF)] += 1 }
      if c[Int((source[0] >> shift) & 0xFF)] == n { continue }
      var total = 0
      for i in 0..<256 {
        let count = c[i]
        c[i] = total
        total += count
      }
      for key in source {
        let d = Int((key >> shift) & 0xFF)
        target[c[d]] = key
        c[d] += 1
      }
      swap(&source, &target)
    }
    for i in 0..<n {
      let key = source[i]
      values[i] = Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
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
