import Calibration
import Foundation
import Planner
import ScengineTestSupport
import Testing

/// The shared price-file reader of `scengine calibrate` and the `historical` stress: what it
/// keeps, and one test per error it reports.
@Suite struct PriceHistoryTests {
  /// Writes `text` as `p.csv` in a fresh folder and reads it.
  static func table(_ text: String) throws -> (PriceTable, TemporaryDirectory) {
    let folder = try TemporaryDirectory("prices")
    let path = try folder.write(text, to: "p.csv")
    do { return (try PriceTable.read(path: path), folder) } catch {
      folder.remove()
      throw error
    }
  }

  /// The error reading `text` and taking its history with `columns`, `from`, `to`.
  static func failure(
    _ text: String, columns: [String]? = nil, from: String? = nil, to: String? = nil,
    minimumReturns: Int = 2
  ) throws -> PriceFileError? {
    let folder = try TemporaryDirectory("prices")
    defer { folder.remove() }
    let path = try folder.write(text, to: "p.csv")
    do {
      let t = try PriceTable.read(path: path)
      _ = try t.history(
        columns: columns, from: try from.map { try t.key(of: $0, option: "--from") },
        to: try to.map { try t.key(of: $0, option: "--to") }, minimumReturns: minimumReturns)
      return nil
    } catch let error as PriceFileError {
      return error
    }
  }

  @Test("a table read keeping some columns gives their histories as a full read does")
  func keepingColumns() throws {
    let text = """
      C,date,A,E,B,D
      x,2024-01-02,100,1,50,oops
      y,2024-01-03,101,1,,1
      z,2024-01-04,102.5,1,52,2

      w,2024-01-05,103,1,53,3
      """
    let folder = try TemporaryDirectory("prices")
    defer { folder.remove() }
    let path = try folder.write(text, to: "p.csv")
    let full = try PriceTable.read(path: path)
    for columns in [["B"], ["B", "A"], ["A", "B", "D"]] {
      let kept = try PriceTable.read(path: path, keeping: columns)
      #expect(kept.priceColumns == full.priceColumns, "\(columns)")
      let f = try? full.history(columns: columns, minimumReturns: 1)
      let k = try? kept.history(columns: columns, minimumReturns: 1)
      #expect(f?.prices == k?.prices && f?.keys == k?.keys && f?.lines == k?.lines, "\(columns)")
      #expect((f == nil) == (columns.contains("D")), "\(columns): D has a bad cell")
    }
    // A cell count that differs is still found on a row whose kept cells are all there.
    let short = try folder.write("date,A,B,C\n2024-01-02,1,2,3\n2024-01-03,1,2\n", to: "s.csv")
    let error = #expect(throws: PriceFileError.self) {
      try PriceTable.read(path: short, keeping: ["A"])
    }
    #expect(error?.description.contains("s.csv:3: 3 cells, the header has 4") == true, "\(error!)")
    // Not kept: asked for anyway, a clear error rather than a wrong cell.
    let a = try PriceTable.read(path: path, keeping: ["A"])
    #expect(throws: PriceFileError.self) { try a.history(columns: ["B"], minimumReturns: 1) }
  }

  static let dated = """
    date,A,B
    2024-01-02,100,50
    2024-01-03,101,
    2024-01-04,102,51

    2024-01-05,99,52
    2024-01-08,100.5,50.5
    """

  @Test func keepsCompleteRowsAndComputesLogReturns() throws {
    let (t, folder) = try Self.table(Self.dated)
    defer { folder.remove() }
    #expect(t.indexKind == .date)
    #expect(t.priceColumns == ["A", "B"])
    let h = try t.history()
    #expect(h.rowsInWindow == 5)
    #expect(h.rowsDropped == 1, "the row with an empty B is dropped for A too")
    #expect(h.lines == [2, 4, 6, 7])
    #expect(h.returnLabels == ["2024-01-04", "2024-01-05", "2024-01-08"])
    #expect(h.lastPrices == [100.5, 50.5])
    #expect(h.lastLabel == "2024-01-08")
    #expect(h.startBusinessDay == "2024-01-08")
    let expected = [log(102.0 / 100), log(99.0 / 102), log(100.5 / 99)]
    for (x, y) in zip(h.logReturns[0], expected) { #expect(abs(x - y) < 1e-15) }
    let sample = h.returnSample(timeStep: 1.0 / 252)
    #expect(sample.assets == ["A", "B"] && sample.count == 3)
  }

  @Test func selectsColumnsAndAnInclusiveWindow() throws {
    let (t, folder) = try Self.table(Self.dated)
    defer { folder.remove() }
    let h = try t.history(
      columns: ["A"], from: try t.key(of: "2024-01-03", option: "--from"),
      to: try t.key(of: "2024-01-05", option: "--to"))
    #expect(h.columns == ["A"])
    #expect(h.rowsDropped == 0, "B is not selected: its empty cell drops nothing")
    #expect(h.prices == [[101, 102, 99]])
  }

  @Test func readsAnIntegerIndexAndADateColumnAnywhere() throws {
    let (t, folder) = try Self.table("step,X\n1,10\n2,11\n5,12\n")
    defer { folder.remove() }
    #expect(t.indexKind == .integer)
    let h = try t.history()
    #expect(h.returnLabels == ["2", "5"] && h.startBusinessDay == nil)
    let (u, other) = try Self.table("close,Date\n10,2024-01-05\n11,2024-01-06\n12,2024-01-08\n")
    defer { other.remove() }
    #expect(u.indexKind == .date && u.priceColumns == ["close"])
    #expect(try u.history().startBusinessDay == "2024-01-08")
    let (w, weekend) = try Self.table("date,X\n2024-01-05,10\n2024-01-06,11\n")
    defer { weekend.remove() }
    #expect(try w.history().startBusinessDay == "2024-01-08", "a Saturday starts on Monday")
  }

  @Test(
    "every bad price names file, line, column and value",
    arguments: ["n/a", "0", "-5", "nan", "inf", "1e400", "1e-320", "0x10", "1_000"])
  func badPrice(_ cell: String) throws {
    let e = try #require(try Self.failure("date,A\n2024-01-02,100\n2024-01-03,\(cell)\n"))
    #expect(e.line == 3 && e.column == "A", "\(e)")
    #expect(e.description.contains("p.csv:3: A: '\(cell)' is not a price"), "\(e)")
  }

  @Test("a file without a header, or with an empty column name, is named at its first line")
  func headerProblems() throws {
    for text in ["2024-01-02,100,50\n2024-01-03,101,51\n", "0,100.5,50\n1,101,51\n"] {
      let e = try #require(try Self.failure(text))
      #expect(e.line == 1 && e.description.contains("is data, not a header"), "\(e)")
    }
    let e = try #require(try Self.failure("date,,B\n2024-01-02,100,50\n2024-01-03,101,51\n"))
    #expect(e.line == 1 && e.description.contains("'date,,B' has an empty column name"), "\(e)")
    // Headers that are names, even odd ones, still read.
    let (t, folder) = try Self.table("t,A1,B\n0,100,50\n1,101,51\n")
    defer { folder.remove() }
    #expect(t.priceColumns == ["A1", "B"])
  }

  @Test func duplicateAndDescendingIndices() throws {
    let dup = try #require(try Self.failure("date,A\n2024-01-02,1\n2024-01-02,2\n"))
    #expect(dup.description.contains("p.csv:3: date: duplicate date 2024-01-02"), "\(dup)")
    let down = try #require(try Self.failure("date,A\n2024-01-03,1\n2024-01-02,2\n"))
    #expect(down.description.contains("date 2024-01-02 does not come after 2024-01-03"), "\(down)")
    let index = try #require(try Self.failure("i,A\n1,1\n3,2\n2,3\n"))
    #expect(index.description.contains("p.csv:4: i: index 2 does not come after 3"), "\(index)")
    let same = try #require(try Self.failure("i,A\n1,1\n1,2\n"))
    #expect(same.description.contains("duplicate index 1"), "\(same)")
  }

  @Test func badIndexCells() throws {
    let neither = try #require(try Self.failure("when,A\nMonday,1\n"))
    #expect(neither.description.contains("p.csv:2: when: 'Monday' is neither a date nor an index"))
    let date = try #require(try Self.failure("date,A\n2024-01-02,1\n2024-13-01,2\n"))
    #expect(date.description.contains("p.csv:3: date: '2024-13-01' is not a date"), "\(date)")
    let mixed = try #require(try Self.failure("i,A\n1,1\n2024-01-02,2\n"))
    #expect(mixed.description.contains("'2024-01-02' is not an index"), "\(mixed)")
    let cells = try #require(try Self.failure("date,A\n2024-01-02,1,3\n"))
    #expect(cells.description.contains("p.csv:2: 3 cells, the header has 2"), "\(cells)")
  }

  @Test func headerProblemsAndAByteOrderMark() throws {
    let commas = try #require(try Self.failure("\n,,,\n2024-01-02,1\n"))
    #expect(
      commas.description.contains("p.csv:2: the header ',,,' has 0 named column(s) and an empty"),
      "\(commas)")
    let one = try #require(try Self.failure("date\n2024-01-02\n"))
    #expect(one.description.contains("has 1 named column(s);"), "\(one)")
    // pandas' default index header: an empty first name.
    let pandas = try #require(try Self.failure(",SPX\n2024-01-02,1\n"))
    #expect(
      pandas.description.contains("the header ',SPX' has 1 named column(s) and an empty name"),
      "\(pandas)")
    let (t, folder) = try Self.table("\u{FEFF}date,A\n2024-01-02,1\n2024-01-03,2\n")
    defer { folder.remove() }
    #expect(t.indexKind == .date && t.header == ["date", "A"])
  }

  @Test func missingColumnListsTheColumns() throws {
    let e = try #require(try Self.failure(Self.dated, columns: ["A", "C"]))
    #expect(e.description.contains("has no column 'C'; columns are 'A, B'"), "\(e)")
    let twice = try #require(try Self.failure(Self.dated, columns: ["A", "A"]))
    #expect(twice.description.contains("column 'A' is selected twice"), "\(twice)")
    let header = try #require(try Self.failure("date,A,A\n2024-01-02,1,2\n"))
    #expect(header.description.contains("the header names columns 2 and 3 'A'"), "\(header)")
    let name = try #require(try Self.failure("date,S&P 500\n2024-01-02,1\n"))
    #expect(name.description.contains("column 'S&P 500' cannot name an asset"), "\(name)")
    let folded = try #require(try Self.failure("date,a,A\n2024-01-02,1,2\n"))
    #expect(folded.description.contains("differ only by case"), "\(folded)")
  }

  @Test func tooFewObservationsSaysHowManyAreNeeded() throws {
    let e = try #require(try Self.failure(Self.dated, minimumReturns: 10))
    #expect(
      e.description.contains("3 return(s); at least 10 returns (11 rows) are needed"), "\(e)")
    let window = try #require(
      try Self.failure(Self.dated, from: "2024-01-05", to: "2024-01-05", minimumReturns: 1))
    #expect(window.description.contains("from 2024-01-05 to 2024-01-05"), "\(window)")
    let reversed = try #require(try Self.failure(Self.dated, from: "2024-01-05", to: "2024-01-02"))
    #expect(reversed.description.contains("ends before it starts"), "\(reversed)")
    let option = try #require(try Self.failure(Self.dated, from: "yesterday"))
    #expect(option.description.contains("--from 'yesterday' is not a date"), "\(option)")
  }

  @Test func constantSeries() throws {
    let e = try #require(
      try Self.failure("date,A,B\n2024-01-02,5,1\n2024-01-03,5,2\n2024-01-04,5,3\n"))
    #expect(e.column == "A")
    #expect(e.description.contains("column 'A' of price file"), "\(e)")
    #expect(e.description.contains("every price from line 2 to line 4 is 5.0"), "\(e)")
  }

  @Test func unreadableFiles() throws {
    let folder = try TemporaryDirectory("prices")
    defer { folder.remove() }
    let bytes = Array("date,A\n2024-01-02,1\n2024-01-03,".utf8) + [0xFF, 0xFE] + Array("\n".utf8)
    try Data(bytes).write(to: folder.url.appendingPathComponent("latin.csv"))
    let checks: [(String, String)] = [
      ("latin.csv", "it is not UTF-8 text (line 3)"),
      ("absent.csv", "cannot read price file"),
      (".", "it is a directory"),
    ]
    for (name, fragment) in checks {
      #expect(throws: PriceFileError.self) { try PriceTable.read(path: folder.path(name)) }
      do { _ = try PriceTable.read(path: folder.path(name)) } catch {
        #expect(error.description.contains(fragment), "\(name): \(error)")
        #expect(error.line == nil && error.description.contains(folder.path(name)))
      }
    }
    let empty = try #require(try Self.failure("\n  \n"))
    #expect(empty.description.contains("is empty"), "\(empty)")
  }

  @Test func aFileBeyondTheLimitIsRefused() throws {
    let folder = try TemporaryDirectory("prices")
    defer { folder.remove() }
    let path = folder.path("huge.csv")
    #expect(FileManager.default.createFile(atPath: path, contents: Data("date,A\n".utf8)))
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.truncate(atOffset: UInt64(PriceTable.maximumBytes + 1))
    try handle.close()
    do {
      _ = try PriceTable.read(path: path)
      Issue.record("a file of more than 256 MiB was read")
    } catch {
      #expect(error.description.contains("it is larger than 256 MiB"), "\(error)")
    }
  }
}
