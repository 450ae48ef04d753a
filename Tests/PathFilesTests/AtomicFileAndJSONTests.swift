import Foundation
import Testing

@testable import PathFiles

@Suite("Atomic files and JSON")
struct AtomicFileAndJSONTests {
  @Test func atomicWriteReplacesTheFileAndLeavesNoPartial() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let path = directory.file("summary.json")
    _ = try writeFileAtomically(Array("old".utf8), path: path, relativePath: "summary.json")
    let data = Array("{\"a\": 1}\n".utf8)
    let record = try writeFileAtomically(data, path: path, relativePath: "base/summary.json")
    #expect(try contents(of: path) == data)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["summary.json"])
    #expect(
      record
        == FileRecord(
          path: "base/summary.json", sha256: sha256Hex(of: data), bytes: data.count))
  }

  @Test("files written together: a failure before the renames leaves the earlier ones")
  func filesWrittenTogether() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let json = directory.file("report.json")
    let html = directory.file("report.html")
    try writeFilesAtomically([(Array("old json".utf8), json), (Array("old html".utf8), html)])
    // The second file cannot be created (its folder is missing): neither is replaced.
    #expect(throws: PathFilesError.self) {
      try writeFilesAtomically([
        (Array("new json".utf8), json), (Array("x".utf8), directory.file("missing/report.html")),
      ])
    }
    #expect(try contents(of: json) == Array("old json".utf8))
    #expect(try contents(of: html) == Array("old html".utf8))
    try writeFilesAtomically([(Array("new json".utf8), json), (Array("new html".utf8), html)])
    #expect(try contents(of: json) == Array("new json".utf8))
    #expect(try contents(of: html) == Array("new html".utf8))
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        == ["report.html", "report.json"])
  }

  @Test func atomicWriteIntoMissingDirectoryNamesThePath() {
    let path = "/nonexistent-scengine-dir/manifest.json"
    #expect(throws: PathFilesError.cannotCreate(path: path + ".partial", errno: ENOENT)) {
      try writeFileAtomically([], path: path, relativePath: "manifest.json")
    }
  }

  @Test func fileRecordsWriteNullForMissingDtypeAndShape() throws {
    let records = [
      FileRecord(
        path: "crash/prices.npy", sha256: String(repeating: "a", count: 64), bytes: 1_600_128,
        dtype: "<f8", shape: [1000, 200, 1]),
      FileRecord(path: "crash/prices.csv", sha256: String(repeating: "b", count: 64), bytes: 10),
    ]
    let text = String(decoding: try encodeJSON(records), as: UTF8.self)
    #expect(
      text == """
        [
          {
            "bytes" : 1600128,
            "dtype" : "<f8",
            "path" : "crash/prices.npy",
            "sha256" : "\(String(repeating: "a", count: 64))",
            "shape" : [
              1000,
              200,
              1
            ]
          },
          {
            "bytes" : 10,
            "dtype" : null,
            "path" : "crash/prices.csv",
            "sha256" : "\(String(repeating: "b", count: 64))",
            "shape" : null
          }
        ]

        """)
    #expect(try decodeJSON([FileRecord].self, from: Array(text.utf8)) == records)
  }

  struct Figures: Codable, Equatable {
    var values: [String: Double]
  }

  @Test func nonFiniteDoublesBecomeStringsAndRoundTrip() throws {
    let figures = Figures(values: ["nan": .nan, "up": .infinity, "down": -.infinity, "one": 1])
    let bytes = try encodeJSON(figures)
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(text.contains("\"nan\" : \"NaN\""))
    #expect(text.contains("\"up\" : \"Infinity\""))
    #expect(text.contains("\"down\" : \"-Infinity\""))
    let decoded = try decodeJSON(Figures.self, from: bytes)
    #expect(decoded.values["nan"]?.isNaN == true)
    #expect(decoded.values["up"] == .infinity && decoded.values["down"] == -.infinity)
    #expect(decoded.values["one"] == 1)
  }

  @Test func decodingErrorsNameTheType() {
    let error = #expect(throws: PathFilesError.self) {
      try decodeJSON(FileRecord.self, from: Array("{}".utf8))
    }
    #expect(error?.description.hasPrefix("cannot decode FileRecord from JSON: ") == true)
  }
}
