import Foundation

/// Calendar dates as ISO 8601 strings and Monday-to-Friday business days (no holiday
/// calendar): time index 0 is the start date, each step is the next business day.
enum BusinessDays {
  /// A parsed date: year, month, day.
  struct Day: Comparable, CustomStringConvertible, Sendable {
    let year: Int, month: Int, day: Int
    static func < (a: Day, b: Day) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
    var description: String {
      func padded(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
      }
      return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }
  }

  static func parse(_ text: String, field: YAMLField) throws(ScenarioError) -> Day {
    guard let d = parse(text) else {
      throw field.error(
        "\(excerpt(text)) is not a date; expected YYYY-MM-DD with a year from 0001 to 9999")
    }
    return d
  }

  /// `YYYY-MM-DD` with ASCII digits only and a year from 1 to 9999 (no sign, no extra digits).
  static func parse(_ text: String) -> Day? {
    let parts = text.trimmingSpaces.split(
      separator: "-", omittingEmptySubsequences: false)
    func digits(_ s: Substring, _ n: Int) -> Int? {
      guard s.utf8.count == n, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
      return Int(s)
    }
    guard parts.count == 3, let y = digits(parts[0], 4), let m = digits(parts[1], 2),
      let d = digits(parts[2], 2), y >= 1 && y <= 9999,
      m >= 1 && m <= 12, d >= 1 && d <= daysInMonth(y, m)
    else { return nil }
    return Day(year: y, month: m, day: d)
  }

  /// The last date any grid may reach.
  static let lastDate = Day(year: 9999, month: 12, day: 31)

  static func daysInMonth(_ y: Int, _ m: Int) -> Int {
    switch m {
    case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  /// Days since 1970-01-01 (proleptic Gregorian), Howard Hinnant's `days_from_civil`.
  static func ordinal(_ d: Day) -> Int {
    let y = d.month <= 2 ? d.year - 1 : d.year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (d.month + 9) % 12
    let doy = (153 * mp + 2) / 5 + d.day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  static func day(fromOrdinal z0: Int) -> Day {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return Day(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
  }

  /// 0 = Monday … 6 = Sunday.
  static func weekday(_ d: Day) -> Int { ((ordinal(d) % 7) + 7 + 3) % 7 }

  /// `count` business days from `start`, which must itself be a business day.
  static func dates(start: String, count: Int, field: YAMLField) throws(ScenarioError) -> [String] {
    let d = try parse(start, field: field)
    let names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    guard weekday(d) < 5 else {
      throw field.error(
        "\(d) is a \(names[weekday(d)]); the start must be a business day (Monday to Friday)")
    }
    var out: [String] = []
    out.reserveCapacity(count)
    var o = ordinal(d)
    var seen = 0
    var last = d
    while seen < count {
      let day = day(fromOrdinal: o)
      if weekday(day) < 5 {
        if day <= lastDate { out.append(day.description) }
        seen += 1
        last = day
      }
      o += 1
    }
    guard last <= lastDate else {
      throw field.error(
        "\(count - 1) steps from \(d) end on business day \(last), after \(lastDate); dates "
          + "must stay within the years 0001 to 9999 (use an earlier start or fewer steps)")
    }
    return out
  }
}
