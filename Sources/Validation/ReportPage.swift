public enum ReportPage {
  public static func html(_ report: ValidationReport) -> String {
    "<!doctype html><title>x</title>"
  }
}
