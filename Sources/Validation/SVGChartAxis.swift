import Foundation

/// One axis of a chart: a linear or base-10 logarithmic map from data to the unit interval, its
/// tick positions (by the "nice numbers" rule: steps of 1, 2 or 5 times a power of ten) and
/// their labels.
struct SVGChartAxis {
  /// The domain, in display units (data times `scale`), or in log10 of them on a log axis.
  var lower: Double
  var upper: Double
  /// Tick positions in display units (not log10), and their labels.
  var ticks: [Double]
  var labels: [String]
  var isLog: Bool
  /// Data are multiplied by `scale` before display (100 shows fractions as percentages).
  var scale: Double
  /// The axis title, with its unit.
  var title: String
  /// False when no finite value reached the axis (the chart then says so).
  var hasData: Bool

  /// The position of the data value `value` on the axis, 0 at `lower` and 1 at `upper`; nil
  /// when it has none (not finite, or not positive on a log axis).
  func fraction(_ value: Double) -> Double? {
    let display = value * scale
    guard display.isFinite, !isLog || display > 0 else { return nil }
    let position = ((isLog ? log10(display) : display) - lower) / (upper - lower)
    return position.isFinite ? position : nil
  }

  /// A linear axis over the finite values of `values` (in data units): the domain is widened
  /// to whole tick steps unless `tight`, in which case it spans exactly the data and the ticks
  /// fall inside it. A single value, or values all equal, still make an axis around them.
  static func linear(
    _ values: [Double], title: String, scale: Double = 1, maxTicks: Int = 6, tight: Bool = false,
    integer: Bool = false
  ) -> SVGChartAxis {
    let shown = values.lazy.map { $0 * scale }.filter(\.isFinite)
    guard var low = shown.min(), var high = shown.max() else {
      let ticks = niceTicks(low: 0, high: 1, maxTicks: maxTicks, integer: integer)
      return SVGChartAxis(
        lower: 0, upper: 1, ticks: ticks.values, labels: ticks.labels, isLog: false,
        scale: scale, title: title, hasData: false)
    }
    if high - low <= 1e-12 * max(abs(low), abs(high)) {
      let centre = (low + high) / 2
      let half = centre == 0 ? 1 : abs(centre) * 0.05
      low = centre - half
      high = centre + half
    }
    let ticks = niceTicks(low: low, high: high, maxTicks: maxTicks, integer: integer)
    let lower = tight ? low : min(low, ticks.values.first ?? low)
    let upper = tight ? high : max(high, ticks.values.last ?? high)
    var values: [Double] = []
    var labels: [String] = []
    for (value, label) in zip(ticks.values, ticks.labels)
    where value >= lower - 1e-9 * (upper - lower) && value <= upper + 1e-9 * (upper - lower) {
      values.append(value)
      labels.append(label)
    }
    return SVGChartAxis(
      lower: lower, upper: upper, ticks: values, labels: labels, isLog: false, scale: scale,
      title: title, hasData: true)
  }

  /// A log10 axis over the positive finite values of `values`, from the decade below the
  /// smallest to the decade above the largest, with a tick at every decade (or every second or
  /// third one when there are many).
  static func logarithmic(_ values: [Double], title: String) -> SVGChartAxis {
    let positive = values.filter { $0.isFinite && $0 > 0 }
    guard let smallest = positive.min(), let largest = positive.max() else {
      return SVGChartAxis(
        lower: -1, upper: 1, ticks: [0.1, 1, 10], labels: ["0.1", "1", "10"], isLog: true,
        scale: 1, title: title, hasData: false)
    }
    var low = floor(log10(smallest))
    var high = ceil(log10(largest))
    if high <= low {
      low -= 1
      high += 1
    }
    let decades = Int(high - low)
    let every = max(1, (decades + 6) / 7)
    var ticks: [Double] = []
    var labels: [String] = []
    for power in stride(from: Int(low), through: Int(high), by: 1)
    where (power - Int(low)) % every == 0 {
      ticks.append(pow(10, Double(power)))
      labels.append(decadeLabel(power))
    }
    return SVGChartAxis(
      lower: low, upper: high, ticks: ticks, labels: labels, isLog: true, scale: 1, title: title,
      hasData: true)
  }

  /// "0.001" … "1000" for moderate powers of ten, "1e-5" beyond.
  static func decadeLabel(_ power: Int) -> String {
    switch power {
    case -3..<0: return "0." + String(repeating: "0", count: -power - 1) + "1"
    case 0...3: return "1" + String(repeating: "0", count: power)
    default: return "1e\(power)"
    }
  }

  /// Tick values covering [low, high] by a nice step, and labels with as many decimals as the
  /// step needs (Heckbert's "nice numbers for graph labels"); whole-number steps only when
  /// `integer` (steps, lags).
  static func niceTicks(low: Double, high: Double, maxTicks: Int, integer: Bool = false) -> (
    values: [Double], labels: [String]
  ) {
    let count = max(2, maxTicks)
    let range = niceNumber(high - low, round: false)
    var step = niceNumber(range / Double(count - 1), round: true)
    if integer { step = max(step, 1) }
    let first = floor(low / step) * step
    let last = ceil(high / step) * step
    let intervals = ((last - first) / step).rounded()
    guard intervals.isFinite, intervals <= 1000 else {
      // A range too wide for a double's step (near the largest finite values): its two ends.
      return (
        [low, high], [PageFormat.number(low, digits: 2), PageFormat.number(high, digits: 2)]
      )
    }
    let n = Int(intervals)
    let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
    let exponential = step < 1e-4 || max(abs(first), abs(last)) >= 1e7
    var values: [Double] = []
    var labels: [String] = []
    for index in 0...max(0, n) {
      var value = first + Double(index) * step
      if abs(value) < step * 1e-9 { value = 0 }
      values.append(value)
      labels.append(
        exponential
          ? PageFormat.number(value, digits: 2)
          : PageFormat.fixed(value, decimals: decimals))
    }
    return (values, labels)
  }

  /// The "nice" number near `x`: 1, 2, 5 or 10 times a power of ten (rounded, or the one at
  /// or above `x` when `round` is false).
  static func niceNumber(_ x: Double, round: Bool) -> Double {
    guard x > 0, x.isFinite else { return 1 }
    let exponent = floor(log10(x))
    let power = pow(10, exponent)
    let fraction = x / power
    let nice: Double
    if round {
      nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
    } else {
      nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
    }
    return nice * power
  }
}
