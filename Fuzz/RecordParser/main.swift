// libFuzzer entry for the mapped-format parser, one binary per preset (scripts/fuzz builds it
// with -sanitize=fuzzer,address from the parser's and the formats' sources and Yams; not part
// of the package build). The preset comes from MODEL_EXPORTER_FUZZ_FORMAT. Beyond "no crash,
// no leak, no memory error", it checks the contract on every input: records are numbered
// 0, 1, 2, ... in order; an accepted record has finite, non-negative numbers and a non-empty
// agent and model; and parsing the same line twice gives the same records.

#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) var parser: RecordParser = {
    let name = getenv("MODEL_EXPORTER_FUZZ_FORMAT").map { String(cString: $0) } ?? "otel-genai"
    do {
        return RecordParser(format: try CallLogFormat.named(name))
    } catch {
        fatalError("MODEL_EXPORTER_FUZZ_FORMAT=\(name): \(error)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = UnsafeRawBufferPointer(start: data, count: size)
    var first: [ParsedRecord] = []
    parser.parse(buffer) { first.append(ParsedRecord(index: $0, result: $1)) }
    for (position, record) in first.enumerated() {
        precondition(record.index == position, "records out of order")
        if case .success(let call) = record.result {
            precondition(call.latencyMs.isFinite && call.latencyMs >= 0, "latency out of contract")
            precondition(call.costUSD.isFinite && call.costUSD >= 0, "cost out of contract")
            precondition(call.timestamp.isFinite, "timestamp out of contract")  // RFC 3339 before 1970 is negative, as in the default format
            precondition(!call.agent.isEmpty && !call.model.isEmpty, "empty label accepted")
            precondition((call.ttftMs ?? 0).isFinite && (call.ttftMs ?? 0) >= 0, "ttft out of contract")
        }
    }
    let again = parser.parse(Array(buffer))
    precondition(again == first, "the same line parsed twice differs")
    return 0
}
