/// The maximum drawdown of a price or value series: the largest fall from a running peak, as a
/// fraction of that peak,
///
///     MDD = max_t ( 1 − S_t / max_{u ≤ t} S_u )
///
/// a number in [0, 1] for positive prices (0.5 is a 50 % fall; 0 for a series that never falls
/// below its running peak, and for an empty one). A NaN anywhere makes the result NaN.
///
/// Example: 100, 120, 90, 130, 65 falls from 130 to 65, so MDD = 1 − 65/130 = 0.5.
///
/// Reference: M. Magdon-Ismail and A. F. Atiya, "Maximum drawdown", Risk 17(10), 2004,
/// pp. 99–102.
///
/// - Complexity: O(n), one pass.
public func maximumDrawdown(_ values: some Sequence<Double>) -> Double {
  var tracker = DrawdownTracker()
  for value in values { tracker.observe(value) }
  return tracker.maximum
}

/// The running state of `maximumDrawdown`: the peak so far and the largest drawdown from it.
///
/// Written without data-dependent branches (`max` and one division per value) because a random
/// walk makes new peaks unpredictable; a NaN is remembered apart and makes the result NaN.
struct DrawdownTracker {
  /// max_{u ≤ t} S_u.
  private(set) var peak = -Double.infinity
  /// max_{u ≤ t} (1 − S_u / peak_u) over the values that are not NaN.
  private var largest = 0.0
  private var sawNaN = false

  /// Takes the next value of the series.
  @inline(__always)
  mutating func observe(_ value: Double) {
    Self.observe(value, peak: &peak, largest: &largest)
    sawNaN = sawNaN || value.isNaN
  }

  /// The update of `observe` on separate variables, for trackers kept in parallel arrays.
  @inline(__always)
  static func observe(_ value: Double, peak: inout Double, largest: inout Double) {
    peak = Swift.max(peak, value)
    largest = Swift.max(largest, 1 - value / peak)
  }

  /// A tracker resumed from its parts (see `observe(_:peak:largest:)`).
  init(peak: Double = -.infinity, largest: Double = 0, sawNaN: Bool = false) {
    self.peak = peak
    self.largest = largest
    self.sawNaN = sawNaN
  }

  /// max_{u ≤ t} (1 − S_u / peak_u), NaN once a NaN has been seen.
  var maximum: Double { sawNaN ? .nan : largest }
}
