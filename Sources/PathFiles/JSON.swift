import Foundation

/// The JSON text of `value` as scengine writes `manifest.json` and `summary.json`: UTF-8,
/// pretty-printed, keys sorted, `/` left unescaped, and a final newline.
///
/// Non-finite doubles, which JSON cannot express, are written as the strings `"NaN"`,
/// `"Infinity"` and `"-Infinity"` (a risk figure over paths that contain NaN, for instance).
/// Python reads them back with `float(text)`; `decodeJSON` reads them back as doubles.
///
/// - Throws: `PathFilesError.cannotEncodeJSON` with the type and the encoder's reason.
public func encodeJSON<T: Encodable>(_ value: T) throws(PathFilesError) -> [UInt8] {
  try encodeJSON(value, pretty: true)
}

/// `encodeJSON(value)`, on one line without a final newline when `pretty` is false.
public func encodeJSON<T: Encodable>(_ value: T, pretty: Bool) throws(PathFilesError) -> [UInt8] {
  let encoder = JSONEncoder()
  encoder.outputFormatting =
    pretty
    ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    : [.sortedKeys, .withoutEscapingSlashes]
  encoder.nonConformingFloatEncodingStrategy = .convertToString(
    positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity,
    nan: nonFinite.nan)
  do {
    return Array(try encoder.encode(value)) + (pretty ? [UInt8(ascii: "\n")] : [])
  } catch {
    throw .cannotEncodeJSON(type: "\(T.self)", reason: "\(error)")
  }
}

/// Decodes JSON written by `encodeJSON` (or any JSON), reading the strings `"NaN"`,
/// `"Infinity"` and `"-Infinity"` as doubles where a double is expected.
///
/// - Throws: `PathFilesError.cannotDecodeJSON` with the type and the decoder's reason.
public func decodeJSON<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(PathFilesError)
  -> T
{
  let decoder = JSONDecoder()
  decoder.nonConformingFloatDecodingStrategy = .convertFromString(
    positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity,
    nan: nonFinite.nan)
  do {
    return try decoder.decode(type, from: Data(bytes))
  } catch {
    throw .cannotDecodeJSON(type: "\(T.self)", reason: "\(error)")
  }
}

/// The JSON strings standing for non-finite doubles.
private let nonFinite = (positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
