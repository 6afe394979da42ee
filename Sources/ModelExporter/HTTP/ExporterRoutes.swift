import Foundation
import Hummingbird
import MetricsCore
import NIOCore

/// The HTTP surface: /metrics, /health and a landing page. Routes only pick the bytes and set
/// headers; the exposition and the health report are built elsewhere from the published snapshot.
/// No route reads or writes a file named by the request.
enum ExporterRoutes {
    static func router(board: MetricsBoard, telemetryPath: String) -> Router<BasicRequestContext> {
        let router = Router()
        let metrics = MetricsEndpoint(board: board)
        router.get(RouterPath(telemetryPath)) { request, _ -> Response in
            metrics.response(accept: request.headers[.accept], acceptEncoding: request.headers[.acceptEncoding])
        }
        router.get("/health") { _, _ -> Response in
            let report = HealthReport(board.snapshot)
            return Response(
                status: HTTPResponse.Status(code: report.httpStatusCode),
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(report.json()))))
        }
        router.get("/") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: LandingPage.html(telemetryPath: telemetryPath))))
        }
        return router
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
        <li><a href="/health">Health</a></li>
        </ul>
        </body></html>
        """
    }
}
