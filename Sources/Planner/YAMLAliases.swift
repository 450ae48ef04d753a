import CYaml

/// The guard against YAML alias bombs ("billion laughs").
///
/// An alias re-uses a whole node, so nine lines of anchors, each a list of ten aliases of the
/// one before, describe 10⁹ nodes; the YAML library composes such a tree cheaply (nodes are
/// shared), but hashes every node of a mapping's key to find duplicate keys, and a reader
/// walks every node of a value. Before composing, `check` replays the file's events (libyaml,
/// the parser Yams itself uses) and counts the nodes the file describes with every alias
/// expanded; a file above `maximumExpandedNodes` is refused with the line of the alias that
/// crossed the limit. Work and memory are linear in the length of the text.
enum YAMLAliases {
  /// The most nodes a scenario's aliases may stand for in all, each alias counting the nodes
  /// of what it names with that node's own aliases expanded. Nodes written out are not
  /// counted (the file's length bounds them): this bounds only re-use, far above any honest
  /// sharing of a parameter block (a 100-asset correlation matrix re-used by 100 stresses is
  /// 10⁶ nodes) and far below a bomb (10⁹).
  static let maximumExpandedNodes = 10_000_000

  /// The problem with the aliases of `yaml`, as (1-based line, message), or `nil`. A file
  /// that libyaml cannot parse returns `nil`: composing it reports the syntax error.
  static func check(_ yaml: String) -> (line: Int, message: String)? {
    let bytes = Array(yaml.utf8)
    // Expanded sizes of the nodes seen so far through aliases only: every alias adds what
    // its anchor expands to, minus the one node written in the text.
    var anchors: [String: Int] = [:]
    // Per open collection: its anchor and the expanded size of its children so far.
    var open: [(anchor: String?, size: Int)] = []
    var expandedThroughAliases = 0
    var parser = yaml_parser_t()
    guard yaml_parser_initialize(&parser) == 1 else { return nil }
    defer { yaml_parser_delete(&parser) }
    return bytes.withUnsafeBufferPointer { buffer -> (line: Int, message: String)? in
      yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
      var event = yaml_event_t()
      func anchorName(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
      }
      func finished(_ size: Int, anchor: String?) {
        if let anchor { anchors[anchor] = size }
        if !open.isEmpty {
          open[open.count - 1].size = open[open.count - 1].size.addingSaturated(size)
        }
      }
      while true {
        guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
        defer { yaml_event_delete(&event) }
        switch event.type {
        case YAML_STREAM_END_EVENT:
          return nil
        case YAML_SCALAR_EVENT:
          finished(1, anchor: anchorName(event.data.scalar.anchor))
        case YAML_SEQUENCE_START_EVENT:
          open.append((anchorName(event.data.sequence_start.anchor), 1))
        case YAML_MAPPING_START_EVENT:
          open.append((anchorName(event.data.mapping_start.anchor), 1))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
          if let node = open.popLast() { finished(node.size, anchor: node.anchor) }
        case YAML_ALIAS_EVENT:
          let size = anchorName(event.data.alias.anchor).flatMap { anchors[$0] } ?? 1
          expandedThroughAliases = expandedThroughAliases.addingSaturated(size)
          if expandedThroughAliases > maximumExpandedNodes {
            return (
              Int(event.start_mark.line) + 1,
              "aliases expand to more than \(maximumExpandedNodes) nodes; expected a scenario "
                + "that re-uses anchors less (an alias bomb?)"
            )
          }
          finished(size, anchor: nil)
        default:
          break
        }
      }
    }
  }
}

extension Int {
  /// `self + other`, or `Int.max` where that overflows.
  func addingSaturated(_ other: Int) -> Int {
    let (sum, overflow) = addingReportingOverflow(other)
    return overflow ? .max : sum
  }
}
