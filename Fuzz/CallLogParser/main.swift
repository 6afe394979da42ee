// libFuzzer entry for the default-format line parser (scripts/fuzz builds it with
// -sanitize=fuzzer,address from the parser's own sources; not part of the package build).
// Beyond "no crash, no leak, no memory error", it checks the parser's contract on every
// input: a parsed call has finite, non-negative numbers and a non-empty agent and model.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var parser = CallLogParser()
    let buffer = UnsafeRawBufferPointer(start: data, count: size)
    if case .success(let call) = parser.parse(buffer) {
        precondition(call.latencyMs.isFinite && call.latencyMs >= 0, "latency out of contract")
        precondition(call.costUSD.isFinite && call.costUSD >= 0, "cost out of contract")
        precondition(call.timestamp.isFinite, "timestamp out of contract")
        precondition(!call.agent.isEmpty && !call.model.isEmpty, "empty label accepted")
    }
    // The array entry must agree with the buffer entry.
    var second = CallLogParser()
    let viaArray = second.parse(Array(buffer))
    switch (parser.parse(buffer), viaArray) {
    case (.success, .success), (.failure, .failure): break
    default: preconditionFailure("the two entry points disagree")
    }
    return 0
}
