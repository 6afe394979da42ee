import Foundation
import HummingbirdTLS
import NIOCore
import NIOSSL

/// Turning `tls_server_config` into NIOSSL's configuration: the files are read and the TLS
/// context is built once here, at start, so an unreadable file, a key that does not belong to
/// the certificate or a CA file without certificates stops the start with the key's name
/// rather than failing every handshake later.
extension WebConfig.TLSServer {
    struct Loaded: Sendable {
        var channel: TLSChannelConfiguration
        /// The server certificate's end of validity (seconds since 1970).
        var notValidAfter: Int
        var clientCACount: Int
    }

    /// nil when a problem was found (and appended to `problems`).
    func load(problems: inout [String]) -> Loaded? {
        let before = problems.count
        let chain = Self.readPEM("cert_file", certFile, problems: &problems) { try NIOSSLCertificate.fromPEMBytes($0) }
        if let chain, chain.isEmpty { problems.append("tls_server_config.cert_file \(certFile) does not hold PEM certificates (-----BEGIN CERTIFICATE-----)") }
        let key = Self.readPEM("key_file", keyFile, problems: &problems) { try NIOSSLPrivateKey(bytes: $0, format: .pem) }
        var clientCAs: [NIOSSLCertificate] = []
        if let clientCAFile {
            clientCAs = Self.readPEM("client_ca_file", clientCAFile, problems: &problems) { try NIOSSLCertificate.fromPEMBytes($0) } ?? []
            if problems.count == before, clientCAs.isEmpty {
                problems.append("tls_server_config.client_ca_file \(clientCAFile) does not hold PEM certificates (-----BEGIN CERTIFICATE-----)")
            }
        }
        guard problems.count == before, let chain, let leaf = chain.first, let key else { return nil }

        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = minVersion.nioVersion
        tls.maximumTLSVersion = maxVersion?.nioVersion
        // Only the configured CA: the system's roots would let any publicly issued certificate in.
        tls.trustRoots = .certificates(clientCAs)
        tls.sendCANameList = !clientCAs.isEmpty
        var acceptAnyCertificate = false
        switch clientAuth {
        case .noClientCert:
            tls.certificateVerification = .none
        case .requestClientCert:
            tls.certificateVerification = .optionalVerification
            acceptAnyCertificate = true
        case .requireAnyClientCert:
            tls.certificateVerification = .noHostnameVerification
            acceptAnyCertificate = true
        case .verifyClientCertIfGiven:
            tls.certificateVerification = .optionalVerification
        case .requireAndVerifyClientCert:
            tls.certificateVerification = .noHostnameVerification
        }
        do {
            _ = try NIOSSLContext(configuration: tls)
        } catch NIOSSLError.failedToLoadPrivateKey {
            problems.append("tls_server_config.key_file \(keyFile) is not the private key of the certificate in cert_file \(certFile)")
            return nil
        } catch {
            problems.append("tls_server_config: cannot set up TLS with cert_file \(certFile) and key_file \(keyFile): \(error)")
            return nil
        }
        // Go's RequestClientCert and RequireAnyClientCert take any certificate without checking
        // it; in BoringSSL that is a verification callback that says yes.
        let channel = acceptAnyCertificate
            ? TLSChannelConfiguration(tlsConfiguration: tls, customVerificationCallback: { _, promise in promise.succeed(.certificateVerified) })
            : TLSChannelConfiguration(tlsConfiguration: tls)
        return Loaded(channel: channel, notValidAfter: Int(leaf.notValidAfter), clientCACount: clientCAs.count)
    }

    private static func readPEM<T>(_ key: String, _ path: String, problems: inout [String], parse: ([UInt8]) throws -> T) -> T? {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable by this user" : "no such file"
            problems.append("tls_server_config.\(key): cannot read \(path) (\(reason))")
            return nil
        }
        do {
            return try parse(Array(data))
        } catch {
            let what = key == "key_file" ? "an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)" : "PEM certificates (-----BEGIN CERTIFICATE-----)"
            problems.append("tls_server_config.\(key) \(path) does not hold \(what)")
            return nil
        }
    }
}

extension TLSVersionName {
    var nioVersion: TLSVersion {
        switch self {
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }
}
