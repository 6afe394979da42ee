import Foundation

/// The flags table of docs/configuration.md, generated from the catalog
/// (`model-exporter check-config --markdown-table`); a test keeps the document equal to it.
extension SettingCatalog {
    static var markdownTable: String {
        var lines = [
            "| Flag | Environment variable | Config file key | Default | Meaning |",
            "|---|---|---|---|---|",
            "| `--config.file` | `MODEL_EXPORTER_CONFIG_FILE` | — | — | YAML file with the settings below (precedence: flag > environment > file > default). |",
        ]
        for spec in all {
            let defaultText = switch spec.defaultValue {
            case nil: "—"
            case ""?: "(empty)"
            case let value?: "`\(value)`"
            }
            lines.append("| `--\(spec.flag)` | `\(spec.environmentVariable)` | `\(spec.fileKey)` | \(defaultText) | \(spec.help.replacingOccurrences(of: "|", with: "\\|")) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
