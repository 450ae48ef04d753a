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

/// The running state of `maximumDrawdown`: the peak so far, the lowest value since that peak,
/// and the largest drawdown from earlier peaks.
///
/// For a fixed peak `P`, `1 − S/P` is largest at the lowest `S` (division is monotone), so the
/// drawdown from a peak is computed once, when the peak is superseded or the maximum is read:
/// one division per new peak instead of one per value, with exactly the same result.
struct DrawdownTracker {
  /// max_{u ≤ t} S_u.
  private(set) var peak = -Double.infinity
  /// min S_u since the current peak.
  private var trough = Double.infinity
  /// The largest drawdown from the peaks before the current one.
  private var settled = 0.0
  private var sawNaN = false

  /// Takes the next value of the series.
  mutating func observe(_ value: Double) {
    if value > peak {
      settled = max(settled, currentDrawdown)
      peak = value
      trough = value
    } else if value < trough {
      trough = value
    } else if value.isNaN {
      sawNaN = true
    }
  }

  /// `1 − trough / peak` for the current peak, 0 before the first value.
  private var currentDrawdown: Double {
    peak == -.infinity ? 0 : 1 - trough / peak
  }

  /// max_{u ≤ t} (1 − S_u / peak_u), NaN once a NaN has been seen.
  var maximum: Double {
    if sawNaN { return .nan }
    let d = currentDrawdown
    return d.isNaN || d > settled ? d : settled
  }
}
