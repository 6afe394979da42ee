/// Prices per model for formats that log tokens but no cost (Envoy AI Gateway, OpenTelemetry
/// GenAI spans): US dollars per million input and output tokens. A record whose format gives
/// no cost is priced from its tokens; a model not in the table costs 0, as before.
package struct ModelPricing: Sendable, Equatable {
    package struct Price: Sendable, Equatable {
        package var inputPerMillion: Double
        package var outputPerMillion: Double

        package init(inputPerMillion: Double, outputPerMillion: Double) {
            self.inputPerMillion = inputPerMillion
            self.outputPerMillion = outputPerMillion
        }
    }

    package var prices: [String: Price]

    package init(_ prices: [String: Price] = [:]) {
        self.prices = prices
    }

    package var isEmpty: Bool { prices.isEmpty }

    /// The cost of a call of `model` with these tokens, nil when the model has no price.
    package func cost(model: String, inputTokens: Int64?, outputTokens: Int64?) -> Double? {
        guard let price = prices[model] else { return nil }
        return (Double(inputTokens ?? 0) * price.inputPerMillion + Double(outputTokens ?? 0) * price.outputPerMillion) / 1_000_000
    }

    /// `MODEL=INPUT/OUTPUT,...` as a flag or environment variable gives it
    /// (`gpt-4o=2.5/10,claude-sonnet-4=3/15`), or the YAML table of the config file
    /// (`gpt-4o: {input: 2.5, output: 10}`), which ConfigFile hands over as `model=in/out` pairs.
    package static func parse(_ text: String) -> Result<ModelPricing, FormatMappingError> {
        var prices: [String: Price] = [:]
        var problems: [String] = []
        for entry in text.split(separator: ",").map(Self.trimmed) where !entry.isEmpty {
            guard let equals = entry.lastIndex(of: "=") else {
                problems.append("\(entry) is not MODEL=INPUT/OUTPUT (US dollars per million tokens)")
                continue
            }
            let model = String(entry[..<equals])
            let parts = entry[entry.index(after: equals)...].split(separator: "/")
            guard !model.isEmpty, parts.count == 2, let input = Double(parts[0]), let output = Double(parts[1]),
                  input.isFinite, output.isFinite, input >= 0, output >= 0 else {
                problems.append("\(entry) is not MODEL=INPUT/OUTPUT with two non-negative prices per million tokens")
                continue
            }
            if prices[model] != nil { problems.append("\(model) is priced twice") }
            prices[model] = Price(inputPerMillion: input, outputPerMillion: output)
        }
        return problems.isEmpty ? .success(ModelPricing(prices)) : .failure(FormatMappingError(problems: problems))
    }

    private static func trimmed(_ text: Substring) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
