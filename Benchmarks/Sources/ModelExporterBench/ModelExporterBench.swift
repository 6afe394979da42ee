#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetricsCore

/// The microbenchmarks of the performance suite (`scripts/bench`), which runs this binary and
/// reads the JSON it prints. The end-to-end measures run the real `model-exporter`; these
/// isolate its parts so that a regression can be located:
///
///     model-exporter-bench micro --log FILE --workdir DIR [--batch 10000] [--only parse,aggregate,store,ceiling]
///     model-exporter-bench micro --log FILE --workdir DIR --only ship --replica-url postgres://...
///     model-exporter-bench generate-agents --lines N --agents 50 --seed S --output FILE [--rate R]
///
/// `micro` loads the log into memory once, then times, in this order:
/// - `parse`: CallLogParser over every line (the lines are already split; no I/O);
/// - `aggregate`: CallAggregator.add of the parsed records;
/// - `store`: CallStore.insertCall of the parsed records + commit every `--batch` rows;
/// - `ceiling`: the same rows, pre-encoded, through a bare prepared INSERT into a database
///   created by CallStore (same schema, index and pragmas): what SQLite alone can do here;
/// - `ship` (only when asked, with `--replica-url`): the records stored (untimed) and shipped by
///   the real ReplicaShipper into that PostgreSQL (docs/fleet.md).
///
/// `generate-agents` writes the product's synthetic log with many agents instead of five, so
/// that /metrics has enough series for the scrape benchmark; it lives here and not in
/// `model-exporter generate` because only the benchmark needs it.
@main
struct ModelExporterBench {
    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard !arguments.isEmpty else { usage() }
        let mode = arguments.removeFirst()
        do {
            let options = try BenchArguments(arguments)
            switch mode {
            case "micro":
                try await runMicro(options)
            case "formats":
                try runFormats(options)
            case "generate-agents":
                try ManyAgentsLog(
                    lines: try options.int("lines"), agents: try options.int("agents", default: 50),
                    seed: UInt64(try options.int("seed", default: 1)), rate: try options.double("rate", default: 50)
                ).write(to: try options.string("output"))
            default:
                usage()
            }
        } catch {
            printError("model-exporter-bench: \(error)\n")
            exit(1)
        }
    }

    static func runMicro(_ options: BenchArguments) async throws {
        let only = Set(try options.string("only", default: "parse,aggregate,store,ceiling").split(separator: ",").map(String.init))
        let batch = try options.int("batch", default: 10_000)
        let workdir = try options.string("workdir")
        let log = try LogImage(path: try options.string("log"))
        var results: [(String, Measurement)] = []
        if only.contains("parse") {
            results.append(("parse", ParseBenchmark().run(log)))
        }
        // Untimed: the records every later measure starts from, parsed once.
        let parsed = ParsedLog(log)
        if only.contains("aggregate") {
            results.append(("aggregate", AggregateBenchmark().run(parsed)))
        }
        if only.contains("store") {
            results.append(("store", try StoreBenchmark(batch: batch).run(parsed, databasePath: workdir + "/store.sqlite")))
        }
        if only.contains("ceiling") {
            let rows = RowArena(parsed)
            results.append(("ceiling", try CeilingBenchmark(batch: batch).run(rows, databasePath: workdir + "/ceiling.sqlite")))
        }
        if only.contains("ship") {
            let url = try options.string("replica-url")
            results.append(("ship", try await ShipBenchmark(batch: batch).run(parsed, databasePath: workdir + "/ship.sqlite", url: url)))
        }
        let fields = results.map { "\"\($0.0)\": \($0.1.json)" }
        print("{\"lines\": \(log.lineCount), \"accepted\": \(parsed.records.count), \"bytes\": \(log.bytes.count), \(fields.joined(separator: ", "))}")
    }

    /// Each preset against the default format on the same calls: parse records/s and CPU per
    /// record in memory, and (with --outdir) the logs written for an end-to-end ingest.
    static func runFormats(_ options: BenchArguments) throws {
        let log = try LogImage(path: try options.string("log"))
        let limit = try options.int("limit", default: 0)
        var parsed = ParsedLog(log)
        let outdir = try options.string("outdir", default: "")
        var fields: [String] = []
        var defaultLines = log.lines.map { String(decoding: log.bytes[$0.start..<$0.start + $0.count], as: UTF8.self) }
        if limit > 0 {
            defaultLines = Array(defaultLines.prefix(limit))
            parsed.records = Array(parsed.records.prefix(limit))
        }
        let formats: [(String, [String])] = [("model-exporter", defaultLines)]
            + FormatLogs.names.map { ($0, FormatLogs.lines($0, records: parsed.records)) }
        for (name, lines) in formats {
            let format = try CallLogFormat.named(name)
            let (measurement, bytes) = FormatParseBenchmark().run(lines, format: format)
            var path = ""
            if !outdir.isEmpty {
                path = outdir + "/" + name + ".jsonl"
                try FormatLogs.writeFile(lines.joined(separator: "\n") + "\n", to: path)
            }
            fields.append("\"\(name)\": {\"parse\": \(measurement.json), \"lines\": \(lines.count), \"bytes\": \(bytes), \"path\": \"\(path)\"}")
        }
        print("{\(fields.joined(separator: ", "))}")
    }

    static func usage() -> Never {
        printError("""
            usage: model-exporter-bench micro --log FILE --workdir DIR [--batch 10000] [--only parse,aggregate,store,ceiling]
                   model-exporter-bench formats --log FILE [--outdir DIR] [--limit N]
                   model-exporter-bench generate-agents --lines N --output FILE [--agents 50] [--seed 1] [--rate 50]

            """)
        exit(2)
    }

    /// Standard error without Foundation or the C `stderr` global (not concurrency-safe in Swift 6).
    static func printError(_ text: String) {
        var text = text
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}
