/// The version reported by `--version`, the build-info metric and the landing page.
enum ExporterVersion {
    static let current = "0.1.0"
}
