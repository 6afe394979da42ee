import Foundation
import Hummingbird
import MetricsCore
import NIOCore

/// The HTTP surface: /metrics, /health, /health/{agent} and the status page at /. Routes only pick
/// the bytes and set headers; the exposition and the health report are built elsewhere, from
/// the published snapshot and (for agents) from ``AgentHealthProbe``, whose queries run off
/// the event loop. No route reads or writes a file named by the request; the agent name in
/// the path only ever reaches SQLite as a bound parameter.
enum ExporterRoutes {
    static func router(board: MetricsBoard, telemetryPath: String, agentHealth: AgentHealthProbe? = nil,
                       statusPage: StatusPageSource? = nil) -> Router<BasicRequestContext> {
        let router = Router()
        // The status page reads the database the agent probe reads, and takes states from it.
        let statusPage = statusPage ?? agentHealth.map { StatusPageSource(path: $0.path, agentHealth: $0) }
        let metrics = MetricsEndpoint(board: board)
        router.get(RouterPath(telemetryPath)) { request, _ -> Response in
            await metrics.response(accept: request.headers[.accept], acceptEncoding: request.headers[.acceptEncoding])
        }
        router.get("/health") { _, _ -> Response in
            var agents: Result<AgentHealthOverview, AgentHealthError>?
            if let agentHealth {
                do throws(AgentHealthError) {
                    agents = .success(try await agentHealth.overview())
                } catch {
                    agents = .failure(error)
                }
            }
            let report = HealthReport(board.snapshot, agentHealth: agents)
            return json(report.json(), status: report.httpStatusCode)
        }
        router.get("/health/{agent}") { _, context -> Response in
            let raw = context.parameters.get("agent") ?? ""
            let agent = raw.removingPercentEncoding ?? raw
            guard let agentHealth else {
                return json(errorBody("agent health is not available in this server"), status: 503)
            }
            do throws(AgentHealthError) {
                guard let health = try await agentHealth.health(of: agent) else {
                    return json(errorBody("unknown agent: no series and no calls from it", agent: agent), status: 404)
                }
                return json(HealthReport.Agent(health).json(), status: 200)
            } catch {
                return json(errorBody(error.description, agent: agent), status: 503)
            }
        }
        router.get("/") { _, _ -> Response in
            // Always 200, also when the database cannot be read (the page says why): it is a
            // page for people; /health is the one for machines.
            let html = if let statusPage {
                StatusPage.html(await statusPage.page(), telemetryPath: telemetryPath,
                                exporterProblems: HealthReport(board.snapshot).problems,
                                budgets: board.snapshot.costBudgets)
            } else {
                LandingPage.html(telemetryPath: telemetryPath)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        }
        return router
    }

    private static func json(_ body: Data, status: Int) -> Response {
        Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(body))))
    }

    private static func errorBody(_ message: String, agent: String? = nil) -> Data {
        var object: [String: String] = ["error": message]
        if let agent { object["agent"] = agent }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}

/// A small page linking the endpoints, as node_exporter has.
enum LandingPage {
    static func html(telemetryPath: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>model-exporter</title></head>
        <body>
        <h1>model-exporter \(ExporterVersion.current)</h1>
        <p>Prometheus exporter for an LLM gateway's call log.</p>
        <ul>
        <li><a href="\(telemetryPath)">Metrics</a></li>
        <li><a href="/health">Health</a> (and <code>/health/{agent}</code>)</li>
        </ul>
        </body></html>
        """
    }
}
