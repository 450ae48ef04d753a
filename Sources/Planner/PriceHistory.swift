import Foundation
import Randomness

/// Why a price file cannot be used: the file, and for a cell or a row its line (1-based, blank
/// lines counted) and column, with what was found and what was expected.
///
/// A message without a line names the file itself (`cannot read price file p.csv: …`), so that
/// it reads alike on its own (`scengine calibrate`) and after a scenario field (`historical`).
public struct PriceFileError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The price file's path, as given.
  public let file: String
  /// The line of the offending row, when one row is at fault.
  public let line: Int?
  /// The column's header (or `date` for the date column), when one column is at fault.
  public let column: String?
  /// What is wrong and what was expected.
  public let message: String

  public init(file: String, line: Int? = nil, column: String? = nil, message: String) {
    self.file = file
    self.line = line
    self.column = column
    self.message = message
  }

  /// `file:line: column: message` for a row's fault, the message alone otherwise; control
  /// characters escaped.
  public var description: String {
    guard let line else { return message.escapingControlCharacters }
    return ScenarioError(file: file, field: column ?? "", line: line, message: message)
      .description
  }

  /// The error reported against the scenario field that named the file (`historical.file`)
  /// when it concerns the file as a whole, or against the file's own line otherwise.
  func reported(at field: YAMLField) -> ScenarioError {
    guard let line else { return field.error(message) }
    return ScenarioError(file: file, field: column ?? "", line: line, message: message)
  }
}

/// A CSV of prices as read, before any price is parsed: a header row, then one row per date
/// (or per integer index), strictly increasing.
///
/// The row index is the column named `date` (any case), or else the first column. It holds
/// ISO dates (`YYYY-MM-DD`) or, when its first row is a whole number, integer indices; every
/// row must then hold the same kind, each greater than the row before (a repeated or earlier
/// index is an error naming its line). Blank lines are skipped; messages count them. The
/// other columns are price series named by their headers; their cells are parsed only when a
/// series is asked for (`history(columns:from:to:minimumReturns:)`, `logReturns`).
public struct PriceTable: Sendable {
  /// What the row index holds.
  public enum IndexKind: Sendable, Equatable {
    /// ISO dates; keys are days since 1970-01-01.
    case date
    /// Whole numbers; keys are the numbers.
    case integer
  }

  /// One data row: its index key, its kept cells (`slots`) and its own line in the file
  /// (1-based).
  struct Row: Sendable {
    let key: Int
    let cells: [Substring]
    let line: Int
  }

  /// The file's path, as given.
  public let file: String
  /// The header's cells, trimmed.
  public let header: [String]
  /// The header's line in the file (1 unless blank lines come first).
  public let headerLine: Int
  /// The index column's position in `header`.
  public let indexColumn: Int
  /// Dates or integer indices.
  public let indexKind: IndexKind
  let rows: [Row]
  /// For each header position, the position of its cell in a row's `cells`, or nil for a
  /// column whose cells were not kept (`read(path:…keeping:)`); nil for all kept.
  let slots: [Int?]?

  /// The largest price file read (256 MiB).
  public static let maximumBytes = 256 << 20

  /// The price columns: the header without the index column.
  public var priceColumns: [String] {
    header.enumerated().filter { $0.offset != indexColumn }.map(\.element)
  }

  /// The number of data rows.
  public var rowCount: Int { rows.count }

  /// Refuses a header with more price columns than `limit` allows, from the first non-blank
  /// line of `bytes` alone: the rest of a file far too wide is never split into lines and
  /// cells (a 10,001-column file of 128 MB had needed 400 MB to be refused).
  private static func checkHeaderWidth(
    _ bytes: [UInt8], path: String, limit: (Int) -> String?
  ) throws(PriceFileError) {
    var start = 0
    var line = 1
    while start < bytes.count {
      let end = bytes[start...].firstIndex { $0 == 0x0A || $0 == 0x0D } ?? bytes.count
      let text = String(decoding: bytes[start..<end], as: UTF8.self)
      if !text.trimmingSpaces.isEmpty {
        // Named cells, as the header is read below; the first is the index column.
        let cells = text.split(separator: ",").lazy.filter { !$0.trimmingSpaces.isEmpty }.count
        if let excess = limit(cells - 1) {
          throw PriceFileError(file: path, line: line, message: excess)
        }
        return
      }
      let crlf = end + 1 < bytes.count && bytes[end] == 0x0D && bytes[end + 1] == 0x0A
      start = end + (crlf ? 2 : 1)
      line += 1
    }
  }

  /// Reads and checks the file's structure: UTF-8 text, a header, the index column, one cell
  /// per header cell in every row, indices strictly increasing.
  ///
  /// - Parameters:
  ///   - path: the CSV file; only a regular file is read (not a FIFO or a device), and at most
  ///     `maximumBytes` of it.
  ///   - requireDateColumn: refuse a file without a column named `date` (the `historical`
  ///     stress replays dated returns).
  ///   - priceColumnLimit: given the header's count of price columns, why that is too many (a
  ///     message), or nil; asked before any row is read, so that a file far too wide is
  ///     refused at once rather than after every cell of it is split.
  ///   - keeping: the price columns that will be asked for, or nil for all: the cells of the
  ///     others are counted and not kept (10,001 columns of which two are asked for need the
  ///     memory of two).
  public static func read(
    path: String, requireDateColumn: Bool = false,
    priceColumnLimit: ((Int) -> String?)? = nil, keeping: [String]? = nil
  ) throws(PriceFileError) -> PriceTable {
    // Read with a limit: `/dev/zero` must not read without end.
    let contents: BoundedFile
    do { contents = try BoundedFile(path: path, limit: maximumBytes, regularOnly: true) } catch {
      throw PriceFileError(file: path, message: "cannot read price file \(path): \(error.reason)")
    }
    if let priceColumnLimit {
      try checkHeaderWidth(contents.bytes, path: path, limit: priceColumnLimit)
    }
    guard let text = String(bytes: contents.bytes, encoding: .utf8) else {
      let valid = String(decoding: contents.bytes, as: UTF8.self).unicodeScalars
        .prefix { $0 != "\u{FFFD}" }
      let line = valid.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
      throw PriceFileError(
        file: path,
        message: "cannot read price file \(path): it is not UTF-8 text (line \(line))")
    }
    // Each line keeps its number in the file, blank lines included.
    var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
      .enumerated().map { ($0.offset + 1, String($0.element.trimmingSpaces)) }
      .filter { !$0.1.isEmpty }
    // (`\r\n` is one Character, one line break.)
    guard !lines.isEmpty else {
      throw PriceFileError(file: path, message: "price file \(path) is empty")
    }
    // Empty header cells are skipped, as the historical stress always did.
    let (headerLine, headerText) = lines.removeFirst()
    var first = headerText
    // A spreadsheet's byte-order mark is not part of the first column's name.
    if first.hasPrefix("\u{FEFF}") { first.removeFirst() }
    let header = first.split(separator: ",").map { String($0.trimmingSpaces) }
    let dateColumn = header.firstIndex(where: { $0.lowercased() == "date" })
    if requireDateColumn && dateColumn == nil {
      throw PriceFileError(
        file: path,
        message: "price file \(path) has no 'date' column; its first line is "
          + excerpt(header.joined(separator: ","), limit: 60))
    }
    guard header.count >= 2 else {
      let empty = first.split(separator: ",", omittingEmptySubsequences: false)
        .contains { $0.trimmingSpaces.isEmpty }
      throw PriceFileError(
        file: path, line: headerLine,
        message: "the header \(excerpt(first, limit: 60)) has \(header.count) named column(s)"
          + (empty ? " and an empty name" : "") + "; expected a date (or index) column and at "
          + "least one price column, each named, separated by commas")
    }
    let indexColumn = dateColumn ?? 0
    // A file without a header: its first row would name the columns after its prices.
    if dateColumn == nil,
      BusinessDays.parse(header[0]) != nil || isStrictInteger(header[0]),
      header.dropFirst().allSatisfy({ Double($0) != nil })
    {
      throw PriceFileError(
        file: path, line: headerLine,
        message: "the first line \(excerpt(header.joined(separator: ","), limit: 60)) is data, "
          + "not a header; the first line names the columns, e.g. date,SPX,TLT")
    }
    // Two columns of one name: a column named by a scenario or --columns would be ambiguous.
    var seen = Set<String>()
    if let twice = header.first(where: { !seen.insert($0).inserted }) {
      let all = header.indices.filter { header[$0] == twice }
      throw PriceFileError(
        file: path, line: headerLine, column: twice,
        message:
          "the header names columns \(all.map { String($0 + 1) }.joined(separator: " and ")) "
          + "\(excerpt(twice)); each column needs its own name")
    }
    let named = first.split(separator: ",", omittingEmptySubsequences: false).count
    let indexName = dateColumn != nil ? "date" : header[0]
    var kind: IndexKind? = dateColumn != nil ? .date : nil
    var slots: [Int?]? = nil
    var kept: [Int]? = nil
    if let keeping {
      let names = Set(keeping)
      let positions = header.indices.filter { $0 == indexColumn || names.contains(header[$0]) }
      var map = [Int?](repeating: nil, count: header.count)
      for (slot, position) in positions.enumerated() { map[position] = slot }
      (slots, kept) = (map, positions)
    }
    var rows: [Row] = []
    rows.reserveCapacity(lines.count)
    for (number, line) in lines {
      let (count, cells) =
        kept.map { Self.cells(of: line, at: $0) }
        ?? {
          let all = line.split(separator: ",", omittingEmptySubsequences: false)
          return (all.count, all)
        }()
      guard count == header.count else {
        if count == named {
          throw PriceFileError(
            file: path, line: headerLine,
            message: "the header \(excerpt(first, limit: 60)) has an empty column name; "
              + "every column needs one")
        }
        throw PriceFileError(
          file: path, line: number,
          message: "\(count) cells, the header has \(header.count)")
      }
      let indexCell = cells[slots?[indexColumn] ?? indexColumn]
      let cell = String(indexCell.trimmingSpaces)
      if kind == nil {
        kind = BusinessDays.parse(cell) != nil ? .date : (isStrictInteger(cell) ? .integer : nil)
        guard kind != nil else {
          throw PriceFileError(
            file: path, line: number, column: indexName,
            message: "\(excerpt(cell)) is neither a date nor an index (column "
              + "\(indexColumn + 1)); expected YYYY-MM-DD or a whole number in the first column")
        }
      }
      let key: Int
      if kind == .date {
        guard let d = BusinessDays.parse(cell) else {
          throw PriceFileError(
            file: path, line: number, column: "date",
            message: "\(excerpt(indexCell)) is not a date (column \(indexColumn + 1)); "
              + "expected YYYY-MM-DD with a year from 0001 to 9999")
        }
        key = BusinessDays.ordinal(d)
      } else {
        guard isStrictInteger(cell), let k = Int(cell) else {
          throw PriceFileError(
            file: path, line: number, column: indexName,
            message: "\(excerpt(indexCell)) is not an index (column \(indexColumn + 1)); "
              + "expected a whole number, as in the first row")
        }
        key = k
      }
      // A repeated index would invent a return between two prices of one day.
      if let previous = rows.last?.key, key <= previous {
        let (k, p) = (label(key, kind!), label(previous, kind!))
        let noun = kind == .date ? "date" : "index"
        throw PriceFileError(
          file: path, line: number, column: indexName,
          message: key == previous
            ? "duplicate \(noun) \(k): each \(noun) may appear once"
            : "\(noun) \(k) does not come after \(p), the \(noun) of the row before; "
              + "\(noun == "date" ? "dates" : "indices") must increase from row to row")
      }
      rows.append(Row(key: key, cells: cells, line: number))
    }
    return PriceTable(
      file: path, header: header, headerLine: headerLine, indexColumn: indexColumn,
      indexKind: kind ?? .date, rows: rows, slots: slots)
  }

  /// The number of comma-separated cells of `line`, and the cells at `positions` (ascending),
  /// without making a substring of the others.
  static func cells(of line: String, at positions: [Int]) -> (Int, [Substring]) {
    var kept: [Substring] = []
    kept.reserveCapacity(positions.count)
    var cell = 0
    var next = 0
    let utf8 = line.utf8
    var start = utf8.startIndex
    var i = start
    while i != utf8.endIndex {
      if utf8[i] == UInt8(ascii: ",") {
        if next < positions.count && positions[next] == cell {
          kept.append(line[start..<i])
          next += 1
        }
        cell += 1
        start = utf8.index(after: i)
      }
      i = utf8.index(after: i)
    }
    if next < positions.count && positions[next] == cell { kept.append(line[start...]) }
    return (cell + 1, kept)
  }

  /// A row key as the file writes it: `YYYY-MM-DD` or the whole number.
  static func label(_ key: Int, _ kind: IndexKind) -> String {
    kind == .date ? BusinessDays.day(fromOrdinal: key).description : String(key)
  }

  /// A row key as the file writes it.
  public func label(_ key: Int) -> String { Self.label(key, indexKind) }

  /// The key of an index value given on the command line (`--from 2020-01-02`, `--from 10`),
  /// or a message saying what was expected.
  public func key(of text: String, option: String) throws(PriceFileError) -> Int {
    switch indexKind {
    case .date:
      guard let d = BusinessDays.parse(text) else {
        throw PriceFileError(
          file: file,
          message: "\(option) \(excerpt(text)) is not a date; price file \(file) is indexed by "
            + "date, expected YYYY-MM-DD")
      }
      return BusinessDays.ordinal(d)
    case .integer:
      guard isStrictInteger(text), let k = Int(text) else {
        throw PriceFileError(
          file: file,
          message: "\(option) \(excerpt(text)) is not an index; price file \(file) is indexed "
            + "by whole numbers (its first column, \(excerpt(header[indexColumn])))")
      }
      return k
    }
  }

  /// The price in `row`'s cell of column `c`: a plain decimal (sign, digits, point, exponent;
  /// nothing else: no NUL, hex or `inf`), positive, normal and finite (a subnormal price has
  /// lost its precision); an empty cell is `nil`.
  func price(_ row: Row, column c: Int) throws(PriceFileError) -> Double? {
    guard let slot = slots == nil ? c : slots![c] else {
      throw PriceFileError(
        file: file, column: header[c],
        message: "column \(excerpt(header[c])) was not kept when \(file) was read")
    }
    let cell = row.cells[slot]
    let text = String(cell.trimmingSpaces)
    if text.isEmpty { return nil }
    guard let p = strictDouble(text), p > 0, p.isNormal else {
      throw PriceFileError(
        file: file, line: row.line, column: header[c],
        message: "\(excerpt(cell, limit: 40)) is not a price: expected a positive, "
          + "normal, finite number written as a plain decimal such as 101.25 (column \(c + 1))")
    }
    return p
  }

  /// The position of the price column `name`, or a message listing the columns.
  func column(_ name: String) throws(PriceFileError) -> Int {
    guard let c = header.firstIndex(of: name), c != indexColumn else {
      throw PriceFileError(
        file: file,
        message: "price file \(file) has no column \(excerpt(name)); columns are "
          + excerpt(priceColumns.joined(separator: ", "), limit: 200))
    }
    return c
  }

  /// The log-returns dated within [from, to] (days since 1970-01-01): for each row `d` in the
  /// window, `ln(P_d / P_previous row)`, so `m` rows give `m` returns. The row before the
  /// window must exist; every price used must be present and valid.
  func logReturns(column: String, from: Int, to: Int) throws(PriceFileError) -> [Double] {
    let c = try self.column(column)
    guard let start = rows.firstIndex(where: { $0.key >= from }), start > 0,
      rows[start].key <= to
    else {
      throw PriceFileError(
        file: file,
        message: "price file \(file) has no dated return between \(label(from)) and "
          + "\(label(to)): a return needs a row in the window and the row before it")
    }
    var prices: [Double] = []
    var i = start - 1
    while i < rows.count && (i < start || rows[i].key <= to) {
      guard let p = try price(rows[i], column: c) else {
        throw PriceFileError(
          file: file, line: rows[i].line, column: column,
          message: "'' is not a price: expected a positive, normal, finite number written as "
            + "a plain decimal such as 101.25 (column \(c + 1))")
      }
      prices.append(p)
      i += 1
    }
    return (1..<prices.count).map { PortableMath.log(prices[$0] / prices[$0 - 1]) }
  }

  /// The price series of `columns` (all price columns when nil) over the rows whose index lies
  /// in [from, to] (inclusive; the whole file when nil), with listwise deletion: a row with an
  /// empty cell in any selected column is dropped for every column. Every other cell of the
  /// selection must be a valid price.
  ///
  /// - Parameter minimumReturns: the fewest returns (kept rows − 1) the caller's model needs.
  /// - Throws: `PriceFileError` naming the file, and the line, column and value at fault: an
  ///   unknown or repeated column, a bad price, too few rows, a constant series, a column
  ///   name that cannot name an asset.
  public func history(
    columns: [String]? = nil, from: Int? = nil, to: Int? = nil, minimumReturns: Int = 1
  ) throws(PriceFileError) -> PriceHistory {
    let names = columns ?? priceColumns
    guard !names.isEmpty else {
      throw PriceFileError(file: file, message: "no column selected in price file \(file)")
    }
    var positions: [Int] = []
    for name in names {
      if let twice = names.firstIndex(of: name), positions.count > twice {
        throw PriceFileError(
          file: file, message: "column \(excerpt(name)) is selected twice; list each once")
      }
      let c = try column(name)
      if let problem = PriceHistory.assetNameProblem(name) {
        throw PriceFileError(
          file: file, line: headerLine, column: name,
          message: "column \(excerpt(name, limit: 60)) cannot name an asset: it \(problem); "
            + "rename the column in the header")
      }
      positions.append(c)
    }
    var folded: [String: String] = [:]
    for name in names {
      if let other = folded[name.lowercased()] {
        throw PriceFileError(
          file: file, line: headerLine, column: name,
          message: "columns \(excerpt(other)) and \(excerpt(name)) differ only by case; asset "
            + "names must differ ignoring case")
      }
      folded[name.lowercased()] = name
    }
    if let from, let to, from > to {
      throw PriceFileError(
        file: file, message: "the window \(label(from))…\(label(to)) ends before it starts")
    }
    let window = rows.filter { row in
      row.key >= (from ?? .min) && row.key <= (to ?? .max)
    }
    var kept: [Row] = []
    var prices = Array(repeating: [Double](), count: names.count)
    var dropped = 0
    for row in window {
      var values: [Double] = []
      var complete = true
      for c in positions {
        if let p = try price(row, column: c) { values.append(p) } else { complete = false }
      }
      guard complete else {
        dropped += 1
        continue
      }
      kept.append(row)
      for (j, p) in values.enumerated() { prices[j].append(p) }
    }
    let range =
      from == nil && to == nil
      ? "" : " from \(from.map(label) ?? "the start") to \(to.map(label) ?? "the end")"
    guard kept.count - 1 >= minimumReturns else {
      throw PriceFileError(
        file: file,
        message: "price file \(file) has \(window.count) row(s)\(range), \(kept.count) complete "
          + "(\(dropped) dropped for an empty cell): \(max(kept.count - 1, 0)) return(s); at "
          + "least \(minimumReturns) returns (\(minimumReturns + 1) rows) are needed")
    }
    for (j, series) in prices.enumerated() where series.allSatisfy({ $0 == series[0] }) {
      throw PriceFileError(
        file: file, column: names[j],
        message: "column \(excerpt(names[j])) of price file \(file) is constant: every price "
          + "from line \(kept[0].line) to line \(kept[kept.count - 1].line) is \(series[0]), so "
          + "its returns are all 0, with no volatility to fit or compare; leave it out with "
          + "--columns")
    }
    // Each price is a normal number, but the ratio of two consecutive ones can still leave the
    // doubles (1e-300 then 1e300): such a return is no number a model or a statistic can use.
    for (j, series) in prices.enumerated() {
      for i in 1..<series.count where !Foundation.log(series[i] / series[i - 1]).isFinite {
        throw PriceFileError(
          file: file, line: kept[i].line, column: names[j],
          message: "the price \(series[i]) after \(series[i - 1]) on line \(kept[i - 1].line) "
            + "gives a log return that is not a finite number (their ratio leaves the range of "
            + "doubles); check the column's units and scale")
      }
    }
    return PriceHistory(
      file: file, columns: names, indexKind: indexKind, keys: kept.map(\.key),
      lines: kept.map(\.line), prices: prices, rowsInWindow: window.count, rowsDropped: dropped,
      rowsInFile: rows.count)
  }
}

/// Price series read from a `PriceTable`, aligned on the rows every selected column fills:
/// what a model is calibrated to.
public struct PriceHistory: Sendable {
  /// The price file's path.
  public let file: String
  /// The selected columns, in selection order (the assets).
  public let columns: [String]
  /// Dates or integer indices.
  public let indexKind: PriceTable.IndexKind
  /// The kept rows' keys (days since 1970-01-01, or the indices), increasing.
  public let keys: [Int]
  /// The kept rows' lines in the file.
  public let lines: [Int]
  /// Per column, the kept rows' prices, oldest first.
  public let prices: [[Double]]
  /// Rows within the window, kept or dropped.
  public let rowsInWindow: Int
  /// Rows within the window dropped for an empty cell in a selected column.
  public let rowsDropped: Int
  /// Data rows in the whole file.
  public let rowsInFile: Int

  /// The log returns of consecutive kept rows, per column: `ln(P_k / P_{k−1})`.
  public var logReturns: [[Double]] {
    prices.map { p in (1..<p.count).map { Foundation.log(p[$0] / p[$0 - 1]) } }
  }

  /// Each return's row index as the file writes it (the later row of the pair).
  public var returnLabels: [String] { keys.dropFirst().map(label) }

  /// The number of returns per column.
  public var returnCount: Int { max(keys.count - 1, 0) }

  /// The last kept row's prices, in column order.
  public var lastPrices: [Double] { prices.map { $0[$0.count - 1] } }

  /// The first and last kept rows' index, as the file writes it.
  public var firstLabel: String { label(keys[0]) }
  public var lastLabel: String { label(keys[keys.count - 1]) }

  /// A row key as the file writes it.
  public func label(_ key: Int) -> String { PriceTable.label(key, indexKind) }

  /// The first business day on or after the last kept date (nil for an integer index): the
  /// date of the last price, or the Monday after it when it fell on a weekend.
  public var startBusinessDay: String? {
    guard indexKind == .date, let last = keys.last else { return nil }
    var o = last
    while BusinessDays.weekday(BusinessDays.day(fromOrdinal: o)) >= 5 { o += 1 }
    let day = BusinessDays.day(fromOrdinal: o)
    return day <= BusinessDays.lastDate ? day.description : nil
  }

  /// Why `name` cannot name an asset of a scenario, or nil (see the README's "Names and
  /// ranges").
  public static func assetNameProblem(_ name: String) -> String? {
    if let problem = ScenarioLimits.problem(withName: name) {
      return problem + " (use letters, digits, '-', '_' and '.')"
    }
    if ScenarioLimits.reservedAssetNames.contains(name.lowercased()) {
      return "is a column name of the path files (reserved: "
        + ScenarioLimits.reservedAssetNames.sorted().joined(separator: ", ") + ")"
    }
    return nil
  }
}

extension StringProtocol {
  /// Without leading and trailing spaces and tabs (Unicode's space separators and the tab, as
  /// Foundation's `.whitespaces`), in Swift's own string code: a price file's cells are
  /// trimmed by the million.
  var trimmingSpaces: SubSequence {
    func isSpace(_ c: Character) -> Bool {
      c == " " || c == "\t" || (c.isWhitespace && !c.isNewline)
    }
    guard let first = firstIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
    let last = lastIndex(where: { !isSpace($0) })!
    return self[first...last]
  }
}
